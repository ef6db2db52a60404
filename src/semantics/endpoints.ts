/**
 * Algebra of endpoint sets (unions of pod terms and address blocks): difference and intersection,
 * exact for every namespace, pod and address, named or not.
 */
import {
  blockContaining,
  blocksInside,
  cidrContains,
  cidrOverlaps,
  formatCidr,
  outermost,
  simplifyBlocks,
  type IpBlock,
} from "./ip.js";
import {
  complement,
  conjunctionKey,
  intersect,
  intersectConjunctions,
  subtract,
  type Conjunction,
  type LabelSet,
} from "./labels.js";
import type { EndpointSet, PodTerm } from "./model.js";

export const noEndpoints: EndpointSet = { pods: [], ips: [] };

const termKeys = new WeakMap<PodTerm, string>();
/** A pod term's identity, computed once per term (terms are shared, e.g. a workload's, and never changed). */
export function termKey(t: PodTerm): string {
  let key = termKeys.get(t);
  if (key === undefined) termKeys.set(t, (key = `${conjunctionKey(t.namespaces)}|${conjunctionKey(t.pods)}`));
  return key;
}

const endpointsKeys = new WeakMap<EndpointSet, string>();
/** An endpoint set's identity (its order sorts policy rules), computed once per set: sets are never changed once made. */
export function endpointsKey(s: EndpointSet): string {
  let key = endpointsKeys.get(s);
  if (key === undefined)
    endpointsKeys.set(
      s,
      (key = JSON.stringify([s.pods.map(termKey), s.ips.map((b) => [formatCidr(b.cidr), b.except.map(formatCidr)])])),
    );
  return key;
}

/**
 * `endpointsKey`'s order without its texts: the sign of comparing `endpointsKey(a)` with
 * `endpointsKey(b)` (as `compareStrings` does), read from the sets' terms and blocks. The key is the
 * JSON of `[terms' keys, [[cidr, excepts], …]]`, and a JSON value is never a prefix of another, so
 * two such texts compare as their first differing items do (`jsonOrder` for two strings), and two
 * lists equal as far as the shorter one goes put the longer one first (its `,` against the
 * shorter's `]`).
 */
export function compareEndpoints(a: EndpointSet, b: EndpointSet): number {
  if (a === b) return 0;
  const pods = listOrder(a.pods, b.pods, termOrder);
  return pods !== 0 ? pods : listOrder(a.ips, b.ips, blockOrder);
}

function listOrder<T>(a: readonly T[], b: readonly T[], order: (x: T, y: T) => number): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const c = a[i] === b[i] ? 0 : order(a[i], b[i]);
    if (c !== 0) return c;
  }
  return b.length - a.length;
}

/**
 * Two terms' keys (`namespaces|pods`) in JSON's order: a conjunction's key is never a prefix of
 * another, so where the namespaces' keys differ they decide; else the pods' keys do (the equal part
 * compared natively, not scanned).
 */
function termOrder(t: PodTerm, u: PodTerm): number {
  if (t.namespaces !== u.namespaces) {
    const a = conjunctionKey(t.namespaces);
    const b = conjunctionKey(u.namespaces);
    if (a !== b) return jsonOrder(a, b);
  }
  return t.pods === u.pods ? 0 : jsonOrder(conjunctionKey(t.pods), conjunctionKey(u.pods));
}

const cidrOrder = (a: IpBlock["cidr"], b: IpBlock["cidr"]): number => jsonOrder(formatCidr(a), formatCidr(b));

const blockOrder = (a: IpBlock, b: IpBlock): number =>
  cidrOrder(a.cidr, b.cidr) || listOrder(a.except, b.except, cidrOrder);

/**
 * The sign of comparing `JSON.stringify(a)` with `JSON.stringify(b)`, without writing them: equal
 * up to the first differing code unit, where a character JSON leaves as it is (or the closing quote,
 * where a string ends) compares as itself. A character JSON escapes there (a quote, a backslash, a
 * control character or a surrogate) is settled by the texts themselves.
 */
export function jsonOrder(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === a.length && i === b.length) return 0;
  const x = i < a.length ? a.charCodeAt(i) : QUOTE;
  const y = i < b.length ? b.charCodeAt(i) : QUOTE;
  if ((i === a.length || unescaped(x)) && (i === b.length || unescaped(y))) return x - y;
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

const QUOTE = 0x22;

/** Whether `JSON.stringify` writes the code unit as it is. */
const unescaped = (c: number): boolean => c >= 0x20 && c !== QUOTE && c !== 0x5c && (c < 0xd800 || c > 0xdfff);

export const isEmptyEndpoints = (s: EndpointSet): boolean => s.pods.length === 0 && s.ips.length === 0;

