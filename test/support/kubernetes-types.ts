/**
 * Objects checked against the TypeScript definitions of the Kubernetes API in `kubernetes-types`
 * (generated from the upstream OpenAPI schema of each API version), for the kinds kubernetes-models
 * has no schema of: the `v1beta1` ValidatingAdmissionPolicy and its binding (1.28-1.29). Each object
 * becomes a typed object literal in a file the TypeScript compiler checks in memory, so a field the
 * version does not have (an excess property), a missing required field or a value of the wrong
 * type is a compile error, reported as a problem. It does not know the values a string field allows
 * (`failurePolicy`), as the OpenAPI schema does not either.
 */
import ts from "typescript";
import { join } from "node:path";
import { repoRoot } from "./baseline.js";

/** The `kubernetes-types` module and type of each `apiVersion/kind` checked here. */
export const TYPED_KINDS: Record<string, [module: string, type: string]> = {
  "admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicy": [
    "kubernetes-types/admissionregistration/v1beta1",
    "ValidatingAdmissionPolicy",
  ],
  "admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicyBinding": [
    "kubernetes-types/admissionregistration/v1beta1",
    "ValidatingAdmissionPolicyBinding",
  ],
};

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  noLib: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  types: [],
};
/** The global types the definitions use, in place of TypeScript's own libraries (which cost seconds to load). */
const LIB =
  "declare global { interface Array<T> { length: number; [n: number]: T } interface Boolean {} interface Function {} interface CallableFunction {} interface NewableFunction {} interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String {} }";
/**
 * kubernetes-types leaves out the fields Go inlines into NamedRuleWithOperations from `Rule`
 * (`resources`, `scope`: k8s.io/api admissionregistration/v1beta1 `Rule`, inlined through
 * `RuleWithOperations`); they are declared here, the rest of each object is checked as generated.
 */
const INLINED = (module: string) =>
  `declare module ${JSON.stringify(module)} { interface NamedRuleWithOperations { resources?: Array<string>; scope?: string } }`;
/** Parsed definitions, shared by every check. */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** The problems of each object (by its index), as the type checker words them. */
export function typeProblems(objects: readonly { apiVersion?: string; kind?: string }[]): string[][] {
  const file = join(repoRoot, "test", "kubernetes-types-check.generated.ts");
  const modules = [...new Set(objects.map((o) => TYPED_KINDS[`${o.apiVersion}/${o.kind}`][0]))];
  const lines = [
    ...modules.map((m, i) => `import type * as m${i} from ${JSON.stringify(m)};`),
    ...modules.map(INLINED),
  ];
  const starts: number[] = [];
  objects.forEach((o, i) => {
    const [module, type] = TYPED_KINDS[`${o.apiVersion}/${o.kind}`];
    starts.push(lines.length);
    lines.push(
      `export const o${i}: m${modules.indexOf(module)}.${type} = ${JSON.stringify(o, null, 1)};`.replace(/\n/g, " "),
    );
  });
  const text = [LIB, ...lines].join("\n");
  starts.forEach((_, i) => starts[i]++);
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    if (name === file) return ts.createSourceFile(name, text, language);
    if (!parsed.has(name)) parsed.set(name, getSourceFile.call(host, name, language, ...rest));
    return parsed.get(name);
  };
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const problems: string[][] = objects.map(() => []);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "; ");
    if (d.file?.fileName !== file || d.start === undefined) throw new Error(`kubernetes-types check: ${message}`);
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const index = starts.filter((s) => s <= line).length - 1;
    if (index < 0) throw new Error(`kubernetes-types check: ${message}`);
    problems[index].push(message);
  }
  return problems;
}
