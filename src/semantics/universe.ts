/**
 * The regions of the universe that programs' selectors tell apart: every namespace and pod a cluster
 * could hold, grouped so that the pods of one region are held by exactly the same selectors. A
 * namespace is an owned one (its labels are the program's), or any other, named or not, carrying any
 * labels; a pod is one of a namespace, with any labels; an address is any address outside the
 * cluster's ranges. A representative per region stands for all of it, so an answer decided on every
 * representative holds for every pod: verification, `diff`, `explain`, `assert` and the matrix all
 * enumerate from here.
 *
 * A label selector asks each key on its own, so which selectors hold a label map depends only on each
 * key's class (a value some selector names, a value none names, or no value): a label map per
 * combination of classes covers every region (`labelCombinations`). The regions themselves are found
 * by splitting the label maps by each selector in turn (`labelRegions`), which keeps only the
 * combinations that tell something apart; past a limit, enumeration stops and says so, since some
 * sets of selectors tell exponentially many regions apart.
 */
import { addressInBlock, formatCidr, type Cidr, type Family, type IpBlock } from "./ip.js";
import { addressStarts, cidrRange } from "./boundaries.js";
import {
  conjunctionKey,
  conjunctionMatches,
  conjunctionOf,
  everything,
  FRESH_VALUE,
  intersectConjunctions,
  labelsKey,
  witness,
  type Conjunction,
  type KeyConstraint,
  type Labels,
} from "./labels.js";
import { NAMESPACE_NAME_LABEL, type Model, type PodTerm } from "./model.js";
import { ownedNamespace, podTerms, workloadsIn } from "./lookup.js";
import type { PodInstance } from "./meaning.js";
import type { ContainerPort, Protocol } from "./ports.js";

/**
 * Whether the witnesses and near misses of these conjunctions leave a region they tell apart
 * without a representative: not when they ask one label key between them, each for at most one
 * value (every value named is then a witness or a near miss, and so are a value not named and no value).
 */
export function needsCombinations(conjunctions: readonly Conjunction[]): boolean {
  let key: string | undefined;
  for (const c of conjunctions) {
    const own = soleKey(c);
    if (own === null || (own !== undefined && key !== undefined && own !== key)) return true;
    key ??= own;
  }
  return false;
}

/**
 * The one label key a conjunction asks for, when it asks one for at most one value (undefined: it
 * asks none), else null: `needsCombinations` of conjunctions is whether one of theirs is null or two
 * differ.
 */
export function soleKey(c: Conjunction): string | undefined | null {
  if (c.length === 0) return undefined;
  return c.length === 1 && c[0][1].values.values.length <= 1 ? c[0][0] : null;
}

/**
 * Label maps standing for every region these conjunctions tell apart: per label key they name,
 * each value some conjunction names, a value none names (`FRESH_VALUE`, or `FRESH_VALUE-N` when
 * that is named) and no value, in every combination. A conjunction asks each key on its own, so
 * which conjunctions hold a label map depends only on each key's class. `without` are values of a
 * key left out. Undefined when there would be more than `limit`.
 */
export function labelCombinations(
  conjunctions: readonly Conjunction[],
  limit: number,
  without?: { key: string; values: ReadonlySet<string> },
): Labels[] | undefined {
  const classes = new Map<string, Set<string | undefined>>();
  for (const c of conjunctions) {
    for (const [key, k] of c) {
      let values = classes.get(key);
      if (!values) classes.set(key, (values = new Set([undefined])));
      for (const value of k.values.values) if (key !== without?.key || !without.values.has(value)) values.add(value);
    }
  }
  let count = 1;
  for (const values of classes.values()) {
    let fresh = FRESH_VALUE;
    for (let i = 2; values.has(fresh); i++) fresh = `${FRESH_VALUE}-${i}`;
    values.add(fresh);
    count *= values.size;
    if (count > limit) return undefined;
  }
  const result: Labels[] = [];
  const keys = [...classes.keys()].sort();
  const labels: Record<string, string> = {};
  const fill = (i: number): void => {
    if (i === keys.length) {
      result.push({ ...labels });
      return;
    }
    for (const value of classes.get(keys[i])!) {
      if (value === undefined) delete labels[keys[i]];
      else labels[keys[i]] = value;
      fill(i + 1);
    }
    delete labels[keys[i]];
  };
  fill(0);
  return result;
}

