/**
 * The Pod Security Standards checks, per level and version, as the API server's Pod Security
 * Admission evaluates them: baseline, and restricted (baseline plus its own checks). Each check
 * knows the version it appeared in and how its rule changed since. One implementation serves the
 * type checker, the patches and `secpolc audit`.
 */
import type { Json } from "../kubernetes.js";

export type Level = "privileged" | "baseline" | "restricted";

/** A Kubernetes minor version (`v1.30` is `{ major: 1, minor: 30 }`); `latest` is the newest known. */
export interface Version {
  major: number;
  minor: number;
}

export const LATEST: Version = { major: 1, minor: 37 };

export interface Violation {
  check: string;
  message: string;
}

interface Container {
  kind: "container" | "initContainer" | "ephemeralContainer";
  spec: Json;
}

interface Pod {
  metadata: Json;
  spec: Json;
  containers: Container[];
}

interface Check {
  id: string;
  level: "baseline" | "restricted";
  since: number;
  run(pod: Pod, minor: number): string | undefined;
}

const at = (v: Version) => (v.major > 1 ? 1000 : v.minor);

const containersOf = (spec: Json): Container[] => [
  ...((spec.initContainers ?? []) as Json[]).map((c) => ({ kind: "initContainer" as const, spec: c })),
  ...((spec.containers ?? []) as Json[]).map((c) => ({ kind: "container" as const, spec: c })),
  ...((spec.ephemeralContainers ?? []) as Json[]).map((c) => ({ kind: "ephemeralContainer" as const, spec: c })),
];

const names = (list: Container[]) => list.map((c) => `"${c.spec.name}"`).join(", ");
const plural = (list: unknown[], one: string, many: string) => (list.length === 1 ? one : many);
const containerWords = (list: Container[]) => `${plural(list, "container", "containers")} ${names(list)}`;
const isWindows = (pod: Pod) => pod.spec.os?.name === "windows";
const hostUsersFalse = (pod: Pod) => pod.spec.hostUsers === false;

/** The capabilities Pod Security `baseline` lets a container add. */
export const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

function allowedSysctls(minor: number): Set<string> {
  const allowed = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
  ];
  if (minor >= 27) allowed.push("net.ipv4.ip_local_reserved_ports");
  if (minor >= 29)
    allowed.push(
      "net.ipv4.tcp_keepalive_time",
      "net.ipv4.tcp_fin_timeout",
      "net.ipv4.tcp_keepalive_intvl",
      "net.ipv4.tcp_keepalive_probes",
    );
  if (minor >= 32) allowed.push("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem");
  if (minor >= 37) allowed.push("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat");
  return new Set(allowed);
}

/** The volume types Pod Security `restricted` allows. */
export const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

