/**
 * Translates the network meaning of the model into NetworkPolicy objects.
 *
 * For each owned namespace and managed direction, the pods are split into posture regions. A region
 * under `default deny` is isolated (a policy selecting its pods with that policy type); under
 * `default allow`, only the pods some deny reaches are, with everything as what they may reach.
 * Each allowed rectangle (an allow clause's other end and ports, or everything) is cut by the deny
 * rectangles that overlap it into pieces; a piece goes to the rectangle's pods minus the subjects of
 * the denies containing it. Policies union in Kubernetes, so a pod gets every piece but those its
 * own denies contain: exactly its allows minus its denies. The pieces grow with how the deny
 * rectangles overlap, not with how many combinations of denies reach a pod (splitting the pods by
 * those combinations made 2^n policies for n denies with different subjects).
 */
import type { Diagnostic, Span } from "../../diagnostics/diagnostic.js";
import { compareStrings } from "../../diagnostics/diagnostic.js";
import { diagnostic } from "../../diagnostics/catalogue.js";
import { compile as messages } from "../../diagnostics/messages/compile.js";
import { names as nameMessages } from "../../diagnostics/messages/names.js";
import { compareBlocks, formatCidr, simplifyBlocks, type IpBlock } from "../../semantics/ip.js";
import {
  soleValue,
  compareConjunctions,
  conjunctionKey,
  conjunctionSubset,
  describeConjunction,
  everything,
  intersect,
  intersectConjunctions,
  MAX_SELECTORS,
  meets,
  subtract,
  toLabelSelector,
  union,
  type Conjunction,
  type LabelSelector,
  type LabelSet,
} from "../../semantics/labels.js";
import {
  directions,
  NAMESPACE_NAME_LABEL,
  supportsEndPort,
  otherEnd,
  type Clause,
  type Direction,
  type EndpointSet,
  type Model,
  type OwnedNamespace,
  type PodTerm,
} from "../../semantics/model.js";
import {
  allPorts,
  intersectPorts,
  isAllPorts,
  isNoPorts,
  portsKey,
  protocols,
  unionPorts,
  type PortSet,
} from "../../semantics/ports.js";
import { clauseReach, clauseSubjects, managedRegions, type Reach, type Region } from "../../semantics/regions.js";
import { subtractRect, type Rect } from "../../semantics/rects.js";
import { clausesNear, peerIndex, workloadsIn } from "../../semantics/lookup.js";
import { compareEndpoints, intersectEndpoints, isEmptyEndpoints, termKey } from "../../semantics/endpoints.js";
import { everywhere, subtractFromBlock } from "../../semantics/ip.js";
import { stableHash, uniqueNameList } from "../../output/names.js";
import { exact } from "../../arrays.js";
import type { Manifest } from "../../output/manifest.js";

/** Ranges are expanded into single ports on clusters without `endPort`, up to this many per range. */
export const MAX_EXPANDED_RANGE = 100;

interface RuleEntry {
  peers: EndpointSet;
  ports: PortSet;
  spans: Span[];
}

interface Subject {
  namespace: string;
  pods: Conjunction;
  /** `conjunctionKey(pods)`, which orders and names the subject's policy */
  key: string;
  isolated: Set<Direction>;
  rules: Record<Direction, RuleEntry[]>;
  spans: Span[];
}

