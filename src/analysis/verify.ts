/**
 * Translation validation: after compiling, the emitted NetworkPolicies (as re-read from the output)
 * are evaluated against the program's meaning, side by side (the destination's ingress, the source's
 * egress), on representatives of every region that matters.
 *
 * The check is local, so it scales with the program rather than with its square. For an owned
 * namespace and a direction, the subjects are pods standing for every selector that can reach the
 * namespace (each one's witness and near misses, from the program and from the emitted policies);
 * subjects that match the same clauses, policies and posture are one case. For a subject, the peers
 * that matter are those its clauses and its policies' rules can name: pods in the namespaces those
 * selectors reach (each with the witnesses and near misses of the selectors that reach it), one
 * namespace they do not reach, and the edges of every address block involved. Peers matching the same clauses and
 * rules are one case, checked on every port boundary of the clauses and rules involved.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { formatAddress, lastAddress, type Cidr, type Family, type IpBlock } from "../semantics/ip.js";
import { conjunctionMatches, conjunctionOf, witness, type Conjunction, type Labels, type Requirement } from "../semantics/labels.js";
import { evaluateSide, inEndpointSet, ownedNamespaceLabels, postureOf, sideOf, type ConcreteFlow, type Endpoint, type PodInstance } from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Clause, type Direction, type Model, type OwnedNamespace, type PodTerm } from "../semantics/model.js";
import { clausesNear, workloadsIn } from "../semantics/lookup.js";
import { protocols, type ContainerPort, type PortSet, type Protocol } from "../semantics/ports.js";
import { addressInCidrText, admits, admittedBy, emittedSideOf, indexPolicies, selectorMatches, type PolicyIndex } from "./netpol.js";

export interface Counterexample {
  flow: ConcreteFlow;
  direction: Direction;
  /** What the program means on that side, and what the emitted policies do. */
  meant: boolean;
  emitted: boolean;
  /** The statement whose side it is: the posture or rule that decides the meaning. */
  span: Span;
  description: string;
}

export interface VerifyResult {
  counterexample?: Counterexample;
  checks: number;
}

type Json = Record<string, any>;

const FRESH = "secpolc-other";

/** Selectors with more keys than this get near misses on their first keys only (bounds memory on pathological input). */
export const MAX_NEAR_MISS_KEYS = 16;

/** Label maps that miss the conjunction by one key each. */
function nearMisses(c: Conjunction): Record<string, string>[] {
  const base = witness(c);
  const result: Record<string, string>[] = [];
  for (const [key, k] of c.slice(0, MAX_NEAR_MISS_KEYS)) {
    if (k.absentOk) {
      result.push({ ...base, [key]: k.values.kind === "except" && k.values.values.length > 0 ? k.values.values[0] : FRESH });
    } else {
      const { [key]: _, ...without } = base;
      result.push(without);
      if (k.values.kind === "only") result.push({ ...base, [key]: FRESH });
      else if (k.values.values.length > 0) result.push({ ...base, [key]: k.values.values[0] });
    }
  }
  return result;
}

interface Keyed {
  labels: Labels;
  key: string;
}

const NO_LABELS: Labels = {};
const NO_LABELS_KEY = "[]";
const labelsKey = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const aroundCache = new WeakMap<Conjunction, Keyed[]>();

/** A conjunction's witness and near misses, with their keys (computed once per conjunction). */
function around(c: Conjunction): Keyed[] {
  let found = aroundCache.get(c);
  if (!found) aroundCache.set(c, (found = [witness(c), ...nearMisses(c)].map((labels) => ({ labels, key: labelsKey(labels) }))));
  return found;
}

/** An emitted label selector as a conjunction, to draw representatives from (matching uses netpol.ts). */
const selectorCache = new WeakMap<Json, Conjunction | undefined>();

function conjunctionOfSelector(selector: Json | undefined): Conjunction | undefined {
  if (!selector) return [];
  if (!selectorCache.has(selector)) selectorCache.set(selector, selectorConjunction(selector));
  return selectorCache.get(selector);
}

function selectorConjunction(selector: Json | undefined): Conjunction | undefined {
  const requirements: Requirement[] = Object.entries((selector?.matchLabels ?? {}) as Record<string, string>).map(([key, value]) => ({ key, operator: "In", values: [value] }));
  for (const e of (selector?.matchExpressions ?? []) as Json[]) {
    if (e.operator === "In" || e.operator === "NotIn") requirements.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
    else if (e.operator === "Exists" || e.operator === "DoesNotExist") requirements.push({ key: e.key, operator: e.operator });
  }
  return conjunctionOf(requirements);
}

