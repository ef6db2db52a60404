/**
 * The meaning of a program on concrete flows (LANGUAGE.md section 5):
 *
 *   permitted(P, d) = (posture(P, d) == allow ? EVERYTHING : allows(P, d)) minus denies(P, d)
 *
 * for a pod P in a managed direction d; a flow is permitted iff the destination's ingress and the
 * source's egress permit it, each where managed. This is the reference the compiler's output is
 * tested and verified against, and what `explain` reports.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { addressInBlocks, type Family } from "./ip.js";
import { conjunctionMatches, type Conjunction, type Labels } from "./labels.js";
import {
  otherEnd,
  ownEnd,
  type Clause,
  type Direction,
  type EndpointSet,
  type Model,
  type NetworkRule,
  type OwnedNamespace,
  type PostureSetting,
  type Workload,
} from "./model.js";
import { portSetContains, type ContainerPort, type Protocol } from "./ports.js";
import { clausesNear, ownedNamespace } from "./lookup.js";

export interface PodInstance {
  namespace: string;
  labels: Labels;
  ports: readonly ContainerPort[];
}

export type Endpoint = { pod: PodInstance } | { ip: { family: Family; value: bigint } };

export interface ConcreteFlow {
  src: Endpoint;
  dst: Endpoint;
  protocol: Protocol;
  port: number;
}

/** The labels of a namespace as the cluster has them (owned ones: as the program declares). */
export type NamespaceLabels = (namespace: string) => Labels;

export interface SideVerdict {
  managed: boolean;
  permitted: boolean;
  posture?: PostureSetting;
  /** Rules whose flows contain this flow on this side. */
  allows: Span[];
  denies: Span[];
}

export interface Verdict {
  permitted: boolean;
  ingress: SideVerdict;
  egress: SideVerdict;
}

export function inEndpointSet(set: EndpointSet, endpoint: Endpoint, namespaceLabels: NamespaceLabels): boolean {
  if ("pod" in endpoint) {
    const { pod } = endpoint;
    const nsLabels = namespaceLabels(pod.namespace);
    for (const t of set.pods)
      if (conjunctionMatches(t.namespaces, nsLabels) && conjunctionMatches(t.pods, pod.labels)) return true;
    return false;
  }
  return addressInBlocks(endpoint.ip.family, endpoint.ip.value, set.ips);
}

/**
 * The pod conjunctions of a set's terms whose namespace conjunction holds a namespace of these
 * labels: a pod of that namespace is in the set exactly when one of them holds its labels
 * (`inEndpointSet`, with the namespace asked once for all the pods of it in question).
 */
export function podsInNamespace(set: EndpointSet, namespaceLabels: Labels): Conjunction[] {
  const pods: Conjunction[] = [];
  for (const t of set.pods) if (conjunctionMatches(t.namespaces, namespaceLabels)) pods.push(t.pods);
  return pods;
}

export function clauseContains(clause: Clause, flow: ConcreteFlow, namespaceLabels: NamespaceLabels): boolean {
  const dstPorts = "pod" in flow.dst ? flow.dst.pod.ports : undefined;
  return (
    portSetContains(clause.ports, flow.protocol, flow.port, dstPorts) &&
    inEndpointSet(clause.sources, flow.src, namespaceLabels) &&
    inEndpointSet(clause.destinations, flow.dst, namespaceLabels)
  );
}

/** The posture of a pod for a direction: its workload's when one of them states one, else its namespace's. */
export function postureOf(
  model: Model,
  owned: OwnedNamespace,
  pod: PodInstance,
  direction: Direction,
): { posture?: PostureSetting; workload?: Workload } {
  for (const w of workloadsWithPostures(model).get(owned.name) ?? []) {
    const setting = w.postures[direction];
    if (setting && conjunctionMatches(w.pods, pod.labels)) return { posture: setting, workload: w };
  }
  return { posture: owned.postures[direction] };
}

/**
 * Whether some workload of the namespace states a posture of its own for the direction: where none
 * does, `postureOf` gives every pod of it the namespace's (verification looks that up once for all).
 */
export function workloadStatesPosture(model: Model, namespace: string, direction: Direction): boolean {
  const workloads = workloadsWithPostures(model).get(namespace);
  if (workloads) for (let i = 0; i < workloads.length; i++) if (workloads[i].postures[direction]) return true;
  return false;
}

// Per-model indexes: the model is immutable once checked, so they are computed once.
const postureIndex = new WeakMap<Model, Map<string, Workload[]>>();

/** Workloads that state a posture of their own, by namespace, in declaration order. */
function workloadsWithPostures(model: Model): Map<string, Workload[]> {
  let index = postureIndex.get(model);
  if (!index) {
    index = new Map();
    for (const w of model.workloads) {
      if (!w.postures.ingress && !w.postures.egress) continue;
      const list = index.get(w.namespace);
      if (list) list.push(w);
      else index.set(w.namespace, [w]);
    }
    postureIndex.set(model, index);
  }
  return index;
}