export function compileNetworkPolicies(model: Model): { manifests: Manifest[]; diagnostics: Diagnostic[] } {
  // the subjects of the namespace being compiled, by selector (no key text made per piece); every
  // subject of a namespace comes from that namespace's pass of the loop below (model.namespaces
  // holds each name once), so its policies are made at the end of that pass and the subjects,
  // their rule entries and the merges' lists die young (kept to the end, they were promoted: at
  // 20,000 services the old generation grew by about 25 MB more during compile, and a full
  // collection came during emit)
  let subjects = new Map<string, Subject>();
  const subjectOf = (namespace: string, pods: Conjunction): Subject => {
    const key = conjunctionKey(pods);
    let s = subjects.get(key);
    if (!s)
      subjects.set(
        key,
        (s = { namespace, pods, key, isolated: new Set(), rules: { ingress: [], egress: [] }, spans: [] }),
      );
    return s;
  };
  const diagnostics: Diagnostic[] = [];
  const parts = objectParts(model);
  const policies = new Map<string, NamespacePolicies>();
  const isolate = (namespace: string, pods: LabelSet, direction: Direction, span: Span) => {
    for (let i = 0; i < pods.length; i++) {
      const s = subjectOf(namespace, pods[i]);
      s.isolated.add(direction);
      s.spans.push(span);
    }
  };
  const addPieces = (
    namespace: string,
    pods: LabelSet,
    direction: Direction,
    rect: Rect,
    denies: readonly Deny[],
    span: Span,
    posture = false,
  ) => {
    // (one list of the rule's span for all its entries: entries' spans are never changed)
    const spans = [span];
    if (denies.length === 0) {
      // nothing cuts it: the rectangle as it is, for every one of its pods
      for (let i = 0; i < pods.length; i++) {
        const s = subjectOf(namespace, pods[i]);
        s.rules[direction].push({ peers: rect.peers, ports: rect.ports, spans });
        s.spans.push(span);
      }
      return;
    }
    // (fields named, not spread: a spread's fields then defined took V8's slow path every time)
    const pieces = cut({ peers: rect.peers, ports: rect.ports, pods, denies: [] }, denies, span, diagnostics);
    if (rect.peers.ips.length > 0 && model.cluster.podCIDRs.length === 0) {
      refuseAddressLeak(
        pieces,
        {
          span,
          message: posture
            ? "the `default allow` that this deny carves out of"
            : "the rule whose address block would still admit those pods",
        },
        diagnostics,
      );
    }
    for (let p = 0; p < pieces.length; p++) {
      const piece = pieces[p];
      for (let i = 0; i < piece.pods.length; i++) {
        const s = subjectOf(namespace, piece.pods[i]);
        s.rules[direction].push({ peers: piece.peers, ports: piece.ports, spans });
        s.spans.push(span);
        for (let d = 0; d < piece.denies.length; d++) s.spans.push(piece.denies[d].span);
      }
    }
  };

  // (indexed loops, no iterators: this loop is compiled on the stack, where TurboFan spent ~90 ms
  // under load on the iterators' protocol)
  for (let n = 0; n < model.namespaces.length; n++) {
    const namespace = model.namespaces[n];
    const near = clausesNear(model, namespace.name);
    // each near allow's reach, looked up once for both directions and every region (when first asked)
    const reaches: (readonly Reach[] | undefined)[] = new Array(near.length);
    for (let d = 0; d < directions.length; d++) {
      const direction = directions[d];
      const otherRect = (c: Clause): Rect => ({ peers: otherEnd(c, direction), ports: c.ports });
      // (a deny of a label-selected namespace's pods is near every namespace it selects: at 20,000
      // services each sandbox namespace meets 900 of them, so no object is made for those of no pod here)
      const denies: Deny[] = [];
      for (let i = 0; i < near.length; i++) {
        const { rule, clause } = near[i];
        if (rule.action !== "deny") continue;
        const subjects = clauseSubjects(clause, namespace, direction);
        if (subjects.length > 0)
          denies.push({ peers: otherEnd(clause, direction), ports: clause.ports, subjects, span: rule.span });
      }
      const regions = managedRegions(model, namespace, direction);
      for (let r = 0; r < regions.length; r++) {
        const region = regions[r];
        const reaching = denies.filter((d) => meets(region.pods, d.subjects));
        if (region.posture.posture === "allow") {
          // everything minus their denies, for the pods some deny reaches; the others stay unisolated
          if (reaching.length === 0) continue;
          const reached = intersect(
            region.pods,
            reaching.reduce<LabelSet>((all, d) => union(all, d.subjects), []),
          );
          isolate(namespace.name, reached, direction, region.posture.span);
          addPieces(namespace.name, reached, direction, everythingFor(model), reaching, region.posture.span, true);
          continue;
        }
        isolate(namespace.name, region.pods, direction, region.posture.span);
        // a deny whose peers cannot meet a rectangle's leaves its pieces as they are: only the others
        // cut it (all of them when the rectangle alone is too costly, which the first deny reports)
        const meeting = reaching.length === 0 ? undefined : peerIndex(reaching, (d) => d.peers);
        for (let i = 0; i < near.length; i++) {
          const { rule, clause } = near[i];
          if (rule.action !== "allow") continue;
          const reach = (reaches[i] ??= clauseReach(model, clause));
          // the clause's pods in this region (its reach holds them already)
          const subjects = reachIn(reach, namespace, direction, region);
          if (subjects === undefined) continue;
          const rect = otherRect(clause);
          const cutting = !meeting
            ? reaching
            : // (`tooCostly` of the one piece it starts as)
              subjects.length > MAX_SELECTORS || rect.peers.pods.length > MAX_SELECTORS
              ? reaching
              : meeting(rect.peers);
          addPieces(namespace.name, subjects, direction, rect, cutting, rule.span);
        }
      }
    }
    if (subjects.size > 0) {
      policies.set(namespace.name, namespacePolicies(model, namespace.name, subjects, parts));
      subjects = new Map();
    }
  }

  // by namespace, then by selector; the diagnostics of ports after those of the denies, as the
  // policies are ordered
  const manifests: Manifest[] = [];
  const ipSpans: Span[] = [];
  const names = [...policies.keys()].sort(compareStrings);
  for (let n = 0; n < names.length; n++) {
    const here = policies.get(names[n])!;
    for (let i = 0; i < here.manifests.length; i++) manifests.push(here.manifests[i]);
    for (let i = 0; i < here.diagnostics.length; i++) diagnostics.push(here.diagnostics[i]);
    for (let i = 0; i < here.ipSpans.length; i++) ipSpans.push(here.ipSpans[i]);
  }
  // (with errors, nothing is emitted)
  if (model.cluster.podCIDRs.length === 0 && !diagnostics.some((d) => d.severity === "error"))
    warnOfIpBlocks(ipSpans, diagnostics);
  return { manifests, diagnostics };
}

