/**
 * IP addresses and CIDR blocks, IPv4 and IPv6, with BigInt arithmetic. Two CIDR blocks are always
 * either disjoint or nested, which keeps the algebra of `cidr minus excepts` simple.
 */

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** The network address (host bits cleared). */
  base: bigint;
  prefix: number;
}

/** An external address block: `cidr` minus the `except` blocks (each strictly inside it). */
export interface IpBlock {
  cidr: Cidr;
  except: Cidr[];
}

const bits = (family: Family): number => (family === 4 ? 32 : 128);

/**
 * An address; an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address it maps, as Go's
 * `net` package reads it (and so the API server and the CNIs: `IPNet.Contains` compares its IPv4
 * form), and so is any block of them (`::ffff:10.244.0.0/120` is `10.244.0.0/24`).
 */
export function parseIp(text: string): { family: Family; value: bigint } | undefined {
  const ip = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  return ip && isMapped(ip.family, ip.value) ? { family: 4, value: ip.value & 0xffffffffn } : ip;
}

/** Whether an IPv6 address lies in `::ffff:0:0/96`, the IPv4-mapped addresses. */
const isMapped = (family: Family, value: bigint): boolean => family === 6 && value >> 32n === 0xffffn;

function parseIpv4(text: string): { family: 4; value: bigint } | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255 || (part.length > 1 && part.startsWith("0"))) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return { family: 4, value };
}

function parseIpv6(text: string): { family: 6; value: bigint } | undefined {
  let head = text;
  let tail = "";
  const double = text.indexOf("::");
  if (double >= 0) {
    if (text.indexOf("::", double + 1) >= 0) return undefined;
    head = text.slice(0, double);
    tail = text.slice(double + 2);
  }
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const pieces = s.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  const missing = 8 - h.length - t.length;
  if (double >= 0 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const g of [...h, ...new Array<number>(double >= 0 ? missing : 0).fill(0), ...t])
    value = (value << 16n) | BigInt(g);
  return { family: 6, value };
}

export type CidrProblem = "syntax" | "prefix" | "host-bits";

/** Parses `a.b.c.d/n` or `x::/n` (IPv4-mapped: the IPv4 block); host bits set is a problem (Kubernetes accepts it, but it is almost always a typo). */
export function parseCidr(text: string): { cidr: Cidr } | { problem: CidrProblem } {
  const slash = text.indexOf("/");
  if (slash < 0) return { problem: "syntax" };
  const address = text.slice(0, slash);
  const ip = address.includes(":") ? parseIpv6(address) : parseIpv4(address);
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return { problem: "syntax" };
  const prefix = Number(prefixText);
  if (prefix > bits(ip.family)) return { problem: "prefix" };
  const base = ip.value & mask(ip.family, prefix);
  if (base !== ip.value) return { problem: "host-bits" };
  // a block of IPv4-mapped addresses is the IPv4 block (its prefix is at least 96: the `ffff` is in it)
  if (isMapped(ip.family, base) && prefix >= 96)
    return { cidr: { family: 4, base: base & 0xffffffffn, prefix: prefix - 96 } };
  return { cidr: { family: ip.family, base, prefix } };
}

/** The network masks of each family, by prefix length (made once: BigInt arithmetic is not cheap). */
const masks = Object.fromEntries(
  ([4, 6] as const).map((family) => {
    const total = bits(family);
    return [
      family,
      Array.from(
        { length: total + 1 },
        (_, prefix) => ((1n << BigInt(total)) - 1n) ^ ((1n << BigInt(total - prefix)) - 1n),
      ),
    ];
  }),
) as Record<Family, bigint[]>;
const mask = (family: Family, prefix: number): bigint => masks[family][prefix];

/** The address with its host bits (beyond `prefix`) cleared. */
export const networkAddress = (family: Family, value: bigint, prefix: number): bigint => value & mask(family, prefix);

export const lastAddress = (c: Cidr): bigint => c.base + (1n << BigInt(bits(c.family) - c.prefix)) - 1n;

/**
 * How many blocks and addresses have been compared since the process started: the cost of the
 * address algebra, counted rather than timed, so a test can check how it grows with the input.
 */
let comparisons = 0;
export const ipComparisons = (): number => comparisons;

/** Whether `inner` lies within `outer` (equal blocks included). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  comparisons++;
  return (
    outer.family === inner.family &&
    outer.prefix <= inner.prefix &&
    (inner.base & mask(outer.family, outer.prefix)) === outer.base
  );
}

export const cidrEquals = (a: Cidr, b: Cidr): boolean =>
  a.family === b.family && a.prefix === b.prefix && a.base === b.base;

export const cidrOverlaps = (a: Cidr, b: Cidr): boolean => cidrContains(a, b) || cidrContains(b, a);

export function addressInCidr(family: Family, value: bigint, c: Cidr): boolean {
  comparisons++;
  return family === c.family && (value & mask(family, c.prefix)) === c.base;
}

export const addressInBlock = (family: Family, value: bigint, block: IpBlock): boolean =>
  addressInCidr(family, value, block.cidr) && !addressInAny(family, value, block.except);

/**
 * Long lists of blocks (an `except` of thousands) are searched, not scanned: their outermost blocks
 * of each family, sorted (so disjoint, in address order), with their first and last addresses,
 * worked out once per list (a list is never changed once made). Shorter lists are scanned.
 */
