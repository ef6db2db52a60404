/**
 * The pod-security vocabulary: FEATUREs (host and kernel powers a pod may be denied or allowed),
 * REQUIREMENTs (their safe counterparts) and settable fields, each with the securityContext values
 * it sets and the Pod Security Standards check that covers it.
 */

import type { Span } from "../diagnostics/diagnostic.js";
import type { OwnedNamespace, Workload } from "./model.js";

/** Who a pod-security entry is for: one workload, or every pod of an owned namespace. */
export type SecurityTarget = { kind: "workload"; workload: Workload } | { kind: "namespace"; namespace: OwnedNamespace };

export interface SecurityEntry {
  target: SecurityTarget;
  action: "deny" | "require" | "set" | "allow";
  /** The feature, requirement or field, with its argument (`capability SYS_TIME`). */
  item: string;
  values: FieldValue[];
  span: Span;
  /** Set when the entry comes from `apply PROFILE`. */
  viaProfile?: boolean;
}

/** Where a value goes: the pod spec, or every container of the pod. */
export type Scope = "pod" | "container";

export interface FieldValue {
  scope: Scope;
  /** Path under the pod spec or the container, e.g. `securityContext.runAsNonRoot`. */
  path: string;
  value: unknown;
}

export interface Feature {
  /** The PSS check that forbids it, and the lowest level that does. */
  check: string;
  level: "baseline" | "restricted";
  /** The safe value a `deny` sets, when one exists (some features can only be checked). */
  safe?: FieldValue[];
  /** Takes an argument (`hostPort 8080`, `capability SYS_TIME`, `sysctl NAME`, `volume TYPE`). */
  argument?: "range" | "capability" | "name";
}

export const features: Readonly<Record<string, Feature>> = {
  privileged: { check: "privileged", level: "baseline", safe: [{ scope: "container", path: "securityContext.privileged", value: false }] },
  hostNetwork: { check: "hostNamespaces", level: "baseline", safe: [{ scope: "pod", path: "hostNetwork", value: false }] },
  hostPID: { check: "hostNamespaces", level: "baseline", safe: [{ scope: "pod", path: "hostPID", value: false }] },
  hostIPC: { check: "hostNamespaces", level: "baseline", safe: [{ scope: "pod", path: "hostIPC", value: false }] },
  hostPort: { check: "hostPorts", level: "baseline", argument: "range" },
  hostPath: { check: "hostPathVolumes", level: "baseline" },
  capability: { check: "capabilities_baseline", level: "baseline", argument: "capability" },
  privilegeEscalation: { check: "allowPrivilegeEscalation", level: "restricted", safe: [{ scope: "container", path: "securityContext.allowPrivilegeEscalation", value: false }] },
  rootUser: { check: "runAsNonRoot", level: "restricted", safe: [{ scope: "pod", path: "securityContext.runAsNonRoot", value: true }] },
  writableRootFilesystem: { check: "", level: "restricted", safe: [{ scope: "container", path: "securityContext.readOnlyRootFilesystem", value: true }] },
  unconfinedSeccomp: { check: "seccompProfile_baseline", level: "baseline", safe: [{ scope: "pod", path: "securityContext.seccompProfile", value: { type: "RuntimeDefault" } }] },
  unconfinedAppArmor: { check: "appArmorProfile", level: "baseline" },
  customSELinux: { check: "seLinuxOptions", level: "baseline" },
  procMount: { check: "procMount", level: "baseline" },
  sysctl: { check: "sysctls", level: "baseline", argument: "name" },
  volume: { check: "restrictedVolumes", level: "restricted", argument: "name" },
};

/** `require` items and the values they set. */
export const requirements: Readonly<Record<string, FieldValue[] | "drop" | "seccomp">> = {
  runAsNonRoot: [{ scope: "pod", path: "securityContext.runAsNonRoot", value: true }],
  readOnlyRootFilesystem: [{ scope: "container", path: "securityContext.readOnlyRootFilesystem", value: true }],
  noPrivilegeEscalation: [{ scope: "container", path: "securityContext.allowPrivilegeEscalation", value: false }],
  drop: "drop",
  seccomp: "seccomp",
};

/** `set` fields: how many arguments and of what kind. */
export const settable = [
  "runAsUser",
  "runAsGroup",
  "fsGroup",
  "supplementalGroups",
  "seccomp",
  "appArmor",
  "seLinux",
  "runtimeClass",
  "automountServiceAccountToken",
] as const;

/** Linux capabilities as container runtimes name them (without `CAP_`). */
export const capabilities = new Set([
  "ALL", "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
  "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST",
  "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT",
  "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM",
]);