/** A namespace's policies, with what making them reported and the spans of their rules with ipBlocks. */
interface NamespacePolicies {
  manifests: Manifest[];
  diagnostics: Diagnostic[];
  /** (only without the cluster's `podCIDR`, for SP9004) */
  ipSpans: Span[];
}

/** The policies of one namespace's subjects, ordered by selector. */
function namespacePolicies(
  model: Model,
  namespace: string,
  subjects: Map<string, Subject>,
  parts: ObjectParts,
): NamespacePolicies {
  // (as `compareConjunctions` orders their pods, from the keys the subjects hold)
  const ordered = [...subjects.values()].sort(
    (a, b) => a.pods.length - b.pods.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const names = policyNames(model, namespace, ordered);
  const diagnostics: Diagnostic[] = [];
  const manifests: Manifest[] = [];
  for (let i = 0; i < ordered.length; i++) manifests.push(toNetworkPolicy(ordered[i], names[i], parts, diagnostics));
  const ipSpans: Span[] = [];
  if (model.cluster.podCIDRs.length === 0)
    for (const s of ordered)
      for (const direction of ["ingress", "egress"] as const)
        for (const r of s.rules[direction]) if (r.peers.ips.length > 0) for (const span of r.spans) ipSpans.push(span);
  return { manifests, diagnostics, ipSpans };
}

// ---------------------------------------------------------------------------------------------
// Deny: a pod may use each piece of its allowed rectangles that none of its own denies contains

interface Deny extends Rect {
  subjects: LabelSet;
  span: Span;
}

/** Part of an allowed rectangle, for the pods that may use it, with the denies that cut it. */
interface Piece extends Rect {
  pods: LabelSet;
  denies: Deny[];
}

/**
 * The pieces of a rectangle cut by the denies: (P × Q) ∩ (P' × Q') goes to the pods outside the
 * deny's subjects (when any are left), and (P × Q) − (P' × Q') = (P − P') × Q ∪ (P ∩ P') × (Q − Q')
 * keeps its pods. A port difference with no exact form is an error naming both rules.
 */
function cut(rect: Piece, denies: readonly Deny[], span: Span, diagnostics: Diagnostic[]): Piece[] {
  let pieces = [rect];
  for (const deny of denies) {
    pieces = pieces.flatMap((piece) => {
      if (!meets(piece.pods, deny.subjects)) return [piece];
      const shared = intersectEndpoints(piece.peers, deny.peers);
      if (isEmptyEndpoints(shared)) return [piece];
      const inexact = () => {
        diagnostics.push(
          diagnostic(messages.inexactPortDifference, deny.span, [], {
            help: "declare the named port on the destination workload (`port NAME NUMBER`), or write both rules with numbers",
            related: [{ span, message: "the rule whose ports it would cut" }],
          }),
        );
        return [];
      };
      const left = subtractRect(piece, deny, shared);
      if (!left) return inexact();
      const cutBy = [...piece.denies, deny];
      const result: Piece[] = left.map((r) => ({ peers: r.peers, ports: r.ports, pods: piece.pods, denies: cutBy }));
      const allowed = subtract(piece.pods, deny.subjects);
      if (allowed.length > 0) {
        const insidePorts = intersectPorts(piece.ports, deny.ports);
        if (!insidePorts) return inexact();
        if (!isNoPorts(insidePorts)) result.push({ peers: shared, ports: insidePorts, pods: allowed, denies: cutBy });
      }
      return result;
    });
    if (tooCostly(pieces)) {
      const cutBy = [...new Set(pieces.flatMap((p) => p.denies))];
      diagnostics.push(
        diagnostic(messages.denyTooCostly, span, [MAX_SELECTORS], {
          help: "give the denies' subjects one label each, or make fewer of their peers overlap",
          related: cutBy.slice(0, 5).map((d) => ({ span: d.span, message: "one of the denies cutting it" })),
        }),
      );
      return [];
    }
  }
  return pieces;
}

/** The pods of a clause's reach in one region of a namespace and direction, if it reaches it. */
function reachIn(
  reach: readonly Reach[],
  namespace: OwnedNamespace,
  direction: Direction,
  region: Region,
): LabelSet | undefined {
  for (let i = 0; i < reach.length; i++) {
    const r = reach[i];
    if (r.region === region && r.namespace === namespace && r.direction === direction) return r.subjects;
  }
  return undefined;
}

const tooCostly = (pieces: readonly Piece[]): boolean =>
  pieces.length > MAX_SELECTORS ||
  pieces.some((p) => p.pods.length > MAX_SELECTORS || p.peers.pods.length > MAX_SELECTORS);

/** Every peer on every port: all pods, and every address outside the cluster's ranges. */
function everythingFor(model: Model): Rect {
  const ranges = [...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs];
  const ips = ([4, 6] as const).flatMap((family) =>
    subtractFromBlock({ cidr: everywhere(family), except: [] }, ranges),
  );
  return { peers: { pods: [{ namespaces: everything, pods: everything }], ips }, ports: allPorts };
}

/** SP9004 at each statement an emitted ipBlock comes from (a block that denies remove entirely is never emitted). */
function warnOfIpBlocks(ipSpans: readonly Span[], diagnostics: Diagnostic[]): void {
  const spans = new Map<string, Span>();
  for (const span of ipSpans) spans.set(`${span.file}\u0000${span.start.offset}`, span);
  for (const span of spans.values())
    diagnostics.push(
      diagnostic(nameMessages.noPodCidr, span, [], { help: "declare it: `cluster { podCIDR 10.244.0.0/16 }`" }),
    );
}

/**
 * Without the cluster's `podCIDR`, an ipBlock also holds pods by their address on some CNIs: a piece
 * whose ipBlock survives while a deny removed some pods from its pod peers would admit them again
 * (SP3005). A piece left with no ipBlock, or still holding every pod, is exact.
 */
function refuseAddressLeak(
  pieces: readonly Piece[],
  carved: { span: Span; message: string },
  diagnostics: Diagnostic[],
): void {
  for (const piece of pieces) {
    if (piece.peers.ips.length === 0 || piece.peers.pods.some((t) => t.namespaces.length === 0 && t.pods.length === 0))
      continue;
    const podDeny = piece.denies.find((d) => d.peers.pods.length > 0);
    if (!podDeny) continue;
    diagnostics.push(
      diagnostic(messages.denyNeedsPodCidr, podDeny.span, [], {
        help: "declare it: `cluster { podCIDR 10.244.0.0/16 }`",
        related: [carved],
      }),
    );
    return;
  }
}

// ---------------------------------------------------------------------------------------------
// Minimal rules: equal peers merged (ports united), then equal ports merged (peers united)

function mergeRules(entries: readonly RuleEntry[]): RuleEntry[] {
  let rules: RuleEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const peers = normalizePeers(e.peers);
    rules.push(peers === e.peers ? e : { peers, ports: e.ports, spans: e.spans });
  }
  if (rules.length <= 1) return rules;
  for (;;) {
    const byPeers = mergeBy(rules, peersKey, withPortsUnited);
    const byPorts = mergeBy(byPeers, portsKeyOf, withPeersUnited);
    // one rule left can merge with nothing (and needs no order)
    if (byPorts.length <= 1) return byPorts;
    // no two rules left have equal peers: their peers' text alone orders them
    if (byPorts.length === rules.length) return sortedByPeers(byPorts);
    rules = byPorts;
  }
}

