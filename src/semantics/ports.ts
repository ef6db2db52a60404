/**
 * Port sets: per protocol, a set of port numbers kept as sorted, merged ranges; plus named ports,
 * which mean "the destination pod's container port of that name" and are resolved per pod.
 * Every port of every protocol is the set a rule without `: PORTS` means.
 */
import { exact } from "../arrays.js";

export const protocols = ["TCP", "UDP", "SCTP"] as const;
export type Protocol = (typeof protocols)[number];

export interface PortRange {
  from: number;
  to: number;
}

export interface NamedPort {
  name: string;
  protocol: Protocol;
}

export interface PortSet {
  numeric: Readonly<Record<Protocol, readonly PortRange[]>>;
  named: readonly NamedPort[];
}

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

const full: readonly PortRange[] = [{ from: MIN_PORT, to: MAX_PORT }];

export const allPorts: PortSet = { numeric: { TCP: full, UDP: full, SCTP: full }, named: [] };
export const noPorts: PortSet = { numeric: { TCP: [], UDP: [], SCTP: [] }, named: [] };

/** Sorts and merges overlapping or adjacent ranges. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  // (most sets hold one port per protocol, or none)
  if (ranges.length <= 1) return ranges.length === 0 ? [] : [{ from: ranges[0].from, to: ranges[0].to }];
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: PortRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  return exact(merged);
}

const namedKey = (p: NamedPort) => `${p.name}/${p.protocol}`;

function normalizeNamed(named: readonly NamedPort[]): NamedPort[] {
  if (named.length <= 1) return named.length === 0 ? [] : [named[0]];
  const unique = new Map(named.map((p) => [namedKey(p), p]));
  return [...unique.values()].sort((a, b) => (namedKey(a) < namedKey(b) ? -1 : 1));
}

export function portSet(
  numeric: Partial<Record<Protocol, readonly PortRange[]>>,
  named: readonly NamedPort[] = [],
): PortSet {
  const single = named.length === 0 ? singlePort(numeric) : undefined;
  if (single) return single;
  return {
    numeric: {
      TCP: mergeRanges(numeric.TCP ?? []),
      UDP: mergeRanges(numeric.UDP ?? []),
      SCTP: mergeRanges(numeric.SCTP ?? []),
    },
    named: normalizeNamed(named),
  };
}

/**
 * The sets of one port of one protocol, made once each: most rules' ports resolve to one (`: http`),
 * and one object per set rather than per rule spares the check its allocations and the passes after
 * it the keys and objects they work out per set object (`portsKey`, the compiled `ports`).
 */
const singlePorts = new Map<number, PortSet>();

/** The shared set of `numeric` when it is one port of one protocol. */
function singlePort(numeric: Partial<Record<Protocol, readonly PortRange[]>>): PortSet | undefined {
  let found = -1;
  for (let i = 0; i < protocols.length; i++) {
    const ranges = numeric[protocols[i]];
    if (ranges === undefined || ranges.length === 0) continue;
    if (found >= 0 || ranges.length !== 1 || ranges[0].from !== ranges[0].to) return undefined;
    found = i;
  }
  if (found < 0) return undefined;
  const port = numeric[protocols[found]]![0].from;
  if (!Number.isInteger(port)) return undefined;
  return onePort(found, port);
}

/** The shared set of one integer port of `protocols[found]` (what `portSet` gives for it). */
function onePort(found: number, port: number): PortSet {
  const key = port * protocols.length + found;
  let set = singlePorts.get(key);
  if (!set) {
    const of = (protocol: Protocol): PortRange[] => (protocol === protocols[found] ? [{ from: port, to: port }] : []);
    singlePorts.set(key, (set = { numeric: { TCP: of("TCP"), UDP: of("UDP"), SCTP: of("SCTP") }, named: [] }));
  }
  return set;
}

/**
 * `portSet({ [protocol]: [{ from: port, to: port }] })` without the lists: the same shared object,
 * for the checker's rules of one port (an integer port).
 */
export const singlePortSet = (protocol: Protocol, port: number): PortSet =>
  onePort(protocol === "TCP" ? 0 : protocol === "UDP" ? 1 : 2, port);

export const unionPorts = (a: PortSet, b: PortSet): PortSet =>
  a === b || isNoPorts(b)
    ? a
    : isNoPorts(a)
      ? b
      : portSet(
          {
            TCP: [...a.numeric.TCP, ...b.numeric.TCP],
            UDP: [...a.numeric.UDP, ...b.numeric.UDP],
            SCTP: [...a.numeric.SCTP, ...b.numeric.SCTP],
          },
          [...a.named, ...b.named],
        );

const isFull = (ranges: readonly PortRange[]) =>
  ranges.length === 1 && ranges[0].from === MIN_PORT && ranges[0].to === MAX_PORT;

