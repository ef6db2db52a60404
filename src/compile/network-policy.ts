/**
 * Translates the network meaning of the model into NetworkPolicy objects.
 *
 * For each owned namespace and managed direction, the pods are split into posture regions, and each
 * region into cells of pods that the same deny clauses reach. A cell under `default deny` is isolated
 * (a policy selecting it with that policy type), and each allow clause that reaches it contributes
 * its flows minus the cell's denies to the policy of its subject (the clause's pods in the cell).
 * Policies union in Kubernetes, and so do allows, so one policy per subject is exact. A cell under
 * `default allow` needs a policy only when denies reach it: everything minus those denies.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as messages } from "../diagnostics/messages/compile.js";
import { compareBlocks, formatCidr, simplifyBlocks, type IpBlock } from "../semantics/ip.js";
import {
  compareConjunctions,
  conjunctionKey,
  conjunctionSubset,
  describeConjunction,
  everything,
  intersect,
  subtract,
  toLabelSelector,
  type Conjunction,
  type LabelSet,
} from "../semantics/labels.js";
import {
  NAMESPACE_NAME_LABEL,
  supportsEndPort,
  type Clause,
  type Direction,
  type EndpointSet,
  type Model,
  type PodTerm,
} from "../semantics/model.js";
import { allPorts, isAllPorts, isNoPorts, portsKey, protocols, subtractPorts, unionPorts, type PortSet } from "../semantics/ports.js";
import { clauseReach, clauseSubjects, managedRegions } from "../semantics/regions.js";
import { clausesNear, workloadsIn } from "../semantics/lookup.js";
import { endpointsKey, intersectEndpoints, isEmptyEndpoints, subtractEndpoints, termKey } from "../semantics/endpoints.js";
import { everywhere, subtractFromBlock } from "../semantics/ip.js";
import { stableHash } from "./names.js";
import { exact } from "../arrays.js";
import type { Manifest } from "./manifest.js";

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
  isolated: Set<Direction>;
  rules: Record<Direction, RuleEntry[]>;
  spans: Span[];
}

export function compileNetworkPolicies(model: Model): { manifests: Manifest[]; diagnostics: Diagnostic[] } {
  const subjects = new Map<string, Subject>();
  const subjectOf = (namespace: string, pods: Conjunction): Subject => {
    const key = `${namespace}\u0000${conjunctionKey(pods)}`;
    let s = subjects.get(key);
    if (!s) subjects.set(key, (s = { namespace, pods, isolated: new Set(), rules: { ingress: [], egress: [] }, spans: [] }));
    return s;
  };
  const diagnostics: Diagnostic[] = [];
  const addRules = (s: Subject, direction: Direction, rects: readonly Rect[], cell: Cell, span: Span) => {
    for (const r of subtractDenies(rects, cell.denies, span, diagnostics)) s.rules[direction].push(r);
    s.spans.push(span, ...cell.denies.map((x) => x.span));
  };

  for (const namespace of model.namespaces) {
    for (const direction of ["ingress", "egress"] as const) {
      const otherEnd = (c: Clause): Rect => ({ peers: direction === "ingress" ? c.sources : c.destinations, ports: c.ports });
      const near = clausesNear(model, namespace.name);
      const denies = near
        .filter(({ rule }) => rule.action === "deny")
        .map(({ rule, clause }) => ({ ...otherEnd(clause), subjects: clauseSubjects(clause, namespace, direction), span: rule.span }))
        .filter((x) => x.subjects.length > 0);
      for (const region of managedRegions(model, namespace, direction)) {
        for (const cell of partition(region.pods, denies)) {
          if (region.posture.posture === "allow") {
            // EVERYTHING minus the cell's denies; without denies the pods stay unisolated
            if (cell.denies.length === 0) continue;
            const everything = everythingFor(model, cell, region.posture.span, diagnostics);
            for (const pods of cell.pods) {
              const s = subjectOf(namespace.name, pods);
              s.isolated.add(direction);
              addRules(s, direction, [everything], cell, region.posture.span);
            }
            continue;
          }
          for (const pods of cell.pods) {
            const s = subjectOf(namespace.name, pods);
            s.isolated.add(direction);
            s.spans.push(region.posture.span);
          }
          for (const { rule, clause } of near) {
            if (rule.action !== "allow") continue;
            // a cell no deny splits is its whole region, whose subjects the clause's reach holds already
            const subjects =
              cell.pods === region.pods
                ? clauseReach(model, clause).find((r) => r.region === region && r.namespace === namespace && r.direction === direction)?.subjects ?? []
                : intersect(clauseSubjects(clause, namespace, direction), cell.pods);
            for (const pods of subjects) addRules(subjectOf(namespace.name, pods), direction, [otherEnd(clause)], cell, rule.span);
          }
        }
      }
    }
  }

  const ordered = [...subjects.values()].sort(
    (a, b) => compareStrings(a.namespace, b.namespace) || compareConjunctions(a.pods, b.pods),
  );
  const names = policyNames(model, ordered);
  const manifests = ordered.map((s) => toNetworkPolicy(model, s, names.get(s)!, diagnostics));
  return { manifests, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Deny: permitted = (posture or allows) minus denies, per cell of pods that the same denies reach

/** Flows to or from `peers` on `ports`: one side of a policy rule. */
interface Rect {
  peers: EndpointSet;
  ports: PortSet;
}