/** Selectors with more keys than this get near misses on their first keys only (bounds memory on pathological input). */
export const MAX_NEAR_MISS_KEYS = 16;

/**
 * A conjunction's witness and near misses (label maps that miss it by one key each): with
 * `needsCombinations` false, those of every conjunction together stand for every region they tell
 * apart; otherwise they are what is left past the region limit.
 */
export function selectorRepresentatives(c: Conjunction): Labels[] {
  const base = witness(c);
  const result: Labels[] = [base];
  for (const [key, k] of c.slice(0, MAX_NEAR_MISS_KEYS)) {
    if (k.absentOk) {
      result.push({
        ...base,
        [key]: k.values.kind === "except" && k.values.values.length > 0 ? k.values.values[0] : FRESH_VALUE,
      });
    } else {
      const { [key]: _, ...without } = base;
      result.push(without);
      if (k.values.kind === "only") result.push({ ...base, [key]: FRESH_VALUE });
      else if (k.values.values.length > 0) result.push({ ...base, [key]: k.values.values[0] });
    }
  }
  return result;
}

/** Regions past this many (plus a few per selector) are not enumerated: the caller reports it. */
export const MAX_REGIONS = 4096;

/** The most regions `labelRegions` enumerates for these many selectors. */
export const regionLimit = (selectors: number): number => MAX_REGIONS + 4 * selectors;

/**
 * Label maps of `within`, one in each region that `conjunctions` tell apart there: every label map of
 * `within` is held by exactly the same conjunctions as one of them. `preferred` label maps are taken
 * as a region's representative where they fall in it (a workload's plainest pod, say). Undefined past
 * `regionLimit` regions, or when a region takes more than MAX_SELECTORS conjunctions to write.
 */
export function labelRegions(
  conjunctions: readonly Conjunction[],
  within: Conjunction = everything,
  preferred: readonly Labels[] = [],
): Labels[] | undefined {
  // a conjunction holding no label map of `within` tells nothing apart there (an owned name, outside
  // the others); asked once per distinct conjunction, not per copy (verification's namespace
  // selectors: one per clause end and emitted peer, a few distinct ones each met hundreds of times)
  const unique = [...new Map(conjunctions.map((c) => [conjunctionKey(c), c])).values()].filter(
    (c) => c.length > 0 && (within === everything || meets(within, c)),
  );
  const limit = regionLimit(unique.length);
  // one key asked for one value at a time: its values, one value none names and no value are the regions
  if (!needsCombinations([within, ...unique])) {
    // each value named is a region of its own (a workload's plainest pod is one already); a value
    // none names is one with no value unless some selector asks whether the key exists
    const asksExistence = [within, ...unique].some((c) =>
      c.some(([, k]) => k.absentOk !== (k.values.kind === "except")),
    );
    const combined = labelCombinations([within, ...unique], limit)?.filter((l) => conjunctionMatches(within, l));
    return asksExistence ? combined : combined?.filter((l) => !Object.values(l).some((v) => v.startsWith(FRESH_VALUE)));
  }
  // a region: the label maps in `inside` (the conjunctions holding them, intersected) and in none of
  // `outside`, with one of them found; split by each conjunction in turn, a search finding the side
  // its label map is not on
  const budget = { steps: MAX_SEARCH_STEPS };
  let regions: Region[] = [{ inside: within, outside: [], labels: witness(within) }];
  for (const c of unique) {
    const next: Region[] = [];
    for (const region of regions) {
      const held = conjunctionMatches(c, region.labels);
      const inside = held || meets(region.inside, c) ? intersectConjunctions(region.inside, c) : undefined;
      // a conjunction holding no label map of the region leaves it whole, and need not be kept
      // among the ones it is outside of (which would copy them for every region and conjunction)
      if (!held && !inside) {
        next.push(region);
        continue;
      }
      const other = held ? (inside ? undefined : null) : inside ? findLabels(inside, region.outside, budget) : null;
      const outside = [...region.outside, c];
      const rest = held ? findLabels(region.inside, outside, budget) : null;
      if (other === false || rest === false) return undefined;
      if (held) {
        next.push({ inside: inside!, outside: region.outside, labels: region.labels });
        if (rest) next.push({ inside: region.inside, outside, labels: rest });
      } else {
        next.push({ inside: region.inside, outside, labels: region.labels });
        if (other) next.push({ inside: inside!, outside: region.outside, labels: other });
      }
      if (next.length > limit) return undefined;
    }
    regions = next;
  }
  return representatives(regions, unique, preferred);
}

