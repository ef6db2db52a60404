/**
 * Lookups on a checked model, computed once per model (the model is immutable once checked): owned
 * namespaces by name, workloads by namespace, and the clauses that may reach a namespace, so that
 * passes over namespaces do not scan every rule or workload for each.
 */
import { objectList, toSize } from "../arrays.js";
import { conjunctionKey, conjunctionMatches, type Conjunction, type Labels } from "./labels.js";
import {
  NAMESPACE_NAME_LABEL,
  type Clause,
  type EndpointSet,
  type Model,
  type NetworkRule,
  type OwnedNamespace,
  type PodTerm,
  type Workload,
} from "./model.js";

// what depends on the owned namespaces alone is kept per list of them: the language server's
// checker keeps the list from one version of a program to the next while they stay the same
const namespaceIndex = new WeakMap<readonly OwnedNamespace[], Map<string, OwnedNamespace>>();

/** The owned namespace of that name, if any. */
export function ownedNamespace(model: Model, name: string): OwnedNamespace | undefined {
  let index = namespaceIndex.get(model.namespaces);
  if (!index) namespaceIndex.set(model.namespaces, (index = new Map(model.namespaces.map((n) => [n.name, n]))));
  return index.get(name);
}

const workloadIndex = new WeakMap<Model, Map<string, Workload[]>>();

/** The workloads of a namespace, in declaration order. */
export function workloadsIn(model: Model, namespace: string): readonly Workload[] {
  let index = workloadIndex.get(model);
  if (!index) {
    index = new Map();
    for (const w of model.workloads) {
      const list = index.get(w.namespace);
      if (list) list.push(w);
      else index.set(w.namespace, [w]);
    }
    workloadIndex.set(model, index);
  }
  return index.get(namespace) ?? [];
}

/**
 * The owned namespaces either end of a clause can hold pods of: looked up when its terms name their
 * namespaces (the common case); otherwise those whose declared labels the term's namespace selector
 * matches (worked out once per selector), in the order of `model.namespaces`. A selector such as
 * `ns(env=sandbox)` used by a rule in every namespace no longer puts that rule near every namespace.
 */
export function candidateNamespaces(model: Model, clause: Clause): readonly OwnedNamespace[] {
  let cache = candidates.get(model.namespaces);
  if (!cache) candidates.set(model.namespaces, (cache = new WeakMap()));
  let found = cache.get(clause);
  if (!found) cache.set(clause, (found = findCandidates(model, clause)));
  return found;
}

// asked once per clause by the index below and once by its reach (regions.ts): kept, per list of
// owned namespaces (a clause reused in another model, e.g. by an incremental check, may meet other
// namespaces there)
const candidates = new WeakMap<readonly OwnedNamespace[], WeakMap<Clause, readonly OwnedNamespace[]>>();

/** The namespaces a term's namespace selector names (`kubernetes.io/metadata.name in (...)`), if it does. */
export function namedNamespaces(t: PodTerm): readonly string[] | undefined {
  // (loops over indexes, no destructuring: asked for every clause, mostly before it is optimized)
  const namespaces = t.namespaces;
  for (let i = 0; i < namespaces.length; i++) {
    if (namespaces[i][0] !== NAMESPACE_NAME_LABEL) continue;
    const c = namespaces[i][1];
    return c.absentOk || c.values.kind !== "only" ? undefined : c.values.values;
  }
  return undefined;
}

/** Up to this many names, `findCandidates` lists a clause's named namespaces each once without a set. */
export const FEW_NAMES = 8;

function findCandidates(model: Model, clause: Clause): readonly OwnedNamespace[] {
  // (one term at each end, each naming one namespace, most clauses: their owned namespaces in a
  // list of one or two made as such, kept as long as the model without the spare slots of `push`)
  const sources = clause.sources.pods;
  const destinations = clause.destinations.pods;
  if (sources.length === 1 && destinations.length === 1) {
    const from = namedNamespaces(sources[0]);
    const to = namedNamespaces(destinations[0]);
    if (from !== undefined && to !== undefined && from.length === 1 && to.length === 1) {
      const a = ownedNamespace(model, from[0]);
      const b = to[0] === from[0] ? undefined : ownedNamespace(model, to[0]);
      return a ? (b ? [a, b] : [a]) : b ? [b] : NO_NAMESPACES;
    }
  }
  // the names in order of appearance, each once (most clauses name one or two)
  const names: string[] = [];
  let many: Set<string> | undefined;
  let selected: Set<number> | undefined;
  for (let e = 0; e < 2; e++) {
    const end = e === 0 ? clause.sources.pods : clause.destinations.pods;
    for (let k = 0; k < end.length; k++) {
      const t = end[k];
      const named = namedNamespaces(t);
      if (!named) {
        selected ??= new Set();
        const matching = namespacesMatching(model, t.namespaces);
        for (let j = 0; j < matching.length; j++) selected.add(matching[j]);
        continue;
      }
      for (let j = 0; j < named.length; j++) {
        const name = named[j];
        if (many ? many.has(name) : names.includes(name)) continue;
        names.push(name);
        if (many) many.add(name);
        else if (names.length > FEW_NAMES) many = new Set(names);
      }
    }
  }
  // (every answer a list pushed to, none empty: one elements kind for `computeReach` and
  // `clausesByNamespace`, which loop over them, compiled once)
  const found: OwnedNamespace[] = [];
  if (!selected) {
    for (let j = 0; j < names.length; j++) {
      const owned = ownedNamespace(model, names[j]);
      if (owned) found.push(owned);
    }
    return found.length > 0 ? toSize(found) : NO_NAMESPACES;
  }
  for (let j = 0; j < names.length; j++) {
    const i = namespacePosition(model, names[j]);
    if (i !== undefined) selected.add(i);
  }
  const positions = [...selected].sort((a, b) => a - b);
  for (let j = 0; j < positions.length; j++) found.push(model.namespaces[positions[j]]);
  return found.length > 0 ? toSize(found) : NO_NAMESPACES;
}

