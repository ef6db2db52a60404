/**
 * The passes, in order: load (parse every file, follow imports, add the prelude) → check (bind and
 * resolve into the model) → compile (model → manifests) → output (YAML files).
 */
import { parseAllDocuments } from "yaml";
import type { BuildResult, CheckResult, CompileOptions, OutputFile, SourceText } from "./index.js";
import type { Diagnostic, Span } from "./diagnostics/diagnostic.js";
import { hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
import { diagnostic } from "./diagnostics/catalogue.js";
import { names as m } from "./diagnostics/messages/names.js";
import { compile as cm } from "./diagnostics/messages/compile.js";
import { verifyNetworkPolicies } from "./analysis/verify.js";
import { parse } from "./syntax/parse.js";
import type { SourceFileNode } from "./syntax/ast.js";
import { checkProgram } from "./check/checker.js";
import type { Model } from "./semantics/model.js";
import { stdlibModules } from "./stdlib/modules.js";
import { compileNetworkPolicies } from "./compile/network-policy.js";
import { compileNamespaces } from "./compile/namespace.js";
import { writeOutput } from "./compile/output.js";

export const PRELUDE = "std/prelude";

interface Loaded {
  files: SourceFileNode[];
  sources: Record<string, string>;
  diagnostics: Diagnostic[];
}

/** Parses the build set and everything it imports, each file once, the prelude always. */
function load(inputs: readonly SourceText[], options: CompileOptions): Loaded {
  const files: SourceFileNode[] = [];
  const sources: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  const queue: SourceText[] = [{ path: PRELUDE, text: stdlibModules[PRELUDE] ?? "" }, ...inputs];
  while (queue.length > 0) {
    const source = queue.shift()!;
    if (source.path in sources) continue;
    sources[source.path] = source.text;
    const parsed = parse(source.text, source.path);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
    for (const s of parsed.file.statements) {
      if (s.kind !== "Import") continue;
      const imported = resolveImport(s.path.text, source.path, s.path.span, options, diagnostics);
      if (imported) queue.push(imported);
    }
  }
  return { files, sources, diagnostics };
}

function resolveImport(spec: string, from: string, span: Span, options: CompileOptions, diagnostics: Diagnostic[]): SourceText | undefined {
  if (spec.startsWith("std/")) {
    const text = stdlibModules[spec];
    if (text !== undefined) return { path: spec, text };
    const known = Object.keys(stdlibModules).filter((k) => k !== PRELUDE).map((k) => `\`${k}\``).join(", ");
    diagnostics.push(diagnostic(m.importNotFound, span, [spec, "there is no such standard module"], { help: `the standard modules are ${known}` }));
    return undefined;
  }
  if (from.startsWith("std/") || !options.resolveImport) {
    diagnostics.push(diagnostic(m.importNotFound, span, [spec, "files can only be imported when compiling files from disk"]));
    return undefined;
  }
  const result = options.resolveImport(spec, from);
  if ("error" in result) {
    diagnostics.push(diagnostic(m.importNotFound, span, [spec, result.error]));
    return undefined;
  }
  return result;
}

export function checkModel(inputs: readonly SourceText[], options: CompileOptions = {}): CheckResult & { model?: Model } {
  const loaded = load(inputs, options);
  const checked = checkProgram(loaded.files, { clusterVersion: options.clusterVersion });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...checked.diagnostics]);
  return { diagnostics, sources: loaded.sources, model: hasErrors(diagnostics) ? undefined : checked.model };
}

export function check(inputs: readonly SourceText[], options: CompileOptions = {}): CheckResult {
  const { diagnostics, sources } = checkModel(inputs, options);
  return { diagnostics, sources };
}

const now = (): number => globalThis.performance?.now() ?? Date.now();

export function build(inputs: readonly SourceText[], options: CompileOptions = {}): BuildResult {
  const timings: Record<string, number> = {};
  const timed = <T>(pass: string, run: () => T): T => {
    const start = now();
    const result = run();
    timings[pass] = Math.round((now() - start) * 10) / 10;
    return result;
  };
  const checked = timed("check", () => checkModel(inputs, options));
  const failed = { files: [], objectCounts: {}, sources: checked.sources, stats: { timings, verifiedChecks: 0 } };
  if (!checked.model) return { ...failed, diagnostics: checked.diagnostics };
  const model = checked.model;
  const network = timed("compile", () => compileNetworkPolicies(model));
  const diagnostics = sortDiagnostics([...checked.diagnostics, ...network.diagnostics]);
  if (hasErrors(diagnostics)) return { ...failed, diagnostics };
  const output = timed("emit", () => writeOutput([...compileNamespaces(model), ...network.manifests], options.outputFormat));
  let verifiedChecks = 0;
  if (options.verify !== false) {
    // what is verified is what was written: the files, parsed back
    const result = timed("verify", () => verifyNetworkPolicies(model, readBack(output.files)));
    verifiedChecks = result.checks;
    if (result.counterexample) {
      const failure = diagnostic(cm.translationValidationFailed, result.counterexample.span, [result.counterexample.description], {
        help: "this is a bug in secpolc; nothing was written. `--no-verify` skips the check (at your own risk)",
      });
      return { ...failed, diagnostics: sortDiagnostics([...diagnostics, failure]), stats: { timings, verifiedChecks } };
    }
  }
  return { ...output, diagnostics, sources: checked.sources, stats: { timings, verifiedChecks } };
}

function readBack(files: readonly OutputFile[]): unknown[] {
  return files
    .filter((f) => f.path !== "kustomization.yaml")
    .flatMap((f) => (f.path.endsWith(".json") ? [JSON.parse(f.content)] : parseAllDocuments(f.content).map((d) => d.toJS())));
}