/**
 * Whether two conjunctions hold a label map in common, without writing out their intersection
 * (`intersectConjunctions`): whether each key both constrain can be absent in both, or take a value
 * both allow.
 */
export function meets(a: Conjunction, b: Conjunction): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ka = a[i][0];
    const kb = b[j][0];
    if (ka < kb) i++;
    else if (kb < ka) j++;
    else {
      const ca = a[i++][1];
      const cb = b[j++][1];
      if (ca.absentOk && cb.absentOk) continue;
      const va = ca.values;
      const vb = cb.values;
      // two "except" sets leave infinitely many values; an "only" set needs a value the other allows
      if (va.kind === "except" && vb.kind === "except") continue;
      const only = va.kind === "only" ? va : vb;
      const other = only === va ? vb : va;
      if (!only.values.some((v) => (other.kind === "only") === other.values.includes(v))) return false;
    }
  }
  return true;
}

/**
 * Whether these conjunctions (of different content, none of them holding every label map) are
 * apart: no two hold a label map in common, and none holds the empty one (workloads told apart by
 * a name label, say). A label map is then held by one of them or by none, so the regions they tell
 * apart are each one's whole set, which its witness stands for, and the label maps in none of them,
 * which the empty one stands for: no enumeration needed. Quadratic in the conjunctions, each pair
 * compared without writing out their intersection (`meets`).
 */
export function apart(conjunctions: readonly Conjunction[]): boolean {
  for (let i = 0; i < conjunctions.length; i++) {
    if (conjunctionMatches(conjunctions[i], NO_LABELS)) return false;
    for (let j = 0; j < i; j++) if (meets(conjunctions[i], conjunctions[j])) return false;
  }
  return true;
}

const NO_LABELS: Labels = {};

/**
 * Regions of label maps (a namespace's pods, say) that a set of selectors tells apart, one label map
 * each, and which regions each selector holds, as a bit set: any few of those selectors then split
 * the regions into the kinds they tell apart without enumerating again (each kind is a union of the
 * regions, since these are the regions of all the selectors).
 */
export class SelectorRegions {
  private readonly words: number;
  private readonly all: Uint32Array;
  private readonly held = new Map<Conjunction, Uint32Array>();

  constructor(readonly labels: readonly Labels[]) {
    this.words = (labels.length + 31) >>> 5;
    this.all = new Uint32Array(this.words);
    for (let i = 0; i < labels.length; i++) this.all[i >>> 5] |= 1 << (i & 31);
  }

  /** The regions a selector holds: one of those the regions were worked out for (or one telling apart no more). */
  holding(c: Conjunction): Uint32Array {
    let bits = this.held.get(c);
    if (!bits) {
      bits = new Uint32Array(this.words);
      for (let i = 0; i < this.labels.length; i++)
        if (conjunctionMatches(c, this.labels[i])) bits[i >>> 5] |= 1 << (i & 31);
      this.held.set(c, bits);
    }
    return bits;
  }