const INDEXED = 8;
type Sorted = { cidrs: Cidr[]; first: bigint[]; last: bigint[] };
const sortedIndexes = new WeakMap<readonly Cidr[], Record<Family, Sorted>>();

function sortedOf(cidrs: readonly Cidr[], family: Family): Sorted {
  let index = sortedIndexes.get(cidrs);
  if (!index) {
    index = { 4: { cidrs: [], first: [], last: [] }, 6: { cidrs: [], first: [], last: [] } };
    for (const c of outermost(cidrs)) {
      index[c.family].cidrs.push(c);
      index[c.family].first.push(c.base);
      index[c.family].last.push(lastAddress(c));
    }
    sortedIndexes.set(cidrs, index);
  }
  return index[family];
}

/** The position of the last block starting at or before `value`, or -1. */
function lastStartingBy(sorted: Sorted, value: bigint): number {
  let low = -1;
  let high = sorted.first.length - 1;
  while (low < high) {
    comparisons++;
    const middle = (low + high + 1) >> 1;
    if (sorted.first[middle] <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Whether the address lies in any of the blocks (log n for a long list). */
export function addressInAny(family: Family, value: bigint, cidrs: readonly Cidr[]): boolean {
  if (cidrs.length < INDEXED) return cidrs.some((c) => addressInCidr(family, value, c));
  const sorted = sortedOf(cidrs, family);
  const i = lastStartingBy(sorted, value);
  return i >= 0 && value <= sorted.last[i];
}

/** A block of the list that contains `cidr` (equal included), if any. */
export function blockContaining(cidrs: readonly Cidr[], cidr: Cidr): Cidr | undefined {
  if (cidrs.length < INDEXED) return cidrs.find((c) => cidrContains(c, cidr));
  const sorted = sortedOf(cidrs, cidr.family);
  const i = lastStartingBy(sorted, cidr.base);
  return i >= 0 && cidrContains(sorted.cidrs[i], cidr) ? sorted.cidrs[i] : undefined;
}

/**
 * The blocks of the list inside `cidr` (equal included): for a long list, only the outermost of
 * them (the same addresses), found by binary search.
 */
export function blocksInside(cidrs: readonly Cidr[], cidr: Cidr): Cidr[] {
  if (cidrs.length < INDEXED) return cidrs.filter((c) => cidrContains(cidr, c));
  const sorted = sortedOf(cidrs, cidr.family);
  const result: Cidr[] = [];
  const last = lastAddress(cidr);
  // a block starting just before cidr's first address contains it or lies before it
  for (let i = lastStartingBy(sorted, cidr.base - 1n) + 1; i < sorted.cidrs.length && sorted.first[i] <= last; i++) {
    if (cidrContains(cidr, sorted.cidrs[i])) result.push(sorted.cidrs[i]);
  }
  return result;
}

export const formatAddress = (family: Family, value: bigint): string =>
  family === 4 ? formatIpv4(value) : formatIpv6(value);

// (a template, not `map` and `join`, and apart from IPv6: V8 threw away its compiled code of both, twice)
const formatIpv4 = (value: bigint): string =>
  `${(value >> 24n) & 255n}.${(value >> 16n) & 255n}.${(value >> 8n) & 255n}.${value & 255n}`;

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

export const formatCidr = (c: Cidr): string => `${formatAddress(c.family, c.base)}/${c.prefix}`;

export function compareCidrs(a: Cidr, b: Cidr): number {
  comparisons++;
  return a.family - b.family || (a.base < b.base ? -1 : a.base > b.base ? 1 : a.prefix - b.prefix);
}

export const everywhere = (family: Family): Cidr => ({ family, base: 0n, prefix: 0 });

/**
 * Keeps only the outermost of nested blocks, sorted (n log n). In that order a block nested in
 * another comes after it, and the blocks kept are disjoint, so only the last one kept can hold it.
 */
export function outermost(cidrs: readonly Cidr[]): Cidr[] {
  const kept: Cidr[] = [];
  for (const c of [...cidrs].sort(compareCidrs))
    if (kept.length === 0 || !cidrContains(kept[kept.length - 1], c)) kept.push(c);
  return kept;
}

/**
 * `block` minus the `removed` blocks, as blocks whose excepts are strictly inside their cidr.
 * A removed block that covers the whole cidr empties it; one inside it becomes an except.
 */
export function subtractFromBlock(block: IpBlock, removed: readonly Cidr[]): IpBlock[] {
  if (removed.some((r) => cidrContains(r, block.cidr))) return [];
  const inside = removed.filter((r) => r.family === block.cidr.family && cidrContains(block.cidr, r));
  return [{ cidr: block.cidr, except: outermost([...block.except, ...inside]) }];
}

/** Blocks by family, prefix length and network address, for `addressInBlocks`. */
const blockIndexes = new WeakMap<
  readonly IpBlock[],
  { family: Family; prefix: number; blocks: Map<bigint, IpBlock[]> }[]
>();

/**
 * Whether the address lies in any of the blocks. For a long list the blocks are looked up by the
 * address's network, once per prefix length there is (at most 33 or 129), not each compared.
 */
export function addressInBlocks(family: Family, value: bigint, blocks: readonly IpBlock[]): boolean {
  if (blocks.length < INDEXED) {
    // a loop, not a closure per call: verification asks this of every address peer and clause end, most with no block
    for (let i = 0; i < blocks.length; i++) if (addressInBlock(family, value, blocks[i])) return true;
    return false;
  }
  let index = blockIndexes.get(blocks);
  if (!index) {
    const groups = new Map<string, { family: Family; prefix: number; blocks: Map<bigint, IpBlock[]> }>();
    for (const b of blocks) {
      const key = `${b.cidr.family}/${b.cidr.prefix}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { family: b.cidr.family, prefix: b.cidr.prefix, blocks: new Map() }));
      const same = group.blocks.get(b.cidr.base);
      if (same) same.push(b);
      else group.blocks.set(b.cidr.base, [b]);
    }
    blockIndexes.set(blocks, (index = [...groups.values()]));
  }
  for (const g of index) {
    if (g.family !== family) continue;
    for (const b of g.blocks.get(networkAddress(family, value, g.prefix)) ?? [])
      if (!addressInAny(family, value, b.except)) return true;
  }
  return false;
}

/** A list of blocks as text, made once per list (sorting compares long lists many times). */
const listTexts = new WeakMap<readonly Cidr[], string>();
function listText(cidrs: readonly Cidr[]): string {
  let text = listTexts.get(cidrs);
  if (text === undefined) listTexts.set(cidrs, (text = cidrs.map(formatCidr).join(",")));
  return text;
}

export const compareBlocks = (a: IpBlock, b: IpBlock): number =>
  compareCidrs(a.cidr, b.cidr) ||
  a.except.length - b.except.length ||
  listText(a.except).localeCompare(listText(b.except));

/**
 * Sorts blocks and drops those contained in another block (a block within an except of another is
 * kept; of two holding each other, the first). A block can only lie within blocks whose CIDR holds its own: those are looked up by
 * network address, once per prefix length there is, rather than every pair compared.
 */
export function simplifyBlocks(blocks: readonly IpBlock[]): IpBlock[] {
  const sorted = [...blocks].sort(compareBlocks);
  // (a loop, not `filter`: the lists `filter` makes differ in kind, and V8 threw away its compiled code)
  const unique: IpBlock[] = [];
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || compareBlocks(sorted[i - 1], sorted[i]) !== 0) unique.push(sorted[i]);
  const byNetwork = new Map<string, IpBlock[]>();
  const prefixes = { 4: new Set<number>(), 6: new Set<number>() };
  for (const b of unique) {
    const key = `${b.cidr.family}/${b.cidr.prefix}/${b.cidr.base}`;
    const same = byNetwork.get(key);
    if (same) same.push(b);
    else byNetwork.set(key, [b]);
    prefixes[b.cidr.family].add(b.cidr.prefix);
  }
  const holders = (b: IpBlock): IpBlock[] =>
    [...prefixes[b.cidr.family]]
      .filter((p) => p <= b.cidr.prefix)
      .flatMap((p) => byNetwork.get(`${b.cidr.family}/${p}/${networkAddress(b.cidr.family, b.cidr.base, p)}`) ?? []);
  // (two holding each other are the same addresses written two ways: the first in `compareBlocks`' order stays)
  const dropped = (b: IpBlock, i: number) =>
    holders(b).some((o) => o !== b && blockWithin(b, o) && !(blockWithin(o, b) && unique.indexOf(o) > i));
  return unique.filter((b, i) => !dropped(b, i));
}

/** Whether every address of `a` is in `b`. */
function blockWithin(a: IpBlock, b: IpBlock): boolean {
  if (!cidrContains(b.cidr, a.cidr)) return false;
  // every except of b that overlaps a's cidr (one holding it, or those inside it) must be removed from a as well
  if (blockContaining(b.except, a.cidr)) return false;
  return blocksInside(b.except, a.cidr).every((e) => blockContaining(a.except, e) !== undefined);
}