/** No owned namespace: one list for every clause without any, of the kind of those with some. */
const NO_NAMESPACES: readonly OwnedNamespace[] = objectList();

const matchingCache = new WeakMap<readonly OwnedNamespace[], Map<string, readonly number[]>>();

/** The positions in `model.namespaces` of the owned namespaces whose labels `selector` matches. */
export function namespacesMatching(model: Model, selector: Conjunction): readonly number[] {
  let cache = matchingCache.get(model.namespaces);
  if (!cache) matchingCache.set(model.namespaces, (cache = new Map()));
  const key = conjunctionKey(selector);
  let found = cache.get(key);
  if (!found) {
    const positions: number[] = [];
    model.namespaces.forEach((n, i) => {
      if (conjunctionMatches(selector, n.labels)) positions.push(i);
    });
    cache.set(key, (found = positions));
  }
  return found;
}

const positionIndex = new WeakMap<readonly OwnedNamespace[], Map<string, number>>();

function namespacePosition(model: Model, name: string): number | undefined {
  let index = positionIndex.get(model.namespaces);
  if (!index) positionIndex.set(model.namespaces, (index = new Map(model.namespaces.map((n, i) => [n.name, i]))));
  return index.get(name);
}

const byNamespaceCache = new WeakMap<Model, Map<string, { rule: NetworkRule; clause: Clause }[]>>();

/**
 * The clauses (with their rules, in program order) that may hold pods of an owned namespace at
 * either end: an index, so that passes over namespaces do not scan every rule for each.
 */
export function clausesNear(model: Model, namespace: string): readonly { rule: NetworkRule; clause: Clause }[] {
  let index = byNamespaceCache.get(model);
  const seed = index ? undefined : seeds.get(model);
  if (seed) {
    // (once: the earlier model let go of, not held from model to model)
    seeds.delete(model);
    if (seed.made(model, seed.from)) index = byNamespaceCache.get(model);
  }
  if (!index) byNamespaceCache.set(model, (index = clausesByNamespace(model, model.rules)));
  return index.get(namespace) ?? [];
}

/**
 * The clauses of `rules` (those `keep` keeps), with their rules, by each owned namespace they may
 * reach (`candidateNamespaces`), in program order: `clausesNear`'s index, or a part of it.
 */
export function clausesByNamespace(
  model: Model,
  rules: readonly NetworkRule[],
  keep?: (clause: Clause) => boolean,
): Map<string, { rule: NetworkRule; clause: Clause }[]> {
  const index = new Map<string, { rule: NetworkRule; clause: Clause }[]>();
  // (loops over indexes, and `keep` asked in a loop of its own: `clausesNear`'s index of every
  // clause is made first, by code V8 compiles without a call of `keep`, which a first call would
  // throw away)
  if (keep) return keptByNamespace(model, rules, keep, index);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    for (let j = 0; j < rule.clauses.length; j++) addNear(model, index, rule, rule.clauses[j]);
  }
  return index;
}

function keptByNamespace(
  model: Model,
  rules: readonly NetworkRule[],
  keep: (clause: Clause) => boolean,
  index: Map<string, { rule: NetworkRule; clause: Clause }[]>,
): Map<string, { rule: NetworkRule; clause: Clause }[]> {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    for (let j = 0; j < rule.clauses.length; j++)
      if (keep(rule.clauses[j])) addNear(model, index, rule, rule.clauses[j]);
  }
  return index;
}

