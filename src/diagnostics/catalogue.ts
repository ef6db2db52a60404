import type { Diagnostic, RelatedInformation, Severity, Span } from "./diagnostic.js";

/**
 * One entry of the message catalogue: a stable code, a severity and a message template.
 * Codes: SP1xxx syntax, SP2xxx names and types, SP3xxx compile, SP4xxx security consistency,
 * SP5xxx command line and input files, SP9xxx warnings and notes. Messages are lower case, with no
 * full stop, and put user input in backticks.
 */
export interface MessageEntry<A extends unknown[]> {
  code: string;
  severity: Severity;
  message: (...args: A) => string;
}

export const entry = <A extends unknown[]>(
  code: string,
  severity: Severity,
  message: (...args: A) => string,
): MessageEntry<A> => ({ code, severity, message });

export interface DiagnosticExtras {
  help?: string;
  related?: RelatedInformation[];
}

/** Text arguments longer than this are shortened in messages (the span shows where the whole is). */
export const MAX_ARGUMENT = 200;

const shortened = (arg: unknown): unknown =>
  typeof arg === "string" && arg.length > MAX_ARGUMENT
    ? `${arg.slice(0, MAX_ARGUMENT - 40)}… (${arg.length} characters)`
    : arg;

/** Line breaks of every kind: a message and its help are one line each, whatever input they quote. */
const LINE_BREAKS = /[\n\r\v\f\u0085\u2028\u2029]/g;

/** Text on one line: each line break in quoted input becomes `␤` (SP1001 names its code point beside it). */
export const oneLine = (text: string): string => text.replace(LINE_BREAKS, "\u2424");

export function diagnostic<A extends unknown[]>(
  what: MessageEntry<A>,
  span: Span,
  args: A,
  extras: DiagnosticExtras = {},
): Diagnostic {
  const result: Diagnostic = {
    code: what.code,
    severity: what.severity,
    message: oneLine(what.message(...(args.map(shortened) as A))),
    span,
  };
  if (extras.help !== undefined) result.help = oneLine(extras.help);
  if (extras.related && extras.related.length > 0) result.related = extras.related;
  return result;
}

/** A collector passes hand around: `report(entry, span, args, extras)`. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];
  errors = 0;
  report<A extends unknown[]>(what: MessageEntry<A>, span: Span, args: A, extras?: DiagnosticExtras): void {
    this.items.push(diagnostic(what, span, args, extras));
    if (what.severity === "error") this.errors++;
  }
}