/** Rules of equal peers as one (closures made once, not per policy). */
function withPortsUnited(group: RuleEntry[]): RuleEntry {
  let ports = group[0].ports;
  for (let i = 1; i < group.length; i++) ports = unionPorts(ports, group[i].ports);
  return { peers: group[0].peers, ports, spans: concat(group, spansOf) };
}

/** Rules of equal ports as one. */
const withPeersUnited = (group: RuleEntry[]): RuleEntry => ({
  peers: normalizePeers({ pods: concat(group, podsOf), ips: concat(group, ipsOf) }),
  ports: group[0].ports,
  spans: concat(group, spansOf),
});

const spansOf = (r: RuleEntry) => r.spans;
const podsOf = (r: RuleEntry) => r.peers.pods;
const ipsOf = (r: RuleEntry) => r.peers.ips;

/** The lists of `items`, one after the other (`flatMap` of lists, without its generic path). */
function concat<T, U>(items: readonly T[], list: (t: T) => readonly U[]): U[] {
  const result: U[] = [];
  for (let i = 0; i < items.length; i++) {
    const l = list(items[i]);
    for (let j = 0; j < l.length; j++) result.push(l[j]);
  }
  return result;
}

/**
 * The items grouped by key, in order of first appearance; a group of several is merged at once.
 * (Per policy and direction, on a few items each: no list is made for an item alone, and the items
 * themselves are the answer when no two share a key.)
 */