/** `clause` (of `rule`) added to the list of each namespace it may reach. */
function addNear(
  model: Model,
  index: Map<string, { rule: NetworkRule; clause: Clause }[]>,
  rule: NetworkRule,
  clause: Clause,
): void {
  const near = candidateNamespaces(model, clause);
  for (let k = 0; k < near.length; k++) {
    const list = index.get(near[k].name);
    if (list) list.push({ rule, clause });
    else index.set(near[k].name, [{ rule, clause }]);
  }
}

/** Per model, the earlier model whose `clausesNear` index its own is to be made from, when first asked for (`nearFrom`). */
const seeds = new WeakMap<Model, { from: Model; made: (model: Model, last: Model) => boolean }>();

/**
 * Has `model`'s `clausesNear` index, when first asked for, made from that of `last` (an earlier
 * version's model: the language server's, src/lsp/reuse.ts) by `clausesNearFrom`, or from that of
 * the model `last`'s was to be made from when `last` has none (its index never asked for).
 */
export function nearFrom(model: Model, last: Model, made = clausesNearFrom): void {
  const from = byNamespaceCache.has(last) ? last : seeds.get(last)?.from;
  if (from) seeds.set(model, { from, made });
}

/**
 * The `clausesNear` index of `model` made from that of `last`, an earlier version's model with the
 * same list of owned namespaces: the lists of the namespaces no rule added or removed is near are
 * the last ones (the same objects); the others are the last ones without the removed rules, the
 * added rules' clauses merged in at their places (rules are in the order of their spans). False,
 * and nothing made, when `last` has no index, the namespaces differ, `model` has one already, or
 * two rules are at the same place.
 */
export function clausesNearFrom(model: Model, last: Model, changed = changedRules): boolean {
  const index = byNamespaceCache.get(last);
  if (!index || last.namespaces !== model.namespaces || byNamespaceCache.has(model)) return false;
  const diff = changed(last, model);
  if (!diff) return false;
  const { added, removed } = diff;
  const near = clausesByNamespace(model, added);
  const affected = new Set(near.keys());
  for (const rule of removed)
    for (const clause of rule.clauses) for (const n of candidateNamespaces(last, clause)) affected.add(n.name);
  const gone = new Set(removed);
  const next = new Map(index);
  for (const name of affected) {
    const kept = (index.get(name) ?? []).filter((e) => !gone.has(e.rule));
    const merged = mergedInProgramOrder(kept, near.get(name) ?? []);
    if (merged.length > 0) next.set(name, merged);
    else next.delete(name);
  }
  byNamespaceCache.set(model, next);
  return true;
}

/** Two lists of entries of rules, each in program order and no rule in both, merged in program order. */
export function mergedInProgramOrder<T extends { rule: NetworkRule }>(a: readonly T[], b: readonly T[]): T[] {
  const merged: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length) merged.push(a[i++]);
    else if (i === a.length) merged.push(b[j++]);
    else merged.push(compareRuleSpans(a[i].rule, b[j].rule) < 0 ? a[i++] : b[j++]);
  }
  return merged;
}

/**
 * The rules of `model` not in `last`, and those of `last` not in `model`, each in program order
 * (objects compared): `changedIn` of their lists.
 */
export function changedRules(last: Model, model: Model): { added: NetworkRule[]; removed: NetworkRule[] } | undefined {
  return changedIn(last.rules, model.rules);
}

/**
 * The rules of `b` not in `a`, and those of `a` not in `b` (two lists of rules in program order,
 * such as a model's rules or those of one action), each in program order (objects compared): one
 * walk over both lists. Undefined when two rules of a list are at the same place (no order tells
 * them apart).
 */
export function changedIn(
  a: readonly NetworkRule[],
  b: readonly NetworkRule[],
): { added: NetworkRule[]; removed: NetworkRule[] } | undefined {
  if (!inStrictOrder(a) || !inStrictOrder(b)) return undefined;
  const added: NetworkRule[] = [];
  const removed: NetworkRule[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const order = i === a.length ? 1 : j === b.length ? -1 : compareRuleSpans(a[i], b[j]);
    if (order <= 0) removed.push(a[i++]);
    if (order >= 0) added.push(b[j++]);
  }
  return { added, removed };
}

/** Whether each list of rules asked about is in program order, no two at the same place (asked once per list: a list is compared with the next version's too). */
const strictOrder = new WeakMap<readonly NetworkRule[], boolean>();

function inStrictOrder(list: readonly NetworkRule[]): boolean {
  let known = strictOrder.get(list);
  if (known === undefined) {
    known = true;
    for (let k = 1; k < list.length && known; k++) known = compareRuleSpans(list[k - 1], list[k]) < 0;
    strictOrder.set(list, known);
  }
  return known;
}

/** Rules in program order: by file, then offset (the checker's order of `model.rules`). */
export function compareRuleSpans(a: NetworkRule, b: NetworkRule): number {
  if (a === b) return 0;
  const file = a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0;
  return file || a.span.start.offset - b.span.start.offset;
}