/** The meaning on one side of a flow: the destination's ingress, or the source's egress. */
export function evaluateSide(
  model: Model,
  flow: ConcreteFlow,
  direction: Direction,
  namespaceLabels: NamespaceLabels,
): SideVerdict {
  const end = direction === "ingress" ? flow.dst : flow.src;
  const owned = "pod" in end ? ownedNamespace(model, end.pod.namespace) : undefined;
  const unmanaged: SideVerdict = { managed: false, permitted: true, allows: [], denies: [] };
  if (!owned || !("pod" in end)) return unmanaged;
  const { posture } = postureOf(model, owned, end.pod, direction);
  if (!posture) return unmanaged;
  // the rules with a clause holding the flow, in program order: only clauses near the end's namespace can
  const matching = (action: "allow" | "deny") => [
    ...new Set(
      clausesNear(model, end.pod.namespace)
        .filter(({ rule, clause }) => rule.action === action && clauseContains(clause, flow, namespaceLabels))
        .map(({ rule }) => rule.span),
    ),
  ];
  const allows = matching("allow");
  const denies = matching("deny");
  const admitted = posture.posture === "allow" || allows.length > 0;
  return { managed: true, permitted: admitted && denies.length === 0, posture, allows, denies };
}

export function evaluateFlow(model: Model, flow: ConcreteFlow, namespaceLabels: NamespaceLabels): Verdict {
  const ingress = evaluateSide(model, flow, "ingress", namespaceLabels);
  const egress = evaluateSide(model, flow, "egress", namespaceLabels);
  return { permitted: ingress.permitted && egress.permitted, ingress, egress };
}

/**
 * The meaning for one pod in one direction, prepared once: its posture and the clauses in which it
 * is the end in that direction. `holds` tells which of them hold a peer; `permits` decides a flow
 * given those.
 */
export function sideOf(
  model: Model,
  pod: PodInstance,
  direction: Direction,
  namespaceLabels: NamespaceLabels,
  /** The clauses that may hold the pod (all of the program's by default): an index, for speed. */
  candidates: readonly { rule: NetworkRule; clause: Clause }[] = model.rules.flatMap((rule) =>
    rule.clauses.map((clause) => ({ rule, clause })),
  ),
  /** The pod's posture in this direction, when the caller has looked it up already (`postureOf` in its owned namespace). */
  known?: { posture?: PostureSetting },
  /** Whether every candidate is known to hold the pod at its own end (then none is asked again). */
  held = false,
) {
  let posture: PostureSetting | undefined;
  if (known) posture = known.posture;
  else {
    const owned = ownedNamespace(model, pod.namespace);
    posture = owned ? postureOf(model, owned, pod, direction).posture : undefined;
  }
  const self: Endpoint = { pod };
  // a loop, not filter and map: translation validation asks this for every case of subject
  const relevant = (action: "allow" | "deny") => {
    const result: { clause: Clause; span: Span }[] = [];
    for (const { rule, clause } of candidates)
      if (rule.action === action && (held || inEndpointSet(ownEnd(clause, direction), self, namespaceLabels)))
        result.push({ clause, span: rule.span });
    return result;
  };
  const allows = posture ? relevant("allow") : [];
  const denies = posture ? relevant("deny") : [];
  const holds = (c: { clause: Clause }, peer: Endpoint): boolean =>
    inEndpointSet(otherEnd(c.clause, direction), peer, namespaceLabels);
  return {
    posture,
    /** The clauses holding the pod at this end, allowing and denying. */
    allows,
    denies,
    /** Whether a clause (one of `allows` or `denies`) holds the peer at its other end. */
    holds,
    permits(clauses: { allows: { clause: Clause }[]; denies: { clause: Clause }[] }, flow: ConcreteFlow): boolean {
      if (!posture) return true;
      const dstPorts = "pod" in flow.dst ? flow.dst.pod.ports : undefined;
      // loops, not a closure per call: translation validation asks this for every case and port
      for (const d of clauses.denies)
        if (portSetContains(d.clause.ports, flow.protocol, flow.port, dstPorts)) return false;
      if (posture.posture === "allow") return true;
      for (const a of clauses.allows)
        if (portSetContains(a.clause.ports, flow.protocol, flow.port, dstPorts)) return true;
      return false;
    },
  };
}

/** Namespace labels for owned namespaces from the model, others from `fallback`. */
export const ownedNamespaceLabels =
  (model: Model, fallback: NamespaceLabels): NamespaceLabels =>
  (namespace) =>
    ownedNamespace(model, namespace)?.labels ?? fallback(namespace);
