/**
 * `secpolc audit`: do existing workloads satisfy Pod Security levels? Reads Pods and pod-template
 * workloads from manifest texts and evaluates each against a level, or against the enforce, warn
 * and audit levels of the program's owned namespaces, in the API server's words.
 */
import { parseAllDocuments } from "yaml";
import { positionsIn, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import type { SourceText } from "../index.js";
import type { Model } from "../semantics/model.js";
import { evaluatePod, type Level, type Version, type Violation } from "../semantics/pss.js";
import { conjunctionMatches, type Labels } from "../semantics/labels.js";

type Json = Record<string, any>;

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
}

export interface WorkloadObject {
  kind: string;
  namespace: string;
  name: string;
  /** The pod template's (or the Pod's) metadata and spec. */
  metadata: Json;
  spec: Json;
  span: Span;
}

/** Where the pod spec lives in each kind that makes pods. */
const podPath: Record<string, string> = { Deployment: "spec.template", StatefulSet: "spec.template", DaemonSet: "spec.template", ReplicaSet: "spec.template", Job: "spec.template", CronJob: "spec.jobTemplate.spec.template" };

function podOf(o: Json): { metadata: Json; spec: Json } | undefined {
  switch (o.kind) {
    case "Pod":
      return { metadata: o.metadata ?? {}, spec: o.spec ?? {} };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return o.spec?.template ? { metadata: o.spec.template.metadata ?? {}, spec: o.spec.template.spec ?? {} } : undefined;
    case "CronJob":
      return o.spec?.jobTemplate?.spec?.template ? { metadata: o.spec.jobTemplate.spec.template.metadata ?? {}, spec: o.spec.jobTemplate.spec.template.spec ?? {} } : undefined;
    default:
      return undefined;
  }
}

/**
 * What the Pod Security checks and the program's requirements read of a pod, as types: "string",
 * "number", `[shape]` a list of that shape, `{ field: shape }` an object whose fields (when set and
 * not null) have those shapes (`"*"`: every field), `{}` any object. The API server would refuse a
 * manifest with another type at one of these paths; audit and migrate-psp say which, rather than
 * guessing (or failing on it).
 */
export type Shape = "string" | "number" | Shape[] | { [field: string]: Shape };
const handler: Shape = { httpGet: { host: "string" }, tcpSocket: { host: "string" } };
const profiles = { appArmorProfile: { type: "string" }, seLinuxOptions: { type: "string", user: "string", role: "string" }, seccompProfile: { type: "string" }, windowsOptions: {} } satisfies Shape;
const container: Shape = {
  name: "string",
  securityContext: { ...profiles, capabilities: { add: ["string"], drop: ["string"] }, procMount: "string" },
  ports: [{}],
  livenessProbe: handler,
  readinessProbe: handler,
  startupProbe: handler,
  lifecycle: { postStart: handler, preStop: handler },
};
export const metadataShape: Shape = { name: "string", namespace: "string", labels: { "*": "string" }, annotations: { "*": "string" } };
const podShape: Shape = {
  metadata: metadataShape,
  spec: { volumes: [{ name: "string" }], securityContext: { ...profiles, sysctls: [{ name: "string" }] }, os: { name: "string" }, containers: [container], initContainers: [container], ephemeralContainers: [container] },
};

/**
 * The value as the checks read it, or the first path whose type is not `shape`'s, described. Null
 * fields of objects along the shape's paths are dropped (the API server reads a null field as one
 * not set); what lies elsewhere, however deep, is kept as it is and not walked.
 */
export function fitted(value: unknown, shape: Shape, path: string): { value: unknown } | { problem: string } {
  if (shape === "string" || shape === "number") return typeof value === shape ? { value } : { problem: `\`${path}\` must be a ${shape}` };
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: `\`${path}\` must be an object` };
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


/** Reads every document of every manifest; bad YAML and non-objects are diagnostics with positions. */
export function readWorkloads(manifests: readonly SourceText[]): { workloads: WorkloadObject[]; diagnostics: Diagnostic[] } {
  const workloads: WorkloadObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of manifests) {
    const documents = file.path.endsWith(".json") ? [{ json: file.text }] : parseAllDocuments(file.text).map((d) => ({ doc: d }));
    const positionOf = positionsIn(file.text);
    for (const entry of documents) {
      let value: unknown;
      let start = 0;
      let end = file.text.length;
      if ("json" in entry) {
        try {
          // a byte-order mark (editors on Windows write one) is not JSON, but says nothing
          value = JSON.parse(entry.json.startsWith("\ufeff") ? entry.json.slice(1) : entry.json);
        } catch (e) {
          const span = { file: file.path, start: positionOf(0), end: positionOf(0) };
          diagnostics.push(diagnostic(cm.badManifest, span, [`it is not valid JSON: ${(e as Error).message}`]));
          continue;
        }
      } else {
        const doc = entry.doc;
        [start, , end] = doc.range ?? [0, 0, file.text.length];
        if (doc.errors.length > 0) {
          const error = doc.errors[0];
          const at = error.pos?.[0] ?? start;
          diagnostics.push(diagnostic(cm.badManifest, { file: file.path, start: positionOf(at), end: positionOf(Math.min(file.text.length, at + 1)) }, [`it is not valid YAML: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`]));
          continue;
        }
        try {
          value = doc.toJS();
        } catch (e) {
          // aliases that would expand beyond the yaml package's limit (a "billion laughs" document)
          diagnostics.push(diagnostic(cm.badManifest, { file: file.path, start: positionOf(start), end: positionOf(start) }, [`it cannot be read: ${(e as Error).message}`]));
          continue;
        }
      }
      const span = { file: file.path, start: positionOf(start), end: positionOf(end) };
      if (value === null || value === undefined) continue; // an empty document
      const o = value as Json;
      if (typeof o !== "object" || Array.isArray(o) || typeof o.kind !== "string" || typeof o.apiVersion !== "string") {
        diagnostics.push(diagnostic(cm.badManifest, span, ["it is not a Kubernetes object (it needs `apiVersion` and `kind`)"]));
        continue;
      }
      const pod = podOf(o);
      if (!pod) continue; // not a kind that makes pods
      const metadata = fitted(o.metadata ?? {}, metadataShape, "metadata");
      const read = "problem" in metadata ? metadata : fitted(pod, podShape, podPath[o.kind] ?? "");
      if ("problem" in read) {
        diagnostics.push(diagnostic(cm.badManifest, span, [`${read.problem}, as in any ${o.kind}`]));
        continue;
      }
      workloads.push({ kind: o.kind, namespace: o.metadata?.namespace ?? "default", name: o.metadata?.name ?? "", ...(read.value as typeof pod), span });
    }
  }
  return { workloads, diagnostics };
}

