/**
 * The public API of the compiler core. The core never touches the file system or `process`: the
 * CLI, the Prettier plugin, the language server and the browser playground hand it source texts
 * (and, for `import` of files outside the build set, a resolver) and get values back.
 */
export type { Diagnostic, Span, Position, Severity } from "./diagnostics/diagnostic.js";

export type {
  SourceText,
  ImportResolver,
  CompileOptions,
  OutputFile,
  CheckResult,
  BuildResult,
  BuildStats,
} from "./types.js";

export { check, build, explainQuery, diffSources, audit, connectivityOf } from "./pipeline.js";
export { format, type FormatResult, type FormatOptions } from "./format/format.js";
export type { Connectivity, MatrixCell } from "./analysis/matrix.js";
export { renderAudit, auditToJson, type AuditResult } from "./analysis/audit.js";
export { migratePsps, renderMigrations, type Migration } from "./analysis/migrate.js";
export { renderDiff, type ProgramDiff } from "./analysis/diff.js";
export { renderExplanation, explanationToJson, type Explanation } from "./analysis/explain.js";
export { renderDiagnostics, diagnosticsToJson, printable } from "./diagnostics/render.js";
export { internalErrorDiagnostic } from "./diagnostics/internal.js";