class UniqueLabels {
  private readonly seen = new Map<string, Labels>();
  add(labels: Labels, key = labelsKey(labels)): void {
    if (!this.seen.has(key)) this.seen.set(key, labels);
  }
  addAround(c: Conjunction | undefined): void {
    if (c) for (const l of around(c)) this.add(l.labels, l.key);
  }
  get keyed(): Keyed[] {
    return [...this.seen].map(([key, labels]) => ({ key, labels }));
  }
}

/** A peer of an emitted rule: the namespaces it can reach (undefined: the policy's own) and its pods. */
interface EmittedPeer {
  namespaceSelector?: Json;
  podSelector?: Json;
  ipBlock?: Json;
}

/** The namespaces of the universe, and which of them each selector reaches (memoised). */
class Namespaces {
  readonly labels = new Map<string, Labels>();
  private readonly byKey = new Map<string, ReadonlySet<string>>();
  /** The same, by object: most lookups repeat the same conjunction or selector. */
  private readonly byObject = new WeakMap<object, ReadonlySet<string>>();
  private names?: string[];

  add(labels: Labels): void {
    const name = labels[NAMESPACE_NAME_LABEL] ?? `${FRESH}-${this.labels.size}`;
    if (!this.labels.has(name)) this.labels.set(name, { ...labels, [NAMESPACE_NAME_LABEL]: name });
  }

  /** The first namespace (in the order they were added) not in `set`. */
  firstOutside(set: ReadonlySet<string>): string | undefined {
    this.names ??= [...this.labels.keys()];
    return this.names.find((n) => !set.has(n));
  }

  /** The namespaces a conjunction reaches; a conjunction naming namespaces is looked up, not scanned. */
  reachedBy(c: Conjunction): ReadonlySet<string> {
    return this.memo(c, "c", () => {
      const named = c.find(([k]) => k === NAMESPACE_NAME_LABEL)?.[1];
      const names = named && !named.absentOk && named.values.kind === "only" ? named.values.values : undefined;
      return this.matching(names, (l) => conjunctionMatches(c, l));
    });
  }

  /** The same for an emitted namespaceSelector (matched by netpol.ts, independently of the model). */
  reachedBySelector(selector: Json): ReadonlySet<string> {
    return this.memo(selector, "s", () => {
      const named: unknown = selector.matchLabels?.[NAMESPACE_NAME_LABEL] ?? selector.matchExpressions?.find((e: Json) => e.key === NAMESPACE_NAME_LABEL && e.operator === "In")?.values;
      const names = typeof named === "string" ? [named] : Array.isArray(named) ? (named as string[]) : undefined;
      return this.matching(names, (l) => selectorMatches(selector, l));
    });
  }

  /** The namespaces among `names` (all when undefined) whose labels pass `test`. */
  private matching(names: readonly string[] | undefined, test: (labels: Labels) => boolean): ReadonlySet<string> {
    return new Set((names ?? [...this.labels.keys()]).filter((n) => this.labels.has(n) && test(this.labels.get(n)!)));
  }

  private memo(o: object, kind: string, compute: () => ReadonlySet<string>): ReadonlySet<string> {
    let found = this.byObject.get(o);
    if (found) return found;
    const key = kind + JSON.stringify(o);
    found = this.byKey.get(key);
    if (!found) this.byKey.set(key, (found = compute()));
    this.byObject.set(o, found);
    return found;
  }
}

/** The port numbers that bound every region of these port sets, per protocol. */
function portCuts(sets: readonly PortSet[], emittedPorts: readonly Json[], podPorts: readonly ContainerPort[]): { protocol: Protocol; port: number }[] {
  const result: { protocol: Protocol; port: number }[] = [];
  for (const protocol of protocols) {
    const cuts = new Set<number>([1, 65535]);
    const range = (from: number, to: number) => [from - 1, from, to, to + 1].forEach((p) => cuts.add(p));
    for (const s of sets) for (const r of s.numeric[protocol]) range(r.from, r.to);
    for (const e of emittedPorts) if ((e.protocol ?? "TCP") === protocol && typeof e.port === "number") range(e.port, e.endPort ?? e.port);
    for (const p of podPorts) if (p.protocol === protocol) cuts.add(p.port);
    for (const p of [...cuts].filter((p) => p >= 1 && p <= 65535).sort((a, b) => a - b)) result.push({ protocol, port: p });
  }
  return result;
}

