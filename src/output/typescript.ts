/**
 * The TypeScript output format (`--format ts`), for cdk8s and Pulumi users: the objects of a
 * successful `build`, every target's, as ONE self-contained, typed module, written with ts-morph. It declares the
 * few Kubernetes types it needs itself (no dependencies), exports `manifests` (every object, in
 * output order, as a literal) and one typed array per kind. kustomization.yaml and the kustomize
 * Components (`NS/security/...`, the SecurityContext patches) are left out: they stay YAML.
 * Pure: no file system, no `process`; the same files give byte-identical text.
 */
import {
  CodeBlockWriter,
  IndentationText,
  Project,
  QuoteKind,
  VariableDeclarationKind,
  type InterfaceDeclarationStructure,
  type OptionalKind,
} from "ts-morph";
import { parseAllDocuments } from "yaml";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { SOURCE_ANNOTATION } from "./layout.js";

type Json = null | boolean | number | string | Json[] | JsonObject;
type JsonObject = { [key: string]: Json };

const record = (v: Json | undefined): JsonObject => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});

/** Interfaces as `[name, doc, base, properties]`; a property `x?` is optional. Arrays are readonly to fit `as const`. */
const INTERFACES: [string, string, string | undefined, [string, string][]][] = [
  [
    "ObjectMeta",
    "The metadata secpolc writes.",
    undefined,
    [
      ["name", "string"],
      ["namespace?", "string"],
      ["labels?", "Record<string, string>"],
      ["annotations?", "Record<string, string>"],
    ],
  ],
  [
    "KubernetesObject",
    "What every object has.",
    undefined,
    [
      ["apiVersion", "string"],
      ["kind", "string"],
      ["metadata", "ObjectMeta"],
    ],
  ],
  [
    "Namespace",
    "core/v1 Namespace.",
    "KubernetesObject",
    [
      ["apiVersion", '"v1"'],
      ["kind", '"Namespace"'],
    ],
  ],
  [
    "LabelSelectorRequirement",
    "",
    undefined,
    [
      ["key", "string"],
      ["operator", '"In" | "NotIn" | "Exists" | "DoesNotExist"'],
      ["values?", "readonly string[]"],
    ],
  ],
  [
    "LabelSelector",
    "",
    undefined,
    [
      ["matchLabels?", "Record<string, string>"],
      ["matchExpressions?", "readonly LabelSelectorRequirement[]"],
    ],
  ],
  [
    "IPBlock",
    "",
    undefined,
    [
      ["cidr", "string"],
      ["except?", "readonly string[]"],
    ],
  ],
  [
    "NetworkPolicyPeer",
    "",
    undefined,
    [
      ["podSelector?", "LabelSelector"],
      ["namespaceSelector?", "LabelSelector"],
      ["ipBlock?", "IPBlock"],
    ],
  ],
  [
    "NetworkPolicyPort",
    "`port` is a number or a named container port.",
    undefined,
    [
      ["protocol?", '"TCP" | "UDP" | "SCTP"'],
      ["port?", "number | string"],
      ["endPort?", "number"],
    ],
  ],
  [
    "NetworkPolicyIngressRule",
    "",
    undefined,
    [
      ["from?", "readonly NetworkPolicyPeer[]"],
      ["ports?", "readonly NetworkPolicyPort[]"],
    ],
  ],
  [
    "NetworkPolicyEgressRule",
    "",
    undefined,
    [
      ["to?", "readonly NetworkPolicyPeer[]"],
      ["ports?", "readonly NetworkPolicyPort[]"],
    ],
  ],
  [
    "NetworkPolicySpec",
    "",
    undefined,
    [
      ["podSelector", "LabelSelector"],
      ["policyTypes?", 'readonly ("Ingress" | "Egress")[]'],
      ["ingress?", "readonly NetworkPolicyIngressRule[]"],
      ["egress?", "readonly NetworkPolicyEgressRule[]"],
    ],
  ],
  [
    "NetworkPolicy",
    "networking.k8s.io/v1 NetworkPolicy.",
    "KubernetesObject",
    [
      ["apiVersion", '"networking.k8s.io/v1"'],
      ["kind", '"NetworkPolicy"'],
      ["spec", "NetworkPolicySpec"],
    ],
  ],
  [
    "IDRange",
    "An inclusive range of ids or host ports.",
    undefined,
    [
      ["min", "number"],
      ["max", "number"],
    ],
  ],
  [
    "StrategyOptions",
    "`runAsUser`, `runAsGroup`, `fsGroup`, `supplementalGroups` and `seLinux` of a PodSecurityPolicy.",
    undefined,
    [
      ["rule", "string"],
      ["ranges?", "readonly IDRange[]"],
    ],
  ],
  [
    "PodSecurityPolicySpec",
    "",
    undefined,
    [
      ["privileged?", "boolean"],
      ["hostNetwork?", "boolean"],
      ["hostPID?", "boolean"],
      ["hostIPC?", "boolean"],
      ["hostPorts?", "readonly IDRange[]"],
      ["allowPrivilegeEscalation?", "boolean"],
      ["defaultAllowPrivilegeEscalation?", "boolean"],
      ["readOnlyRootFilesystem?", "boolean"],
      ["allowedCapabilities?", "readonly string[]"],
      ["defaultAddCapabilities?", "readonly string[]"],
      ["requiredDropCapabilities?", "readonly string[]"],
      ["volumes?", "readonly string[]"],
      ["allowedHostPaths?", "readonly { pathPrefix: string; readOnly?: boolean }[]"],
      ["allowedProcMountTypes?", 'readonly ("Default" | "Unmasked")[]'],
      ["allowedUnsafeSysctls?", "readonly string[]"],
      ["forbiddenSysctls?", "readonly string[]"],
      ["runAsUser", "StrategyOptions"],
      ["runAsGroup?", "StrategyOptions"],
      ["fsGroup", "StrategyOptions"],
      ["supplementalGroups", "StrategyOptions"],
      ["seLinux", "StrategyOptions"],
    ],
  ],
  [
    "PodSecurityPolicy",
    "policy/v1beta1 PodSecurityPolicy (clusters before 1.25).",
    "KubernetesObject",
    [
      ["apiVersion", '"policy/v1beta1"'],
      ["kind", '"PodSecurityPolicy"'],
      ["spec", "PodSecurityPolicySpec"],
    ],
  ],
  [
    "PolicyRule",
    "",
    undefined,
    [
      ["apiGroups?", "readonly string[]"],
      ["resources?", "readonly string[]"],
      ["verbs", "readonly string[]"],
      ["resourceNames?", "readonly string[]"],
    ],
  ],
  [
    "ClusterRole",
    "rbac.authorization.k8s.io/v1 ClusterRole.",
    "KubernetesObject",
    [
      ["apiVersion", '"rbac.authorization.k8s.io/v1"'],
      ["kind", '"ClusterRole"'],
      ["rules", "readonly PolicyRule[]"],
    ],
  ],
  [
    "RoleRef",
    "",
    undefined,
    [
      ["apiGroup", '"rbac.authorization.k8s.io"'],
      ["kind", '"ClusterRole" | "Role"'],
      ["name", "string"],
    ],
  ],
  [
    "Subject",
    "",
    undefined,
    [
      ["kind", '"User" | "Group" | "ServiceAccount"'],
      ["apiGroup?", "string"],
      ["name", "string"],
      ["namespace?", "string"],
    ],
  ],
  [
    "ClusterRoleBinding",
    "rbac.authorization.k8s.io/v1 ClusterRoleBinding.",
    "KubernetesObject",
    [
      ["apiVersion", '"rbac.authorization.k8s.io/v1"'],
      ["kind", '"ClusterRoleBinding"'],
      ["roleRef", "RoleRef"],
      ["subjects", "readonly Subject[]"],
    ],
  ],
  [
    "RoleBinding",
    "rbac.authorization.k8s.io/v1 RoleBinding.",
    "KubernetesObject",
    [
      ["apiVersion", '"rbac.authorization.k8s.io/v1"'],
      ["kind", '"RoleBinding"'],
      ["roleRef", "RoleRef"],
      ["subjects", "readonly Subject[]"],
    ],
  ],
];