/** (a loop, no closure per call: verification asks it of every deny clause of a side) */
export function isAllPorts(s: PortSet): boolean {
  for (let i = 0; i < protocols.length; i++) if (!isFull(s.numeric[protocols[i]])) return false;
  return true;
}

export const isNoPorts = (s: PortSet): boolean =>
  s.named.length === 0 && protocols.every((p) => s.numeric[p].length === 0);

const portsKeys = new WeakMap<PortSet, string>();
/** A port set's identity, computed once per set (sets are never changed after they are made). */
export function portsKey(s: PortSet): string {
  let key = portsKeys.get(s);
  if (key === undefined) portsKeys.set(s, (key = JSON.stringify(s)));
  return key;
}

/** A container port of a pod, as the meaning sees it. */
export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

/** Whether `protocol/port` on a destination with these container ports is in the set. */
export function portSetContains(
  s: PortSet,
  protocol: Protocol,
  port: number,
  destinationPorts: readonly ContainerPort[] | undefined,
): boolean {
  // loops, not closures: translation validation asks this for every case and port
  for (const r of s.numeric[protocol]) if (r.from <= port && port <= r.to) return true;
  if (destinationPorts === undefined) return false;
  for (const n of s.named) {
    if (n.protocol !== protocol) continue;
    for (const c of destinationPorts) if (c.name === n.name && c.protocol === protocol && c.port === port) return true;
  }
  return false;
}

export function describePorts(s: PortSet): string {
  if (isAllPorts(s) && s.named.length === 0) return "all ports";
  const parts: string[] = [];
  for (const p of protocols) {
    if (isFull(s.numeric[p])) parts.push(`all/${p.toLowerCase()}`);
    else
      for (const r of s.numeric[p])
        parts.push(`${r.from === r.to ? r.from : `${r.from}..${r.to}`}${p === "TCP" ? "" : `/${p.toLowerCase()}`}`);
  }
  for (const n of s.named) parts.push(`${n.name}${n.protocol === "TCP" ? "" : `/${n.protocol.toLowerCase()}`}`);
  return parts.join(", ");
}

/**
 * `a` minus `b`, in one sweep over both lists (a port set's: sorted, merged): linear, so
 * 10,000-port lists stay fast. What is left is sorted and merged too (a cut lies between any two
 * of its ranges).
 */
function subtractRanges(a: readonly PortRange[], cuts: readonly PortRange[]): PortRange[] {
  if (cuts.length === 0) return a.map((r) => ({ from: r.from, to: r.to }));
  const result: PortRange[] = [];
  let first = 0;
  for (const r of a) {
    while (first < cuts.length && cuts[first].to < r.from) first++;
    let from = r.from;
    for (let k = first; k < cuts.length && cuts[k].from <= r.to; k++) {
      if (cuts[k].from > from) result.push({ from, to: cuts[k].from - 1 });
      from = Math.max(from, cuts[k].to + 1);
    }
    if (from <= r.to) result.push({ from, to: r.to });
  }
  return result;
}

/**
 * `a` minus `b`, or `undefined` when that set has no exact form: a named port minus a number (or
 * the reverse) depends on which number each destination pod gives the name.
 */
export function subtractPorts(a: PortSet, b: PortSet): PortSet | undefined {
  for (const protocol of protocols) {
    const bNamed = b.named.some((n) => n.protocol === protocol);
    const aNamed = a.named.some((n) => n.protocol === protocol);
    if (bNamed && a.numeric[protocol].length > 0) return undefined;
    if (aNamed && b.numeric[protocol].length > 0 && !isFull(b.numeric[protocol])) return undefined;
  }
  // nothing removed; everything removed (a deny without ports)
  if (isNoPorts(b)) return a;
  if (b.named.length === 0 && isAllPorts(b)) return noPorts;
  // (what is left of sorted, merged ranges and sorted, unique names is sorted, merged and unique)
  return {
    numeric: {
      TCP: exact(subtractRanges(a.numeric.TCP, b.numeric.TCP)),
      UDP: exact(subtractRanges(a.numeric.UDP, b.numeric.UDP)),
      SCTP: exact(subtractRanges(a.numeric.SCTP, b.numeric.SCTP)),
    },
    named:
      a.named.length === 0
        ? []
        : a.named.filter((n) => !isFull(b.numeric[n.protocol]) && !b.named.some((m) => namedKey(m) === namedKey(n))),
  };
}

export function intersectPorts(a: PortSet, b: PortSet): PortSet | undefined {
  // (every port: a as it is)
  if (b.named.length === 0 && isAllPorts(b)) return a;
  const removed = subtractPorts(a, b);
  return removed && subtractPorts(a, removed);
}
