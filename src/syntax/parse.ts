/**
 * text → tokens (tokens.ts) → AST (parser.ts, which builds it as it parses). Never throws: every
 * problem becomes a diagnostic with a span, and the statements that parsed are still returned.
 */
import { EOF, type IToken } from "chevrotain";
import { lineStarts, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { ESCAPES_HELP, syntax as m } from "../diagnostics/messages/syntax.js";
import type { SourceFileNode, Statement } from "./ast.js";
import { knownMistake, unclosedBlock, unclosedBrace } from "./parse-errors.js";
import { chevrotainParser, type ParseOptions } from "./parser.js";
import * as t from "./tokens.js";

export const MAX_NESTING = 64;
export const MAX_FILE_SIZE = 16 * 1024 * 1024;

export interface ParseResult {
  file: SourceFileNode;
  diagnostics: Diagnostic[];
}

export interface Tokens {
  tokens: IToken[];
  comments: IToken[];
  diagnostics: Diagnostic[];
  /** Positions in the text, by offset. */
  positions: t.Positions;
}

/** By `tokenTypeIdx`: whether `tokenize` looks at a token of that type (else it is kept as it is). */
const needsLook: boolean[] = [];
for (const type of [t.LBrace, t.RBrace, t.LParen, t.RParen, t.StringToken, t.UnterminatedString, t.Newline])
  needsLook[type.tokenTypeIdx!] = true;
/** By `tokenTypeIdx`: whether a line break after a token of that type continues the statement. */
const continues: boolean[] = [];
for (const type of t.continuationTokens) continues[type.tokenTypeIdx!] = true;

/** Lexes, reports bad characters (one diagnostic per run), and drops line breaks that continue a statement. */
export function tokenize(text: string, path: string): Tokens {
  const lexed = t.lex(text);
  const positions = new t.Positions(path, text);
  const diagnostics: Diagnostic[] = [];
  let previousEnd = -2;
  for (const error of lexed.errors) {
    // the lexer reports one error per run of characters it could not match
    if (error.offset === previousEnd) continue;
    previousEnd = error.offset + error.length;
    const span: Span = { file: path, start: positions.at(error.offset), end: positions.after(previousEnd) };
    diagnostics.push(
      diagnostic(m.unexpectedCharacters, span, [text.slice(error.offset, error.offset + Math.min(error.length, 20))]),
    );
  }
  // the tokens kept are moved to the front of the lexer's array, which is then cut to them
  const tokens = lexed.tokens;
  let kept = 0;
  let depth = 0;
  let deepest: IToken | undefined;
  // blocks nest in the grammar (and the parser recurses into them): what lies deeper than
  // MAX_NESTING is dropped, with one diagnostic at the first `{` too deep
  let braces = 0;
  let deepestBrace: IToken | undefined;
  for (let index = 0; index < tokens.length; index++) {
    const tok = tokens[index];
    // most tokens are kept as they are
    if (!needsLook[tok.tokenTypeIdx] && braces <= MAX_NESTING) {
      tokens[kept++] = tok;
      continue;
    }
    if (tok.tokenType === t.LBrace && ++braces > MAX_NESTING) deepestBrace ??= tok;
    if (braces > MAX_NESTING) {
      if (tok.tokenType === t.RBrace) braces--;
      continue;
    }
    if (tok.tokenType === t.RBrace) braces = Math.max(0, braces - 1);
    if (tok.tokenType === t.StringToken || tok.tokenType === t.UnterminatedString)
      unknownEscapes(tok, positions, diagnostics);
    if (tok.tokenType === t.UnterminatedString) {
      diagnostics.push(diagnostic(m.unterminatedString, t.tokenSpan(positions, tok), []));
      continue;
    }
    if (tok.tokenType === t.LParen && ++depth > MAX_NESTING) {
      deepest ??= tok;
      continue;
    }
    if (tok.tokenType === t.RParen && depth > MAX_NESTING) {
      depth--;
      continue;
    }
    if (tok.tokenType === t.RParen) depth = Math.max(0, depth - 1);
    if (tok.tokenType === t.Newline) {
      const previous = kept > 0 ? tokens[kept - 1] : undefined;
      // an unclosed `(` must not swallow the rest of the file: a line that starts a statement ends it
      if (depth > 0 && t.statementKeywords.has(tokens[index + 1]?.tokenType)) depth = 0;
      if (depth > 0 || (previous && continues[previous.tokenTypeIdx]) || previous?.tokenType === t.Newline) continue;
    }
    tokens[kept++] = tok;
  }
  tokens.length = kept;
  if (deepest)
    diagnostics.push(diagnostic(m.tooDeeplyNested, t.tokenSpan(positions, deepest), ["parentheses", MAX_NESTING]));
  if (deepestBrace)
    diagnostics.push(
      diagnostic(m.tooDeeplyNested, t.tokenSpan(positions, deepestBrace), ["blocks (`{ }`)", MAX_NESTING]),
    );
  return { tokens, comments: lexed.comments, diagnostics, positions };
}

/** Reports each unknown escape of a string token (`\j`, `\u`), its span on the backslash and the character after it. */
function unknownEscapes(tok: IToken, positions: t.Positions, diagnostics: Diagnostic[]): void {
  const image = tok.image;
  for (let i = image.indexOf("\\"); i >= 0 && i + 1 < image.length; i = image.indexOf("\\", i + 2)) {
    if (t.STRING_ESCAPES.has(image[i + 1])) continue;
    const length = image.codePointAt(i + 1)! > 0xffff ? 3 : 2;
    const [start, end] = [positions.at(tok.startOffset + i), positions.after(tok.startOffset + i + length)];
    diagnostics.push(
      diagnostic(m.unknownEscape, { file: positions.path, start, end }, [image.slice(i, i + length)], {
        help: ESCAPES_HELP,
      }),
    );
  }
}

/**
 * A parser that remembers each file's last parse and returns it while the file's text is the same:
 * what the language server checks after an edit re-parses only the edited file. Every parse goes
 * through `parse`.
 */
export function cachedParser(): (text: string, path: string) => ParseResult {
  const last = new Map<string, { text: string; result: ParseResult }>();
  return (text, path) => {
    const known = last.get(path);
    if (known?.text === text) return known.result;
    const result = parse(text, path);
    last.set(path, { text, result });
    return result;
  };
}

/**
 * `lazySpans`: the tree's spans are `LazySpan`s, which find their lines and columns when read: for
 * one-shot runs (`build`, `check` on the command line), whose trees are read little and let go
 * after checking. Their fields read the same as plain spans', and JSON writes them the same; they
 * are not plain objects (a spread or `Object.entries` sees no field). `texts`: the table of texts
 * shared by the files parsed with it (see `ParseOptions`).
 */
export function parse(text: string, path: string, options: ParseOptions = {}): ParseResult {
  if (text.length > MAX_FILE_SIZE) {
    const start = { line: 1, column: 1, offset: 0 };
    const file: SourceFileNode = {
      kind: "File",
      path,
      statements: [],
      comments: [],
      span: { file: path, start, end: start },
    };
    return { file, diagnostics: [diagnostic(m.fileTooLarge, file.span, [text.length, MAX_FILE_SIZE])] };
  }
  const lexed = tokenize(text, path);
  const positions = lexed.positions;
  const { parsed, skipped } = parseSkippingBadLines(lexed.tokens, positions, options);
  const parser = chevrotainParser();
  const diagnostics: Diagnostic[] = [];
  const places = parser.errors.length > 0 ? new Map(lexed.tokens.map((token, i) => [token, i])) : undefined;
  const reported = new Set<number>();
  for (const error of parser.errors) {
    const tok = error.token;
    const located = tok.tokenType === EOF || !Number.isFinite(tok.startOffset) ? undefined : tok;
    const found: Diagnostic[] = [];
    if (located) {
      found.push(
        knownMistake(lexed.tokens, places!.get(located) ?? -1, positions) ??
          diagnostic(m.parseError, t.tokenSpan(positions, located), [error.message]),
      );
    } else {
      // the end of the file inside a block: the mistake is at the `{` left open, not at the end
      const brace = unclosedBrace(lexed.tokens);
      if (brace) found.push(unclosedBlock(lexed.tokens, brace, positions, endOfText(text, path)));
      if (!brace || !/^expected `}`/.test(error.message))
        found.push(diagnostic(m.parseError, endOfText(text, path), [error.message]));
    }
    for (const d of found) {
      // after recovery, one mistake can cascade: report the first error at each position only
      if (reported.has(d.span.start.offset)) continue;
      reported.add(d.span.start.offset);
      diagnostics.push(d);
    }
  }
  const start = { line: 1, column: 1, offset: 0 };
  const file: SourceFileNode = {
    kind: "File",
    path,
    statements: parsed?.statements ?? [],
    comments: lexed.comments.map((c) => ({ text: c.image, span: t.tokenSpan(positions, c) })),
    span: parsed?.span ?? { file: path, start, end: start },
  };
  if (skipped.length > 0 || diagnostics.length > 0) markTruncated(file.statements, [...skipped, ...diagnostics], text);
  return { file, diagnostics: [...lexed.diagnostics, ...skipped, ...diagnostics, ...parser.diagnostics] };
}

/**
 * Pod-security rules that a syntax error later on their line cut short (`set sysctl a.b=1 for web`
 * stops at `=`): they lack their target because of that error, which is reported, not because the
 * writer left it out.
 */
function markTruncated(statements: readonly Statement[], errors: readonly Diagnostic[], text: string): void {
  const starts = errors.map((e) => e.span.start.offset).sort((a, b) => a - b);
  const breaks = lineStarts(text)
    .slice(1)
    .map((start) => start - 1);
  /** The first of the sorted `offsets` at or after `offset` (Infinity: none). */
  const firstFrom = (offsets: readonly number[], offset: number): number => {
    let low = 0;
    let high = offsets.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (offsets[middle] < offset) low = middle + 1;
      else high = middle;
    }
    return low < offsets.length ? offsets[low] : Infinity;
  };
  const mark = (list: readonly Statement[]): void => {
    for (const s of list) {
      if (s.kind === "Namespace") mark(s.statements);
      if (s.kind === "Profile") mark(s.rules);
      // an error after the rule's end, before its line's end
      if (s.kind !== "SecurityRule" || s.target) continue;
      const error = firstFrom(starts, s.span.end.offset);
      if (error !== Infinity && error <= firstFrom(breaks, s.span.end.offset)) s.truncated = true;
    }
  };
  mark(statements);
}

