/**
 * Port and address boundaries: where a verdict can change. Port ranges and address blocks are
 * intervals, so between consecutive cuts (each interval's first value, and the one past its last)
 * every range or block holds all values or none, and every verdict built from them is the same: the
 * first value of each such interval stands for all of it. Translation validation, `diff`, `explain`,
 * `assert` and the matrix check one port per port interval and one address per address interval.
 */
import { addressInCidr, lastAddress, type Cidr, type Family, type IpBlock } from "./ip.js";
import { MAX_PORT, MIN_PORT, protocols, type PortSet, type Protocol } from "./ports.js";
import type { Model } from "./model.js";

// ---------------------------------------------------------------------------------------------
// Ports

/** Port codes: a port and its protocol as one number, the protocol's place in `protocols` then the port, so that they sort by protocol, then port. */
const PORTS_PER_PROTOCOL = 65536;
/** The number of port codes (every code is below). */
export const PORT_CODES = protocols.length * PORTS_PER_PROTOCOL;
export const portCode = (protocol: Protocol, port: number): number =>
  protocols.indexOf(protocol) * PORTS_PER_PROTOCOL + port;
export const codeProtocol = (code: number): Protocol => protocols[Math.floor(code / PORTS_PER_PROTOCOL)];
export const codePort = (code: number): number => code % PORTS_PER_PROTOCOL;

/** Every protocol's first port: where its first interval starts. */
export const FIRST_PORTS: readonly number[] = protocols.map((p) => portCode(p, MIN_PORT));

/** The cuts of a range of ports, added to `codes`: its first port, and the one past its last (those within MIN_PORT..MAX_PORT). */
export function rangeCuts(codes: number[], protocol: Protocol, from: number, to: number): void {
  if (from >= MIN_PORT && from <= MAX_PORT) codes.push(portCode(protocol, from));
  if (to >= MIN_PORT - 1 && to < MAX_PORT) codes.push(portCode(protocol, to + 1));
}

/** The cuts of a port set's numeric ranges, added to `codes` (named ports are cut where pods declare them). */
export function portSetCuts(codes: number[], ports: PortSet): void {
  for (const protocol of protocols) for (const r of ports.numeric[protocol]) rangeCuts(codes, protocol, r.from, r.to);
}

/** A run of ports of one protocol on which no verdict of the programs can differ. */
export interface PortInterval {
  protocol: Protocol;
  from: number;
  to: number;
}

/** The intervals that these cuts start (FIRST_PORTS among them), in order: each runs up to its protocol's next cut. */
export function intervalsOf(codes: readonly number[]): PortInterval[] {
  const sorted = [...new Set(codes)].sort((a, b) => a - b);
  return sorted.map((code, i) => {
    const protocol = codeProtocol(code);
    const next = sorted[i + 1];
    return {
      protocol,
      from: codePort(code),
      to: next !== undefined && codeProtocol(next) === protocol ? codePort(next) - 1 : MAX_PORT,
    };
  });
}

/**
 * The port intervals of programs: cut at every range of their rules' and assertions' clauses, and
 * at every workload port (named ports stand for those).
 */
export function portIntervals(models: readonly Model[]): PortInterval[] {
  const codes = [...FIRST_PORTS];
  for (const model of models) {
    for (const rule of model.rules) for (const c of rule.clauses) portSetCuts(codes, c.ports);
    for (const a of model.assertions) for (const c of a.clauses) portSetCuts(codes, c.ports);
    for (const w of model.workloads) for (const p of w.ports) rangeCuts(codes, p.protocol, p.port, p.port);
  }
  return intervalsOf(codes);
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** An address of one family. */
export interface Address {
  family: Family;
  value: bigint;
}

/** A run of addresses of one family: a CIDR's, a block's, or an emitted ipBlock's. */
export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
}

export const cidrRange = (c: Cidr): AddressRange => ({ family: c.family, first: c.base, last: lastAddress(c) });

/** A program's block as ranges. */
export const blockRanges = (b: IpBlock): RangeBlock => ({ range: cidrRange(b.cidr), except: b.except.map(cidrRange) });

/**
 * The first address of every interval that these ranges and the cluster's ranges cut (each family's
 * first address, each range's first and the one past its last), outside the cluster's ranges (pods
 * and services are not reached by address), by family and in order.
 */
