/**
 * The pod-security vocabulary: FEATUREs (host and kernel powers a pod may be denied or allowed),
 * REQUIREMENTs (their safe counterparts) and settable fields, each with the securityContext values
 * it sets and the Pod Security Standards check that covers it.
 */

import type { Span } from "../diagnostics/diagnostic.js";
import type { FieldValue, SecurityEntry } from "./model.js";

// The entry types live with the model, which holds the entries; the vocabulary below reads them.
export type { FieldValue, Scope, SecurityEntry, SecurityTarget } from "./model.js";

export interface Feature {
  /** The safe value a `deny` sets, when one exists (some features can only be checked). */
  safe?: FieldValue[];
  /** Takes an argument (`hostPort 8080`, `capability SYS_TIME`, `sysctl NAME`, `volume TYPE`). */
  argument?: "range" | "capability" | "name";
}

export const features: Readonly<Record<string, Feature>> = {
  privileged: { safe: [{ scope: "container", path: "securityContext.privileged", value: false }] },
  hostNetwork: { safe: [{ scope: "pod", path: "hostNetwork", value: false }] },
  hostPID: { safe: [{ scope: "pod", path: "hostPID", value: false }] },
  hostIPC: { safe: [{ scope: "pod", path: "hostIPC", value: false }] },
  hostPort: { argument: "range" },
  hostPath: {},
  capability: { argument: "capability" },
  privilegeEscalation: {
    safe: [{ scope: "container", path: "securityContext.allowPrivilegeEscalation", value: false }],
  },
  rootUser: { safe: [{ scope: "pod", path: "securityContext.runAsNonRoot", value: true }] },
  writableRootFilesystem: {
    safe: [{ scope: "container", path: "securityContext.readOnlyRootFilesystem", value: true }],
  },
  unconfinedSeccomp: {
    safe: [{ scope: "pod", path: "securityContext.seccompProfile", value: { type: "RuntimeDefault" } }],
  },
  unconfinedAppArmor: {},
  customSELinux: {},
  procMount: { safe: [{ scope: "container", path: "securityContext.procMount", value: "Default" }] },
  sysctl: { argument: "name" },
  volume: { argument: "name" },
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

/** The volume types of a pod spec (and of PodSecurityPolicy `volumes`). */
export const volumeTypes: readonly string[] = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephFS",
  "cinder",
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "hostPath",
  "iscsi",
  "nfs",
  "persistentVolumeClaim",
  "photonPersistentDisk",
  "portworxVolume",
  "projected",
  "quobyte",
  "rbd",
  "scaleIO",
  "secret",
  "storageos",
  "vsphereVolume",
];

/** Linux capabilities as container runtimes name them (without `CAP_`). */
export const capabilities = new Set([
  "ALL",
  "AUDIT_CONTROL",
  "AUDIT_READ",
  "AUDIT_WRITE",
  "BLOCK_SUSPEND",
  "BPF",
  "CHECKPOINT_RESTORE",
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "IPC_LOCK",
  "IPC_OWNER",
  "KILL",
  "LEASE",
  "LINUX_IMMUTABLE",
  "MAC_ADMIN",
  "MAC_OVERRIDE",
  "MKNOD",
  "NET_ADMIN",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_RAW",
  "PERFMON",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYSLOG",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_CHROOT",
  "SYS_MODULE",
  "SYS_NICE",
  "SYS_PACCT",
  "SYS_PTRACE",
  "SYS_RAWIO",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "WAKE_ALARM",
]);

/**
 * A name in `capabilities.add` as container runtimes upper-case it (Go's `strings.ToUpper`, whose
 * only non-ASCII letters that become ASCII are `ſ` → `S` and `ı` → `I`), before they look it up.
 */
export const runtimeUpper = (name: string): string =>
  name
    .replace(/ſ/g, "S")
    .replace(/ı/g, "I")
    .replace(/[a-z]+/g, (s) => s.toUpperCase());

/** `runtimeUpper` in CEL (Kubernetes' strings library: `replace`, `upperAscii`), of the string `name`. */
export const runtimeUpperCel = (name: string): string => `${name}.replace('ſ', 'S').replace('ı', 'I').upperAscii()`;

