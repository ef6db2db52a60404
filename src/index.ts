/**
 * The public API of the compiler core. The core never touches the file system or `process`: the
 * CLI, the Prettier plugin, the language server and the browser playground hand it source texts
 * (and, for `import` of files outside the build set, a resolver) and get values back.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { ParseResult } from "./syntax/parse.js";

export type { Diagnostic, Span, Position, Severity } from "./diagnostics/diagnostic.js";

/** A source file: `path` as the user named it (relative, `/`-separated), `text` its contents. */
export interface SourceText {
  /**
   * The program's name for the file: its path relative to the program's root, `/`-separated
   * (`shop.secpol`, `lib/common.secpol`), as the source annotations, reports and diagnostics show
   * it; never dependent on the directory the compiler runs in.
   */
  path: string;
  text: string;
}

/**
 * Resolves `import "./x.secpol"` for a file outside the build set. `spec` is the import string,
 * `fromPath` the importing file. Never called for `std/...` modules, which the core bundles.
 */
export type ImportResolver = (spec: string, fromPath: string) => SourceText | { error: string };

export interface CompileOptions {
  /** Overrides `cluster { version }` (`--cluster-version`). */
  clusterVersion?: string;
  resolveImport?: ImportResolver;
  /** Translation validation of the emitted policies against the meaning (on unless `false`). */
  verify?: boolean;
  /** ValidatingAdmissionPolicies for pod-security rules where the cluster version has them (on unless `false`; `--no-admission-policies`). */
  admissionPolicies?: boolean;
  /** How `build` writes manifests: YAML (the default) or JSON; kustomization.yaml stays YAML. */
  outputFormat?: "yaml" | "json";
  /** Called by `build` after each of its passes (`check`, `compile`, ..., `verify`), by name. */
  afterPass?: (pass: string) => void;
  /**
   * The parser, called once per file of the program (inputs, imports, the prelude); `parse` of
   * `syntax/parse.ts` unless given. The language server passes `cachedParser()`'s, which parses a
   * file again only when its text changed. Its results are not changed by the passes after it.
   */
  parse?: (text: string, path: string) => ParseResult;
}

/** One file of the output directory: `path` relative to it, `/`-separated. */
export interface OutputFile {
  path: string;
  content: string;
}

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** Every text the diagnostics may point into (inputs, imports, stdlib), by path. */
  sources: Record<string, string>;
}

export interface BuildResult extends CheckResult {
  /** Empty when `diagnostics` contains an error: a failed build writes nothing. */
  files: OutputFile[];
  /** Objects written, per Kubernetes kind. */
  objectCounts: Record<string, number>;
  stats: BuildStats;
}

export interface BuildStats {
  /** Milliseconds per pass. */
  timings: Record<string, number>;
  /** Side verdicts compared by translation validation (0 when skipped). */
  verifiedChecks: number;
  /** Sets of selectors too many to combine, verified on their witnesses and near misses only (see docs/decisions.md). */
  partiallyVerified?: number;
}

export { check, build, explainQuery, diffSources, audit, connectivityOf } from "./pipeline.js";
export { format, type FormatResult, type FormatOptions } from "./format/format.js";
export type { Connectivity, MatrixCell } from "./analysis/matrix.js";
export { renderAudit, auditToJson, type AuditResult } from "./analysis/audit.js";
export { migratePsps, renderMigrations, type Migration } from "./analysis/migrate.js";
export { renderDiff, type ProgramDiff } from "./analysis/diff.js";
export { renderExplanation, explanationToJson, type Explanation } from "./analysis/explain.js";
export { renderDiagnostics, diagnosticsToJson, printable } from "./diagnostics/render.js";