function mergeBy<T>(items: readonly T[], key: (t: T) => string, merge: (group: T[]) => T): T[] {
  if (items.length <= FEW) return mergeFew(items, key, merge);
  const first = new Map<string, number>();
  let groups: (T[] | undefined)[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const k = key(items[i]);
    const at = first.get(k);
    if (at === undefined) first.set(k, i);
    else {
      groups ??= [];
      const group = groups[at];
      if (group) group.push(items[i]);
      else groups[at] = [items[at], items[i]];
      groups[i] = NOT_FIRST;
    }
  }
  if (!groups) return items as T[];
  const result: T[] = [];
  for (let i = 0; i < items.length; i++) {
    const group = groups[i];
    if (group === undefined) result.push(items[i]);
    else if (group !== NOT_FIRST) result.push(merge(group as T[]));
  }
  return result;
}

/** Up to this many items (most policies' rules in one direction), `mergeBy` compares their keys with each other rather than making a map. */
const FEW = 8;

/** `mergeBy` of a few items. */
function mergeFew<T>(items: readonly T[], key: (t: T) => string, merge: (group: T[]) => T): T[] {
  const keys: string[] = new Array(items.length);
  // for each item, the first item with its key (itself when it is the first)
  const firsts: number[] = new Array(items.length);
  let merged = false;
  for (let i = 0; i < items.length; i++) {
    const k = (keys[i] = key(items[i]));
    let first = i;
    for (let j = 0; j < i; j++)
      if (firsts[j] === j && keys[j] === k) {
        first = j;
        merged = true;
        break;
      }
    firsts[i] = first;
  }
  if (!merged) return items as T[];
  const result: T[] = [];
  for (let i = 0; i < items.length; i++) {
    if (firsts[i] !== i) continue;
    let group: T[] | undefined;
    for (let j = i + 1; j < items.length; j++) if (firsts[j] === i) (group ??= [items[i]]).push(items[j]);
    result.push(group ? merge(group) : items[i]);
  }
  return result;
}

/** Marks, in `mergeBy`, an item that joined the group of an earlier one. */
const NOT_FIRST: never[] = [];

/**
 * Rules in the order of their peers' `endpointsKey` texts, compared without writing them
 * (`compareEndpoints`). The list is `mergeRules`' own (made there or by `mergeBy`): sorted in place.
 */
function sortedByPeers(rules: RuleEntry[]): RuleEntry[] {
  if (rules.length === 2) {
    // the usual case: two rules (a workload's ports and the DNS rule, say)
    if (compareEndpoints(rules[0].peers, rules[1].peers) > 0) {
      const first = rules[0];
      rules[0] = rules[1];
      rules[1] = first;
    }
    return rules;
  }
  return rules.sort(peersOrder);
}

const peersOrder = (a: RuleEntry, b: RuleEntry): number => compareEndpoints(a.peers, b.peers);

const peersKeys = new WeakMap<EndpointSet, string>();
/**
 * A text equal for equal peers (as `endpointsKey` is) but cheaper, for grouping: the terms' keys
 * (which hold no line break) one a line, then the blocks; a single term is its own key.
 */