/**
 * Per pair of namespace selectors (objects: a workload's term and a deny's share theirs with every
 * rule naming them), what they share and what of the first lies outside the second, worked out once:
 * the same conjunction objects for every term cut the same way (a deny of `ns(env=sandbox)` cuts the
 * peers of every allow into its namespace), so that their keys (`conjunctionKey`) are written once.
 */
const apartMemo = new WeakMap<
  Conjunction,
  WeakMap<Conjunction, { shared: Conjunction | undefined; outside?: LabelSet }>
>();

function namespacesApart(a: Conjunction, b: Conjunction): { shared: Conjunction | undefined; outside?: LabelSet } {
  let byB = apartMemo.get(a);
  if (!byB) apartMemo.set(a, (byB = new WeakMap()));
  let found = byB.get(b);
  if (!found) byB.set(b, (found = { shared: intersectConjunctions(a, b) }));
  return found;
}

/** t − u = (namespaces of t outside u's) × pods of t  ∪  (namespaces of both) × (pods of t outside u's). */
function subtractTerm(t: PodTerm, u: PodTerm): PodTerm[] {
  const apart = namespacesApart(t.namespaces, u.namespaces);
  const sharedNamespaces = apart.shared;
  if (!sharedNamespaces || !intersectConjunctions(t.pods, u.pods)) return [t];
  const outside = (apart.outside ??= subtract([t.namespaces], [u.namespaces]));
  const result: PodTerm[] = outside.map((namespaces) => ({ namespaces, pods: t.pods }));
  for (const pods of intersect([t.pods], complement([u.pods]))) result.push({ namespaces: sharedNamespaces, pods });
  return result;
}

function intersectTerms(t: PodTerm, u: PodTerm): PodTerm | undefined {
  const namespaces = intersectConjunctions(t.namespaces, u.namespaces);
  const pods = namespaces && intersectConjunctions(t.pods, u.pods);
  return namespaces && pods ? { namespaces, pods } : undefined;
}

/** a − b for address blocks; both are `cidr minus excepts`, and CIDRs nest or are disjoint. */
function subtractBlock(a: IpBlock, b: IpBlock): IpBlock[] {
  if (!cidrOverlaps(a.cidr, b.cidr)) return [a];
  if (cidrContains(b.cidr, a.cidr)) {
    // what survives of a is what lies in b's excepts
    if (blockContaining(b.except, a.cidr)) return [a];
    return blocksInside(b.except, a.cidr).flatMap((e) => restrict(a, e));
  }
  // b lies strictly inside a: remove b's cidr, then give back b's excepts (as far as a has them)
  const rest: IpBlock = { cidr: a.cidr, except: outermost([...a.except, b.cidr]) };
  return [rest, ...b.except.flatMap((e) => restrict(a, e))];
}

/** a restricted to the block `cidr` (which lies inside a's cidr). */
function restrict(a: IpBlock, cidr: IpBlock["cidr"]): IpBlock[] {
  if (blockContaining(a.except, cidr)) return [];
  return [{ cidr, except: blocksInside(a.except, cidr) }];
}

function intersectBlocks(a: IpBlock, b: IpBlock): IpBlock[] {
  if (!cidrOverlaps(a.cidr, b.cidr)) return [];
  const [outer, inner] = cidrContains(a.cidr, b.cidr) ? [a, b] : [b, a];
  if (blockContaining(outer.except, inner.cidr) || blockContaining(inner.except, inner.cidr)) return [];
  return [
    {
      cidr: inner.cidr,
      except: outermost([...blocksInside(outer.except, inner.cidr), ...blocksInside(inner.except, inner.cidr)]),
    },
  ];
}

export function subtractEndpoints(a: EndpointSet, b: EndpointSet): EndpointSet {
  let pods = a.pods;
  for (const u of b.pods) pods = pods.flatMap((t) => subtractTerm(t, u));
  let ips = a.ips;
  for (const u of b.ips) ips = ips.flatMap((t) => subtractBlock(t, u));
  return { pods, ips: ips.length === 0 ? [] : simplifyBlocks(ips) };
}

export function intersectEndpoints(a: EndpointSet, b: EndpointSet): EndpointSet {
  const pods: PodTerm[] = [];
  for (const t of a.pods)
    for (const u of b.pods) {
      const both = intersectTerms(t, u);
      if (both) pods.push(both);
    }
  if (a.ips.length === 0 || b.ips.length === 0) return { pods, ips: [] };
  return { pods, ips: simplifyBlocks(a.ips.flatMap((t) => b.ips.flatMap((u) => intersectBlocks(t, u)))) };
}