/** The edges of each block (first, last, and just outside), plus two far-away addresses; none inside the cluster's ranges. */
function addressCuts(model: Model, blocks: readonly IpBlock[], emitted: readonly Json[]): { family: Family; value: bigint }[] {
  const cidrs: Cidr[] = [...blocks.flatMap((b) => [b.cidr, ...b.except]), ...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs];
  const values = new Map<string, { family: Family; value: bigint }>();
  const add = (family: Family, value: bigint) => {
    const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    if (value >= 0n && value <= max) values.set(`${family}:${value}`, { family, value });
  };
  add(4, 0x08080808n);
  add(6, 0x20010db8000000000000000000000001n);
  for (const c of cidrs) for (const v of [c.base - 1n, c.base, lastAddress(c), lastAddress(c) + 1n]) add(c.family, v);
  for (const block of emitted) {
    for (const text of [block.cidr, ...(block.except ?? [])] as string[]) {
      const edges = addressInCidrText(text);
      if (edges) for (const v of [edges.first - 1n, edges.first, edges.last, edges.last + 1n]) add(edges.family, v);
    }
  }
  // pods are never addressed by IP: addresses inside the pod and service ranges are not external
  const inCluster = (a: { family: Family; value: bigint }) =>
    [...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs].some((c) => c.family === a.family && a.value >= c.base && a.value <= lastAddress(c));
  return [...values.values()].filter((a) => !inCluster(a));
}

const describeEndpoint = (e: Endpoint): string =>
  "pod" in e ? `a pod in \`${e.pod.namespace}\` with labels {${Object.entries(e.pod.labels).map(([k, v]) => `${k}=${v}`).join(", ")}}` : formatAddress(e.ip.family, e.ip.value);

const ownEnd = (c: Clause, d: Direction) => (d === "ingress" ? c.destinations : c.sources);
const otherEnd = (c: Clause, d: Direction) => (d === "ingress" ? c.sources : c.destinations);

type RuleClause = ReturnType<typeof clausesNear>[number];

export function verifyNetworkPolicies(model: Model, objects: readonly unknown[]): VerifyResult {
  const index = indexPolicies(objects);
  const terms = model.rules.flatMap((r) => r.clauses.flatMap((c) => [...c.sources.pods, ...c.destinations.pods]));
  const emittedPeers = [...index.byNamespace.values()].flat().flatMap((p) => [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])].flatMap((r: Json) => [...(r.from ?? []), ...(r.to ?? [])] as EmittedPeer[]));

  // the namespaces: owned ones, and the witness and near misses of every namespace selector
  const namespaces = new Namespaces();
  for (const n of model.namespaces) namespaces.labels.set(n.name, n.labels);
  namespaces.add({});
  for (const t of terms) for (const l of around(t.namespaces)) namespaces.add(l.labels);
  for (const p of emittedPeers) if (p.namespaceSelector) for (const l of around(conjunctionOfSelector(p.namespaceSelector) ?? [])) namespaces.add(l.labels);
  const namespaceLabels = ownedNamespaceLabels(model, (n) => namespaces.labels.get(n) ?? { [NAMESPACE_NAME_LABEL]: n });

  // a pod gives every port name the program uses a number that some rule may also name
  const namedPorts = [...new Map(model.rules.flatMap((r) => r.clauses.flatMap((c) => c.ports.named)).map((n) => [`${n.name}/${n.protocol}`, n])).values()];
  const allPortNumbers = portCuts(model.rules.flatMap((r) => r.clauses.map((c) => c.ports)), [], model.workloads.flatMap((w) => w.ports));
  const podPorts: ContainerPort[] = namedPorts.map((n, i) => ({ name: n.name, protocol: n.protocol, port: allPortNumbers[i % allPortNumbers.length].port }));

  const farAddresses = addressCuts(model, [], []).map((ip): Endpoint => ({ ip }));
  const podAddresses = model.cluster.podCIDRs.length > 0 ? () => model.cluster.podCIDRs.map((c) => ({ family: c.family, value: c.base + 1n })) : undefined;
  const ctx: Context = { index, namespaces, namespaceLabels, podPorts, podAddresses, farAddresses, portCache: new Map(), podCache: new Map() };
  let checks = 0;
  for (const owned of model.namespaces) {
    // the subjects: every selector that can reach this namespace, from the program and the output
    const candidates = clausesNear(model, owned.name);
    const subjectLabels = new UniqueLabels();
    subjectLabels.add(NO_LABELS, NO_LABELS_KEY);
    for (const w of workloadsIn(model, owned.name)) subjectLabels.addAround(w.pods);
    for (const { clause } of candidates) {
      for (const t of [...clause.sources.pods, ...clause.destinations.pods]) if (namespaces.reachedBy(t.namespaces).has(owned.name)) subjectLabels.addAround(t.pods);
    }
    const policies = index.byNamespace.get(owned.name) ?? [];
    for (const p of policies) subjectLabels.addAround(conjunctionOfSelector(p.spec?.podSelector));
    for (const direction of ["ingress", "egress"] as const) {
      const own = candidates.filter(({ clause }) => ownEnd(clause, direction).pods.some((t) => namespaces.reachedBy(t.namespaces).has(owned.name)));
      const seen = new Set<string>();
      for (const { labels } of subjectLabels.keyed) {
        const subject: PodInstance = { namespace: owned.name, labels, ports: podPorts };
        const signature = subjectSignature(model, owned, subject, direction, own, policies, namespaceLabels);
        if (seen.has(signature)) continue;
        seen.add(signature);
        const found = verifySide(model, owned, subject, direction, own, ctx);
        checks += found.checks;
        if (found.counterexample) return { counterexample: found.counterexample, checks };
      }
    }
  }
  return { checks };
}