  /** The first region (by place) of each kind these selectors tell apart, in order. */
  split(conjunctions: readonly Conjunction[]): number[] {
    if (this.words === 1) return this.splitWord(conjunctions);
    let kinds: Uint32Array[] = [this.all];
    const used = new Set<Uint32Array>();
    for (const c of conjunctions) {
      const bits = this.holding(c);
      if (used.has(bits)) continue;
      used.add(bits);
      const next: Uint32Array[] = [];
      for (const kind of kinds) {
        const inside = new Uint32Array(this.words);
        const outside = new Uint32Array(this.words);
        let some = 0;
        let rest = 0;
        for (let w = 0; w < this.words; w++) {
          some |= inside[w] = kind[w] & bits[w];
          rest |= outside[w] = kind[w] & ~bits[w];
        }
        if (some) next.push(inside);
        if (rest) next.push(outside);
      }
      kinds = next;
    }
    return kinds.map(firstBit).sort((a, b) => a - b);
  }

  /** `split` for at most 32 regions: each kind one number. */
  private splitWord(conjunctions: readonly Conjunction[]): number[] {
    let kinds = [this.all[0]];
    const used = new Set<Uint32Array>();
    for (const c of conjunctions) {
      const held = this.holding(c);
      if (used.has(held)) continue;
      used.add(held);
      const bits = held[0];
      const next: number[] = [];
      for (const kind of kinds) {
        if (kind & bits) next.push(kind & bits);
        if (kind & ~bits) next.push(kind & ~bits);
      }
      kinds = next;
    }
    return kinds.map((kind) => 31 - Math.clz32(kind & -kind)).sort((a, b) => a - b);
  }
}

const firstBit = (bits: Uint32Array): number => {
  for (let w = 0; w < bits.length; w++) if (bits[w]) return (w << 5) + (31 - Math.clz32(bits[w] & -bits[w]));
  return -1;
};

interface Region {
  inside: Conjunction;
  outside: readonly Conjunction[];
  labels: Labels;
}

const NO_VALUES: readonly string[] = [];
const valueSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Whether a list of values holds this one (a long list by a set, made once per list). */
function listed(values: readonly string[], value: string): boolean {
  if (values.length <= 8) return values.includes(value);
  let set = valueSets.get(values);
  if (!set) valueSets.set(values, (set = new Set(values)));
  return set.has(value);
}

/** The search steps `labelRegions` may take in all (each a label fixed): past them, it gives up. */
const MAX_SEARCH_STEPS = 200_000;

/**
 * A label map held by `inside` and by none of `outside` (null when there is none; false when the
 * budget ran out first). For each conjunction of `outside` not yet missed, some key it asks must get a
 * class it refuses (a value named on that key, a value none names, or no value): every way is tried.
 */
