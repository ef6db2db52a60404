/** Positions are 1-based (line, column) plus a 0-based character offset into the file's text. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A range of source text; `end` is exclusive. `file` is the path as the user gave it. */
export interface Span {
  file: string;
  start: Position;
  end: Position;
}

export type Severity = "error" | "warning" | "note";

export interface RelatedInformation {
  span: Span;
  message: string;
}

/** Diagnostics are values: every pass returns them, none throws them. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  help?: string;
  related?: RelatedInformation[];
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === "error");

/** Sorts by file, position, then code, so that output never depends on the order of passes. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareStrings(a.span.file, b.span.file) ||
      a.span.start.offset - b.span.start.offset ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
