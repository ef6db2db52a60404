/**
 * Diagnostics for people (`file:line:col: error SP1234: message`, the source line, a caret under
 * the span, help and notes) and for machines (JSON). Pure: the texts come in as a map.
 */
import { lineStarts, type Diagnostic, type Span } from "./diagnostic.js";

export interface RenderOptions {
  color?: boolean;
}

const UNPRINTABLE =
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u2028\u2029\ufeff]/g;

/**
 * Text from input files and manifests as it may be shown on a terminal: control characters (which
 * could move the cursor, retitle the window or write the clipboard) become their visible pictures
 * (`␛` for ESC, `␍` for CR), and C1 controls, bidirectional overrides (which could reorder what
 * a line appears to say), the Unicode line and paragraph separators (line breaks to some readers)
 * and invisible characters (zero-width spaces and joiners, the byte-order mark, the soft hyphen)
 * become `�`. One character each, so carets stay under their columns; tabs
 * and newlines are kept.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? "\u2421" : "\ufffd";
  });
}

const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
const severityColor = { error: "31;1", warning: "33;1", note: "36;1" } as const;

const place = (span: Span) => `${printable(span.file)}:${span.start.line}:${span.start.column}`;

/** Lines longer than this are shown around the span only, with `…` for what is left out. */
export const SNIPPET_WIDTH = 120;
const SNIPPET_CONTEXT = 40;

/** The source line of a span and a caret line under it (clamped to that line; tabs kept). */
function snippet(span: Span, text: string | undefined): string[] {
  if (text === undefined) return [];
  const line = lineAt(text, span.start.line);
  if (line === undefined) return [];
  const source = line.replace(/\r$/, "");
  const from = Math.min(span.start.column - 1, source.length);
  const to =
    span.end.line === span.start.line
      ? Math.min(Math.max(span.end.column - 1, from + 1), Math.max(source.length, from + 1))
      : Math.max(source.length, from + 1);
  // a long line (generated or minified input) is cut around the span: each diagnostic would
  // otherwise print all of it
  const start = source.length <= SNIPPET_WIDTH ? 0 : Math.max(0, from - SNIPPET_CONTEXT);
  const end =
    source.length <= SNIPPET_WIDTH
      ? source.length
      : Math.min(source.length, Math.max(to + SNIPPET_CONTEXT, start + SNIPPET_WIDTH), start + 2 * SNIPPET_WIDTH);
  const before = start > 0 ? "…" : "";
  const shown = `${before}${printable(source.slice(start, end))}${end < source.length ? "…" : ""}`;
  const pad = `${before ? " " : ""}${source.slice(start, from).replace(/[^\t]/g, " ")}`;
  return [shown, `${pad}${"^".repeat(Math.max(1, Math.min(to, end) - from))}`];
}

/** Where each line of the last text asked about starts: diagnostics come many to a file. */
let lines: { text: string; starts: number[] } | undefined;

/** The text of a line (1-based). */
function lineAt(text: string, line: number): string | undefined {
  if (lines?.text !== text) lines = { text, starts: lineStarts(text) };
  const start = lines.starts[line - 1];
  if (start === undefined) return undefined;
  const next = lines.starts[line];
  return text.slice(start, next === undefined ? text.length : next - 1);
}

export function renderDiagnostic(d: Diagnostic, sources: Record<string, string>, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const head = `${place(d.span)}: ${paint(color, severityColor[d.severity], `${d.severity} ${d.code}`)}: ${printable(d.message)}`;
  const out = [head, ...snippet(d.span, sources[d.span.file]).map((l) => `  ${l}`)];
  if (d.help) out.push(`  = help: ${printable(d.help)}`);
  for (const r of d.related ?? []) {
    out.push(
      `${place(r.span)}: note: ${printable(r.message)}`,
      ...snippet(r.span, sources[r.span.file]).map((l) => `  ${l}`),
    );
  }
  return out.join("\n");
}

export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: Record<string, string>,
  options: RenderOptions = {},
): string {
  if (diagnostics.length === 0) return "";
  const blocks = diagnostics.map((d) => renderDiagnostic(d, sources, options));
  const count = (severity: Diagnostic["severity"], word: string) => {
    const n = diagnostics.filter((d) => d.severity === severity).length;
    return n === 0 ? [] : [`${n} ${word}${n === 1 ? "" : "s"}`];
  };
  const summary = [...count("error", "error"), ...count("warning", "warning"), ...count("note", "note")].join(", ");
  return `${blocks.join("\n\n")}\n\n${summary}\n`;
}

const position = (span: Span) => ({
  file: span.file,
  line: span.start.line,
  column: span.start.column,
  endLine: span.end.line,
  endColumn: span.end.column,
});

export function diagnosticsToJson(diagnostics: readonly Diagnostic[]): { diagnostics: unknown[] } {
  return {
    diagnostics: diagnostics.map((d) => ({
      ...position(d.span),
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.help ? { help: d.help } : {}),
      ...(d.related ? { related: d.related.map((r) => ({ ...position(r.span), message: r.message })) } : {}),
    })),
  };
}