function findLabels(
  inside: Conjunction,
  outside: readonly Conjunction[],
  budget: { steps: number },
): Labels | null | false {
  // most often the plainest label map of `inside` is held by none of them (workloads named apart)
  const plainest = witness(inside);
  if (!outside.some((c) => conjunctionMatches(c, plainest))) return plainest;
  const fixed = new Map<string, string | undefined>();
  const allowed = (c: Conjunction, key: string, value: string | undefined): boolean => {
    const k = c.find(([name]) => name === key)?.[1];
    return (
      !k ||
      (value === undefined
        ? k.absentOk
        : k.values.kind === "only"
          ? k.values.values.includes(value)
          : !k.values.values.includes(value))
    );
  };
  // per key, its classes that `inside` allows (worked out once per key: a key may name many values,
  // such as the names of every owned namespace that unowned ones are not)
  const classesOf = new Map<string, (string | undefined)[]>();
  const classes = (key: string): (string | undefined)[] => {
    let found = classesOf.get(key);
    if (found) return found;
    // (indexed loops, no spread, `filter` or destructuring: V8 optimizes this closure, and each of
    // those adds to what its compiling costs, several times the closure's own work)
    let own: KeyConstraint | undefined;
    for (let k = 0; k < inside.length && !own; k++) if (inside[k][0] === key) own = inside[k][1];
    if (own && own.values.kind === "only") {
      // no value when it allows none, and its values: it refuses every other, whatever `outside` names
      found = own.absentOk ? [undefined] : [];
      const values = own.values.values;
      for (let j = 0; j < values.length; j++) found.push(values[j]);
      classesOf.set(key, found);
      return found;
    }
    // the classes in order: no value (when `inside` allows it), each value `outside` names that
    // `inside` allows (first-named first), a value none names; an `except` list of `inside`'s (the
    // owned namespaces' names, past every other namespace's) is looked up, never copied
    const refused = own?.values.values ?? NO_VALUES;
    found = !own || own.absentOk ? [undefined] : [];
    const named = new Set<string>();
    for (let i = 0; i < outside.length; i++) {
      const c = outside[i];
      for (let k = 0; k < c.length; k++) {
        if (c[k][0] !== key) continue;
        const values = c[k][1].values.values;
        for (let j = 0; j < values.length; j++)
          if (!named.has(values[j])) {
            named.add(values[j]);
            if (!listed(refused, values[j])) found.push(values[j]);
          }
      }
    }
    let fresh = FRESH_VALUE;
    for (let i = 2; named.has(fresh) || listed(refused, fresh); i++) fresh = `${FRESH_VALUE}-${i}`;
    found.push(fresh);
    classesOf.set(key, found);
    return found;
  };
  const missed = (c: Conjunction) => c.some(([key]) => fixed.has(key) && !allowed(c, key, fixed.get(key)));
  const search = (): boolean | "out" => {
    if (--budget.steps < 0) return "out";
    const next = outside.find((c) => !missed(c));
    if (!next) return true;
    for (const [key] of next) {
      if (fixed.has(key)) continue;
      for (const value of classes(key)) {
        if (allowed(next, key, value)) continue;
        fixed.set(key, value);
        const found = search();
        if (found) return found;
        fixed.delete(key);
      }
    }
    return false;
  };
  const found = search();
  if (found === "out") return false;
  if (!found) return null;
  const labels: Record<string, string> = { ...witness(inside) };
  for (const [key, value] of fixed) {
    if (value === undefined) delete labels[key];
    else labels[key] = value;
  }
  return labels;
}

/** Each region's label map: a preferred one falling in it, else the one found. */
function representatives(
  regions: readonly Region[],
  conjunctions: readonly Conjunction[],
  preferred: readonly Labels[],
): Labels[] {
  // (none preferred, the namespaces': no region's signature is asked)
  if (preferred.length === 0) return regions.map((r) => r.labels);
  const signature = (l: Labels) => conjunctions.map((c) => (conjunctionMatches(c, l) ? "1" : "0")).join("");
  const bySignature = new Map<string, Labels>();
  for (const p of preferred) {
    const s = signature(p);
    if (!bySignature.has(s)) bySignature.set(s, p);
  }
  return regions.map(({ labels, inside }) => {
    const p = bySignature.get(signature(labels));
    return p && conjunctionMatches(inside, p) ? p : labels;
  });
}

/** A namespace standing for a region of namespaces: its name (invented names start with FRESH_VALUE) and labels per program. */
export interface NamespaceRegion {
  /** Unique among the regions: the name label, or an alias of it when several regions share one. */
  name: string;
  /** Its labels in each program (owned namespaces: the program's; others: the region's, the same in each). */
  labels: readonly Labels[];
  /** Owned by some program. */
  owned: boolean;
  /** Its name is invented (no selector names it). */
  invented: boolean;
}

/** A pod standing for a region of pods. */
export interface PodRegion {
  namespace: NamespaceRegion;
  labels: Labels;
  /** The ports of the first workload holding it (in the first program declaring one), else none. */
  ports: readonly ContainerPort[];
  /** The workload whose plainest pod it is, if any (`ns/name`). */
  workload?: string;
  /** No workload holds it: its pods may declare any port name on any number (`Regions.portNames`). */
  anyPorts: boolean;
}

/** A port name some clause names, with its protocol. */
export interface PortName {
  name: string;
  protocol: Protocol;
}

