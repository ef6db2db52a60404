/**
 * An evaluator of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), written from the API
 * reference and independent of the compiler: it imports nothing from src/. The tests use it to
 * check that what the compiler emits permits exactly what a program means.
 *
 * The rules it implements:
 * - A policy applies to the pods of its own namespace that its `spec.podSelector` selects.
 * - `policyTypes` absent or empty: Ingress always, Egress only when `spec.egress` holds a rule (the
 *   API server's defaulting).
 * - A pod is isolated in a direction when some policy selecting it has that type; an isolated pod
 *   allows a flow iff some rule of some such policy matches it; a non-isolated pod allows everything.
 * - A rule with absent or empty `from`/`to` matches every peer; absent or empty `ports` every port.
 * - In one peer, `namespaceSelector` and `podSelector` are ANDed; `podSelector` alone means pods of
 *   the policy's namespace; `namespaceSelector: {}` means every namespace.
 * - `ipBlock` matches addresses in `cidr` and in none of `except`; it matches pods through their IPs
 *   only on CNIs that do so (`ipBlockMatchesPodIPs`).
 * - `protocol` defaults to TCP; `port` absent means every port of the protocol; `endPort` makes a
 *   range; a named port matches the destination pod's container port of that name and protocol.
 * - A flow is allowed iff the destination's ingress (when it is a pod) and the source's egress
 *   (when it is a pod) both allow it.
 */

export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: "TCP" | "UDP" | "SCTP";
}

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ips: string[];
  ports: ContainerPort[];
}

export type Endpoint = { pod: Pod } | { ip: string };

export interface Flow {
  src: Endpoint;
  dst: Endpoint;
  protocol: "TCP" | "UDP" | "SCTP";
  port: number;
}

export interface Universe {
  namespaces: Namespace[];
  pods: Pod[];
}

export interface EvalOptions {
  ipBlockMatchesPodIPs: boolean;
}

type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Label selectors

