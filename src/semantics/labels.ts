/**
 * Label-set algebra: sets of label maps (of pods, or of namespaces) described by Kubernetes label
 * selectors, closed under intersection, complement and difference.
 *
 * A `Conjunction` constrains some keys and leaves the others free; each key constraint says whether
 * the key may be absent and which values it may take (a finite set, or everything except a finite
 * set). A `LabelSet` is a union of conjunctions. Every conjunction kept here is expressible as ONE
 * Kubernetes label selector: the only key constraint a selector cannot state — "absent, or one of
 * these values" — is split into two conjunctions as soon as it appears.
 */
import { exact } from "../arrays.js";

export type ValueSet =
  | { kind: "only"; values: readonly string[] } // exactly these values (sorted, unique)
  | { kind: "except"; values: readonly string[] }; // any value but these

export interface KeyConstraint {
  absentOk: boolean;
  values: ValueSet;
}

/** The value a key constraint asks for when it asks for exactly one (`key=value`, as `matchLabels` says it); else undefined. */
export function soleValue(k: KeyConstraint): string | undefined {
  return !k.absentOk && k.values.kind === "only" && k.values.values.length === 1 ? k.values.values[0] : undefined;
}

/** Key constraints sorted by key; a key not listed is unconstrained. */
export type Conjunction = readonly (readonly [string, KeyConstraint])[];

export type LabelSet = readonly Conjunction[];

export type Labels = Readonly<Record<string, string>>;

/** The Kubernetes form: `{matchLabels, matchExpressions}` with stable key order. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export const everything: Conjunction = [];
export const allLabels: LabelSet = [everything];

/** A label map's text, the same whatever the order of its keys. */
export const labelsKey = (labels: Labels): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * At most this many label selectors (or pieces of a rule) where one set of pods or peers is written
 * out: some sets take exponentially many (the pods matching none of n two-label selectors are 2^n
 * conjunctions), and past this the checker and the compiler report an error instead.
 */
export const MAX_SELECTORS = 1024;
export const noLabels: LabelSet = [];

const sortedUnique = (values: readonly string[]): string[] =>
  // (one value, most requirements': no set made per requirement)
  values.length === 1 ? [values[0]] : [...new Set(values)].sort();

// ---------------------------------------------------------------------------------------------
// Building conjunctions

export type Requirement =
  | { key: string; operator: "In" | "NotIn"; values: readonly string[] }
  | { key: string; operator: "Exists" | "DoesNotExist" };

const constraintOf = (r: Requirement): KeyConstraint => {
  switch (r.operator) {
    case "In":
      return { absentOk: false, values: { kind: "only", values: sortedUnique(r.values) } };
    case "NotIn":
      return { absentOk: true, values: { kind: "except", values: sortedUnique(r.values) } };
    case "Exists":
      return { absentOk: false, values: { kind: "except", values: [] } };
    case "DoesNotExist":
      return { absentOk: true, values: { kind: "only", values: [] } };
  }
};

