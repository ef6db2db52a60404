/**
 * The widest pod a PodSecurityPolicy admits: every host namespace it allows, every capability,
 * volume type, host port range and unsafe sysctl, privileged, escalation, root and an unconfined
 * seccomp profile where it allows them, in a regular, an init and an ephemeral container alike (a
 * PSP judges all three). The PSS checks of `src/semantics/pss.ts` then say which level admits it.
 */
import { capabilities, volumeTypes } from "../../src/semantics/security.js";

type Json = Record<string, any>;

export function widestPod(
  spec: Json,
  annotations: Readonly<Record<string, string>> = {},
): { metadata: Json; spec: Json } {
  const drop: string[] = spec.requiredDropCapabilities ?? [];
  const allowed: string[] = spec.allowedCapabilities ?? [];
  const add = [
    ...new Set([
      ...(allowed.includes("*") ? [...capabilities].filter((c) => c !== "ALL") : allowed),
      ...(spec.defaultAddCapabilities ?? []),
    ]),
  ]
    .filter((c) => !drop.includes(c))
    .sort();
  const ports = ((spec.hostPorts ?? []) as { min: number; max: number }[])
    .filter((r) => r.max > 0)
    .map((r, i) => ({ name: `p${i}`, containerPort: r.max, hostPort: r.max }));
  const root = spec.runAsUser?.rule === "RunAsAny" || spec.runAsUser === undefined;
  const mustRunAs = spec.runAsUser?.rule === "MustRunAs" ? spec.runAsUser.ranges[0].min : undefined;
  const seccompAllowed = annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"];
  const seccomp =
    seccompAllowed === undefined ||
    seccompAllowed.split(",").includes("*") ||
    seccompAllowed.split(",").includes("unconfined")
      ? "Unconfined"
      : seccompAllowed.includes("localhost/")
        ? "Localhost"
        : "RuntimeDefault";
  const securityContext: Json = {
    privileged: spec.privileged === true,
    allowPrivilegeEscalation: spec.allowPrivilegeEscalation !== false,
    capabilities: { add, ...(drop.length > 0 ? { drop } : {}) },
    ...(spec.readOnlyRootFilesystem === true ? { readOnlyRootFilesystem: true } : {}),
    ...(spec.allowedProcMountTypes === undefined || spec.allowedProcMountTypes.includes("Unmasked")
      ? { procMount: "Unmasked" }
      : {}),
    // MustRunAsNonRoot admits any non-zero user without `runAsNonRoot`; the PSP's defaulting sets it
    ...(root ? { runAsUser: 0 } : mustRunAs !== undefined ? { runAsUser: mustRunAs } : { runAsNonRoot: true }),
  };
  const container = (name: string) => ({ name, image: "x", ports, securityContext });
  const types: string[] = spec.volumes?.includes("*") ? [...volumeTypes] : (spec.volumes ?? []);
  return {
    metadata: {},
    spec: {
      hostNetwork: spec.hostNetwork === true,
      hostPID: spec.hostPID === true,
      hostIPC: spec.hostIPC === true,
      securityContext: {
        seccompProfile: seccomp === "Localhost" ? { type: "Localhost", localhostProfile: "p.json" } : { type: seccomp },
        ...(spec.allowedUnsafeSysctls
          ? { sysctls: (spec.allowedUnsafeSysctls as string[]).map((name) => ({ name, value: "1" })) }
          : {}),
      },
      volumes: types.map((type) => ({ name: type.toLowerCase(), [type]: {} })),
      containers: [container("main")],
      initContainers: [container("init")],
      ephemeralContainers: [container("debug")],
    },
  };
}

/**
 * Why a PSP refuses a pod, or undefined when it admits it, for the fields `widestPod` sets (host
 * namespaces, privileged, capabilities, volume types, host ports, escalation, root): the check the
 * tests use for "the PSP admits the pods the program allows".
 */
export function pspRefuses(spec: Json, pod: { spec: Json }): string | undefined {
  const p = pod.spec;
  for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (p[f] === true && spec[f] !== true) return f;
  const types: string[] = spec.volumes ?? [];
  for (const v of (p.volumes ?? []) as Json[]) {
    const type = Object.keys(v).find((k) => k !== "name")!;
    if (!types.includes("*") && !types.includes(type)) return `volume ${type}`;
  }
  const containers: Json[] = [...(p.containers ?? []), ...(p.initContainers ?? []), ...(p.ephemeralContainers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true && spec.privileged !== true) return "privileged";
    if (sc.allowPrivilegeEscalation === true && spec.allowPrivilegeEscalation === false)
      return "allowPrivilegeEscalation";
    const allowed: string[] = [...(spec.allowedCapabilities ?? []), ...(spec.defaultAddCapabilities ?? [])];
    for (const cap of (sc.capabilities?.add ?? []) as string[])
      if (!allowed.includes("*") && !allowed.includes(cap)) return `capability ${cap}`;
    for (const port of (c.ports ?? []) as Json[]) {
      if (
        port.hostPort &&
        !((spec.hostPorts ?? []) as { min: number; max: number }[]).some(
          (r) => r.min <= port.hostPort && port.hostPort <= r.max,
        )
      )
        return `hostPort ${port.hostPort}`;
    }
    const user = sc.runAsUser ?? p.securityContext?.runAsUser;
    if (
      spec.runAsUser?.rule === "MustRunAsNonRoot" &&
      (user === 0 || (user === undefined && sc.runAsNonRoot === false))
    )
      return "runAsUser";
  }
  return undefined;
}
