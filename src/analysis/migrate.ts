/**
 * `secpolc migrate-psp`: existing PodSecurityPolicies as secpol, with the strongest Pod Security
 * level each one fits and what PSS cannot express. The level comes from the PSS checks themselves,
 * run on the most permissive pod the PSP admits.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceText } from "../types.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import { fitted, metadataShape, readWorkloads, type Shape } from "./audit.js";
import { evaluatePod, RESTRICTED_VOLUMES, type Level } from "../semantics/pss.js";
import { PSP_BOOLEAN_FIELDS, type Json } from "../kubernetes.js";
import { notAName, quote } from "../syntax/tokens.js";

export interface Migration {
  name: string;
  file: string;
  line: number;
  secpol: string;
  level: Level;
  /** Why the next stronger level does not fit, as PSS checks. */
  blockers: string[];
  inexpressible: string[];
}

const ranges = (list: Json[] | undefined) =>
  (list ?? []).map((r) => (r.min === r.max ? `${r.min}` : `${r.min}..${r.max}`)).join(", ");

function toSecpol(name: string, spec: Json, annotations: Record<string, string>): string {
  const lines: string[] = [];
  for (const field of PSP_BOOLEAN_FIELDS) {
    if (typeof spec[field] === "boolean") lines.push(`${field} ${spec[field]}`);
  }
  if (spec.hostPorts?.length) lines.push(`hostPorts ${ranges(spec.hostPorts)}`);
  for (const field of ["runAsUser", "runAsGroup", "fsGroup", "supplementalGroups", "seLinux"]) {
    const rule = spec[field];
    if (rule?.rule) lines.push(`${field} ${rule.rule}${rule.ranges?.length ? ` ${ranges(rule.ranges)}` : ""}`);
  }
  for (const field of [
    "allowedCapabilities",
    "defaultAddCapabilities",
    "requiredDropCapabilities",
    "volumes",
    "allowedProcMountTypes",
    "forbiddenSysctls",
    "allowedUnsafeSysctls",
  ]) {
    if (Array.isArray(spec[field]) && spec[field].length > 0) lines.push(`${field} ${spec[field].join(", ")}`);
  }
  if (spec.allowedHostPaths?.length)
    lines.push(`allowedHostPaths ${spec.allowedHostPaths.map((p: Json) => quote(String(p.pathPrefix))).join(", ")}`);
  const seccomp = annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"];
  if (seccomp)
    lines.push(
      `seccomp ${seccomp
        .split(",")
        .map((s) => (s === "*" ? "*" : quote(s)))
        .join(", ")}`,
    );
  const apparmor = annotations["apparmor.security.beta.kubernetes.io/allowedProfileNames"];
  if (apparmor) lines.push(`appArmor ${apparmor.split(",").map(quote).join(", ")}`);
  return `psp ${name} {\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`;
}

/** What the migration reads of a PodSecurityPolicy, as types (see audit.ts's `Shape`). */
const idRule: Shape = { rule: "string", ranges: [{ min: "number", max: "number" }] };
const pspShape: Shape = {
  metadata: metadataShape,
  spec: {
    ...Object.fromEntries(PSP_BOOLEAN_FIELDS.map((f) => [f, "boolean"])),
    ...Object.fromEntries(
      [
        "allowedCapabilities",
        "defaultAddCapabilities",
        "requiredDropCapabilities",
        "volumes",
        "allowedProcMountTypes",
        "forbiddenSysctls",
        "allowedUnsafeSysctls",
      ].map((f) => [f, ["string"]]),
    ),
    runAsUser: idRule,
    runAsGroup: idRule,
    fsGroup: idRule,
    supplementalGroups: idRule,
    seLinux: { rule: "string" },
    hostPorts: [{ min: "number", max: "number" }],
    allowedHostPaths: [{ pathPrefix: "string" }],
  },
};

const RESTRICTED = new Set(RESTRICTED_VOLUMES);
const SAFE_SECCOMP = (p: string) => p === "runtime/default" || p === "docker/default" || p.startsWith("localhost/");

