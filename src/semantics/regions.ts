/**
 * Posture regions: the pods of an owned namespace split by the posture that governs them in one
 * direction — workloads that state their own posture, and the rest of the namespace. Regions are
 * disjoint (the checker refuses overlapping workloads with different postures).
 */
import {
  complement,
  conjunctionMatches,
  intersect,
  allLabels,
  union,
  type Conjunction,
  type LabelSet,
} from "./labels.js";
import {
  directions,
  ownEnd,
  type Clause,
  type Direction,
  type Model,
  type OwnedNamespace,
  type PostureSetting,
  type Workload,
} from "./model.js";
import { workloadsIn } from "./lookup.js";
import { candidateNamespaces } from "./lookup.js";
import { objectList, sameItems, toSize } from "../arrays.js";

const isAllLabels = (set: LabelSet): boolean => set.length === 1 && set[0].length === 0;

export interface Region {
  pods: LabelSet;
  posture: PostureSetting;
}

const regionCache = new WeakMap<Model, WeakMap<OwnedNamespace, Partial<Record<Direction, Region[]>>>>();

/**
 * The models whose namespaces' regions and clauses' reaches are kept for the next version of their
 * program (below): those the language server's incremental check makes. A one-shot build's model
 * has no next version, and its clauses live through verification: it keeps none.
 */
const versioned = new WeakSet<Model>();

/** Keeps `model`'s regions and reaches for the next version of its program (`keptRegions`, `keptReach`). */
export function keepForNextVersion(model: Model): void {
  versioned.add(model);
}

// and across models: a namespace object (with its postures) kept by the next version of a program
// (the language server's incremental check) has the same regions while its workloads are the same
// objects (with their pods and postures)
const keptRegions = new WeakMap<
  OwnedNamespace,
  { workloads: readonly Workload[]; regions: Partial<Record<Direction, Region[]>> }
>();

export function managedRegions(model: Model, namespace: OwnedNamespace, direction: Direction): Region[] {
  let cache = regionCache.get(model);
  if (!cache) regionCache.set(model, (cache = new WeakMap()));
  let both = cache.get(namespace);
  if (!both) {
    if (!versioned.has(model)) both = {};
    else {
      const workloads = workloadsIn(model, namespace.name);
      const kept = keptRegions.get(namespace);
      if (kept && sameItems(kept.workloads, workloads)) both = kept.regions;
      else keptRegions.set(namespace, { workloads, regions: (both = {}) });
    }
    cache.set(namespace, both);
  }
  return (both[direction] ??= computeRegions(model, namespace, direction));
}

function computeRegions(model: Model, namespace: OwnedNamespace, direction: Direction): Region[] {
  const regions: Region[] = [];
  let withOwnPosture: LabelSet = [];
  for (const w of workloadsIn(model, namespace.name)) {
    const posture = w.postures[direction];
    if (!posture) continue;
    regions.push({ pods: [w.pods], posture });
    withOwnPosture = union(withOwnPosture, [w.pods]);
  }
  const rest = namespace.postures[direction];
  if (rest) {
    const pods = intersect(allLabels, complement(withOwnPosture));
    if (pods.length > 0) regions.push({ pods, posture: rest });
  }
  return regions;
}

/** The pods of `namespace` that `clause` names at its end for `direction` (ingress: destinations). */
export function clauseSubjects(clause: Clause, namespace: OwnedNamespace, direction: Direction): LabelSet {
  const terms = ownEnd(clause, direction).pods;
  // (no list made when no term is here: asked of each clause's candidate namespaces in both
  // directions, and most clauses' ends lie in one namespace each, so half the answers are empty;
  // one term's, most answers, a list of one made as such: reaches keep it, and a list pushed to
  // keeps 17 slots)
  let first: Conjunction | undefined;
  let pods: Conjunction[] | undefined;
  // (loops over indexes: asked for every clause and namespace, mostly before it is optimized)
  for (let i = 0; i < terms.length; i++) {
    if (!conjunctionMatches(terms[i].namespaces, namespace.labels)) continue;
    if (first === undefined) first = terms[i].pods;
    else (pods ??= [first]).push(terms[i].pods);
  }
  return first === undefined ? NO_SUBJECTS : pods === undefined ? [first] : union([], pods);
}

