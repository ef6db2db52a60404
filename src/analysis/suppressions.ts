/**
 * `# secpol-ignore SP9105: DNS is served by a sidecar`: a comment that silences warnings and notes
 * of one code for one statement. One pass over the diagnostics of a program and the comments the
 * parser keeps, run by `check` and `build` (so the CLI, the language server and the playground
 * agree). A comment after a statement applies to the statement starting on its line (the outermost
 * one: on a block's first line, the whole block); a comment alone on its line applies to the
 * statement starting on the next line that is not another comment. A reason after `:` is required;
 * errors cannot be silenced (docs/decisions.md); a suppression that silences nothing is SP9010.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { hasErrors, lineStarts, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { codes } from "../diagnostics/codes.js";
import { syntax as sm } from "../diagnostics/messages/syntax.js";
import { names as nm } from "../diagnostics/messages/names.js";
import type * as ast from "../syntax/ast.js";
import { isStandardModule } from "../stdlib/standard.js";

const DIRECTIVE = /^#\s*secpol-ignore(?=[\s:]|$)/;
const EXAMPLE = "e.g. `# secpol-ignore SP9105: DNS is served by a sidecar`";

/** A statement, or an item of a block: a setting, a psp field, a rule of a profile. */
type Item = ast.Statement | ast.SecurityRule | ast.Setting;

/** The statements (and block items: settings, psp fields, profile rules) inside a statement. */
function childrenOf(node: Item): readonly Item[] {
  switch (node.kind) {
    case "Namespace":
      return node.statements;
    case "Profile":
      return node.rules;
    case "Cluster":
      return node.settings;
    case "Psp":
      return node.fields;
    default:
      return [];
  }
}