export function matchesLabelSelector(selector: unknown, labels: Record<string, string>): boolean {
  const s = (selector ?? {}) as Json;
  for (const [key, value] of Object.entries((s.matchLabels ?? {}) as Record<string, string>)) {
    if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== value) return false;
  }
  for (const e of (s.matchExpressions ?? []) as Json[]) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[e.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Addresses

function parseAddress(text: string): { v6: boolean; value: bigint } {
  if (!text.includes(":")) {
    const parts = text.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 address ${text}`);
    return { v6: false, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  // a dotted last group (`::ffff:10.0.0.1`) is two groups
  const groups = (s: string | undefined) =>
    s
      ? s
          .split(":")
          .flatMap((g) =>
            g.includes(".")
              ? (({ value }) => [Number(value >> 16n), Number(value & 0xffffn)])(parseAddress(g))
              : [parseInt(g, 16)],
          )
      : [];
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`bad IPv6 address ${text}`);
  const value = all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  // IPv4-mapped (`::ffff:0:0/96`): the IPv4 address, as Go's net.IP.To4 and IPNet.Contains read it
  return value >> 32n === 0xffffn ? { v6: false, value: value & 0xffffffffn } : { v6: true, value };
}

function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const a = parseAddress(address);
  const b = parseAddress(base);
  if (a.v6 !== b.v6) return false; // an address only matches a block of its own family
  const width = a.v6 ? 128 : 32;
  // a mapped block's prefix counts the 96 bits of `::ffff:` (only /96 and longer reach IPv4 addresses)
  const bits = Number(bitsText) - (!b.v6 && base.includes(":") ? 96 : 0);
  if (bits < 0) return false;
  const shift = BigInt(width - bits);
  return a.value >> shift === b.value >> shift;
}

const inIpBlock = (address: string, block: Json): boolean =>
  inCidr(address, block.cidr) && !((block.except ?? []) as string[]).some((e) => inCidr(address, e));

// ---------------------------------------------------------------------------------------------
// Policies

const namespaceLabels = (universe: Universe, name: string): Record<string, string> =>
  universe.namespaces.find((n) => n.name === name)?.labels ?? {};

/** As the API server defaults them: absent or empty means Ingress, and Egress when `egress` holds a rule. */
function policyTypes(policy: Json): string[] {
  if (Array.isArray(policy.spec?.policyTypes) && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  return Array.isArray(policy.spec?.egress) && policy.spec.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

function selects(policy: Json, pod: Pod): boolean {
  return (
    policy.metadata?.namespace === pod.namespace && matchesLabelSelector(policy.spec?.podSelector ?? {}, pod.labels)
  );
}

function peerMatches(
  peer: Json,
  policyNamespace: string,
  other: Endpoint,
  universe: Universe,
  options: EvalOptions,
): boolean {
  if (peer.ipBlock) {
    if ("ip" in other) return inIpBlock(other.ip, peer.ipBlock);
    return options.ipBlockMatchesPodIPs && other.pod.ips.some((ip) => inIpBlock(ip, peer.ipBlock));
  }
  if (!("pod" in other)) return false; // pod and namespace selectors never match external addresses
  const pod = other.pod;
  if (peer.namespaceSelector) {
    if (!matchesLabelSelector(peer.namespaceSelector, namespaceLabels(universe, pod.namespace))) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? matchesLabelSelector(peer.podSelector, pod.labels) : true;
}

function portMatches(entry: Json, flow: Flow): boolean {
  if ((entry.protocol ?? "TCP") !== flow.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "number") {
    const end = entry.endPort ?? entry.port;
    return entry.port <= flow.port && flow.port <= end;
  }
  // a named port: the destination pod's container port of that name and protocol
  if (!("pod" in flow.dst)) return false;
  return flow.dst.pod.ports.some(
    (c) => c.name === entry.port && (c.protocol ?? "TCP") === flow.protocol && c.containerPort === flow.port,
  );
}

function ruleMatches(
  rule: Json,
  direction: "ingress" | "egress",
  policyNamespace: string,
  flow: Flow,
  universe: Universe,
  options: EvalOptions,
): boolean {
  const peers: Json[] | undefined = direction === "ingress" ? rule.from : rule.to;
  const other = direction === "ingress" ? flow.src : flow.dst;
  const peerOk =
    !peers || peers.length === 0 || peers.some((p) => peerMatches(p, policyNamespace, other, universe, options));
  const ports: Json[] | undefined = rule.ports;
  const portOk = !ports || ports.length === 0 || ports.some((p) => portMatches(p, flow));
  return peerOk && portOk;
}

interface SideResult {
  isolated: boolean;
  allowed: boolean;
  /** `namespace/name` of the policies whose rules matched. */
  matchedBy: string[];
}

function side(
  policies: Json[],
  pod: Pod,
  direction: "ingress" | "egress",
  flow: Flow,
  universe: Universe,
  options: EvalOptions,
): SideResult {
  const type = direction === "ingress" ? "Ingress" : "Egress";
  const applying = policies.filter((p) => selects(p, pod) && policyTypes(p).includes(type));
  if (applying.length === 0) return { isolated: false, allowed: true, matchedBy: [] };
  const matchedBy = applying
    .filter((p) =>
      ((p.spec?.[direction] ?? []) as Json[]).some((r) =>
        ruleMatches(r, direction, p.metadata.namespace, flow, universe, options),
      ),
    )
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  return { isolated: true, allowed: matchedBy.length > 0, matchedBy };
}

export function explainFlow(
  policies: unknown[],
  universe: Universe,
  flow: Flow,
  options: EvalOptions,
): { ingress?: SideResult; egress?: SideResult } {
  const all = policies as Json[];
  return {
    ...("pod" in flow.dst ? { ingress: side(all, flow.dst.pod, "ingress", flow, universe, options) } : {}),
    ...("pod" in flow.src ? { egress: side(all, flow.src.pod, "egress", flow, universe, options) } : {}),
  };
}

export function isFlowAllowed(policies: unknown[], universe: Universe, flow: Flow, options: EvalOptions): boolean {
  const { ingress, egress } = explainFlow(policies, universe, flow, options);
  return (ingress?.allowed ?? true) && (egress?.allowed ?? true);
}