export const checks: Check[] = [
  {
    id: "hostNamespaces",
    level: "baseline",
    since: 0,
    run: (pod) => {
      const on = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((f) => pod.spec[f] === true);
      return on.length > 0 ? `host namespaces (${on.map((f) => `${f}=true`).join(", ")})` : undefined;
    },
  },
  {
    id: "privileged",
    level: "baseline",
    since: 0,
    run: (pod) => {
      const bad = pod.containers.filter((c) => c.spec.securityContext?.privileged === true);
      return bad.length > 0
        ? `privileged (${containerWords(bad)} must not set securityContext.privileged=true)`
        : undefined;
    },
  },
  {
    id: "capabilities_baseline",
    level: "baseline",
    since: 0,
    run: (pod) => {
      const added = new Set<string>();
      const bad = pod.containers.filter((c) => {
        const extra = ((c.spec.securityContext?.capabilities?.add ?? []) as string[]).filter(
          (cap) => !BASELINE_CAPABILITIES.has(cap),
        );
        extra.forEach((cap) => added.add(cap));
        return extra.length > 0;
      });
      return bad.length > 0
        ? `non-default capabilities (${containerWords(bad)} must not include ${[...added].map((c) => `"${c}"`).join(", ")} in securityContext.capabilities.add)`
        : undefined;
    },
  },
  {
    id: "hostPathVolumes",
    level: "baseline",
    since: 0,
    run: (pod) => {
      const bad = ((pod.spec.volumes ?? []) as Json[]).filter((v) => v.hostPath);
      return bad.length > 0
        ? `hostPath volumes (${plural(bad, "volume", "volumes")} ${bad.map((v) => `"${v.name}"`).join(", ")})`
        : undefined;
    },
  },
  {
    id: "hostPorts",
    level: "baseline",
    since: 0,
    run: (pod) => {
      const ports: number[] = [];
      const bad = pod.containers.filter((c) => {
        const host = ((c.spec.ports ?? []) as Json[]).map((p) => p.hostPort).filter((p) => p !== undefined && p !== 0);
        ports.push(...host);
        return host.length > 0;
      });
      return bad.length > 0
        ? `hostPort (${containerWords(bad)} ${plural(ports, "uses hostPort", "use hostPorts")} ${ports.join(", ")})`
        : undefined;
    },
  },
  {
    id: "appArmorProfile",
    level: "baseline",
    since: 0,
    run: (pod, minor) => {
      const problems: string[] = [];
      for (const [key, value] of Object.entries((pod.metadata.annotations ?? {}) as Record<string, string>)) {
        if (!key.startsWith("container.apparmor.security.beta.kubernetes.io/")) continue;
        if (value !== "" && value !== "runtime/default" && !value.startsWith("localhost/"))
          problems.push(`${key}="${value}"`);
      }
      if (minor >= 30) {
        const bad = (profile: Json | undefined) =>
          profile?.type !== undefined && profile.type !== "RuntimeDefault" && profile.type !== "Localhost";
        if (bad(pod.spec.securityContext?.appArmorProfile))
          problems.push(
            `pod must not set securityContext.appArmorProfile.type to "${pod.spec.securityContext.appArmorProfile.type}"`,
          );
        const containers = pod.containers.filter((c) => bad(c.spec.securityContext?.appArmorProfile));
        if (containers.length > 0)
          problems.push(
            `${containerWords(containers)} must not set securityContext.appArmorProfile.type to "Unconfined"`,
          );
      }
      return problems.length > 0 ? `forbidden AppArmor profile (${problems.join("; ")})` : undefined;
    },
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    since: 0,
    run: (pod, minor) => {
      const types = new Set([
        "",
        "container_t",
        "container_init_t",
        "container_kvm_t",
        ...(minor >= 31 ? ["container_engine_t"] : []),
      ]);
      const bad = (o: Json | undefined) =>
        o !== undefined && (!types.has(o.type ?? "") || (o.user ?? "") !== "" || (o.role ?? "") !== "");
      const problems: string[] = [];
      if (bad(pod.spec.securityContext?.seLinuxOptions)) problems.push("pod");
      const containers = pod.containers.filter((c) => bad(c.spec.securityContext?.seLinuxOptions));
      if (containers.length > 0) problems.push(containerWords(containers));
      return problems.length > 0
        ? `seLinuxOptions (${problems.join(" and ")} set forbidden securityContext.seLinuxOptions)`
        : undefined;
    },
  },
  {
    id: "procMount",
    level: "baseline",
    since: 0,
    run: (pod, minor) => {
      // from 1.35, a pod in its own user namespace (hostUsers: false) may unmask /proc
      if (minor >= 35 && hostUsersFalse(pod)) return undefined;
      const bad = pod.containers.filter((c) => {
        const mount = c.spec.securityContext?.procMount;
        return mount !== undefined && mount !== "" && mount !== "Default";
      });
      return bad.length > 0
        ? `procMount (${containerWords(bad)} must not set securityContext.procMount to "Unmasked")`
        : undefined;
    },
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    since: 0,
    run: (pod, minor) => {
      if (minor < 19) {
        const bad = Object.entries((pod.metadata.annotations ?? {}) as Record<string, string>).filter(
          ([key, value]) =>
            (key === "seccomp.security.alpha.kubernetes.io/pod" ||
              key.startsWith("container.seccomp.security.alpha.kubernetes.io/")) &&
            value === "unconfined",
        );
        return bad.length > 0 ? `seccompProfile (${bad.map(([k, v]) => `${k}="${v}"`).join(", ")})` : undefined;
      }
      const unconfined = (p: Json | undefined) => p?.type === "Unconfined";
      const problems: string[] = [];
      if (unconfined(pod.spec.securityContext?.seccompProfile)) problems.push("pod");
      const containers = pod.containers.filter((c) => unconfined(c.spec.securityContext?.seccompProfile));
      if (containers.length > 0) problems.push(containerWords(containers));
      return problems.length > 0
        ? `seccompProfile (${problems.join(" and ")} must not set securityContext.seccompProfile.type to "Unconfined")`
        : undefined;
    },
  },
  {
    id: "sysctls",
    level: "baseline",
    since: 0,
    run: (pod, minor) => {
      const allowed = allowedSysctls(minor);
      const bad = ((pod.spec.securityContext?.sysctls ?? []) as Json[])
        .map((s) => s.name)
        .filter((n) => !allowed.has(n));
      return bad.length > 0 ? `forbidden sysctls (${bad.join(", ")})` : undefined;
    },
  },
  {
    id: "windowsHostProcess",
    level: "baseline",
    since: 0,
    run: (pod) => {
      const podLevel = pod.spec.securityContext?.windowsOptions?.hostProcess === true;
      const bad = pod.containers.filter((c) => c.spec.securityContext?.windowsOptions?.hostProcess === true);
      return podLevel || bad.length > 0
        ? "hostProcess (pod or containers must not set securityContext.windowsOptions.hostProcess=true)"
        : undefined;
    },
  },
  {
    id: "hostProbesAndHostLifecycle",
    level: "baseline",
    since: 34,
    run: (pod) => {
      const hosts: string[] = [];
      const handlerHost = (h: Json | undefined) =>
        [h?.httpGet?.host, h?.tcpSocket?.host].filter((x) => x !== undefined && x !== "");
      const bad = pod.containers.filter((c) => {
        const found = [
          ...["livenessProbe", "readinessProbe", "startupProbe"].flatMap((p) => handlerHost(c.spec[p])),
          ...["postStart", "preStop"].flatMap((l) => handlerHost(c.spec.lifecycle?.[l])),
        ];
        hosts.push(...found);
        return found.length > 0;
      });
      return bad.length > 0
        ? `probe or lifecycle host (${containerWords(bad)} uses ${hosts.map((h) => `"${h}"`).join(", ")})`
        : undefined;
    },
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    since: 0,
    run: (pod) => {
      const bad = ((pod.spec.volumes ?? []) as Json[]).filter((v) =>
        Object.keys(v).some(
          (k) => k !== "name" && !RESTRICTED_VOLUMES.includes(k) && v[k] !== null && v[k] !== undefined,
        ),
      );
      return bad.length > 0
        ? `restricted volume types (${plural(bad, "volume", "volumes")} ${bad.map((v) => `"${v.name}"`).join(", ")})`
        : undefined;
    },
  },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    since: 8,
    run: (pod, minor) => {
      if (minor >= 25 && isWindows(pod)) return undefined;
      const bad = pod.containers.filter((c) => c.spec.securityContext?.allowPrivilegeEscalation !== false);
      return bad.length > 0
        ? `allowPrivilegeEscalation != false (${containerWords(bad)} must set securityContext.allowPrivilegeEscalation=false)`
        : undefined;
    },
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    since: 0,
    run: (pod, minor) => {
      if (minor >= 35 && hostUsersFalse(pod)) return undefined;
      const podValue = pod.spec.securityContext?.runAsNonRoot;
      const explicitFalse = pod.containers.filter((c) => c.spec.securityContext?.runAsNonRoot === false);
      const unset = pod.containers.filter(
        (c) => c.spec.securityContext?.runAsNonRoot === undefined || c.spec.securityContext?.runAsNonRoot === null,
      );
      if (podValue === false || explicitFalse.length > 0)
        return "runAsNonRoot != true (pod or containers must not set securityContext.runAsNonRoot=false)";
      if (podValue !== true && unset.length > 0)
        return `runAsNonRoot != true (pod or ${containerWords(unset)} must set securityContext.runAsNonRoot=true)`;
      return undefined;
    },
  },
  {
    id: "runAsUser",
    level: "restricted",
    since: 23,
    run: (pod, minor) => {
      if (minor >= 35 && hostUsersFalse(pod)) return undefined;
      const podRoot = pod.spec.securityContext?.runAsUser === 0;
      const bad = pod.containers.filter((c) => c.spec.securityContext?.runAsUser === 0);
      return podRoot || bad.length > 0 ? "runAsUser=0 (pod and containers must not set runAsUser=0)" : undefined;
    },
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    since: 19,
    run: (pod, minor) => {
      if (minor >= 25 && isWindows(pod)) return undefined;
      const valid = (p: Json | undefined) => p?.type === "RuntimeDefault" || p?.type === "Localhost";
      const podProfile = pod.spec.securityContext?.seccompProfile;
      const bad = pod.containers.filter((c) => {
        const own = c.spec.securityContext?.seccompProfile;
        return own?.type !== undefined ? !valid(own) : !valid(podProfile);
      });
      if (podProfile?.type !== undefined && !valid(podProfile))
        return `seccompProfile (pod must not set securityContext.seccompProfile.type to "${podProfile.type}")`;
      return bad.length > 0
        ? `seccompProfile (pod or ${containerWords(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
        : undefined;
    },
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    since: 22,
    run: (pod, minor) => {
      if (minor >= 25 && isWindows(pod)) return undefined;
      const notDropping = pod.containers.filter(
        (c) => !((c.spec.securityContext?.capabilities?.drop ?? []) as string[]).includes("ALL"),
      );
      const adding = pod.containers.filter((c) =>
        ((c.spec.securityContext?.capabilities?.add ?? []) as string[]).some((cap) => cap !== "NET_BIND_SERVICE"),
      );
      const problems: string[] = [];
      if (notDropping.length > 0)
        problems.push(`${containerWords(notDropping)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length > 0)
        problems.push(
          `${containerWords(adding)} must not include capabilities other than "NET_BIND_SERVICE" in securityContext.capabilities.add`,
        );
      return problems.length > 0 ? `unrestricted capabilities (${problems.join("; ")})` : undefined;
    },
  },
  {
    id: "procMount_restricted",
    level: "restricted",
    since: 35,
    run: (pod) => {
      const bad = pod.containers.filter((c) => {
        const mount = c.spec.securityContext?.procMount;
        return mount !== undefined && mount !== "" && mount !== "Default";
      });
      return bad.length > 0
        ? `procMount (${containerWords(bad)} must not set securityContext.procMount to "Unmasked")`
        : undefined;
    },
  },
];

export function parseVersion(text: string): Version | "latest" | undefined {
  if (text === "latest") return "latest";
  const m = /^v?(\d+)\.(\d+)$/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** The violations of a pod (its metadata and spec) against a level at a version. */
export function evaluatePod(
  metadata: Json | undefined,
  spec: Json | undefined,
  level: Level,
  version: Version | "latest",
): Violation[] {
  if (level === "privileged") return [];
  const minor = at(version === "latest" ? LATEST : version);
  const pod: Pod = { metadata: metadata ?? {}, spec: spec ?? {}, containers: containersOf(spec ?? {}) };
  const violations: Violation[] = [];
  for (const check of checks) {
    if (check.since > minor || (level === "baseline" && check.level === "restricted")) continue;
    const message = check.run(pod, minor);
    if (message) violations.push({ check: check.id, message });
  }
  return violations;
}