export function peersKey(r: { peers: EndpointSet }): string {
  const s = r.peers;
  // (a single term, most peers, is its term's key, kept by `termKey` already: not kept again here,
  // which took a look-up and an entry per set)
  if (s.pods.length === 1 && s.ips.length === 0) return termKey(s.pods[0]);
  let key = peersKeys.get(s);
  if (key === undefined) {
    // (loops, not `map` and `join`: the lists `map` makes differ in kind from call to call, and V8
    // compiled this four times over)
    const pods = s.pods;
    key = pods.length === 0 ? "" : termKey(pods[0]);
    for (let i = 1; i < pods.length; i++) key += `\n${termKey(pods[i])}`;
    const ips = s.ips;
    for (let i = 0; i < ips.length; i++) {
      key += `${i === 0 ? "\u0000" : "\n"}${formatCidr(ips[i].cidr)} `;
      const except = ips[i].except;
      for (let j = 0; j < except.length; j++) key += j === 0 ? formatCidr(except[j]) : ` ${formatCidr(except[j])}`;
    }
    peersKeys.set(s, key);
  }
  return key;
}

const portsKeyOf = (r: RuleEntry) => portsKey(r.ports);

/** Sorted, without duplicates or peers contained in another peer. */
function normalizePeers(peers: EndpointSet): EndpointSet {
  if (peers.pods.length <= 1 && peers.ips.length === 0) return peers;
  return {
    pods: normalizeTerms(peers.pods),
    ips: peers.ips.length === 0 ? [] : simplifyBlocks(peers.ips).sort(compareBlocks),
  };
}

/**
 * Pod terms without duplicates (the last of equal ones, where the first was) or terms contained in
 * another (of two holding each other, the first kept), sorted. (Loops, not closures: a build
 * normalizes a few terms at a time, thousands of times, mostly before V8 optimizes this.)
 */
export function normalizeTerms(terms: PodTerm[]): PodTerm[] {
  if (terms.length <= 1) return terms;
  if (terms.length === 2) return normalizeTwo(terms[0], terms[1]);
  const keys: string[] = [];
  const unique: PodTerm[] = [];
  for (let i = 0; i < terms.length; i++) {
    const key = termKey(terms[i]);
    const at = keys.indexOf(key);
    if (at === -1) {
      keys.push(key);
      unique.push(terms[i]);
    } else unique[at] = terms[i];
  }
  if (unique.length === 1) return unique;
  const kept: PodTerm[] = [];
  for (let i = 0; i < unique.length; i++) {
    const t = unique[i];
    let contained = false;
    // (of two holding each other, the first: as `simplify` does)
    for (let j = 0; j < unique.length && !contained; j++)
      contained = j !== i && termSubset(t, unique[j]) && !(j > i && termSubset(unique[j], t));
    if (!contained) kept.push(t);
  }
  return kept.length <= 1 ? kept : kept.sort(compareTerms);
}

/**
 * `normalizeTerms` of two terms (most merged rules' peers: two callers on one port), without its
 * lists: the second where their keys are equal, else those not contained in the other (the first
 * where each holds the other), sorted.
 */
function normalizeTwo(a: PodTerm, b: PodTerm): PodTerm[] {
  if (a === b || termKey(a) === termKey(b)) return [b];
  if (termSubset(b, a)) return [a];
  if (termSubset(a, b)) return [b];
  return compareTerms(a, b) > 0 ? [b, a] : [a, b];
}

/** Whether every pod `a` names is one `b` names. */
const termSubset = (a: PodTerm, b: PodTerm): boolean =>
  conjunctionSubset(a.namespaces, b.namespaces) && conjunctionSubset(a.pods, b.pods);

const compareTerms = (a: PodTerm, b: PodTerm): number =>
  compareConjunctions(a.namespaces, b.namespaces) || compareConjunctions(a.pods, b.pods);

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

/**
 * The objects' parts, each made once per build and shared by every object holding it: a workload's
 * selector is its policy's `podSelector` and a peer in the policy of every caller and callee, a
 * term's peer is written in every policy of the namespace that meets it, and most rules' ports are
 * one clause's set (at 20,000 services, about 140,000 peers in 22,000 objects). Nothing changes an
 * emitted object; the YAML and JSON writers write a shared part in full wherever it is.
 */
interface ObjectParts {
  selector(c: Conjunction): LabelSelector;
  /** A term's peer alone, as a rule's list of peers: one list per term and namespace, shared by every rule it is. */
  podPeers(namespace: string, t: PodTerm): readonly Record<string, unknown>[];
  ipPeer(b: IpBlock): Record<string, unknown>;
  ports(rule: RuleEntry, diagnostics: Diagnostic[]): unknown[] | undefined;
}

