/**
 * SecurityContext patches as a kustomize Component per owned namespace: a local-config source
 * object holding the typed values, and `replacements` that write each value into the pod template
 * (or Pod) of every workload kind. Namespace-wide values come first, a workload's own after them,
 * so the more specific one wins. A user's overlay includes the Component with `components: [...]`.
 */
import type { Diagnostic, Span } from "../../diagnostics/diagnostic.js";
import { compareStrings } from "../../diagnostics/diagnostic.js";
import { diagnostic } from "../../diagnostics/catalogue.js";
import { security as sm } from "../../diagnostics/messages/security.js";
import type { OutputFile } from "../../types.js";
import { conjunctionMatches, describeConjunction } from "../../semantics/labels.js";
import { WORKLOAD_KINDS, type Model, type Workload } from "../../semantics/model.js";
import type { FieldValue, SecurityEntry } from "../../semantics/security.js";
import { sourceAnnotation } from "../../output/layout.js";
import { toYaml } from "../../output/yaml.js";

const podSpecPath = (kind: string) =>
  kind === "Pod" ? "spec" : kind === "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";

interface Setting {
  key: string;
  target: SecurityEntry["target"];
  field: FieldValue;
  spans: Span[];
  /** The other values given to the field, each reported once. */
  conflicts: Set<string>;
  /** Workloads whose exception overrides every namespace-wide entry giving this value: the patch leaves them out. */
  exempt: Workload[];
}

export function compileSecurityComponents(model: Model): {
  files: OutputFile[];
  components: string[];
  diagnostics: Diagnostic[];
} {
  const files: OutputFile[] = [];
  const components: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const namespace of model.namespaces) {
    const settings = new Map<string, Setting>();
    for (const entry of model.security) {
      const ns = entry.target.kind === "workload" ? entry.target.workload.namespace : entry.target.namespace.name;
      if (ns !== namespace.name) continue;
      const owner = entry.target.kind === "workload" ? `workload-${entry.target.workload.name}` : "namespace";
      for (const field of entry.values) {
        const key = `${owner}.${field.scope}.${field.path}`.replace(/\./g, "-");
        const existing = settings.get(key);
        const value = JSON.stringify(field.value);
        if (existing && JSON.stringify(existing.field.value) !== value) {
          // once per other value: which value comes first is the order of the items written, which must not count
          if (!existing.conflicts.has(value))
            diagnostics.push(
              diagnostic(sm.conflictingValues, entry.span, [field.path], {
                related: [{ span: existing.spans[0], message: "the other value is set here" }],
              }),
            );
          existing.conflicts.add(value);
          continue;
        }
        // a workload is left out only when every entry giving the value exempts it
        if (existing) {
          existing.spans.push(entry.span);
          existing.exempt = existing.exempt.filter((w) => entry.exempt?.includes(w));
        } else
          settings.set(key, {
            key,
            target: entry.target,
            field,
            spans: [entry.span],
            conflicts: new Set(),
            exempt: [...(entry.exempt ?? [])],
          });
      }
    }
    if (settings.size === 0) continue;
    // namespace-wide first, then each workload: the later replacement wins
    const ordered = [...settings.values()].sort((a, b) =>
      a.target.kind === b.target.kind ? compareStrings(a.key, b.key) : a.target.kind === "namespace" ? -1 : 1,
    );
    // named per namespace: several Components may be included in one overlay
    const sourceName = `secpol-${namespace.name}-security`;
    const values = {
      apiVersion: "secpol.dev/v1",
      kind: "SecurityValues",
      metadata: {
        name: sourceName,
        namespace: namespace.name,
        annotations: {
          "config.kubernetes.io/local-config": "true",
          "secpol.dev/source": sourceAnnotation({
            object: { apiVersion: "", kind: "", metadata: { name: "" } },
            sources: ordered.flatMap((s) => s.spans),
          }),
        },
      },
      values: Object.fromEntries(ordered.map((s) => [s.key, s.field.value])),
    };
    const select = (kind: string, target: SecurityEntry["target"]) => ({
      kind,
      namespace: namespace.name,
      ...(target.kind === "workload" && target.workload.pods.length > 0
        ? { labelSelector: selectorOf(target.workload) }
        : {}),
    });
    const replacements = ordered.map((s) => ({
      source: { kind: "SecurityValues", name: sourceName, namespace: namespace.name, fieldPath: `values.${s.key}` },
      targets: [
        // an exempt workload without pod labels is every pod of the namespace: its kinds are not patched
        ...targetKinds(s)
          .filter((kind) => exemptOf(s, kind).every((w) => w.pods.length > 0))
          .map((kind) => ({
            select: select(kind, s.target),
            ...rejected(s, kind),
            fieldPaths: [
              s.field.scope === "pod"
                ? `${podSpecPath(kind)}.${s.field.path}`
                : `${podSpecPath(kind)}.containers.*.${s.field.path}`,
            ],
            options: { create: true },
          })),
        // `initContainers.*` fails on an object without init containers: only workloads that declare
        // them, and not those exempt from the setting
        ...(s.field.scope === "container" ? initPatchTargets(s.target, model.workloads) : [])
          .filter((workload) => !s.exempt.includes(workload))
          .flatMap((workload) =>
            targetKinds({ target: { kind: "workload", workload } }).map((kind) => ({
              select: select(kind, { kind: "workload", workload }),
              fieldPaths: [`${podSpecPath(kind)}.initContainers.*.${s.field.path}`],
              options: { create: true },
            })),
          ),
      ],
    }));
    const component = {
      apiVersion: "kustomize.config.k8s.io/v1alpha1",
      kind: "Component",
      resources: ["values.yaml"],
      replacements,
    };
    const dir = `${namespace.name}/security`;
    components.push(dir);
    files.push(
      {
        path: `${dir}/kustomization.yaml`,
        content: `# SecurityContext patches for namespace ${namespace.name}: include with \`components: [${dir}]\` in an overlay.\n${toYaml(component)}`,
      },
      { path: `${dir}/values.yaml`, content: toYaml(values) },
    );
  }
  return { files, components, diagnostics };
}