/** `clauseSubjects`' answer when a clause names no pod of the namespace at that end: one list for all, never changed. */
const NO_SUBJECTS: LabelSet = objectList<Conjunction>();

/** Where a clause takes effect: each managed region it reaches, per namespace and direction. */
export interface Reach {
  namespace: OwnedNamespace;
  direction: Direction;
  region: Region;
  subjects: LabelSet;
}

// per model: a clause of a rule checked once is kept in the models of the versions after it (the
// language server's incremental check), where it may reach other namespaces and regions; it is
// reused there when the owned namespaces are the same list and the regions it read the same objects
const reachCache = new WeakMap<Model, WeakMap<Clause, Reach[]>>();
const keptReach = new WeakMap<Clause, { among: readonly OwnedNamespace[]; read: Region[][]; reach: Reach[] }>();

/** Where a clause takes effect (computed once per clause and model: the model is immutable once checked). */
export function clauseReach(model: Model, clause: Clause): Reach[] {
  let cache = reachCache.get(model);
  if (!cache) reachCache.set(model, (cache = new WeakMap()));
  let reach = cache.get(clause);
  if (!reach && !versioned.has(model)) cache.set(clause, (reach = computeReach(model, clause)));
  if (!reach) {
    const kept = keptReach.get(clause);
    if (kept && kept.among === model.namespaces && sameItems(kept.read, regionsRead(model, clause))) reach = kept.reach;
    else {
      const read: Region[][] = [];
      reach = computeReach(model, clause, read);
      keptReach.set(clause, { among: model.namespaces, read, reach });
    }
    cache.set(clause, reach);
  }
  return reach;
}

/** The regions `computeReach` reads, in its order. */
function regionsRead(model: Model, clause: Clause): Region[][] {
  const read: Region[][] = [];
  for (const namespace of candidateNamespaces(model, clause))
    for (const direction of directions)
      if (clauseSubjects(clause, namespace, direction).length > 0)
        read.push(managedRegions(model, namespace, direction));
  return read;
}

/** Whether a reach of `clause`, or regions of `namespace`, are kept for the next version of its program (for the tests). */
export function keptFor(of: Clause | OwnedNamespace): boolean {
  return "name" in of ? keptRegions.has(of) : keptReach.has(of);
}

function computeReach(model: Model, clause: Clause, read?: Region[][]): Reach[] {
  // (the first two reaches held as they are found: most clauses reach one side or two, whose list
  // is then made at its size, with no list pushed to and copied; kept as long as the model)
  let first: Reach | undefined;
  let second: Reach | undefined;
  let more: Reach[] | undefined;
  const namespaces = candidateNamespaces(model, clause);
  for (let n = 0; n < namespaces.length; n++) {
    const namespace = namespaces[n];
    for (let d = 0; d < directions.length; d++) {
      const direction = directions[d];
      const subjects = clauseSubjects(clause, namespace, direction);
      if (subjects.length === 0) continue;
      const regions = managedRegions(model, namespace, direction);
      read?.push(regions);
      for (let r = 0; r < regions.length; r++) {
        const region = regions[r];
        // (a region of every pod, the usual one, holds the subjects as they are: simplified already)
        const within = isAllLabels(region.pods) ? subjects : intersect(subjects, region.pods);
        if (within.length === 0) continue;
        const reach: Reach = { namespace, direction, region, subjects: within };
        if (first === undefined) first = reach;
        else if (second === undefined) second = reach;
        else (more ??= [first, second]).push(reach);
      }
    }
  }
  if (more !== undefined) return toSize(more);
  return first === undefined ? NO_REACH : second === undefined ? [first] : [first, second];
}

/** `computeReach`'s answer for a clause that reaches no managed side: one list for all, never changed. */
const NO_REACH: Reach[] = objectList<Reach>();