export function addressStarts(ranges: readonly AddressRange[], cluster: readonly Cidr[]): Address[] {
  const result: Address[] = [];
  for (const family of [4, 6] as const) {
    const max = family === 4 ? 1n << 32n : 1n << 128n;
    const inCluster = cluster.filter((c) => c.family === family);
    const edges = new Set<bigint>([0n]);
    for (const r of [...ranges.filter((r) => r.family === family), ...inCluster.map(cidrRange)]) {
      edges.add(r.first);
      edges.add(r.last + 1n);
    }
    for (const value of [...edges].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      if (value >= 0n && value < max && !inCluster.some((c) => addressInCidr(family, value, c)))
        result.push({ family, value });
  }
  return result;
}

/** An address block as ranges: the range it holds, less the ranges it excepts. */
export interface RangeBlock {
  range: AddressRange;
  except: readonly AddressRange[];
}

/**
 * Where pods may sit, as far as these blocks can tell (translation validation, and the import's
 * check, on a CNI that matches ipBlocks against pod addresses): per family, an address in each region
 * of each of `ranges` that the blocks tell apart (the addresses held by the same blocks are one
 * region; its first interval's first address stands for it, or for a range's first interval, which
 * starts at the network's address, the address after it where the interval holds that too), and
 * whether any block holds an address of the ranges at all (when none does, pods match no block, as
 * on a CNI that matches only addresses outside them). n log n in the excepts: each block's are sorted
 * once, then the ranges are swept by where each block's holding starts and stops.
 */
export function rangeAddresses(
  ranges: readonly AddressRange[],
  blocks: readonly RangeBlock[],
): { byFamily: Map<Family, Address[]>; held: boolean } {
  const byFamily = new Map<Family, Address[]>();
  let held = false;
  for (const range of ranges) {
    const { family } = range;
    // where each block's holding starts (on) and stops inside the range, in order
    const events: { at: bigint; block: number; on: boolean }[] = [];
    blocks.forEach((b, i) => {
      for (const piece of rangeWithout(b.range, range, b.except)) {
        events.push({ at: piece.first, block: i, on: true });
        if (piece.last < range.last) events.push({ at: piece.last + 1n, block: i, on: false });
      }
    });
    if (events.length > 0) held = true;
    events.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    const holding = new Set<number>();
    const seen = new Set<string>();
    const found = byFamily.get(family) ?? [];
    let k = 0;
    for (let start = range.first; ;) {
      for (; k < events.length && events[k].at === start; k++) {
        if (events[k].on) holding.add(events[k].block);
        else holding.delete(events[k].block);
      }
      const next = k < events.length ? events[k].at : range.last + 1n;
      const region = [...holding].sort((a, b) => a - b).join(",");
      if (!seen.has(region)) {
        seen.add(region);
        found.push({ family, value: start === range.first && next > start + 1n ? start + 1n : start });
      }
      if (k === events.length) break;
      start = next;
    }
    byFamily.set(family, found);
  }
  return { byFamily, held };
}

/** Every way to pick one address of each family. */
export function combinations(byFamily: ReadonlyMap<Family, readonly Address[]>): Address[][] {
  let result: Address[][] = [[]];
  for (const addresses of byFamily.values()) result = result.flatMap((c) => addresses.map((a) => [...c, a]));
  return result;
}

/** The addresses of `range` inside `within` and in none of `holes`, as intervals (holes sorted once: n log n). */
function rangeWithout(range: AddressRange, within: AddressRange, holes: readonly AddressRange[]): AddressRange[] {
  if (range.family !== within.family) return [];
  const last = range.last < within.last ? range.last : within.last;
  let at = range.first > within.first ? range.first : within.first;
  if (at > last) return [];
  const pieces: AddressRange[] = [];
  const sorted = holes.filter((h) => h.family === range.family).sort((x, y) => (x.first < y.first ? -1 : 1));
  for (const hole of sorted) {
    if (at > last || hole.first > last) break;
    if (hole.last < at) continue;
    if (hole.first > at) pieces.push({ family: range.family, first: at, last: hole.first - 1n });
    at = hole.last + 1n;
  }
  if (at <= last) pieces.push({ family: range.family, first: at, last });
  return pieces;
}