export const MAX_SKIPPED_LINES = 200;

/**
 * When the parser stops before the end (a line that starts no statement it knows), that line is
 * reported and skipped, and the file is parsed again: the statements after it still count.
 */
function parseSkippingBadLines(
  input: IToken[],
  positions: t.Positions,
  options: ParseOptions,
): { parsed: Parsed; skipped: Diagnostic[] } {
  // Chevrotain recovers by throwing and catching its exceptions, and a stack trace is captured for
  // each: nobody reads them, and they were a fifth of the time of a file with many errors
  // (a V8 setting, not in the language's types: the playground's are the browser's)
  const errors = Error as ErrorConstructor & { stackTraceLimit?: number };
  const stackTraceLimit = errors.stackTraceLimit;
  errors.stackTraceLimit = 0;
  try {
    const skipped: Diagnostic[] = [];
    const first = parseOnce(input, positions, options);
    if (first.stop < 0) return { parsed: first.parsed, skipped };
    // Where the parser stops, the lines to skip are found chunk by chunk (top-level statements, a
    // few hundred tokens each): parsing the whole file again after each one was quadratic (a 1 MB
    // file with 600 such lines took 20 s). The whole file is then parsed once more, for its tree
    // and its errors; a line that stops that parse only in the context of the whole file is
    // skipped as before.
    const kept: IToken[] = [];
    for (const chunk of topLevelChunks(input)) {
      for (const token of skipBadLines(chunk, positions, skipped, options).tokens) kept.push(token);
    }
    return { parsed: skipBadLines(kept, positions, skipped, options).parsed, skipped };
  } finally {
    errors.stackTraceLimit = stackTraceLimit;
  }
}