/** An address standing for a region of addresses: the blocks holding it. */
export interface AddressRegion {
  family: Family;
  value: bigint;
  /** The blocks (of `blocks`) holding it. */
  holders: readonly IpBlock[];
}

export type Regions =
  | {
      namespaces: NamespaceRegion[];
      pods: PodRegion[];
      addresses: AddressRegion[];
      /**
       * The port names a pod of no workload may declare on the port a flow is on, one set per region
       * the clauses' named ports tell apart, the empty set first: such a pod may give any name any
       * number, so whether a clause's `: NAME` admits a flow to it depends on which names it declares
       * on the flow's port (`onPort`).
       */
      portNames: PortName[][];
    }
  | { tooMany: string };

const regionCache = new WeakMap<Model, WeakMap<object, Regions>>();
const NO_EXTRA: readonly PodTerm[] = [];

/**
 * The regions of namespaces and pods that the programs' selectors (and `extra` terms, e.g. an
 * assertion's) tell apart, and of addresses that their blocks do. For one program without extra
 * terms, computed once.
 */
export function universeRegions(
  models: readonly Model[],
  extra: readonly PodTerm[] = NO_EXTRA,
  extraBlocks: readonly IpBlock[] = [],
): Regions {
  if (models.length === 1 && extra === NO_EXTRA && extraBlocks.length === 0) {
    let cache = regionCache.get(models[0]);
    if (!cache) regionCache.set(models[0], (cache = new WeakMap()));
    let found = cache.get(NO_EXTRA);
    if (!found) cache.set(NO_EXTRA, (found = computeRegions(models, extra, extraBlocks)));
    return found;
  }
  return computeRegions(models, extra, extraBlocks);
}

function computeRegions(models: readonly Model[], extra: readonly PodTerm[], extraBlocks: readonly IpBlock[]): Regions {
  const terms = extra.length === 0 ? allTerms(models) : [...allTerms(models), ...extra];
  const found = namespaceRegions(
    models,
    terms.map((t) => t.namespaces),
  );
  if (found.partial) return { tooMany: "the namespace selectors tell apart too many kinds of namespace" };
  const { namespaces } = found;
  const pods: PodRegion[] = [];
  for (const namespace of namespaces) {
    const here = podRegionsIn(models, terms, namespace);
    if ("tooMany" in here) return here;
    pods.push(...here);
  }
  const clauses = models.flatMap((m) => [
    ...m.rules.flatMap((r) => r.clauses),
    ...m.assertions.flatMap((a) => a.clauses),
  ]);
  const blocks = [...clauses.flatMap((c) => [...c.sources.ips, ...c.destinations.ips]), ...extraBlocks];
  const cluster = models.flatMap((m) => [...m.cluster.podCIDRs, ...m.cluster.serviceCIDRs]);
  const portNames = portNameRegions(clauses.map((c) => c.ports.named));
  if (!portNames) return { tooMany: "the named ports tell apart too many kinds of pod" };
  return { namespaces, pods, addresses: addressRegions(blocks, cluster), portNames };
}

/**
 * The sets of port names (of `named`, each a clause's) standing for every region of them: a clause
 * admits a pod on a port through its names when the pod declares one of them on that port, so the
 * sets are split as label maps are, each name a key and each clause's names a selector holding the
 * maps without any of them. The empty set first; undefined past the region limit.
 */
function portNameRegions(named: readonly (readonly PortName[])[]): PortName[][] | undefined {
  const byKey = new Map<string, PortName>();
  const selectors: Conjunction[] = [];
  for (const names of named) {
    if (names.length === 0) continue;
    for (const n of names) byKey.set(`${n.name}/${n.protocol}`, { name: n.name, protocol: n.protocol });
    const none = conjunctionOf(
      names.map((n) => ({ key: `${n.name}/${n.protocol}`, operator: "DoesNotExist" as const })),
    );
    if (none) selectors.push(none);
  }
  const maps = labelRegions(selectors);
  return maps
    ?.map((l) =>
      Object.keys(l)
        .sort()
        .map((key) => byKey.get(key)!),
    )
    .sort((a, b) => a.length - b.length);
}