/** The conjunction of requirements, or `undefined` when they contradict each other. */
export function conjunctionOf(requirements: readonly Requirement[]): Conjunction | undefined {
  if (requirements.length <= FEW_REQUIREMENTS && distinctKeys(requirements)) return fewOf(requirements);
  const byKey = new Map<string, KeyConstraint>();
  for (const r of requirements) {
    const existing = byKey.get(r.key);
    const c = constraintOf(r);
    if (!existing) {
      byKey.set(r.key, c);
      continue;
    }
    const both = intersectConjunctions([[r.key, existing]], [[r.key, c]]);
    if (!both) return undefined;
    byKey.set(r.key, both[0]?.[1] ?? c);
  }
  return exact([...byKey].filter(([, c]) => !isFreeConstraint(c)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Up to this many requirements, `conjunctionOf` looks for a key written twice by comparing them all. */
const FEW_REQUIREMENTS = 8;

function distinctKeys(requirements: readonly Requirement[]): boolean {
  for (let i = 1; i < requirements.length; i++)
    for (let j = 0; j < i; j++) if (requirements[i].key === requirements[j].key) return false;
  return true;
}

/**
 * `conjunctionOf` of requirements on distinct keys (most selectors'): each key's constraint as it
 * is, sorted by key as they are added (a handful), without the map, copies and sort of the general case.
 */
function fewOf(requirements: readonly Requirement[]): Conjunction {
  // (up to three, most selectors': sorted as found and made as a literal list at its size, with no
  // list pushed to and copied; kept as long as the model)
  if (requirements.length <= 3) return upToThree(requirements);
  const entries: [string, KeyConstraint][] = [];
  for (let i = 0; i < requirements.length; i++) {
    const key = requirements[i].key;
    const c = constraintOf(requirements[i]);
    if (isFreeConstraint(c)) continue;
    const entry: [string, KeyConstraint] = [key, c];
    let j = entries.length;
    entries.push(entry);
    for (; j > 0 && entries[j - 1][0] > key; j--) entries[j] = entries[j - 1];
    entries[j] = entry;
  }
  return exact(entries);
}

/** `fewOf` of up to three requirements on distinct keys: their entries in order of key, free constraints left out. */
function upToThree(requirements: readonly Requirement[]): Conjunction {
  let a: [string, KeyConstraint] | undefined;
  let b: [string, KeyConstraint] | undefined;
  let c: [string, KeyConstraint] | undefined;
  for (let i = 0; i < requirements.length; i++) {
    const constraint = constraintOf(requirements[i]);
    if (isFreeConstraint(constraint)) continue;
    let entry: [string, KeyConstraint] = [requirements[i].key, constraint];
    // inserted in order (keys are distinct): `a` < `b` < `c` among those set
    if (a === undefined) {
      a = entry;
      continue;
    }
    if (entry[0] < a[0]) {
      const later = a;
      a = entry;
      entry = later;
    }
    if (b === undefined) {
      b = entry;
      continue;
    }
    if (entry[0] < b[0]) {
      const later = b;
      b = entry;
      entry = later;
    }
    c = entry;
  }
  return a === undefined ? [] : b === undefined ? [a] : c === undefined ? [a, b] : [a, b, c];
}

export const labelsEqual = (key: string, value: string): Conjunction => [
  [key, { absentOk: false, values: { kind: "only", values: [value] } }],
];

// ---------------------------------------------------------------------------------------------
// Membership

const valueAllowed = (set: ValueSet, value: string): boolean =>
  set.kind === "only" ? set.values.includes(value) : !set.values.includes(value);

export function conjunctionMatches(conjunction: Conjunction, labels: Labels): boolean {
  // (indexed: no iterator per call where this runs before V8 optimizes it)
  for (let i = 0; i < conjunction.length; i++) {
    const key = conjunction[i][0];
    const c = conjunction[i][1];
    const value = Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
    if (value === undefined ? !c.absentOk : !valueAllowed(c.values, value)) return false;
  }
  return true;
}

export const setMatches = (set: LabelSet, labels: Labels): boolean => set.some((c) => conjunctionMatches(c, labels));

// ---------------------------------------------------------------------------------------------
// Intersection

function intersectValues(a: ValueSet, b: ValueSet): ValueSet {
  if (a.kind === "only" && b.kind === "only")
    return { kind: "only", values: a.values.filter((v) => b.values.includes(v)) };
  if (a.kind === "only") return { kind: "only", values: a.values.filter((v) => !b.values.includes(v)) };
  if (b.kind === "only") return { kind: "only", values: b.values.filter((v) => !a.values.includes(v)) };
  return { kind: "except", values: sortedUnique([...a.values, ...b.values]) };
}

const isEmptyConstraint = (c: KeyConstraint): boolean =>
  !c.absentOk && c.values.kind === "only" && c.values.values.length === 0;

const isFreeConstraint = (c: KeyConstraint): boolean =>
  c.absentOk && c.values.kind === "except" && c.values.values.length === 0;

export function intersectConjunctions(a: Conjunction, b: Conjunction): Conjunction | undefined {
  // everything ∩ b = b, kept as the same object (its key is computed once)
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const result: [string, KeyConstraint][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ka = i < a.length ? a[i][0] : undefined;
    const kb = j < b.length ? b[j][0] : undefined;
    if (kb === undefined || (ka !== undefined && ka < kb)) {
      result.push([ka!, a[i++][1]]);
    } else if (ka === undefined || kb < ka) {
      result.push([kb, b[j++][1]]);
    } else {
      const ca = a[i++][1];
      const cb = b[j++][1];
      const c: KeyConstraint = { absentOk: ca.absentOk && cb.absentOk, values: intersectValues(ca.values, cb.values) };
      if (isEmptyConstraint(c)) return undefined;
      if (!isFreeConstraint(c)) result.push([ka, c]);
    }
  }
  return result;
}

export function intersect(a: LabelSet, b: LabelSet): LabelSet {
  const result: Conjunction[] = [];
  for (const x of a) {
    for (const y of b) {
      const z = intersectConjunctions(x, y);
      if (z) result.push(z);
    }
  }
  return simplify(result);
}

/** Whether two label sets share a label map (`intersect(a, b)` is not empty), without writing the intersection. */
export function meets(a: LabelSet, b: LabelSet): boolean {
  for (const x of a) for (const y of b) if (intersectConjunctions(x, y) !== undefined) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Complement and difference

/** The complement of one key constraint, as expressible key constraints (0, 1 or 2 of them). */
/** The label maps one key constraint does not hold, as disjoint constraints on the same key (none, one or two). */
export function complementConstraint(c: KeyConstraint): KeyConstraint[] {
  const values = c.values.values;
  if (c.values.kind === "only") {
    // not (present-or-absent and in S) = present and not in S (and absent too, if absence was excluded)
    return [{ absentOk: !c.absentOk, values: { kind: "except", values } }];
  }
  // c allows every value except S; its complement: the values in S, and absence if c excluded it
  const result: KeyConstraint[] = [];
  if (!c.absentOk) result.push({ absentOk: true, values: { kind: "only", values: [] } });
  if (values.length > 0) result.push({ absentOk: false, values: { kind: "only", values } });
  return result;
}

/**
 * The complement of a conjunction as a disjoint union: for keys k1..kn, the pieces are
 * "not c1", "c1 and not c2", ..., so that each label map falls in exactly one piece.
 */
export function complementConjunction(conjunction: Conjunction): LabelSet {
  const result: Conjunction[] = [];
  const prefix: [string, KeyConstraint][] = [];
  for (const [key, c] of conjunction) {
    for (const n of complementConstraint(c)) {
      const piece = intersectConjunctions(prefix, [[key, n]]);
      if (piece) result.push(piece);
    }
    prefix.push([key, c]);
  }
  return result;
}

export function complement(set: LabelSet): LabelSet {
  let result: LabelSet = allLabels;
  for (const c of set) result = intersect(result, complementConjunction(c));
  return result;
}

/**
 * The complement of a label set, or undefined when writing it takes more than `max` conjunctions
 * (label selectors): the pods matching none of n two-label selectors are 2^n of them.
 */
export function boundedComplement(set: LabelSet, max: number): LabelSet | undefined {
  let result: LabelSet = allLabels;
  for (const c of set) {
    const pieces = complementConjunction(c);
    // simplifying costs the square of what intersecting makes: bounded before it is made
    if (result.length * pieces.length > 16 * max) return undefined;
    result = intersect(result, pieces);
    if (result.length > max) return undefined;
  }
  return result;
}

export const subtract = (a: LabelSet, b: LabelSet): LabelSet =>
  b.length === 0 ? a : b.some(isEverything) ? [] : intersect(a, complement(b));

export const union = (a: LabelSet, b: LabelSet): LabelSet => simplify([...a, ...b]);

export const isEmpty = (set: LabelSet): boolean => set.length === 0;

// ---------------------------------------------------------------------------------------------
// Comparison and simplification

function valuesSubset(a: ValueSet, b: ValueSet): boolean {
  if (a.kind === "only") return a.values.every((v) => valueAllowed(b, v));
  if (b.kind === "only") return false; // a is infinite
  return b.values.every((v) => a.values.includes(v));
}

const constraintSubset = (a: KeyConstraint, b: KeyConstraint): boolean =>
  (!a.absentOk || b.absentOk) && valuesSubset(a.values, b.values);

const free: KeyConstraint = { absentOk: true, values: { kind: "except", values: [] } };

/** Whether every label map in `a` is in `b`. */
export function conjunctionSubset(a: Conjunction, b: Conjunction): boolean {
  // both sorted by key (as intersectConjunctions relies on): walked together, nothing allocated
  // (indexed, no destructuring: no iterator per call where this runs before V8 optimizes it)
  let i = 0;
  for (let j = 0; j < b.length; j++) {
    const key = b[j][0];
    while (i < a.length && a[i][0] < key) i++;
    if (!constraintSubset(i < a.length && a[i][0] === key ? a[i][1] : free, b[j][1])) return false;
  }
  return true;
}

/** Whether every label map in `a` is in `b` (exact: a ⊆ b iff a − b is empty). */
export const setSubset = (a: LabelSet, b: LabelSet): boolean =>
  a.every((x) => b.some((y) => conjunctionSubset(x, y))) || isEmpty(subtract(a, b));

/** Canonical text of a conjunction: equal sets of requirements give equal keys. */
const keys = new WeakMap<Conjunction, string>();

/** A conjunction's canonical text, computed once per conjunction (conjunctions are never mutated). */
export function conjunctionKey(c: Conjunction): string {
  let key = keys.get(c);
  if (key === undefined) keys.set(c, (key = conjunctionText(c)));
  return key;
}

/** A code unit `JSON.stringify` writes escaped: a quote, a backslash, a control character, a surrogate (lone or not: in doubt). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(c)`, the same text: written from its parts where no key or value needs escaping
 * (every label key and value the checker accepts), with the keys of a key constraint and of its
 * values in the order every constraint of this module and its callers is made with (`absentOk`,
 * `values`; `kind`, `values`); else by `JSON.stringify`. (A conjunction's key is written once, but
 * for every workload's pods and every namespace named: at 20,000 services about 21,000 texts, each
 * `JSON.stringify` walking its objects' properties generically.) The parts are joined into one flat
 * string: added one to another they made a chain of strings, which the keys kept (the collector
 * copied each piece) until their first comparison flattened them. Exported for the tests.
 */
export function conjunctionText(c: Conjunction): string {
  const parts = ["["];
  // (indexed, no destructuring: most conjunctions are keyed before V8 optimizes this)
  for (let i = 0; i < c.length; i++) {
    const key = c[i][0];
    const k = c[i][1];
    const values = k.values.values;
    if (ESCAPED.test(key)) return JSON.stringify(c);
    parts.push(
      i === 0 ? '["' : ',["',
      key,
      k.absentOk ? '",{"absentOk":true,"values":{"kind":"' : '",{"absentOk":false,"values":{"kind":"',
      k.values.kind,
      '","values":[',
    );
    for (let j = 0; j < values.length; j++) {
      if (ESCAPED.test(values[j])) return JSON.stringify(c);
      parts.push(j === 0 ? '"' : ',"', values[j], '"');
    }
    parts.push("]}}]");
  }
  parts.push("]");
  return parts.join("");
}

/** Drops duplicates and conjunctions contained in another one; sorts canonically. */
export function simplify(set: readonly Conjunction[]): LabelSet {
  if (set.length <= 1) return set.length === 0 ? [] : [set[0]];
  const unique = [...new Map(set.map((c) => [conjunctionKey(c), c])).values()];
  const kept = unique.filter(
    (c, i) => !unique.some((d, j) => j !== i && conjunctionSubset(c, d) && !(conjunctionSubset(d, c) && j > i)),
  );
  return exact(kept.sort((x, y) => compareConjunctions(x, y)));
}

/** Fewer key constraints first, then by key text (asked only of different conjunctions of one length). */
export function compareConjunctions(a: Conjunction, b: Conjunction): number {
  if (a === b) return 0;
  if (a.length !== b.length) return a.length - b.length;
  const ka = conjunctionKey(a);
  const kb = conjunctionKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export const isEverything = (c: Conjunction): boolean => c.length === 0;

export const FRESH_VALUE = "secpolc-other";

/** A label map in the set, with as few labels as possible (a value nobody names where any will do). */
export function witness(c: Conjunction): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, k] of c) {
    if (k.absentOk) continue;
    if (k.values.kind === "only") labels[key] = k.values.values[0];
    else {
      let fresh = FRESH_VALUE;
      for (let i = 2; k.values.values.includes(fresh); i++) fresh = `${FRESH_VALUE}-${i}`;
      labels[key] = fresh;
    }
  }
  return labels;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes form

/** The label selector for a conjunction: `In` with one value becomes `matchLabels`. */
export function toLabelSelector(conjunction: Conjunction): LabelSelector {
  const matchLabels: Record<string, string> = {};
  // (made when the first expression is: most selectors have none)
  let matchExpressions: NonNullable<LabelSelector["matchExpressions"]> | undefined;
  let labels = false;
  for (let i = 0; i < conjunction.length; i++) {
    const key = conjunction[i][0];
    const c = conjunction[i][1];
    // (the selector's own copy of a list of values, made only where it takes one)
    const values = c.values.values;
    if (c.values.kind === "only") {
      if (c.absentOk) (matchExpressions ??= []).push({ key, operator: "DoesNotExist" });
      else if (values.length === 1) {
        matchLabels[key] = values[0];
        labels = true;
      } else (matchExpressions ??= []).push({ key, operator: "In", values: [...values] });
    } else {
      if (!c.absentOk) (matchExpressions ??= []).push({ key, operator: "Exists" });
      if (values.length > 0) (matchExpressions ??= []).push({ key, operator: "NotIn", values: [...values] });
    }
  }
  // (each shape made with its keys at once, in their order: the selectors are shared parts of the
  // emitted objects, kept to the end of the build; a key added after made them another shape)
  if (matchExpressions === undefined) return labels ? { matchLabels } : {};
  return labels ? { matchLabels, matchExpressions } : { matchExpressions };
}

/** The `kubectl -l` text of a conjunction (for messages and names). */
export function describeConjunction(conjunction: Conjunction): string {
  if (conjunction.length === 0) return "(all)";
  const parts: string[] = [];
  for (const [key, c] of conjunction) {
    const values = c.values.values;
    if (c.values.kind === "only") {
      if (c.absentOk) parts.push(`!${key}`);
      else parts.push(values.length === 1 ? `${key}=${values[0]}` : `${key} in (${values.join(", ")})`);
    } else {
      if (!c.absentOk) parts.push(key);
      if (values.length === 1) parts.push(`${key}!=${values[0]}`);
      else if (values.length > 1) parts.push(`${key} notin (${values.join(", ")})`);
    }
  }
  return parts.join(",");
}