interface Deny extends Rect {
  subjects: LabelSet;
  span: Span;
}

/** Pods of a region that exactly the same deny clauses reach. */
interface Cell {
  pods: LabelSet;
  denies: Deny[];
}

function partition(pods: LabelSet, denies: readonly Deny[]): Cell[] {
  let cells: Cell[] = [{ pods, denies: [] }];
  for (const deny of denies) {
    cells = cells.flatMap((cell) => {
      const inside = intersect(cell.pods, deny.subjects);
      if (inside.length === 0) return [cell];
      const outside = subtract(cell.pods, deny.subjects);
      const result: Cell[] = [{ pods: inside, denies: [...cell.denies, deny] }];
      if (outside.length > 0) result.push({ pods: outside, denies: cell.denies });
      return result;
    });
  }
  return cells;
}

/** Every peer on every port: all pods, and every address outside the cluster's ranges. */
function everythingFor(model: Model, cell: Cell, span: Span, diagnostics: Diagnostic[]): Rect {
  if (model.cluster.podCIDRs.length === 0 && cell.denies.some((d) => d.peers.pods.length > 0)) {
    diagnostics.push(
      diagnostic(messages.denyNeedsPodCidr, cell.denies.find((d) => d.peers.pods.length > 0)!.span, [], {
        help: "declare it: `cluster { podCIDR 10.244.0.0/16 }`",
        related: [{ span, message: "the `default allow` that this deny carves out of" }],
      }),
    );
  }
  const ranges = [...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs];
  const ips = ([4, 6] as const).flatMap((family) => subtractFromBlock({ cidr: everywhere(family), except: [] }, ranges));
  return { peers: { pods: [{ namespaces: everything, pods: everything }], ips }, ports: allPorts };
}

/**
 * rects minus every deny: (P × Q) − (P' × Q') = (P − P') × Q  ∪  (P ∩ P') × (Q − Q').
 * A port difference with no exact form is an error naming both rules.
 */
function subtractDenies(rects: readonly Rect[], denies: readonly Deny[], span: Span, diagnostics: Diagnostic[]): RuleEntry[] {
  let result = [...rects];
  for (const deny of denies) {
    result = result.flatMap((r) => {
      const shared = intersectEndpoints(r.peers, deny.peers);
      if (isEmptyEndpoints(shared)) return [r];
      const pieces: Rect[] = [];
      const outside = subtractEndpoints(r.peers, deny.peers);
      if (!isEmptyEndpoints(outside)) pieces.push({ peers: outside, ports: r.ports });
      const ports = subtractPorts(r.ports, deny.ports);
      if (!ports) {
        diagnostics.push(
          diagnostic(messages.inexactPortDifference, deny.span, [], {
            help: "declare the named port on the destination workload (`port NAME NUMBER`), or write both rules with numbers",
            related: [{ span, message: "the rule whose ports it would cut" }],
          }),
        );
        return pieces;
      }
      if (!isNoPorts(ports)) pieces.push({ peers: shared, ports });
      return pieces;
    });
  }
  return result.map((r) => ({ ...r, spans: [span] }));
}

// ---------------------------------------------------------------------------------------------
// Minimal rules: equal peers merged (ports united), then equal ports merged (peers united)

function mergeRules(entries: readonly RuleEntry[]): RuleEntry[] {
  let rules = entries.map((e) => ({ ...e, peers: normalizePeers(e.peers) }));
  if (rules.length <= 1) return rules;
  for (;;) {
    const byPeers = mergeBy(rules, (r) => endpointsKey(r.peers), (group) => ({
      peers: group[0].peers,
      ports: group.slice(1).reduce((ports, r) => unionPorts(ports, r.ports), group[0].ports),
      spans: group.flatMap((r) => r.spans),
    }));
    const byPorts = mergeBy(byPeers, (r) => portsKey(r.ports), (group) => ({
      peers: normalizePeers({ pods: group.flatMap((r) => r.peers.pods), ips: group.flatMap((r) => r.peers.ips) }),
      ports: group[0].ports,
      spans: group.flatMap((r) => r.spans),
    }));
    if (byPorts.length === rules.length) return sortedBy(byPorts, ruleKey);
    rules = byPorts;
  }
}

/** The items grouped by key, in order of first appearance; a group of several is merged at once. */
function mergeBy<T>(items: readonly T[], key: (t: T) => string, merge: (group: T[]) => T): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()].map((group) => (group.length === 1 ? group[0] : merge(group)));
}

/** `items` in the order of their keys, each key computed once. */
const sortedBy = <T>(items: readonly T[], key: (t: T) => string): T[] =>
  items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((x) => x.item);