/** A pod of that region on a flow's port: it declares the region's `names` there (a pod of no workload). */
export function onPort(pod: PodInstance, names: readonly PortName[], protocol: Protocol, port: number): PodInstance {
  return { ...pod, ports: names.filter((n) => n.protocol === protocol).map((n) => ({ name: n.name, protocol, port })) };
}

/**
 * The namespaces standing for every region that these namespace selectors tell apart: each owned
 * namespace (its labels in each program; a namespace one version does not own is taken to carry the
 * labels the other gives it), and every other namespace, named or not, with any labels (a name met
 * with other labels is another namespace of that name: an alias tells them apart, `monitoring~1`).
 * Past the region limit, `partial` and the other namespaces are only the selectors' representatives.
 */
export function namespaceRegions(
  models: readonly Model[],
  selectors: readonly Conjunction[],
): { namespaces: NamespaceRegion[]; partial: boolean } {
  const ownedNames = [...new Set(models.flatMap((m) => m.namespaces.map((n) => n.name)))].sort();
  const namespaces: NamespaceRegion[] = ownedNames.map((name) => {
    const owner = models.find((m) => ownedNamespace(m, name))!;
    const labels = models.map((m) => (ownedNamespace(m, name) ?? ownedNamespace(owner, name)!).labels);
    return { name, labels, owned: true, invented: false };
  });
  // the other namespaces: any name but the owned ones, any labels
  const others: Conjunction = [
    [NAMESPACE_NAME_LABEL, { absentOk: false, values: { kind: "except", values: ownedNames } }],
  ];
  const regions = labelRegions(selectors, others);
  const otherLabels =
    regions ??
    [witness(others), ...selectors.flatMap(selectorRepresentatives)]
      .map((l) => ({ [NAMESPACE_NAME_LABEL]: FRESH_VALUE, ...l }))
      .filter((l) => conjunctionMatches(others, l));
  const used = new Map<string, number>();
  const seenLabels = new Set<string>();
  for (const labels of otherLabels) {
    const key = labelsKey(labels);
    if (seenLabels.has(key)) continue;
    seenLabels.add(key);
    const named = labels[NAMESPACE_NAME_LABEL];
    const seen = used.get(named) ?? 0;
    used.set(named, seen + 1);
    namespaces.push({
      name: seen === 0 ? named : `${named}~${seen}`,
      labels: models.map(() => labels),
      owned: false,
      invented: named.startsWith(FRESH_VALUE),
    });
  }
  return { namespaces, partial: !regions };
}

/**
 * `terms` grouped by namespace selector (most terms share one: `ns shop`'s, a team's), with each
 * term's pod selector key: a namespace is matched against each distinct namespace selector once,
 * not against every term of the program (which made the lints' per-namespace regions quadratic).
 */
interface TermIndex {
  groups: { namespaces: Conjunction; terms: number[] }[];
  podKeys: string[];
}
const termIndexes = new WeakMap<readonly PodTerm[], TermIndex>();

function termIndex(terms: readonly PodTerm[]): TermIndex {
  let index = termIndexes.get(terms);
  if (index) return index;
  const byKey = new Map<string, { namespaces: Conjunction; terms: number[] }>();
  terms.forEach((t, i) => {
    const key = conjunctionKey(t.namespaces);
    const group = byKey.get(key);
    if (group) group.terms.push(i);
    else byKey.set(key, { namespaces: t.namespaces, terms: [i] });
  });
  index = { groups: [...byKey.values()], podKeys: terms.map((t) => conjunctionKey(t.pods)) };
  termIndexes.set(terms, index);
  return index;
}