/**
 * The names (upper-cased as by `runtimeUpper`) that give a container `capability` when added:
 * containerd prefixes `CAP_` to the upper-cased name, CRI-O where it is missing, and both take `ALL`
 * in any case as every capability. So `net_admin`, `CAP_NET_ADMIN` and `all` all add NET_ADMIN.
 */
export const namesAdding = (capability: string): string[] =>
  capability === "ALL" ? ["ALL"] : [capability, `CAP_${capability}`, "ALL"];

/** A pod that passes every check (`podUsing("")`), with `values` written in, later ones over earlier ones. */
export function podWith(values: readonly FieldValue[]): Record<string, any> {
  const spec = podUsing("").spec;
  const write = (holder: Record<string, any>, path: string, value: unknown) => {
    const keys = path.split(".");
    const parent = keys.slice(0, -1).reduce((o, k) => (o[k] = { ...(o[k] ?? {}) }), holder);
    parent[keys[keys.length - 1]] = value;
  };
  for (const v of values)
    for (const holder of v.scope === "pod" ? [spec] : spec.containers) write(holder, v.path, v.value);
  return spec;
}

/**
 * A pod that passes every Pod Security check, with one feature turned on: running the checks on it
 * tells which level and check an exception needs, with the same implementation the API server mirrors.
 */
export function podUsing(item: string): { metadata: Record<string, unknown>; spec: Record<string, any> } {
  const [feature, argument] = item.split(" ");
  const container: Record<string, any> = {
    name: "app",
    image: "app",
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
  const spec: Record<string, any> = {
    containers: [container],
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  };
  const sc = container.securityContext;
  switch (feature) {
    case "privileged":
      sc.privileged = true;
      break;
    case "hostNetwork":
    case "hostPID":
    case "hostIPC":
      spec[feature] = true;
      break;
    case "hostPort": {
      const port = Number((argument ?? "1").split("..")[0]) || 1;
      container.ports = [{ containerPort: port, hostPort: port }];
      break;
    }
    case "hostPath":
      spec.volumes = [{ name: "host", hostPath: { path: "/" } }];
      break;
    case "capability":
      sc.capabilities.add = [argument];
      break;
    case "privilegeEscalation":
      sc.allowPrivilegeEscalation = true;
      break;
    case "rootUser":
      spec.securityContext.runAsNonRoot = false;
      spec.securityContext.runAsUser = 0;
      break;
    case "unconfinedSeccomp":
      spec.securityContext.seccompProfile = { type: "Unconfined" };
      break;
    case "unconfinedAppArmor":
      spec.securityContext.appArmorProfile = { type: "Unconfined" };
      break;
    case "customSELinux":
      spec.securityContext.seLinuxOptions = { type: "spc_t" };
      break;
    case "procMount":
      sc.procMount = "Unmasked";
      break;
    case "sysctl":
      spec.securityContext.sysctls = [{ name: argument ?? "kernel.unsafe", value: "1" }];
      break;
    case "volume":
      spec.volumes = [{ name: "v", [argument ?? "hostPath"]: {} }];
      break;
  }
  return { metadata: {}, spec };
}

/** How a `set` entry reads: `runAsUser 0`, `seLinux type spc_t`, `appArmor runtime/default`. */
export function setText(entry: SecurityEntry): string {
  const shownValue = (v: FieldValue) =>
    Array.isArray(v.value) ? v.value.join(" ") : typeof v.value === "object" ? "" : String(v.value);
  if (entry.item === "seccomp" || entry.item.startsWith("seccomp ")) return entry.item;
  if (entry.item === "appArmor") {
    const profile = entry.values[0]?.value as { type?: string; localhostProfile?: string } | undefined;
    return `appArmor ${profile?.type === "Localhost" ? `localhost/${profile.localhostProfile}` : "runtime/default"}`;
  }
  return entry.values
    .map((v) => [entry.item, ...(entry.item === "seLinux" ? [v.path.split(".").pop()] : []), shownValue(v)].join(" "))
    .join(", ");
}
