/**
 * `secpolc audit`: do existing workloads satisfy Pod Security levels? Reads Pods and pod-template
 * workloads from manifest texts and evaluates each against a level, or against the enforce, warn
 * and audit levels of the program's owned namespaces, in the API server's words.
 */
import { sortDiagnostics, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import type { SourceText } from "../types.js";
import type { Model } from "../semantics/model.js";
import { evaluatePod, type Level, type Version, type Violation } from "../semantics/pss.js";
import { conjunctionMatches, type Labels } from "../semantics/labels.js";
import { readManifestObjects, type ManifestObject } from "./manifests.js";
import { patchMisses, type ContainerKind } from "../targets/security-context/compile.js";
import type { Json } from "../kubernetes.js";

export interface AuditResult {
  kind: string;
  namespace: string;
  name: string;
  /** A Pod Security level, or `program` for the program's own requirements. */
  level: Level | "program";
  version: string;
  mode: "enforce" | "warn" | "audit" | "require";
  allowed: boolean;
  violations: Violation[];
  span: Span;
  /** For `require`: why the SecurityContext patch would not set some missing value (the object is then not passed). */
  unpatched?: string[];
}

export interface WorkloadObject {
  kind: string;
  namespace: string;
  name: string;
  /** The object's own labels (kustomize selects objects by these, not by their pods'). */
  labels: Labels;
  /** The pod template's (or the Pod's) metadata and spec. */
  metadata: Json;
  spec: Json;
  span: Span;
}

/** Where the pod (template) lives in each kind that makes pods, as Pod Security admission reads them. */
const podPath: Record<string, string> = {
  Pod: "",
  PodTemplate: "template",
  ReplicationController: "spec.template",
  Deployment: "spec.template",
  StatefulSet: "spec.template",
  DaemonSet: "spec.template",
  ReplicaSet: "spec.template",
  Job: "spec.template",
  CronJob: "spec.jobTemplate.spec.template",
};

const valueAt = (object: Json | undefined, path: string): unknown =>
  path === ""
    ? object
    : path.split(".").reduce<any>((o, key) => (o === undefined || o === null ? undefined : o[key]), object);

/**
 * What the Pod Security checks and the program's requirements read of a pod, as types: "string",
 * "number", "integer", "boolean" (as kubectl reads YAML: `yes` is a boolean, `"yes"` a string),
 * `[shape]` a list of that shape, `{ field: shape }` an object whose fields (when set and not null)
 * have those shapes (`"*"`: every field), `{}` any object. The API server would refuse a
 * manifest with another type at one of these paths; audit and migrate-psp say which, rather than
 * guessing (or failing on it).
 */
export type Shape = "string" | "number" | "integer" | "boolean" | Shape[] | { [field: string]: Shape };
const handler: Shape = { httpGet: { host: "string" }, tcpSocket: { host: "string" } };
const profiles = {
  appArmorProfile: { type: "string" },
  seLinuxOptions: { type: "string", user: "string", role: "string" },
  seccompProfile: { type: "string" },
  windowsOptions: { hostProcess: "boolean" },
} satisfies Shape;
/** The fields of a SecurityContext, the pod's and a container's, read as booleans and numbers. */
const flags = { runAsNonRoot: "boolean", runAsUser: "integer", runAsGroup: "integer" } satisfies Shape;
const container: Shape = {
  name: "string",
  securityContext: {
    ...profiles,
    ...flags,
    capabilities: { add: ["string"], drop: ["string"] },
    procMount: "string",
    privileged: "boolean",
    allowPrivilegeEscalation: "boolean",
    readOnlyRootFilesystem: "boolean",
  },
  ports: [{ hostPort: "integer" }],
  livenessProbe: handler,
  readinessProbe: handler,
  startupProbe: handler,
  lifecycle: { postStart: handler, preStop: handler },
};
export const metadataShape: Shape = {
  name: "string",
  namespace: "string",
  labels: { "*": "string" },
  annotations: { "*": "string" },
};
const podShape: Shape = {
  metadata: metadataShape,
  spec: {
    volumes: [{ name: "string" }],
    securityContext: { ...profiles, ...flags, fsGroup: "integer", sysctls: [{ name: "string" }] },
    os: { name: "string" },
    hostNetwork: "boolean",
    hostPID: "boolean",
    hostIPC: "boolean",
    hostUsers: "boolean",
    containers: [container],
    initContainers: [container],
    ephemeralContainers: [container],
  },
};

/**
 * The value as the checks read it, or the first path whose type is not `shape`'s, described. Null
 * fields of objects along the shape's paths are dropped (the API server reads a null field as one
 * not set); what lies elsewhere, however deep, is kept as it is and not walked.
 */
export function fitted(value: unknown, shape: Shape, path: string): { value: unknown } | { problem: string } {
  if (typeof shape === "string") {
    const fits = shape === "integer" ? Number.isInteger(value) : typeof value === shape;
    return fits ? { value } : { problem: `\`${path}\` must be ${shape === "integer" ? "an" : "a"} ${shape}` };
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return { problem: `\`${path}\` must be a list` };
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = fitted(value[i], shape[0], `${path}[${i}]`);
      if ("problem" in item) return item;
      items.push(item.value);
    }
    return { value: items };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { problem: `\`${path}\` must be an object` };
  const result: Json = {};
  for (const [field, child] of Object.entries(value as Json)) {
    if (child === null) continue;
    const expected = shape[field] ?? shape["*"];
    if (expected === undefined || child === undefined) {
      result[field] = child;
      continue;
    }
    const inner = fitted(child, expected, path ? `${path}.${field}` : field);
    if ("problem" in inner) return inner;
    result[field] = inner.value;
  }
  return { value: result };
}

/**
 * The Pods and pod-making workloads of the manifests (read as kubectl reads them), each with the
 * fields the checks read of the right type; the others are diagnostics.
 */
export function readWorkloads(manifests: readonly SourceText[]): {
  workloads: WorkloadObject[];
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
} {
  const read = readManifestObjects(manifests);
  const workloads: WorkloadObject[] = [];
  const diagnostics = [...read.diagnostics];
  for (const { object: o, span } of read.objects) {
    if (!Object.hasOwn(podPath, o.kind)) continue; // not a kind that makes pods
    const template = valueAt(o, podPath[o.kind]);
    if (template === undefined || template === null) continue; // it makes no pods
    const metadata = fitted(o.metadata ?? {}, metadataShape, "metadata");
    const pod = "problem" in metadata ? metadata : fitted(template, podShape, podPath[o.kind]);
    if ("problem" in pod) {
      diagnostics.push(diagnostic(cm.badManifest, span, [`${pod.problem}, as in any ${o.kind}`]));
      continue;
    }
    const { metadata: podMetadata, spec } = pod.value as Json;
    const own = (metadata as { value: Json }).value;
    workloads.push({
      kind: o.kind,
      namespace: own.namespace ?? "default",
      name: own.name ?? "",
      labels: own.labels ?? {},
      metadata: podMetadata ?? {},
      spec: spec ?? {},
      span,
    });
  }
  return { workloads, objects: read.objects, diagnostics: sortDiagnostics(diagnostics) };
}

const versionText = (v: Version | "latest") => (v === "latest" ? "latest" : `v${v.major}.${v.minor}`);

export function auditAtLevel(
  workloads: readonly WorkloadObject[],
  level: Level,
  version: Version | "latest",
): AuditResult[] {
  return workloads.map((w) => {
    const violations = evaluatePod(w.metadata, w.spec, level, version);
    return {
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      level,
      version: versionText(version),
      mode: "enforce",
      allowed: violations.length === 0,
      violations,
      span: w.span,
    };
  });
}

/** Each workload in an owned namespace, against each mode the namespace sets. */
export function auditAgainstProgram(workloads: readonly WorkloadObject[], model: Model): AuditResult[] {
  const results: AuditResult[] = [];
  for (const w of workloads) {
    const owned = model.namespaces.find((n) => n.name === w.namespace);
    for (const mode of ["enforce", "warn", "audit"] as const) {
      const setting = owned?.podSecurity[mode];
      if (!setting) continue;
      const version =
        setting.version === "latest"
          ? "latest"
          : { major: Number(setting.version.slice(1).split(".")[0]), minor: Number(setting.version.split(".")[1]) };
      const violations = evaluatePod(w.metadata, w.spec, setting.level, version);
      results.push({
        kind: w.kind,
        namespace: w.namespace,
        name: w.name,
        level: setting.level,
        version: setting.version,
        mode,
        allowed: violations.length === 0,
        violations,
        span: w.span,
      });
    }
  }
  return results;
}

const CONTAINER_LISTS: [ContainerKind, string][] = [
  ["container", "containers"],
  ["initContainer", "initContainers"],
  ["ephemeralContainer", "ephemeralContainers"],
];
const CONTAINER_WORDS: Record<ContainerKind, string> = {
  container: "container",
  initContainer: "init container",
  ephemeralContainer: "ephemeral container",
};

/**
 * The program's own settings (`require`, `set`, the safe values of `deny`) for the pods a workload
 * object makes: every value must already be there, or the SecurityContext patch must set it. A
 * patch that would not reach the object (kustomize selects by the object's own labels and kind) is
 * said, and such a result is a failure like an enforced level's.
 */
export function auditRequirements(workloads: readonly WorkloadObject[], model: Model): AuditResult[] {
  const results: AuditResult[] = [];
  for (const w of workloads) {
    const labels = (w.metadata.labels ?? {}) as Labels;
    // a namespace-wide entry does not hold for the pods of a workload whose exception overrides it
    const entries = model.security.filter((e) =>
      e.target.kind === "namespace"
        ? e.target.namespace.name === w.namespace && !e.exempt?.some((x) => conjunctionMatches(x.pods, labels))
        : e.target.workload.namespace === w.namespace && conjunctionMatches(e.target.workload.pods, labels),
    );
    if (entries.every((e) => e.values.length === 0)) continue;
    const violations: Violation[] = [];
    const unpatched = new Set<string>();
    for (const entry of entries) {
      for (const field of entry.values) {
        // every container kind, as the Pod Security checks judge them; each kind is patched (or not) on its own
        const groups: [ContainerKind | "pod", Json[]][] =
          field.scope === "pod"
            ? [["pod", [w.spec]]]
            : CONTAINER_LISTS.map(([kind, list]) => [kind, (w.spec[list] ?? []) as Json[]]);
        for (const [kind, holders] of groups) {
          const missing = holders.filter((h) => JSON.stringify(valueAt(h, field.path)) !== JSON.stringify(field.value));
          if (missing.length === 0) continue;
          const where =
            kind === "pod"
              ? "the pod"
              : `${CONTAINER_WORDS[kind]}${missing.length === 1 ? "" : "s"} ${missing.map((c) => `"${c.name}"`).join(", ")}`;
          const miss = patchMisses(entry.target, w, kind === "pod" ? "container" : kind, model.workloads);
          if (miss) unpatched.add(miss);
          violations.push({
            check: entry.item,
            message: `${entry.item} (${where} must set ${field.path}=${JSON.stringify(field.value)}; ${entry.span.file}:${entry.span.start.line}${miss ? "; not patched" : ""})`,
          });
        }
      }
    }
    results.push({
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      level: "program",
      version: "",
      mode: "require",
      allowed: violations.length === 0,
      violations,
      span: w.span,
      ...(unpatched.size > 0 ? { unpatched: [...unpatched] } : {}),
    });
  }
  return results;
}

/** The strongest level every workload of each namespace passes today. */
export function suggestLevels(
  workloads: readonly WorkloadObject[],
  version: Version | "latest",
): { namespace: string; level: Level; version: string }[] {
  const namespaces = [...new Set(workloads.map((w) => w.namespace))].sort();
  return namespaces.map((namespace) => {
    const mine = workloads.filter((w) => w.namespace === namespace);
    const level =
      (["restricted", "baseline"] as const).find((l) =>
        mine.every((w) => evaluatePod(w.metadata, w.spec, l, version).length === 0),
      ) ?? "privileged";
    return { namespace, level, version: versionText(version) };
  });
}

export function renderAudit(results: readonly AuditResult[]): string {
  const lines = results.map((r) => {
    const what = `${r.kind} ${r.namespace}/${r.name}`;
    if (r.mode === "require") {
      if (r.allowed) return `${r.span.file}:${r.span.start.line}: ${what}: meets the program's requirements`;
      const patch = r.unpatched
        ? `the SecurityContext patch would not set those marked "not patched": ${r.unpatched.join("; ")}`
        : "the SecurityContext patch would set them";
      return `${r.span.file}:${r.span.start.line}: ${what}: misses the program's requirements (${patch}): ${r.violations.map((v) => v.message).join(", ")}`;
    }
    if (r.allowed)
      return `${r.span.file}:${r.span.start.line}: ${what}: allowed by PodSecurity "${r.level}:${r.version}" (${r.mode})`;
    return `${r.span.file}:${r.span.start.line}: ${what}: ${r.mode === "enforce" ? "would be forbidden" : r.mode === "warn" ? "warning" : "audit"}: violates PodSecurity "${r.level}:${r.version}": ${r.violations.map((v) => v.message).join(", ")}`;
  });
  return lines.length > 0 ? `${lines.join("\n")}\n` : "no Pods or pod-making workloads found\n";
}

export const auditToJson = (results: readonly AuditResult[]) => ({
  results: results.map((r) => ({
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    level: r.level,
    version: r.version,
    mode: r.mode,
    allowed: r.allowed,
    violations: r.violations,
    ...(r.unpatched ? { unpatched: r.unpatched } : {}),
  })),
});