const ruleKey = (r: RuleEntry) => `${endpointsKey(r.peers)}#${portsKey(r.ports)}`;

/** Sorted, without duplicates or peers contained in another peer. */
function normalizePeers(peers: EndpointSet): EndpointSet {
  if (peers.pods.length <= 1 && peers.ips.length === 0) return peers;
  const unique = [...new Map(peers.pods.map((t) => [termKey(t), t])).values()];
  const pods = unique
    .filter((t, i) => !unique.some((o, j) => j !== i && conjunctionSubset(t.namespaces, o.namespaces) && conjunctionSubset(t.pods, o.pods)))
    .sort((a, b) => compareConjunctions(a.namespaces, b.namespaces) || compareConjunctions(a.pods, b.pods));
  return { pods, ips: simplifyBlocks(peers.ips).sort(compareBlocks) };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

function toNetworkPolicy(model: Model, s: Subject, name: string, diagnostics: Diagnostic[]): Manifest {
  const policyTypes = (["ingress", "egress"] as const).filter((d) => s.isolated.has(d) || s.rules[d].length > 0);
  const spec: Record<string, unknown> = {
    podSelector: toLabelSelector(s.pods),
    policyTypes: policyTypes.map((d) => (d === "ingress" ? "Ingress" : "Egress")),
  };
  for (const direction of policyTypes) {
    const rules = mergeRules(s.rules[direction]);
    if (rules.length === 0) continue;
    spec[direction] = rules.map((r) => {
      const rule: Record<string, unknown> = {};
      const peers = toPeers(s.namespace, r.peers);
      if (peers.length > 0) rule[direction === "ingress" ? "from" : "to"] = peers;
      const ports = toPorts(model, r, diagnostics);
      if (ports) rule.ports = ports;
      return rule;
    });
  }
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

const toPeers = (namespace: string, peers: EndpointSet): unknown[] => [
  ...peers.pods.map((t) => toPodPeer(namespace, t)),
  ...peers.ips.map(toIpPeer),
];

function toPodPeer(namespace: string, t: PodTerm): Record<string, unknown> {
  const ownNamespace =
    t.namespaces.length === 1 &&
    t.namespaces[0][0] === NAMESPACE_NAME_LABEL &&
    !t.namespaces[0][1].absentOk &&
    t.namespaces[0][1].values.kind === "only" &&
    t.namespaces[0][1].values.values.length === 1 &&
    t.namespaces[0][1].values.values[0] === namespace;
  if (ownNamespace) return { podSelector: toLabelSelector(t.pods) };
  const peer: Record<string, unknown> = { namespaceSelector: toLabelSelector(t.namespaces) };
  if (t.pods.length > 0) peer.podSelector = toLabelSelector(t.pods);
  return peer;
}

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
      else if (r.to - r.from + 1 <= MAX_EXPANDED_RANGE) for (let p = r.from; p <= r.to; p++) result.push({ protocol, port: p });
      else {
        const version = model.cluster.version!;
        diagnostics.push(
          diagnostic(messages.rangeTooWideWithoutEndPort, rule.spans[0], [`${r.from}..${r.to}`, `${version.major}.${version.minor}`, MAX_EXPANDED_RANGE], {
            help: "split the range, or target a cluster version of 1.22 or newer, where NetworkPolicy has `endPort`",
          }),
        );
      }
    }
  }
  for (const n of rule.ports.named) {
    const ranges = rule.ports.numeric[n.protocol];
    if (!(ranges.length === 1 && ranges[0].from === 1 && ranges[0].to === 65535)) result.push({ protocol: n.protocol, port: n.name });
  }
  return exact(result);
}

// ---------------------------------------------------------------------------------------------
// Names: `secpol-<workload>` for a workload's pods, `secpol-namespace` for all pods of the
// namespace, `secpol-pods-<selector>` otherwise; a stable hash suffix settles any collision.

function policyNames(model: Model, subjects: readonly Subject[]): Map<Subject, string> {
  const base = new Map<Subject, string>();
  for (const s of subjects) {
    const key = conjunctionKey(s.pods);
    const workload = workloadsIn(model, s.namespace).find((w) => conjunctionKey(w.pods) === key);
    const name = workload ? workload.name : s.pods.length === 0 ? "namespace" : `pods-${slug(describeConjunction(s.pods))}`;
    base.set(s, truncate(`secpol-${name}`, s));
  }
  const counts = new Map<string, number>();
  for (const s of subjects) {
    const k = `${s.namespace}/${base.get(s)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const result = new Map<Subject, string>();
  for (const s of subjects) {
    const name = base.get(s)!;
    const clash = counts.get(`${s.namespace}/${name}`)! > 1;
    result.set(s, clash ? `${name.slice(0, 56)}-${stableHash(conjunctionKey(s.pods)).slice(0, 6)}` : name);
  }
  return result;
}

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
  return `${name.slice(0, 56).replace(/-+$/, "")}-${stableHash(conjunctionKey(s.pods)).slice(0, 6)}`;
}
