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
} from "./model.js";
import { workloadsIn } from "./lookup.js";
import { candidateNamespaces } from "./lookup.js";

const isAllLabels = (set: LabelSet): boolean => set.length === 1 && set[0].length === 0;

export interface Region {
  pods: LabelSet;
  posture: PostureSetting;
}

const regionCache = new WeakMap<Model, WeakMap<OwnedNamespace, Partial<Record<Direction, Region[]>>>>();

export function managedRegions(model: Model, namespace: OwnedNamespace, direction: Direction): Region[] {
  let cache = regionCache.get(model);
  if (!cache) regionCache.set(model, (cache = new WeakMap()));
  let both = cache.get(namespace);
  if (!both) cache.set(namespace, (both = {}));
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
  const end = ownEnd(clause, direction);
  const pods: Conjunction[] = [];
  for (const t of end.pods) if (conjunctionMatches(t.namespaces, namespace.labels)) pods.push(t.pods);
  return pods.length <= 1 ? pods : union([], pods);
}

/** Where a clause takes effect: each managed region it reaches, per namespace and direction. */
export interface Reach {
  namespace: OwnedNamespace;
  direction: Direction;
  region: Region;
  subjects: LabelSet;
}

// per model: a clause of a rule checked once is kept in the models of the versions after it (the
// language server's incremental check), where it may reach other namespaces and regions
const reachCache = new WeakMap<Model, WeakMap<Clause, Reach[]>>();

/** Where a clause takes effect (computed once per clause and model: the model is immutable once checked). */
export function clauseReach(model: Model, clause: Clause): Reach[] {
  let cache = reachCache.get(model);
  if (!cache) reachCache.set(model, (cache = new WeakMap()));
  let reach = cache.get(clause);
  if (!reach) cache.set(clause, (reach = computeReach(model, clause)));
  return reach;
}

function computeReach(model: Model, clause: Clause): Reach[] {
  const result: Reach[] = [];
  for (const namespace of candidateNamespaces(model, clause)) {
    for (const direction of directions) {
      const subjects = clauseSubjects(clause, namespace, direction);
      if (subjects.length === 0) continue;
      for (const region of managedRegions(model, namespace, direction)) {
        // (a region of every pod, the usual one, holds the subjects as they are: simplified already)
        const within = isAllLabels(region.pods) ? subjects : intersect(subjects, region.pods);
        if (within.length > 0) result.push({ namespace, direction, region, subjects: within });
      }
    }
  }
  return result;
}