/** The regions of pods of one namespace that the selectors of `terms` and of its workloads tell apart. */
function podRegionsIn(
  models: readonly Model[],
  terms: readonly PodTerm[],
  namespace: NamespaceRegion,
): PodRegion[] | { tooMany: string } {
  const here = new Map<string, Conjunction>();
  const workloads = models.flatMap((m) => workloadsIn(m, namespace.name));
  for (const w of workloads) here.set(conjunctionKey(w.pods), w.pods);
  // the terms whose namespace selector holds this namespace, in program order
  const { groups, podKeys } = termIndex(terms);
  const reaching: number[] = [];
  for (const g of groups)
    if (namespace.labels.some((l) => conjunctionMatches(g.namespaces, l))) reaching.push(...g.terms);
  reaching.sort((a, b) => a - b);
  for (const i of reaching) here.set(podKeys[i], terms[i].pods);
  const preferred = [{}, ...workloads.map((w) => witness(w.pods))];
  const labels = labelRegions([...here.values()], everything, preferred);
  if (!labels)
    return {
      tooMany: `the pod selectors that can reach namespace \`${namespace.name}\` tell apart too many kinds of pod`,
    };
  return labels.map((l) => {
    const workload = workloads.find((w) => conjunctionMatches(w.pods, l));
    const plainest = workload && workloads.find((w) => labelsEqual(witness(w.pods), l));
    return {
      namespace,
      labels: l,
      ports: workload?.ports ?? [],
      anyPorts: !workload,
      ...(plainest ? { workload: `${plainest.namespace}/${plainest.name}` } : {}),
    };
  });
}

/** The regions of pods of an owned namespace (those of one program alone, with its assertions). */
export function ownedPodRegions(model: Model, name: string): PodRegion[] | { tooMany: string } {
  const owned = ownedNamespace(model, name);
  if (!owned) return [];
  return podRegionsIn([model], allTerms([model]), { name, labels: [owned.labels], owned: true, invented: false });
}

const termsOfModel = new WeakMap<Model, PodTerm[]>();
/** Every pod term of the programs (rules' and assertions'); one program's, computed once. */
const allTerms = (models: readonly Model[]): PodTerm[] => {
  const compute = () =>
    models.flatMap((m) => [
      ...podTerms(m),
      ...m.assertions.flatMap((a) => a.clauses.flatMap((c) => [...c.sources.pods, ...c.destinations.pods])),
    ]);
  if (models.length !== 1) return compute();
  let terms = termsOfModel.get(models[0]);
  if (!terms) termsOfModel.set(models[0], (terms = compute()));
  return terms;
};

const labelsEqual = (a: Labels, b: Labels): boolean => {
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k])
  );
};

/**
 * The regions of addresses outside the cluster's ranges that the blocks tell apart: blocks are
 * intervals, so every interval between consecutive edges is held by the same blocks; intervals held
 * by the same blocks are one region, represented by their first address.
 */
export function addressRegions(blocks: readonly IpBlock[], cluster: readonly Cidr[]): AddressRegion[] {
  const result: AddressRegion[] = [];
  const seen = new Set<string>();
  for (const { family, value } of addressStarts(blocks.flatMap((b) => [b.cidr, ...b.except]).map(cidrRange), cluster)) {
    const holders = blocks.filter((b) => addressInBlock(family, value, b));
    const key = `${family}:${[...new Set(holders.map((b) => [b.cidr, ...b.except].map(formatCidr).join(" ")))].sort().join("\n")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ family, value, holders });
  }
  return result;
}

/** The name of a block, as `diff` and the matrix show it. */
export const blockName = (block: IpBlock): string =>
  block.cidr.prefix === 0
    ? `world (IPv${block.cidr.family})`
    : `cidr ${formatCidr(block.cidr)}${block.except.length > 0 ? ` except ${block.except.map(formatCidr).join(", ")}` : ""}`;

/** The labels of the regions' namespaces in the i-th program, by name (a name not among them: its name label only). */
export function regionNamespaceLabels(regions: Regions, i = 0): (name: string) => Labels {
  const byName = new Map("tooMany" in regions ? [] : regions.namespaces.map((n) => [n.name, n.labels[i]]));
  return (name) => byName.get(name) ?? { [NAMESPACE_NAME_LABEL]: name };
}