/** The workloads exempt from a setting whose objects may be of `kind`. */
const exemptOf = (s: Setting, kind: string) => s.exempt.filter((w) => !w.kind || w.kind === kind);

/**
 * The objects of `kind` whose workload is exempt from a setting: kustomize's `reject`, by the
 * object's own labels as `select` does. A reject selector names the labels only: kustomize rejects
 * an object that matches any one of a selector's fields, so `kind` or `namespace` there would
 * reject every object the target selects.
 */
function rejected(s: Setting, kind: string): { reject?: { labelSelector: string }[] } {
  const exempt = exemptOf(s, kind);
  // in one order whatever the order the exceptions are written in
  const selectors = [...new Set(exempt.map(selectorOf))].sort(compareStrings);
  return selectors.length === 0 ? {} : { reject: selectors.map((labelSelector) => ({ labelSelector })) };
}

/** A workload's pod labels as a kustomize label selector. */
const selectorOf = (w: Workload) => describeConjunction(w.pods).replace(/, /g, ",");

/** The kinds a setting patches: the workload's declared kind, or every kind that makes pods. */
const targetKinds = (s: Pick<Setting, "target">): readonly string[] =>
  s.target.kind === "workload" && s.target.workload.kind ? [s.target.workload.kind] : WORKLOAD_KINDS;

/** The workloads whose init containers a container setting for `target` patches: those that declare them. */
export function initPatchTargets(target: SecurityEntry["target"], workloads: readonly Workload[]): Workload[] {
  const candidates =
    target.kind === "workload" ? [target.workload] : workloads.filter((w) => w.namespace === target.namespace.name);
  return candidates.filter((w) => (w.initContainers ?? []).length > 0);
}

/** Which containers of a pod a container setting is written into. */
export type ContainerKind = "container" | "initContainer" | "ephemeralContainer";

/**
 * Why the patch for `target` does not reach an object of its namespace that the program means (one
 * whose pods it selects), or undefined when it does: kustomize's replacements select objects by
 * kind and by the object's own labels, not by its pods' labels.
 */
export function patchMisses(
  target: SecurityEntry["target"],
  object: { kind: string; labels: Readonly<Record<string, string>> },
  container: ContainerKind = "container",
  workloads: readonly Workload[] = [],
): string | undefined {
  if (container === "ephemeralContainer")
    return "ephemeral containers are added to running pods through their own subresource: no template, so no patch, sets them";
  if (container === "initContainer") {
    if (
      initPatchTargets(target, workloads).some(
        (w) => patchMisses({ kind: "workload", workload: w }, object) === undefined,
      )
    )
      return undefined;
    const who =
      target.kind === "workload"
        ? `workload \`${target.workload.name}\``
        : `no workload of namespace \`${target.namespace.name}\` that selects it`;
    return `${who} declares no init containers (\`initContainers NAME, ...\`), so the patch leaves \`initContainers\` alone`;
  }
  const kinds = targetKinds({ target });
  if (!kinds.includes(object.kind)) return `the patch selects ${kinds.join(", ")} objects, not ${object.kind}s`;
  if (
    target.kind === "workload" &&
    target.workload.pods.length > 0 &&
    !conjunctionMatches(target.workload.pods, object.labels)
  ) {
    return `the patch selects ${object.kind}s by their own labels, \`${describeConjunction(target.workload.pods)}\`, and this one's \`metadata.labels\` do not match`;
  }
  return undefined;
}