function objectParts(model: Model): ObjectParts {
  const selectors = new Map<Conjunction, LabelSelector>();
  const selector = (c: Conjunction): LabelSelector => {
    let s = selectors.get(c);
    if (!s) selectors.set(c, (s = toLabelSelector(c)));
    return s;
  };
  // a term's peer in its own namespace (a `podSelector` alone), and elsewhere: as a list of it alone
  // (most rules' peers, the list shared by them)
  const ownPeers = new Map<PodTerm, readonly Record<string, unknown>[]>();
  const otherPeers = new Map<PodTerm, readonly Record<string, unknown>[]>();
  const ipPeers = new Map<IpBlock, Record<string, unknown>>();
  const ports = new Map<PortSet, unknown[]>();
  return {
    selector,
    podPeers(namespace, t) {
      const own = inOwnNamespace(namespace, t);
      const peers = own ? ownPeers : otherPeers;
      let list = peers.get(t);
      if (!list) {
        // (both keys at once where both are written: the second added after made another shape)
        const peer = own
          ? { podSelector: selector(t.pods) }
          : t.pods.length > 0
            ? { namespaceSelector: selector(t.namespaces), podSelector: selector(t.pods) }
            : { namespaceSelector: selector(t.namespaces) };
        // (of the kind of the other rules' lists, `new Array(n)` filled: holey, at its size)
        const one: Record<string, unknown>[] = new Array(1);
        one[0] = peer;
        peers.set(t, (list = one));
      }
      return list;
    },
    ipPeer(b) {
      let peer = ipPeers.get(b);
      if (!peer) ipPeers.set(b, (peer = toIpPeer(b)));
      return peer;
    },
    ports(rule, diagnostics) {
      // (one look-up: every port set but all ports is a list, and all ports is kept as `ALL_PORTS`)
      const kept = ports.get(rule.ports);
      if (kept !== undefined) return kept === ALL_PORTS ? undefined : kept;
      const before = diagnostics.length;
      const result = toPorts(model, rule, diagnostics);
      // (a range reported at the rule's statement is reported again for the next rule holding it)
      if (diagnostics.length === before) ports.set(rule.ports, result ?? ALL_PORTS);
      return result;
    },
  };
}

/** `ObjectParts.ports`' entry for a port set written as no `ports` key (all ports): never written itself. */
const ALL_PORTS: unknown[] = [];

const POLICY_TYPES = {
  ingress: ["Ingress"],
  egress: ["Egress"],
  both: ["Ingress", "Egress"],
} as const;

function toNetworkPolicy(s: Subject, name: string, parts: ObjectParts, diagnostics: Diagnostic[]): Manifest {
  const ingress = s.isolated.has("ingress") || s.rules.ingress.length > 0;
  const egress = s.isolated.has("egress") || s.rules.egress.length > 0;
  const podSelector = parts.selector(s.pods);
  const policyTypes = ingress && egress ? POLICY_TYPES.both : ingress ? POLICY_TYPES.ingress : POLICY_TYPES.egress;
  // (each object made with its keys at once, in their order: no key added to an object after it is
  // made, which moved it to another shape and, past the literal's own fields, gave it a second
  // store of properties)
  const from = ingress ? ruleObjects(s, "ingress", parts, diagnostics) : undefined;
  const to = egress ? ruleObjects(s, "egress", parts, diagnostics) : undefined;
  const spec =
    from === undefined
      ? to === undefined
        ? { podSelector, policyTypes }
        : { podSelector, policyTypes, egress: to }
      : to === undefined
        ? { podSelector, policyTypes, ingress: from }
        : { podSelector, policyTypes, ingress: from, egress: to };
  return {
    object: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: s.namespace },
      spec,
    },
    sources: exact(s.spans),
  };
}

/** A subject's rules in one direction as objects, if it has any once merged. */
function ruleObjects(
  s: Subject,
  direction: Direction,
  parts: ObjectParts,
  diagnostics: Diagnostic[],
): Record<string, unknown>[] | undefined {
  const rules = mergeRules(s.rules[direction]);
  if (rules.length === 0) return undefined;
  const objects: Record<string, unknown>[] = new Array(rules.length);
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const peers = toPeers(s.namespace, r.peers, parts);
    const ports = parts.ports(r, diagnostics);
    objects[i] =
      peers.length === 0
        ? ports
          ? { ports }
          : {}
        : direction === "ingress"
          ? ports
            ? { from: peers, ports }
            : { from: peers }
          : ports
            ? { to: peers, ports }
            : { to: peers };
  }
  return objects;
}

