/**
 * `fmt`: the canonical layout of a `.secpol` file. The formatter proves itself before returning: it
 * re-parses its output and compares the tree (without spans, lists in canonical order) and the
 * comments with the input's; on any difference it refuses with an internal error rather than change
 * what the program means. A file with syntax errors is left as it is, with its diagnostics.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { syntax as m } from "../diagnostics/messages/syntax.js";
import type * as ast from "../syntax/ast.js";
import { parse } from "../syntax/parse.js";
import { canonicalize, withoutSpans } from "./canonical.js";
import { peer, port, Printer, requirement, securityItem, type PrintOptions } from "./print.js";

export type { PrintOptions as FormatOptions } from "./print.js";

export interface FormatResult {
  /** The formatted text; absent when the file has errors or the formatter refused. */
  text?: string;
  diagnostics: Diagnostic[];
}

const inline = (n: ast.Peer | ast.PortSpec | ast.Requirement | ast.SecurityItem): string =>
  n.kind === "PortSpec"
    ? port(n)
    : n.kind === "Requirement"
      ? requirement(n)
      : n.kind === "SecurityItem"
        ? securityItem(n)
        : peer(n);

/** The file's tree with its lists in canonical order (as the printer prints them). */
export const canonicalFile = (file: ast.SourceFileNode): ast.SourceFileNode => canonicalize(file, inline);
/** The file's tree as JSON, without spans and with its lists in canonical order: what formatting keeps. */
export const canonicalTree = (file: ast.SourceFileNode) => JSON.stringify(withoutSpans(canonicalFile(file)));
const commentTexts = (file: ast.SourceFileNode) => JSON.stringify(file.comments.map((c) => c.text.trimEnd()));

export function format(text: string, path = "<input>", options: PrintOptions = {}): FormatResult {
  return formatWith((file) => new Printer(text, file.comments, options).file(canonicalFile(file)), text, path);
}

/** `format` with the printer given: tests hand it a broken one to see the formatter refuse. */
export function formatWith(print: (file: ast.SourceFileNode) => string, text: string, path: string): FormatResult {
  const input = parse(text, path);
  if (hasErrors(input.diagnostics)) return { diagnostics: input.diagnostics };
  const output = print(input.file);
  const again = parse(output, path);
  const problem = hasErrors(again.diagnostics)
    ? "not parse"
    : canonicalTree(again.file) !== canonicalTree(input.file)
      ? "change the program"
      : commentTexts(again.file) !== commentTexts(input.file)
        ? "lose or move a comment"
        : undefined;
  if (problem)
    return { diagnostics: [...input.diagnostics, diagnostic(m.formatterChangedMeaning, input.file.span, [problem])] };
  return { text: output, diagnostics: input.diagnostics };
}