const versionText = (v: Version | "latest") => (v === "latest" ? "latest" : `v${v.major}.${v.minor}`);

export function auditAtLevel(workloads: readonly WorkloadObject[], level: Level, version: Version | "latest"): AuditResult[] {
  return workloads.map((w) => {
    const violations = evaluatePod(w.metadata, w.spec, level, version);
    return { kind: w.kind, namespace: w.namespace, name: w.name, level, version: versionText(version), mode: "enforce", allowed: violations.length === 0, violations, span: w.span };
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
      const version = setting.version === "latest" ? "latest" : { major: Number(setting.version.slice(1).split(".")[0]), minor: Number(setting.version.split(".")[1]) };
      const violations = evaluatePod(w.metadata, w.spec, setting.level, version);
      results.push({ kind: w.kind, namespace: w.namespace, name: w.name, level: setting.level, version: setting.version, mode, allowed: violations.length === 0, violations, span: w.span });
    }
  }
  return results;
}

const valueAt = (object: Json | undefined, path: string): unknown => path.split(".").reduce<any>((o, key) => (o === undefined || o === null ? undefined : o[key]), object);

/**
 * The program's own settings (`require`, `set`, the safe values of `deny`) for the pods a workload
 * object makes: every value must already be there; the SecurityContext patch would set it.
 */
export function auditRequirements(workloads: readonly WorkloadObject[], model: Model): AuditResult[] {
  const results: AuditResult[] = [];
  for (const w of workloads) {
    const labels = (w.metadata.labels ?? {}) as Labels;
    const entries = model.security.filter((e) =>
      e.target.kind === "namespace" ? e.target.namespace.name === w.namespace : e.target.workload.namespace === w.namespace && conjunctionMatches(e.target.workload.pods, labels),
    );
    if (entries.every((e) => e.values.length === 0)) continue;
    const violations: Violation[] = [];
    for (const entry of entries) {
      for (const field of entry.values) {
        const holders = field.scope === "pod" ? [w.spec] : ((w.spec.containers ?? []) as Json[]);
        const missing = holders.filter((h) => JSON.stringify(valueAt(h, field.path)) !== JSON.stringify(field.value));
        if (missing.length === 0) continue;
        const where = field.scope === "pod" ? "the pod" : `container${missing.length === 1 ? "" : "s"} ${missing.map((c) => `"${c.name}"`).join(", ")}`;
        violations.push({ check: entry.item, message: `${entry.item} (${where} must set ${field.path}=${JSON.stringify(field.value)}; ${entry.span.file}:${entry.span.start.line})` });
      }
    }
    results.push({ kind: w.kind, namespace: w.namespace, name: w.name, level: "program", version: "", mode: "require", allowed: violations.length === 0, violations, span: w.span });
  }
  return results;
}

/** The strongest level every workload of each namespace passes today. */
export function suggestLevels(workloads: readonly WorkloadObject[], version: Version | "latest"): { namespace: string; level: Level; version: string }[] {
  const namespaces = [...new Set(workloads.map((w) => w.namespace))].sort();
  return namespaces.map((namespace) => {
    const mine = workloads.filter((w) => w.namespace === namespace);
    const level = (["restricted", "baseline"] as const).find((l) => mine.every((w) => evaluatePod(w.metadata, w.spec, l, version).length === 0)) ?? "privileged";
    return { namespace, level, version: versionText(version) };
  });
}

export function renderAudit(results: readonly AuditResult[]): string {
  const lines = results.map((r) => {
    const what = `${r.kind} ${r.namespace}/${r.name}`;
    if (r.mode === "require") {
      return `${r.span.file}:${r.span.start.line}: ${what}: ${r.allowed ? "meets the program's requirements" : `misses the program's requirements (the SecurityContext patch would set them): ${r.violations.map((v) => v.message).join(", ")}`}`;
    }
    if (r.allowed) return `${r.span.file}:${r.span.start.line}: ${what}: allowed by PodSecurity "${r.level}:${r.version}" (${r.mode})`;
    return `${r.span.file}:${r.span.start.line}: ${what}: ${r.mode === "enforce" ? "would be forbidden" : r.mode === "warn" ? "warning" : "audit"}: violates PodSecurity "${r.level}:${r.version}": ${r.violations.map((v) => v.message).join(", ")}`;
  });
  return lines.length > 0 ? `${lines.join("\n")}\n` : "no Pods or pod-making workloads found\n";
}

export const auditToJson = (results: readonly AuditResult[]) => ({
  results: results.map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name, level: r.level, version: r.version, mode: r.mode, allowed: r.allowed, violations: r.violations })),
});
