/**
 * Diagnostics in the formats CI systems read: SARIF 2.1.0 (code-scanning uploads) and GitHub
 * Actions workflow commands (`::error file=...::message`, shown as annotations on the diff). Pure,
 * like render.ts: the CLI prints what these return.
 */
import type { Diagnostic, Span } from "./diagnostic.js";
import { codes } from "./codes.js";
import { printable } from "./render.js";

export const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/** The base the artifact URIs are relative to: where secpolc ran (in CI, the repository's root). */
export const SOURCE_ROOT = "%SRCROOT%";

/** Spans in a file, as opposed to the command line, standard input or an `explain` query (`<...>`). */
const inFile = (span: Span) => !span.file.startsWith("<");

const uri = (path: string) => path.split("/").map(encodeURIComponent).join("/");

function physicalLocation(span: Span) {
  return {
    artifactLocation: { uri: uri(span.file), uriBaseId: SOURCE_ROOT },
    region: {
      startLine: span.start.line,
      startColumn: span.start.column,
      endLine: span.end.line,
      endColumn: span.end.column,
    },
  };
}

/** `egressWithoutDns` → `EgressWithoutDns` (SARIF's reportingDescriptor.name) and `egress without dns`. */
const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const words = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

const withHelp = (d: Diagnostic) => (d.help ? `${d.message}\nhelp: ${d.help}` : d.message);

/**
 * One SARIF log with one run: a rule per code used (its catalogue name, default level, and the help
 * its diagnostics share, if they share one), a result per diagnostic, related notes as related
 * locations. URIs are the diagnostics' paths, relative to `%SRCROOT%`, where secpolc ran.
 */
export function diagnosticsToSarif(diagnostics: readonly Diagnostic[], tool: { version: string }): object {
  const used = [...new Set(diagnostics.map((d) => d.code))].sort();
  const rules = used.map((code) => {
    const info = codes.get(code);
    const helps = new Set(diagnostics.filter((d) => d.code === code).map((d) => d.help));
    const help = helps.size === 1 ? [...helps][0] : undefined;
    return {
      id: code,
      ...(info
        ? {
            name: pascal(info.name),
            shortDescription: { text: words(info.name) },
            defaultConfiguration: { level: info.severity },
          }
        : {}),
      ...(help ? { help: { text: help } } : {}),
    };
  });
  const results = diagnostics.map((d) => {
    const related = (d.related ?? []).filter((r) => inFile(r.span));
    return {
      ruleId: d.code,
      ruleIndex: used.indexOf(d.code),
      level: d.severity,
      message: { text: withHelp(d) },
      ...(inFile(d.span) ? { locations: [{ physicalLocation: physicalLocation(d.span) }] } : {}),
      ...(related.length > 0
        ? {
            relatedLocations: related.map((r, i) => ({
              id: i + 1,
              physicalLocation: physicalLocation(r.span),
              message: { text: r.message },
            })),
          }
        : {}),
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "secpolc", version: tool.version, rules } },
        originalUriBaseIds: {
          [SOURCE_ROOT]: { description: { text: "the directory secpolc ran in (in CI, the repository's root)" } },
        },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

/** GitHub's escaping of a workflow command's message, and (with `:` and `,`) of its properties. */
const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");

const command = { error: "error", warning: "warning", note: "notice" } as const;

/**
 * One workflow command a diagnostic: `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=SPnnnn::message`
 * (`warning`, `notice` likewise), the columns of the span's first and last character; the help and
 * the related notes follow the message on lines of their own.
 */
export function diagnosticsToGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const s = d.span;
      const where = inFile(s)
        ? {
            file: s.file,
            line: s.start.line,
            col: s.start.column,
            endLine: s.end.line,
            endColumn: Math.max(s.end.line === s.start.line ? s.start.column : 1, s.end.column - 1),
          }
        : {};
      const properties = Object.entries({ ...where, title: d.code }).map(
        ([k, v]) => `${k}=${escapeProperty(printable(String(v)))}`,
      );
      const notes = (d.related ?? []).map(
        (r) => `\nnote: ${r.span.file}:${r.span.start.line}:${r.span.start.column}: ${r.message}`,
      );
      return `::${command[d.severity]} ${properties.join(",")}::${escapeData(printable(withHelp(d) + notes.join("")))}\n`;
    })
    .join("");
}
