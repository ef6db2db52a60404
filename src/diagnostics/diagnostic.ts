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

/** The offset at which each line of a text starts (the first line at 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return starts;
}

/** Positions in a text by offset, through one index of its line starts (texts may hold thousands of lines asked about). */
export function positionsIn(text: string): (offset: number) => Position {
  const starts = lineStarts(text);
  return (offset) => {
    const line = lineIndex(starts, offset);
    return { line: line + 1, column: offset - starts[line] + 1, offset };
  };
}

/** The index (0-based) of the line holding `offset`, by binary search in the text's `lineStarts`. */
export function lineIndex(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}