/** The typed kinds and the name of each one's exported array. */
const KINDS: [string, string][] = [
  ["Namespace", "namespaces"],
  ["NetworkPolicy", "networkPolicies"],
  ["PodSecurityPolicy", "podSecurityPolicies"],
  ["ClusterRole", "clusterRoles"],
  ["ClusterRoleBinding", "clusterRoleBindings"],
  ["RoleBinding", "roleBindings"],
];

/** kustomization.yaml and the files of a kustomize Component (`NS/security/...`). */
const isKustomize = (path: string) => path === "kustomization.yaml" || /^[^/]+\/security\//.test(path);

export function toTypeScript(files: readonly { path: string; content: string }[]): string {
  const documents = files
    .filter((f) => f.path !== "kustomization.yaml")
    .map((f) => ({
      path: f.path,
      objects: parseAllDocuments(f.content)
        .map((d) => d.toJS() as Json)
        .filter((o) => o !== null)
        .map(record),
    }));
  const objects = documents.filter((d) => !isKustomize(d.path)).flatMap((d) => d.objects);
  // the header names the program's files, from every object's annotation (Components' included)
  const sources = new Set<string>();
  for (const o of documents.flatMap((d) => d.objects)) {
    const annotation = record(record(o.metadata).annotations)[SOURCE_ANNOTATION];
    if (typeof annotation === "string")
      for (const place of annotation.split(", ")) sources.add(place.replace(/:\d+$/, "").replace(/\s+/g, " "));
  }
  const components = [...new Set(documents.filter((d) => isKustomize(d.path)).map((d) => d.path.split("/")[0]))].map(
    (ns) => `${ns}/security`,
  );
  const known = new Set(KINDS.map(([kind]) => kind));
  const untyped = objects.some((o) => !known.has(String(o.kind)));

  const from = sources.size > 0 ? [...sources].sort(compareStrings).join(", ") : "a .secpol program";

  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      quoteKind: QuoteKind.Double,
      useTrailingCommas: true,
    },
  });
  const file = project.createSourceFile("secpol.ts");
  file.addInterfaces(
    INTERFACES.map(([name, doc, base, properties]): OptionalKind<InterfaceDeclarationStructure> => ({
      name,
      isExported: true,
      docs: doc ? [doc] : [],
      extends: base ? [base] : [],
      properties: properties.map(([key, type]) => ({
        name: key.replace(/\?$/, ""),
        hasQuestionToken: key.endsWith("?"),
        type,
      })),
    })),
  );
  if (untyped) {
    file.addInterface({
      name: "OtherObject",
      isExported: true,
      docs: ["An object of a kind this module has no type for."],
      extends: ["KubernetesObject"],
      indexSignatures: [{ keyName: "field", keyType: "string", returnType: "unknown" }],
    });
  }
  file.addTypeAlias({
    name: "SecpolObject",
    isExported: true,
    docs: ["Any object secpolc writes."],
    type: [...KINDS.map(([kind]) => kind), ...(untyped ? ["OtherObject"] : [])].join(" | "),
  });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Every object, in the order of the output files."],
    declarations: [{ name: "manifests", initializer: MANIFESTS }],
  });
  file.addFunction({
    name: "ofKind",
    typeParameters: [{ name: "K", constraint: 'SecpolObject["kind"]' }],
    parameters: [{ name: "kind", type: "K" }],
    returnType: "readonly Extract<SecpolObject, { kind: K }>[]",
    statements: [
      "const all: readonly SecpolObject[] = manifests;",
      "return all.filter((m): m is Extract<SecpolObject, { kind: K }> => m.kind === kind);",
    ],
  });
  file.addVariableStatements(
    KINDS.map(([kind, name]) => ({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name, type: `readonly ${kind}[]`, initializer: `ofKind("${kind}")` }],
    })),
  );
  file.insertText(0, (w) =>
    w
      .writeLine(`// Generated by secpolc from ${from}. Do not edit.`)
      .blankLine()
      .writeLine("/**")
      .writeLine(
        " * The Kubernetes objects of a secpolc build, typed, for cdk8s, Pulumi or any other TypeScript program:",
      )
      .writeLine(" * `manifests` holds every object in output order, and each kind has its own typed array.")
      .writeLine(" * SecurityContext patches are not here: they stay kustomize Components in the YAML output")
      .writeLine(` * (${components.length > 0 ? components.map((c) => `\`${c}\``).join(", ") : "none in this build"}).`)
      .writeLine(" */")
      .blankLine(),
  );
  file.formatText({ indentSize: 2, convertTabsToSpaces: true, ensureNewLineAtEndOfFile: true });
  // the objects are written after formatting, already in its layout: formatting them too made
  // TypeScript parse a literal of megabytes (a 5,000-service build took 11 s and 890 MB)
  const literal = new CodeBlockWriter({
    indentNumberOfSpaces: 2,
    useTabs: false,
    newLine: "\n",
    useSingleQuote: false,
  });
  writeValue(literal, objects).write(" as const satisfies readonly SecpolObject[]");
  // the last occurrence: only the header before it holds text of the program's (its file names)
  const text = file.getFullText();
  const at = text.lastIndexOf(MANIFESTS);
  return `${text.slice(0, at)}${literal.toString()}${text.slice(at + MANIFESTS.length)}`;
}

/** Where the objects go in the module, until it is formatted. */
const MANIFESTS = "__secpolc_manifests__";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const isScalar = (v: Json) => v === null || typeof v !== "object";
const key = (k: string) => (IDENTIFIER.test(k) ? k : JSON.stringify(k));

/** A JSON value as a literal: one property or item per line, except short lists and objects of scalars. */
function writeValue(w: CodeBlockWriter, value: Json): CodeBlockWriter {
  if (isScalar(value)) return w.write(JSON.stringify(value));
  const array = Array.isArray(value);
  const entries: [string, Json][] = array ? value.map((v) => ["", v]) : Object.entries(value);
  const [open, close] = array ? ["[", "]"] : ["{", "}"];
  const prefix = (k: string) => (array ? "" : `${key(k)}: `);
  const inline = entries.map(([k, v]) => prefix(k) + JSON.stringify(v)).join(", ");
  if (entries.length === 0) return w.write(open + close);
  if (entries.every(([, v]) => isScalar(v)) && inline.length <= 60)
    return w.write(array ? `[${inline}]` : `{ ${inline} }`);
  w.write(open).newLine();
  w.indent(() =>
    entries.forEach(([k, v]) =>
      writeValue(w.write(prefix(k)), v)
        .write(",")
        .newLine(),
    ),
  );
  return w.write(close);
}