const termsCache = new WeakMap<Model, readonly PodTerm[]>();

/** Every pod term at either end of every clause, in program order. */
export function podTerms(model: Model): readonly PodTerm[] {
  let terms = termsCache.get(model);
  if (!terms)
    termsCache.set(
      model,
      (terms = model.rules.flatMap((r) => r.clauses.flatMap((c) => [...c.sources.pods, ...c.destinations.pods]))),
    );
  return terms;
}

/**
 * The pod selectors of the terms that can hold pods of a namespace with these labels, each once, in
 * program order: through `clausesNear` for an owned namespace, by scanning every term otherwise.
 */
export function termPodsIn(model: Model, namespace: string, labels: Labels): Conjunction[] {
  const terms = ownedNamespace(model, namespace)
    ? clausesNear(model, namespace).flatMap(({ clause }) => [...clause.sources.pods, ...clause.destinations.pods])
    : podTerms(model);
  const found = new Set<Conjunction>();
  for (const t of terms) if (conjunctionMatches(t.namespaces, labels)) found.add(t.pods);
  return [...found];
}

/**
 * `items` indexed by the namespaces their peers name, to find, in their order, those whose peers may
 * meet a given endpoint set: a superset of those whose intersection with it is not empty (terms
 * naming disjoint namespaces never meet; address blocks meet only address blocks), so that a pass
 * asking each allow about the denies of its side does not ask every deny of a namespace. An answer
 * may be an array the index keeps (the same for every query it answers alike), never to be changed.
 */
export function peerIndex<T>(
  items: readonly T[],
  peersOf: (item: T) => EndpointSet,
): (peers: EndpointSet) => readonly T[] {
  if (items.length === 0) return () => items;
  // per list of places, the items at them, made when first given as an answer (most answers are one list)
  const byName = new Map<string, IndexList<T>>();
  const open = indexList<T>();
  const withIps = indexList<T>();
  const add = (n: string, i: number) => {
    const list = byName.get(n);
    if (list) list.places.push(i);
    else byName.set(n, { places: [i], items: undefined });
  };
  for (let i = 0; i < items.length; i++) {
    const peers = peersOf(items[i]);
    if (peers.ips.length > 0) withIps.places.push(i);
    // one term (the usual peers) names each of its namespaces once: no set needed to list them once
    const names = peers.pods.length > 1 ? new Set<string>() : undefined;
    let named: readonly string[] | undefined = [];
    for (let k = 0; k < peers.pods.length && named; k++) {
      named = namedNamespaces(peers.pods[k]);
      if (!named) open.places.push(i);
      else if (names) for (let j = 0; j < named.length; j++) names.add(named[j]);
      else for (let j = 0; j < named.length; j++) add(named[j], i);
    }
    if (named && names) for (const n of names) add(n, i);
  }
  // (answers made by `push`, never by `map`: V8's optimized `map` makes holey arrays, the callers'
  // optimized code had met packed ones only, and it deoptimized partway through a build's compile)
  const itemsOf = (list: IndexList<T>): readonly T[] => (list.items ??= itemsAt(items, list.places));
  return (peers) => {
    // the lists to join (no array made while there is one: most answers)
    let one: IndexList<T> | undefined;
    let lists: IndexList<T>[] | undefined;
    for (let k = 0; k < peers.pods.length; k++) {
      const named = namedNamespaces(peers.pods[k]);
      if (!named) return items;
      for (let j = 0; j < named.length; j++) {
        const list = byName.get(named[j]);
        if (!list) continue;
        if (!one) one = list;
        else (lists ??= [one]).push(list);
      }
    }
    if (peers.pods.length > 0 && open.places.length > 0) {
      if (!one) one = open;
      else (lists ??= [one]).push(open);
    }
    if (peers.ips.length > 0 && withIps.places.length > 0) {
      if (!one) one = withIps;
      else (lists ??= [one]).push(withIps);
    }
    // each list is in order and holds an item once: one list is the answer as it is
    if (!lists) return one ? itemsOf(one) : NONE;
    const found = new Set<number>();
    for (const list of lists) for (const i of list.places) found.add(i);
    return itemsAt(
      items,
      [...found].sort((a, b) => a - b),
    );
  };
}

/** Places in a `peerIndex`'s items, in order, and the items at them once asked for. */
interface IndexList<T> {
  places: number[];
  items: readonly T[] | undefined;
}

const indexList = <T>(): IndexList<T> => ({ places: [], items: undefined });

/** The items at these places, in a packed array of objects (as `filter` makes): built by `push`. */
export function itemsAt<T>(items: readonly T[], places: readonly number[]): T[] {
  const result: T[] = [];
  for (let i = 0; i < places.length; i++) result.push(items[places[i]]);
  return result;
}

const NONE: readonly never[] = [];
