/**
 * The checked model: what a program means, with every name resolved. Every compile target and
 * every analysis (explain, verification) reads this, never the syntax tree.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import type { IpBlock, Cidr } from "./ip.js";
import type { Conjunction, Labels } from "./labels.js";
import type { ContainerPort, PortSet } from "./ports.js";

export type Direction = "ingress" | "egress";
export const directions: readonly Direction[] = ["ingress", "egress"];

export type Posture = "allow" | "deny";

export interface PostureSetting {
  posture: Posture;
  span: Span;
}

/** Pods selected by a namespace-label conjunction AND a pod-label conjunction. */
export interface PodTerm {
  namespaces: Conjunction;
  pods: Conjunction;
}

/** A union of pods and external address blocks. Pods are never addressed by IP. */
export interface EndpointSet {
  pods: PodTerm[];
  ips: IpBlock[];
}

/** Flows from `sources` to `destinations` on `ports` (ports of the destination). */
export interface Clause {
  sources: EndpointSet;
  destinations: EndpointSet;
  ports: PortSet;
}

/** The end of `c` that a policy for `direction` selects its own pods by: an ingress rule's destinations, an egress rule's sources. */
export const ownEnd = (c: Clause, direction: Direction): EndpointSet =>
  direction === "ingress" ? c.destinations : c.sources;

/** The end of `c` that a policy for `direction` admits as peers: an ingress rule's sources, an egress rule's destinations. */
export const otherEnd = (c: Clause, direction: Direction): EndpointSet =>
  direction === "ingress" ? c.sources : c.destinations;

export interface NetworkRule {
  action: "allow" | "deny";
  /** The union of these clauses; one per destination peer whose ports resolve differently. */
  clauses: Clause[];
  span: Span;
}

/** `assert SRC -> DST : PORT` (must be permitted) or `assert SRC -/-> DST [: PORT]` (must not). */
export interface Assertion {
  negated: boolean;
  clauses: Clause[];
  span: Span;
}

/** The kinds `kind KIND` may name (the checker's, the completion's and the SecurityContext patch's). */
export const WORKLOAD_KINDS: readonly string[] = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Pod",
];

export interface Workload {
  namespace: string;
  name: string;
  pods: Conjunction;
  /** Declared named container ports. */
  ports: ContainerPort[];
  /** Declared Service ports and the pod port each targets. */
  services: { port: number; targetPort: number; span: Span }[];
  postures: Partial<Record<Direction, PostureSetting>>;
  /** `kind Deployment|...`: the one kind of object that makes its pods, when declared. */
  kind?: string;
  /** `serviceAccount NAME`, when declared. */
  serviceAccount?: string;
  /** `initContainers NAME, ...`, when declared: the patch sets init containers only then. */
  initContainers?: string[];
  span: Span;
}

export interface OwnedNamespace {
  name: string;
  /** The labels the Namespace object carries, `kubernetes.io/metadata.name` included. */
  labels: Labels;
  /** The labels the program declares (compiled onto the Namespace object). */
  declaredLabels: Labels;
  postures: Partial<Record<Direction, PostureSetting>>;
  /** `pss` modes: the level and the pinned version (`v1.30` or `latest`) each one uses. */
  podSecurity: Partial<
    Record<
      "enforce" | "warn" | "audit",
      { level: "privileged" | "baseline" | "restricted"; version: string; span: Span }
    >
  >;
  /** The first `namespace NAME { }` block. */
  span: Span;
}

export interface ClusterVersion {
  major: number;
  minor: number;
}

export interface Cluster {
  version?: ClusterVersion;
  podCIDRs: Cidr[];
  serviceCIDRs: Cidr[];
}

export interface Model {
  cluster: Cluster;
  /** Sorted by name. */
  namespaces: OwnedNamespace[];
  /** Sorted by namespace, then name. */
  workloads: Workload[];
  /** In a canonical order (by source position), which never changes the meaning. */
  rules: NetworkRule[];
  assertions: Assertion[];
  /** Pod-security settings, exceptions and denials, per workload or owned namespace. */
  security: SecurityEntry[];
  /** PodSecurityPolicies (clusters before 1.25) and who may `use` them. */
  psps: Psp[];
  grants: Grant[];
}

/** A PodSecurityPolicy: its spec as the API takes it, and annotations (seccomp, AppArmor). */
export interface Psp {
  name: string;
  spec: Record<string, unknown>;
  annotations: Record<string, string>;
  span: Span;
}

/** `grant psp NAME to ...`: a ClusterRoleBinding, or a RoleBinding in `namespace`. */
export interface Grant {
  psp: string;
  subject: { kind: "User" | "Group"; name: string } | { kind: "ServiceAccount"; namespace: string; name: string };
  namespace?: string;
  span: Span;
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** PodSecurityPolicy exists before 1.25 only, and only a declared version can be older. */
export const pspSupported = (c: Cluster): boolean =>
  c.version !== undefined && c.version.major === 1 && c.version.minor < 25;

/**
 * The oldest cluster version secpolc compiles for: its output uses NetworkPolicy egress, `ipBlock`
 * and `policyTypes` (networking.k8s.io/v1, from 1.8), RBAC v1 (from 1.8) and, before 1.25,
 * PodSecurityPolicy as policy/v1beta1 (from 1.10). See docs/decisions.md.
 */
export const OLDEST_VERSION = { major: 1, minor: 10 } as const;

export const olderThan = (version: { major: number; minor: number }, than: { major: number; minor: number }): boolean =>
  version.major < than.major || (version.major === than.major && version.minor < than.minor);

/** The PodSecurity admission (which reads the `pod-security.kubernetes.io/*` labels) is on by default from 1.23: beta; alpha behind a feature gate in 1.22. */
export const podSecurityAdmissionByDefault = (c: Cluster): boolean =>
  !c.version || !olderThan(c.version, { major: 1, minor: 23 });

export const supportsEndPort = (c: Cluster): boolean => !c.version || c.version.major > 1 || c.version.minor >= 22;
export const hasAutomaticNameLabel = (c: Cluster): boolean =>
  !c.version || c.version.major > 1 || c.version.minor >= 22;

/** Who a pod-security entry is for: one workload, or every pod of an owned namespace. */
export type SecurityTarget =
  { kind: "workload"; workload: Workload } | { kind: "namespace"; namespace: OwnedNamespace };

export interface SecurityEntry {
  target: SecurityTarget;
  action: "deny" | "require" | "set" | "allow";
  /** The feature, requirement or field, with its argument (`capability SYS_TIME`). */
  item: string;
  values: FieldValue[];
  span: Span;
  /** Set when the entry comes from `apply PROFILE`. */
  viaProfile?: boolean;
  /** The profile's name, when the entry comes from `apply PROFILE`. */
  profile?: string;
  /**
   * For a namespace-wide `deny` or `require`: the workloads whose own `allow` overrides it (an
   * exception wins by specificity). Their pods are not held to it, and the patch leaves them out.
   */
  exempt?: Workload[];
}

/** Where a value goes: the pod spec, or every container of the pod. */
export type Scope = "pod" | "container";

export interface FieldValue {
  scope: Scope;
  /** Path under the pod spec or the container, e.g. `securityContext.runAsNonRoot`. */
  path: string;
  value: unknown;
}