/** Runs of whole top-level statements (split after a line break or `;` outside braces) of about this many tokens. */
const CHUNK_TOKENS = 500;

function topLevelChunks(tokens: IToken[]): IToken[][] {
  const chunks: IToken[][] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i].tokenType;
    if (type === t.LBrace) depth++;
    else if (type === t.RBrace) depth = Math.max(0, depth - 1);
    else if (depth === 0 && (type === t.Newline || type === t.Semicolon) && i + 1 - start >= CHUNK_TOKENS) {
      chunks.push(tokens.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < tokens.length) chunks.push(tokens.slice(start));
  return chunks;
}

type Parsed = ReturnType<ReturnType<typeof chevrotainParser>["parse"]>;

/** One parse of `tokens`: its statements, and the place of the token where the parser stopped (-1: it did not). */
function parseOnce(tokens: IToken[], positions: t.Positions, options: ParseOptions): { parsed: Parsed; stop: number } {
  const parser = chevrotainParser();
  const parsed = parser.parse(tokens, positions, options);
  if (parser.errors.length === 0) return { parsed, stop: -1 };
  // the parser stopped early, or failed on a line whose first token starts no statement
  const places = new Map(tokens.map((token, i) => [token, i]));
  const stop = parser.errors.find(
    (e) =>
      e.name === "NotAllInputParsedException" ||
      (startsLine(tokens, places.get(e.token)) && !t.statementKeywords.has(e.token.tokenType)),
  );
  return { parsed, stop: stop ? (places.get(stop.token) ?? -1) : -1 };
}