/** The index of the first item starting after `offset` (items are in source order). */
function firstAfter(items: readonly Item[], offset: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (items[middle].span.start.offset <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The statement a comment applies to: after code on its line, the outermost statement starting on
 * that line (else the innermost one holding the comment); alone on its line, the outermost one
 * starting on `nextLine`.
 */
function target(items: readonly Item[], comment: ast.Comment, trailing: boolean, nextLine: number): Item | undefined {
  const at = firstAfter(items, comment.span.start.offset);
  const before = items[at - 1];
  if (trailing && before?.span.start.line === comment.span.start.line) return before;
  if (!trailing && items[at]?.span.start.line === nextLine) return items[at];
  if (before && before.span.end.offset > comment.span.start.offset) {
    return target(childrenOf(before), comment, trailing, nextLine) ?? (trailing ? before : undefined);
  }
  return undefined;
}

/** The statements holding a span, outermost first (a few: blocks nest one or two deep). */
function holding(items: readonly Item[], span: Span): Item[] {
  const candidate = items[firstAfter(items, span.start.offset) - 1];
  if (!candidate || candidate.span.end.offset < span.end.offset) return [];
  return [candidate, ...holding(childrenOf(candidate), span)];
}

interface Directive {
  code: string;
  /** The code as written in the comment. */
  span: Span;
  target?: Item;
  used: boolean;
}

/** A part of a one-line comment, `from` characters after its `#`, `length` long. */
function within(comment: ast.Comment, from: number, length: number): Span {
  const start = comment.span.start;
  return {
    file: comment.span.file,
    start: { line: start.line, column: start.column + from, offset: start.offset + from },
    end: { line: start.line, column: start.column + from + length, offset: start.offset + from + length },
  };
}

/** The codes of one `secpol-ignore` comment, or none and the problem that makes it silence nothing. */
function readDirective(comment: ast.Comment, problems: Diagnostic[]): { code: string; span: Span }[] {
  const text = comment.text.trimEnd();
  const head = DIRECTIVE.exec(text)![0].length;
  const colon = text.indexOf(":", head);
  const list = colon < 0 ? text.slice(head) : text.slice(head, colon);
  const words = [...list.matchAll(/[^\s,]+/g)].map((m) => ({
    text: m[0],
    span: within(comment, head + m.index!, m[0].length),
  }));
  const reason = colon < 0 ? "" : text.slice(colon + 1).trim();
  if (words.length === 0) {
    problems.push(diagnostic(sm.malformedSuppression, comment.span, ["names no diagnostic code"], { help: EXAMPLE }));
    return [];
  }
  const prose = words.find((w) => !/^SP\d{4}$/i.test(w.text));
  if (colon < 0 && prose) {
    // `# secpol-ignore SP9105 DNS is served by a sidecar`: one problem, not one a word
    problems.push(
      diagnostic(sm.malformedSuppression, prose.span, ["has no `:` between its codes and its reason"], {
        help: EXAMPLE,
      }),
    );
    return [];
  }
  // a comment with a wrong code silences nothing; its first wrong code is reported (one problem a comment)
  for (const word of words) {
    const info = codes.get(word.text);
    if (!info) {
      const help = /^SP\d{4}$/i.test(word.text)
        ? codes.has(word.text.toUpperCase())
          ? `write \`${word.text.toUpperCase()}\``
          : "the code is the `SPnnnn` after `warning` or `note` in the diagnostic"
        : `the reason follows the codes after a \`:\`, ${EXAMPLE}`;
      problems.push(
        diagnostic(
          sm.malformedSuppression,
          word.span,
          [`names \`${word.text}\`, which is not a code secpolc reports`],
          { help },
        ),
      );
      return [];
    }
    if (info.severity === "error") {
      problems.push(
        diagnostic(sm.errorNotSuppressible, word.span, [word.text], {
          help: "fix the program; only warnings and notes can be silenced",
        }),
      );
      return [];
    }
  }
  const found = words.map((w) => ({ code: w.text, span: w.span }));
  if (reason === "") {
    problems.push(
      diagnostic(sm.suppressionWithoutReason, comment.span, [found.map((f) => `\`${f.code}\``).join(", ")], {
        help: `say why after a \`:\`, ${EXAMPLE}`,
      }),
    );
    return [];
  }
  return found;
}

/**
 * The diagnostics without those the program's `secpol-ignore` comments silence, plus the problems
 * of those comments. Whether a suppression silenced anything is judged only when there is no error
 * (errors stop the passes that report warnings).
 */
/**
 * The files whose comments hold a `secpol-ignore` directive: the only ones `applySuppressions` reads
 * (a build keeps just these syntax trees past checking).
 */
export const filesWithDirectives = (files: readonly ast.SourceFileNode[]): ast.SourceFileNode[] =>
  files.filter((file) => file.comments.some((c) => DIRECTIVE.test(c.text)));

export function applySuppressions(
  files: readonly ast.SourceFileNode[],
  sources: Readonly<Record<string, string>>,
  diagnostics: readonly Diagnostic[],
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const directives: Directive[] = [];
  /** Directives by file, statement start and code. */
  const byTarget = new Map<string, Directive[]>();
  const key = (file: string, item: Item, code: string) => `${file}\0${item.span.start.offset}\0${code}`;
  const statementsOf = new Map<string, readonly Item[]>();
  for (const file of files) {
    if (isStandardModule(file.path)) continue;
    const marked = file.comments.filter((c) => DIRECTIVE.test(c.text));
    if (marked.length === 0) continue;
    statementsOf.set(file.path, file.statements);
    const text = sources[file.path] ?? "";
    const starts = lineStarts(text);
    const alone = (c: ast.Comment) => text.slice(starts[c.span.start.line - 1], c.span.start.offset).trim() === "";
    const commentLines = new Set(file.comments.filter(alone).map((c) => c.span.start.line));
    for (const comment of marked) {
      const trailing = !alone(comment);
      let nextLine = comment.span.start.line + 1;
      while (!trailing && commentLines.has(nextLine)) nextLine++;
      const item = target(file.statements, comment, trailing, nextLine);
      for (const { code, span } of readDirective(comment, problems)) {
        const directive: Directive = { code, span, used: false, ...(item ? { target: item } : {}) };
        directives.push(directive);
        if (!item) continue;
        const k = key(file.path, item, code);
        byTarget.set(k, [...(byTarget.get(k) ?? []), directive]);
      }
    }
  }
  if (directives.length === 0 && problems.length === 0) return sortDiagnostics(diagnostics);
  const kept = diagnostics.filter((d) => {
    if (d.severity === "error") return true;
    const statements = statementsOf.get(d.span.file);
    if (!statements) return true;
    const silencing = holding(statements, d.span).flatMap((item) => byTarget.get(key(d.span.file, item, d.code)) ?? []);
    for (const s of silencing) s.used = true;
    return silencing.length === 0;
  });
  if (!hasErrors(diagnostics)) {
    for (const d of directives) {
      if (d.used) continue;
      const why = d.target
        ? "it is not reported for the statement this comment applies to"
        : "no statement starts on this line or the next";
      problems.push(
        diagnostic(nm.unusedSuppression, d.span, [d.code, why], {
          help: "remove the comment, or move it to the statement that has the warning",
        }),
      );
    }
  }
  return sortDiagnostics([...kept, ...problems]);
}