/** The most permissive pod the PSP admits: every power it allows, turned on. */
function widestPod(spec: Json, annotations: Record<string, string>): { metadata: Json; spec: Json } {
  const allowedCaps: string[] = spec.allowedCapabilities ?? [];
  const add = [...(allowedCaps.includes("*") ? ["SYS_ADMIN"] : allowedCaps), ...(spec.defaultAddCapabilities ?? [])];
  const drop: string[] = spec.requiredDropCapabilities ?? [];
  const volumes: string[] = spec.volumes ?? [];
  const wide = volumes.includes("*")
    ? ["hostPath", "nfs"]
    : volumes.filter((v) => v === "hostPath" || !RESTRICTED.has(v));
  const uidRule = spec.runAsUser?.rule;
  const rootPossible =
    uidRule === "RunAsAny" ||
    uidRule === undefined ||
    (uidRule === "MustRunAs" && (spec.runAsUser.ranges ?? []).some((r: Json) => r.min === 0));
  const seccomp = (annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"] ?? "")
    .split(",")
    .filter(Boolean);
  const seccompSafe = seccomp.length > 0 && seccomp.every(SAFE_SECCOMP);
  const container: Json = {
    name: "widest",
    image: "any",
    securityContext: {
      ...(spec.privileged ? { privileged: true } : {}),
      allowPrivilegeEscalation: spec.allowPrivilegeEscalation === false ? false : true,
      capabilities: { ...(add.length > 0 ? { add } : {}), ...(drop.length > 0 ? { drop } : {}) },
      ...((spec.allowedProcMountTypes ?? []).includes("Unmasked") ? { procMount: "Unmasked" } : {}),
    },
    ...(spec.hostPorts?.some((r: Json) => r.max > 0)
      ? { ports: [{ containerPort: 1, hostPort: Math.max(1, spec.hostPorts.find((r: Json) => r.max > 0).min) }] }
      : {}),
  };
  const podSpec: Json = {
    containers: [container],
    securityContext: {
      ...(rootPossible ? { runAsUser: 0 } : { runAsNonRoot: true }),
      ...(seccompSafe ? { seccompProfile: { type: "RuntimeDefault" } } : { seccompProfile: { type: "Unconfined" } }),
      ...(spec.seLinux?.rule === "MustRunAs" ? {} : { seLinuxOptions: { type: "spc_t" } }),
      ...((spec.allowedUnsafeSysctls ?? []).length > 0
        ? { sysctls: [{ name: spec.allowedUnsafeSysctls[0].replace(/\*$/, "x"), value: "1" }] }
        : {}),
    },
    ...(spec.hostNetwork ? { hostNetwork: true } : {}),
    ...(spec.hostPID ? { hostPID: true } : {}),
    ...(spec.hostIPC ? { hostIPC: true } : {}),
    ...(wide.length > 0
      ? { volumes: wide.map((type, i) => ({ name: `v${i}`, [type]: type === "hostPath" ? { path: "/" } : {} })) }
      : {}),
  };
  return { metadata: {}, spec: podSpec };
}

function inexpressible(spec: Json, annotations: Record<string, string>): string[] {
  const notes: string[] = [];
  const mutates =
    "PSP sets it on pods; PSS never mutates, so include the SecurityContext patch (`set`/`require`) for workloads that relied on it";
  if (spec.defaultAddCapabilities?.length)
    notes.push(`defaultAddCapabilities ${spec.defaultAddCapabilities.join(", ")}: ${mutates}`);
  if (spec.defaultAllowPrivilegeEscalation !== undefined)
    notes.push(`defaultAllowPrivilegeEscalation ${spec.defaultAllowPrivilegeEscalation}: ${mutates}`);
  for (const field of ["runAsUser", "runAsGroup", "fsGroup", "supplementalGroups"]) {
    if (spec[field]?.rule === "MustRunAs")
      notes.push(
        `${field} MustRunAs ${ranges(spec[field].ranges)}: a default id from the range — ${mutates}; PSS has no id ranges (only runAsUser != 0 at restricted)`,
      );
  }
  if (annotations["seccomp.security.alpha.kubernetes.io/defaultProfileName"])
    notes.push(`seccomp defaultProfileName: ${mutates} (\`set seccomp RuntimeDefault\`)`);
  if (spec.readOnlyRootFilesystem)
    notes.push("readOnlyRootFilesystem true: no PSS level checks it; `require readOnlyRootFilesystem` patches it");
  if (spec.allowedHostPaths?.length)
    notes.push("allowedHostPaths: PSS allows no hostPath at baseline or restricted, and none selectively");
  if (spec.hostPorts?.length)
    notes.push(`hostPorts ${ranges(spec.hostPorts)}: PSS baseline forbids every host port; ranges cannot be allowed`);
  if (spec.forbiddenSysctls?.length) notes.push("forbiddenSysctls: PSS has a fixed safe set per version instead");
  if (spec.allowedCapabilities?.length && !spec.allowedCapabilities.includes("*"))
    notes.push("allowedCapabilities: PSS baseline has a fixed set (restricted: NET_BIND_SERVICE only)");
  if (spec.volumes && !spec.volumes.includes("*")) {
    const extra = spec.volumes.filter((v: string) => !RESTRICTED.has(v) && v !== "hostPath");
    if (extra.length > 0)
      notes.push(
        `volumes ${extra.join(", ")}: allowed at baseline, not at restricted; PSS cannot allow them one by one`,
      );
  }
  return notes;
}

export function migratePsps(manifests: readonly SourceText[]): { migrations: Migration[]; diagnostics: Diagnostic[] } {
  // the manifest reader's diagnostics too: bad YAML, non-objects, workloads of the wrong shape
  const { objects, diagnostics } = readWorkloads(manifests);
  const migrations: Migration[] = [];
  for (const { object, span } of objects) {
    if (object.kind !== "PodSecurityPolicy") continue;
    const psp = fitted(object, pspShape, "");
    if ("problem" in psp) {
      diagnostics.push(
        diagnostic(cm.badManifest, { ...span, end: span.start }, [`${psp.problem}, as in any PodSecurityPolicy`]),
      );
      continue;
    }
    const o = psp.value as Json;
    const name: string = o.metadata?.name ?? "unnamed";
    const why = notAName(name);
    if (why) {
      diagnostics.push(
        diagnostic(cm.unnamablePsp, { ...span, end: span.start }, [name, why], {
          help: "give it a name with a letter (and the RBAC that grants `use` of it): the name is the object's identity",
        }),
      );
      continue;
    }
    const spec: Json = o.spec ?? {};
    const annotations: Record<string, string> = o.metadata?.annotations ?? {};
    const pod = widestPod(spec, annotations);
    const restricted = evaluatePod(pod.metadata, pod.spec, "restricted", "latest");
    const baseline = evaluatePod(pod.metadata, pod.spec, "baseline", "latest");
    const level: Level = restricted.length === 0 ? "restricted" : baseline.length === 0 ? "baseline" : "privileged";
    const blockers = (level === "privileged" ? baseline : level === "baseline" ? restricted : []).map((v) => v.check);
    migrations.push({
      name: o.metadata?.name ?? "",
      file: span.file,
      line: span.start.line,
      secpol: toSecpol(name, spec, annotations),
      level,
      blockers,
      inexpressible: inexpressible(spec, annotations),
    });
  }
  return { migrations, diagnostics };
}

export function renderMigrations(migrations: readonly Migration[]): string {
  if (migrations.length === 0) return "# no PodSecurityPolicy found\n";
  return migrations
    .map((m) => {
      const out = [`# PodSecurityPolicy \`${m.name}\` (${m.file}:${m.line})`, m.secpol.trimEnd()];
      out.push(
        `# fits Pod Security level: ${m.level}${m.blockers.length > 0 ? ` (not stronger: ${m.blockers.join(", ")})` : ""}`,
      );
      out.push(`#   namespace ... { pss enforce ${m.level} }`);
      if (m.inexpressible.length > 0)
        out.push("# what PSS cannot express:", ...m.inexpressible.map((n) => `#   - ${n}`));
      return out.join("\n");
    })
    .join("\n\n")
    .concat("\n");
}