/** Parses `input`, skipping each line where the parser stops (reported into `skipped`, up to MAX_SKIPPED_LINES in all): the last parse, and the tokens kept. */
function skipBadLines(
  input: IToken[],
  positions: t.Positions,
  skipped: Diagnostic[],
  options: ParseOptions,
): { parsed: Parsed; tokens: IToken[] } {
  let tokens = input;
  for (;;) {
    const { parsed, stop: at } = parseOnce(tokens, positions, options);
    if (at < 0 || skipped.length >= MAX_SKIPPED_LINES) return { parsed, tokens };
    const end = Math.max(endOfLine(tokens, at), at + 1);
    skipped.push(
      knownMistake(tokens, at + 1, positions) ??
        diagnostic(m.parseError, t.tokenSpan(positions, tokens[at]), [describeBadLine(tokens[at], tokens[at + 1])]),
    );
    tokens = [...tokens.slice(0, at), ...tokens.slice(end)];
  }
}

function startsLine(tokens: IToken[], i: number | undefined): boolean {
  if (i === undefined) return false;
  const token = tokens[i];
  if (token.tokenType === t.RBrace || token.tokenType === EOF) return false;
  const previous = tokens[i - 1]?.tokenType;
  return previous === undefined || previous === t.Newline || previous === t.Semicolon || previous === t.LBrace;
}

/** The index just past the line that starts at `start`: its end, with braces kept balanced. */
function endOfLine(tokens: IToken[], start: number): number {
  let depth = 0;
  for (let i = start; i < tokens.length; i++) {
    const type = tokens[i].tokenType;
    if (type === t.LBrace) depth++;
    else if (type === t.RBrace && --depth < 0) return i;
    else if (depth === 0 && (type === t.Newline || type === t.Semicolon)) return i + 1;
  }
  return tokens.length;
}

function describeBadLine(first: IToken, second: IToken | undefined): string {
  if (!t.statementKeywords.has(first.tokenType)) {
    return `expected a statement (\`namespace\`, \`workload\`, \`allow\`, \`deny\`, \`default\`, ...), found \`${first.image}\``;
  }
  const next =
    second && second.tokenType !== t.Newline && second.tokenType !== t.Semicolon
      ? `\`${second.image}\``
      : "the end of the line";
  return `cannot read this \`${first.image}\` statement: unexpected ${next} after \`${first.image}\``;
}

function endOfText(text: string, path: string): Span {
  const lines = text.split("\n");
  const position = { line: lines.length, column: lines[lines.length - 1].length + 1, offset: text.length };
  return { file: path, start: position, end: position };
}