function toPeers(namespace: string, peers: EndpointSet, parts: ObjectParts): readonly unknown[] {
  // (a single term's list is its term's, shared: about half the rules at 20,000 services)
  if (peers.pods.length === 1 && peers.ips.length === 0) return parts.podPeers(namespace, peers.pods[0]);
  const result: unknown[] = new Array(peers.pods.length + peers.ips.length);
  let at = 0;
  for (let i = 0; i < peers.pods.length; i++) result[at++] = parts.podPeers(namespace, peers.pods[i])[0];
  for (let i = 0; i < peers.ips.length; i++) result[at++] = parts.ipPeer(peers.ips[i]);
  return result;
}

/** Whether a term's namespaces are exactly `namespace` (then its peer is written as a `podSelector` alone). */
const inOwnNamespace = (namespace: string, t: PodTerm): boolean =>
  t.namespaces.length === 1 &&
  t.namespaces[0][0] === NAMESPACE_NAME_LABEL &&
  soleValue(t.namespaces[0][1]) === namespace;

function toIpPeer(b: IpBlock): Record<string, unknown> {
  const ipBlock: Record<string, unknown> = { cidr: formatCidr(b.cidr) };
  if (b.except.length > 0) ipBlock.except = b.except.map(formatCidr);
  return { ipBlock };
}

function toPorts(model: Model, rule: RuleEntry, diagnostics: Diagnostic[]): unknown[] | undefined {
  if (isAllPorts(rule.ports)) return undefined;
  const result: Record<string, unknown>[] = [];
  const endPort = supportsEndPort(model.cluster);
  for (const protocol of protocols) {
    const ranges = rule.ports.numeric[protocol];
    if (ranges.length === 1 && ranges[0].from === 1 && ranges[0].to === 65535) {
      result.push({ protocol });
      continue;
    }
    for (const r of ranges) {
      if (r.from === r.to) result.push({ protocol, port: r.from });
      else if (endPort) result.push({ protocol, port: r.from, endPort: r.to });
      else if (r.to - r.from + 1 <= MAX_EXPANDED_RANGE)
        for (let p = r.from; p <= r.to; p++) result.push({ protocol, port: p });
      else {
        const version = model.cluster.version!;
        diagnostics.push(
          diagnostic(
            messages.rangeTooWideWithoutEndPort,
            rule.spans[0],
            [`${r.from}..${r.to}`, `${version.major}.${version.minor}`, MAX_EXPANDED_RANGE],
            {
              help: "split the range, or target a cluster version of 1.22 or newer, where NetworkPolicy has `endPort`",
            },
          ),
        );
      }
    }
  }
  for (const n of rule.ports.named) {
    const ranges = rule.ports.numeric[n.protocol];
    if (!(ranges.length === 1 && ranges[0].from === 1 && ranges[0].to === 65535))
      result.push({ protocol: n.protocol, port: n.name });
  }
  return exact(result);
}

// ---------------------------------------------------------------------------------------------
// Names: `secpol-<workload>` for a workload's pods, `secpol-namespace` for all pods of the
// namespace, `secpol-pods-<selector>` otherwise; a stable hash suffix settles any collision, checked
// against every other name of the namespace (`uniqueNameList`).

/** The subjects' names, each at its subject's place. */
function policyNames(model: Model, namespace: string, subjects: readonly Subject[]): string[] {
  // the first workload of a selector names its policy (as `find` would)
  const workloads = new Map<string, string>();
  const declared = workloadsIn(model, namespace);
  for (let i = 0; i < declared.length; i++) {
    const key = conjunctionKey(declared[i].pods);
    if (!workloads.has(key)) workloads.set(key, declared[i].name);
  }
  const base = (s: Subject) => {
    const workload = workloads.get(s.key);
    return truncate(
      `secpol-${workload ?? (s.pods.length === 0 ? "namespace" : `pods-${slug(describeConjunction(s.pods))}`)}`,
      s,
    );
  };
  return uniqueNameList(subjects, base, keyOf);
}

const keyOf = (s: Subject) => s.key;

/** `app!=web,!legacy` → `app-not-web-no-legacy`: a readable name that never reads as its opposite. */
const slug = (text: string) =>
  text
    .replace(/!=/g, "-not-")
    .replace(/ notin /g, "-not-in-")
    .replace(/(^|,)!/g, "$1no-")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

function truncate(name: string, s: Subject): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 56).replace(/-+$/, "")}-${stableHash(s.key).slice(0, 6)}`;
}