/** What decides a subject's side: its posture, the clauses whose own end holds it, the policies selecting it. */
function subjectSignature(
  model: Model,
  owned: OwnedNamespace,
  subject: PodInstance,
  direction: Direction,
  candidates: readonly RuleClause[],
  policies: readonly Json[],
  namespaceLabels: (n: string) => Labels,
): string {
  const posture = postureOf(model, owned, subject, direction).posture;
  const clauses = candidates.flatMap((c, i) => (inEndpointSet(ownEnd(c.clause, direction), { pod: subject }, namespaceLabels) ? [i] : []));
  const selecting = policies.flatMap((p, i) => (selectorMatches(p.spec?.podSelector, subject.labels) ? [i] : []));
  return JSON.stringify([posture?.span.start.offset, posture?.span.file, posture?.posture, clauses, selecting]);
}

interface Context {
  /** The addresses checked where no address block is involved (computed once). */
  farAddresses: Endpoint[];
  /** Port boundaries by the port sets and rules they come from. */
  portCache: Map<string, { protocol: Protocol; port: number }[]>;
  /** Peer pods by namespace and labels, made once. */
  podCache: Map<string, Endpoint>;
  index: PolicyIndex;
  namespaces: Namespaces;
  namespaceLabels: (n: string) => Labels;
  podPorts: ContainerPort[];
  podAddresses?: () => { family: Family; value: bigint }[];
}

const ids = new WeakMap<object, number>();
let nextId = 0;
const objectId = (o: object): number => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
};

function podEndpoint(ctx: Context, namespace: string, l: Keyed): Endpoint {
  const key = `${namespace}\u0000${l.key}`;
  let e = ctx.podCache.get(key);
  if (!e) ctx.podCache.set(key, (e = { pod: { namespace, labels: l.labels, ports: ctx.podPorts } }));
  return e;
}

