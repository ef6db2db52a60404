import { diagnostic } from "./catalogue.js";
import type { Diagnostic, Span } from "./diagnostic.js";
import { cli as m } from "./messages/cli.js";

/**
 * An exception no pass turned into a diagnostic is a bug in secpolc: it is reported as one, SP5025
 * with the exception's first line, at `span` (where the tool was asked: the command's word, the
 * playground's program), with `help` saying where the stack trace is and what to report.
 */
export function internalErrorDiagnostic(error: unknown, span: Span, help: string): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  return diagnostic(m.internalError, span, [message.split("\n")[0]], { help });
}
