/**
 * What CI needs beyond the diagnostics of a program: `--warnings-as-errors`, and, for the report
 * formats (`--format sarif|github`), `fmt --check` and `audit` verdicts as diagnostics with spans.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { lineStarts } from "../diagnostics/diagnostic.js";
import { cli as m } from "../diagnostics/messages/cli.js";
import type { AuditResult } from "../analysis/audit.js";
import { argumentSpan, type Options } from "./args.js";

/** Whether diagnostics are reported in a format for CI (`sarif`, `github`), on stdout. */
export const forCi = (options: Options): boolean => options.format === "sarif" || options.format === "github";

/** With `--warnings-as-errors`, the error that warnings fail the run (SP5021); none when there are errors already or no warnings. */
export function warningsFailure(
  diagnostics: readonly Diagnostic[],
  options: Options,
  argv: readonly string[],
): Diagnostic[] {
  if (!options.warningsAsErrors || diagnostics.some((d) => d.severity === "error")) return [];
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  if (warnings === 0) return [];
  return [
    diagnostic(m.warningsAsErrors, argumentSpan(argv, Math.max(0, argv.indexOf("--warnings-as-errors"))), [warnings]),
  ];
}

/** The first line of `text` that `formatted` changes, as a span over that line of `text` (SP5022's place). */
export function firstChangedLine(path: string, text: string, formatted: string): Span {
  const before = text.split("\n");
  const after = formatted.split("\n");
  let line = 0;
  while (line < before.length - 1 && before[line] === after[line]) line++;
  const start = lineStarts(text)[line];
  const length = before[line].replace(/\r$/, "").length;
  return {
    file: path,
    start: { line: line + 1, column: 1, offset: start },
    end: { line: line + 1, column: length + 1, offset: start + length },
  };
}

/** `fmt --check` in a report format: each file that is not formatted, at its first line that changes. */
export const unformattedFiles = (changes: readonly { path: string; text: string; formatted: string }[]): Diagnostic[] =>
  changes.map((c) =>
    diagnostic(m.notFormatted, firstChangedLine(c.path, c.text, c.formatted), [c.path], {
      help: "run `secpolc fmt` and commit the result",
    }),
  );

/**
 * `audit` in a report format: each workload that fails, at its manifest. Forbidden by an enforced
 * level: an error (the run fails, as in text); a `warn`/`audit` level or the program's requirements: a warning.
 */
export function auditFindings(results: readonly AuditResult[]): Diagnostic[] {
  return results
    .filter((r) => !r.allowed)
    .map((r) => {
      const workload = `${r.kind} ${r.namespace}/${r.name}`;
      const violations = r.violations.map((v) => v.message).join(", ");
      if (r.mode === "enforce")
        return diagnostic(m.auditForbidden, r.span, [workload, `${r.level}:${r.version}`, violations]);
      const problem =
        r.mode === "require"
          ? `misses the program's requirements (the SecurityContext patch would set them): ${violations}`
          : `violates PodSecurity \`${r.level}:${r.version}\` (${r.mode}): ${violations}`;
      return diagnostic(m.auditViolation, r.span, [workload, problem]);
    });
}