function verifySide(model: Model, owned: OwnedNamespace, subject: PodInstance, direction: Direction, candidates: readonly RuleClause[], ctx: Context): VerifyResult {
  const { namespaces, namespaceLabels } = ctx;
  const meaning = sideOf(model, subject, direction, namespaceLabels, candidates);
  const plain = emittedSideOf(ctx.index, subject, direction, namespaceLabels);
  // a CNI matching ipBlocks against pod addresses changes something only where an ipBlock is
  const withIpBlocks = ctx.podAddresses && plain.rules.some((r) => r.peers.some((p: EmittedPeer) => p.ipBlock));
  const emitted = [plain, ...(withIpBlocks ? [emittedSideOf(ctx.index, subject, direction, namespaceLabels, ctx.podAddresses)] : [])];
  const clauses = [...meaning.allows, ...meaning.denies].map((a) => a.clause);
  const rules = emitted[0].rules;

  // the peers' namespaces: those the selectors involved reach (a selector reaching every namespace
  // tells none apart), and one that none of them reaches
  const podTerms: PodTerm[] = clauses.flatMap((c) => otherEnd(c, direction).pods);
  const peerSelectors = rules.flatMap((r) => r.peers.filter((p: EmittedPeer) => !p.ipBlock));
  const all = namespaces.labels.size;
  const reached = new Set<string>();
  const addReached = (set: ReadonlySet<string>) => {
    if (set.size < all) for (const n of set) reached.add(n);
  };
  for (const t of podTerms) addReached(namespaces.reachedBy(t.namespaces));
  for (const p of peerSelectors) addReached(p.namespaceSelector ? namespaces.reachedBySelector(p.namespaceSelector) : new Set([owned.name]));
  reached.add(owned.name);
  const unreached = namespaces.firstOutside(reached);
  const peerNamespaces = [...reached, ...(unreached === undefined ? [] : [unreached])];

  // the peers' labels, per namespace: witnesses and near misses of the pod selectors that reach it
  const labelsIn = new Map(peerNamespaces.map((n) => [n, new UniqueLabels()]));
  const addTo = (set: ReadonlySet<string>, c: Conjunction | undefined) => {
    for (const [n, labels] of labelsIn) if (set.has(n)) labels.addAround(c);
  };
  for (const t of podTerms) addTo(namespaces.reachedBy(t.namespaces), t.pods);
  for (const p of peerSelectors) addTo(p.namespaceSelector ? namespaces.reachedBySelector(p.namespaceSelector) : new Set([owned.name]), conjunctionOfSelector(p.podSelector));
  for (const labels of labelsIn.values()) labels.add(NO_LABELS, NO_LABELS_KEY);

  const ipBlocks = [...clauses.flatMap((c) => otherEnd(c, direction).ips)];
  const emittedBlocks = rules.flatMap((r) => r.peers.filter((p: EmittedPeer) => p.ipBlock).map((p: EmittedPeer) => p.ipBlock!));
  const peers: Endpoint[] = [
    ...[...labelsIn].flatMap(([namespace, labels]) => labels.keyed.map((l) => podEndpoint(ctx, namespace, l))),
    ...(ipBlocks.length === 0 && emittedBlocks.length === 0 ? ctx.farAddresses : addressCuts(model, ipBlocks, emittedBlocks).map((ip): Endpoint => ({ ip }))),
  ];
  // sides with the same clauses' port sets and the same rules share their port boundaries
  const portsKey = `${clauses.map((c) => objectId(c.ports)).join(",")}/${rules.map((r) => r.index).join(",")}`;
  let ports = ctx.portCache.get(portsKey);
  if (!ports) ctx.portCache.set(portsKey, (ports = portCuts(clauses.map((c) => c.ports), rules.flatMap((r) => r.ports ?? []), ctx.podPorts)));

  let checks = 0;
  const seen = new Set<string>();
  const self: Endpoint = { pod: subject };
  for (const peer of peers) {
    const matched = meaning.clausesFor(peer);
    const admittedRules = emitted.map((e) => e.rulesFor(peer));
    // peers matching the same clauses and rules are one case (pods all carry the same ports)
    let key = "ip" in peer ? "i" : "p";
    for (const a of matched.allows) key += `a${meaning.allows.indexOf(a)}`;
    for (const d of matched.denies) key += `d${meaning.denies.indexOf(d)}`;
    for (const rs of admittedRules) {
      key += "|";
      for (const r of rs) key += `${r.index},`;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    // one flow object, its port changed in place (this loop is the hot one)
    const flow: ConcreteFlow = direction === "ingress" ? { src: peer, dst: self, protocol: "TCP", port: 1 } : { src: self, dst: peer, protocol: "TCP", port: 1 };
    for (const { protocol, port } of ports) {
      flow.protocol = protocol;
      flow.port = port;
      const meant = meaning.permits(matched, flow);
      checks++;
      // exact whether or not the CNI matches ipBlocks against pod addresses
      for (const [i, side] of emitted.entries()) {
        const admitted = !side.isolated || admits(admittedRules[i], flow);
        if (admitted === meant) continue;
        const policies = admittedBy(admittedRules[i], flow);
        const verdict = evaluateSide(model, flow, direction, namespaceLabels);
        const span = (meant ? verdict.allows[0] : verdict.denies[0]) ?? verdict.posture?.span ?? owned.span;
        const description = `${describeEndpoint(flow.src)} -> ${describeEndpoint(flow.dst)} on ${protocol.toLowerCase()}/${port}: on the ${direction} side the program ${
          meant ? "permits" : "forbids"
        } it, the emitted policies ${admitted ? `admit it${policies.length > 0 ? ` (${policies.join(", ")})` : " (no policy isolates the pod)"}` : "drop it"}${i === 1 ? " when the CNI matches ipBlocks against pod addresses" : ""}`;
        return { counterexample: { flow: { ...flow }, direction, meant, emitted: admitted, span, description }, checks };
      }
    }
  }
  return { checks };
}

