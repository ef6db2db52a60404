/**
 * Manifests read the way `kubectl apply -f` reads them, for `audit` and `migrate-psp`. kubectl turns
 * YAML into JSON with sigs.k8s.io/yaml, whose parser (go-yaml v2) resolves plain scalars YAML 1.1
 * style: `hostNetwork: yes` and `privileged: y` are true, `runAsUser: 0_0` and `0x0` are 0. Any
 * object with an `items` list is a list, and its items are the objects (a `PodList`'s items
 * without `kind` and `apiVersion` take the list's). kustomize configurations are not objects to
 * apply: they are skipped, with a note.
 */
import { isMap, isSeq, parseAllDocuments, visit, type Node } from "yaml";
import { positionsIn, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import type { SourceText } from "../types.js";
import { goYamlValue } from "../output/yaml11.js";
import type { Json } from "../kubernetes.js";

/** One Kubernetes object of a manifest, and where it is written. */
export interface ManifestObject {
  object: Json;
  span: Span;
}

/** Every untagged plain scalar of the document (keys too), resolved as go-yaml v2 resolves it. */
function resolveAsKubectl(doc: ReturnType<typeof parseAllDocuments>[number]): void {
  visit(doc, {
    Scalar(_, node) {
      // `<<` stays the merge key the YAML 1.1 schema made it
      if (node.type === "PLAIN" && node.tag === undefined && typeof node.source === "string" && node.source !== "<<")
        node.value = goYamlValue(node.source);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Objects

/** Files kustomize reads as its configuration. */
const KUSTOMIZATION_FILE = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/;
const isKustomizeConfig = (o: Json) =>
  (o.kind === "Kustomization" || o.kind === "Component") &&
  typeof o.apiVersion === "string" &&
  o.apiVersion.startsWith("kustomize.config.k8s.io/");

/**
 * Every object of every manifest, lists expanded; bad YAML or JSON, documents that are not
 * objects and list items that are not are diagnostics with positions, kustomize configurations notes.
 */
export function readManifestObjects(manifests: readonly SourceText[]): {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
} {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of manifests) {
    const positionOf = positionsIn(file.text);
    const spanOf = (start: number, end: number): Span => ({
      file: file.path,
      start: positionOf(start),
      end: positionOf(end),
    });
    if (KUSTOMIZATION_FILE.test(file.path)) {
      diagnostics.push(diagnostic(cm.kustomizeConfigSkipped, spanOf(0, 0), [file.path], { help: KUSTOMIZE_HELP }));
      continue;
    }
    const documents: { value: unknown; node?: Node | null; start: number; end: number }[] = [];
    if (file.path.endsWith(".json")) {
      try {
        // a byte-order mark (editors on Windows write one) is not JSON, but says nothing
        documents.push({
          value: JSON.parse(file.text.startsWith("\ufeff") ? file.text.slice(1) : file.text),
          start: 0,
          end: file.text.length,
        });
      } catch (e) {
        diagnostics.push(diagnostic(cm.badManifest, spanOf(0, 0), [`it is not valid JSON: ${(e as Error).message}`]));
      }
    } else {
      for (const doc of parseAllDocuments(file.text, { version: "1.1", logLevel: "error" })) {
        const [start, , end] = doc.range ?? [0, 0, file.text.length];
        if (doc.errors.length > 0) {
          const error = doc.errors[0];
          const at = error.pos?.[0] ?? start;
          diagnostics.push(
            diagnostic(cm.badManifest, spanOf(at, Math.min(file.text.length, at + 1)), [
              `it is not valid YAML: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
            ]),
          );
          continue;
        }
        resolveAsKubectl(doc);
        let value: unknown;
        try {
          value = doc.toJS();
        } catch (e) {
          // aliases that would expand beyond the yaml package's limit (a "billion laughs" document)
          diagnostics.push(
            diagnostic(cm.badManifest, spanOf(start, start), [`it cannot be read: ${(e as Error).message}`]),
          );
          continue;
        }
        // go-yaml refuses an anchor whose value contains itself; expanded, it would be endless
        if (containsItself(value))
          diagnostics.push(
            diagnostic(cm.badManifest, spanOf(start, start), [
              "it cannot be read: an alias refers to a value that contains it",
            ]),
          );
        else documents.push({ value, node: doc.contents, start, end });
      }
    }
    // lists hold lists: a queue, not recursion (nesting is as deep as the input)
    const queue: { value: unknown; node?: Node | null; start: number; end: number; list?: Json }[] = documents.filter(
      (d) => d.value !== null && d.value !== undefined,
    );
    for (let i = 0; i < queue.length; i++) {
      const { value, node, start, end, list } = queue[i];
      const span = spanOf(start, end);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        diagnostics.push(
          diagnostic(cm.badManifest, span, [
            list
              ? `an item of the ${list.kind} is not a Kubernetes object`
              : "it is not a Kubernetes object (it needs `apiVersion` and `kind`)",
          ]),
        );
        continue;
      }
      let o = value as Json;
      // kubectl's decoder: a typed list's items (a PodList's, as the API server lists them) carry no kind of their own
      if (list && o.kind === undefined && o.apiVersion === undefined)
        o = { ...o, kind: String(list.kind).replace(/List$/, ""), apiVersion: list.apiVersion };
      if (typeof o.kind !== "string" || typeof o.apiVersion !== "string") {
        diagnostics.push(
          diagnostic(cm.badManifest, span, [
            `${list ? `an item of the ${list.kind}` : "it"} is not a Kubernetes object (it needs \`apiVersion\` and \`kind\`)`,
          ]),
        );
        continue;
      }
      if (isKustomizeConfig(o)) {
        diagnostics.push(diagnostic(cm.kustomizeConfigSkipped, span, [file.path], { help: KUSTOMIZE_HELP }));
        continue;
      }
      if (o.items !== undefined && o.items !== null) {
        if (!Array.isArray(o.items)) {
          diagnostics.push(diagnostic(cm.badManifest, span, [`\`items\` must be a list, as in any ${o.kind}`]));
          continue;
        }
        const itemsNode = isMap(node) ? node.get("items", true) : undefined;
        o.items.forEach((item: unknown, j: number) => {
          const itemNode = isSeq(itemsNode) ? (itemsNode.items[j] as Node | undefined) : undefined;
          queue.push({
            value: item,
            node: itemNode,
            start: itemNode?.range?.[0] ?? start,
            end: itemNode?.range?.[1] ?? end,
            list: o,
          });
        });
        continue;
      }
      objects.push({ object: o, span });
    }
  }
  return { objects, diagnostics };
}

/** Whether the value (as `yaml` builds it from recursive aliases) reaches itself; each object is looked at once. */
function containsItself(value: unknown): boolean {
  const done = new Set<object>();
  const open = new Set<object>();
  const stack: { object: object; children: Iterator<unknown> }[] = [];
  const enter = (v: unknown): boolean => {
    if (typeof v !== "object" || v === null || done.has(v)) return false;
    if (open.has(v)) return true;
    open.add(v);
    stack.push({ object: v, children: Object.values(v)[Symbol.iterator]() });
    return false;
  };
  if (enter(value)) return true;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const next = top.children.next();
    if (next.done) {
      stack.pop();
      open.delete(top.object);
      done.add(top.object);
    } else if (enter(next.value)) return true;
  }
  return false;
}

const KUSTOMIZE_HELP =
  "audit reads plain manifests: render the kustomization first (`kubectl kustomize DIR > rendered.yaml`) and audit that";
