/**
 * Tokens of `.secpol` and their Chevrotain lexer. Keywords are reserved only where a statement could
 * start or continue with them, so every keyword is also a `Name` (a declared name may be any
 * identifier or keyword). Comments go to their own group: the formatter keeps them.
 */
import {
  createToken,
  Lexer,
  tokenMatcher,
  type ILexingError,
  type ILexingResult,
  type IToken,
  type TokenType,
} from "chevrotain";
import { lineIndex, lineStarts, type Position, type Span } from "../diagnostics/diagnostic.js";
import type { Word } from "./ast.js";

/**
 * The characters a token's regular expression can start with, given to Chevrotain
 * (`start_chars_hint`) so that building the lexer does not parse the expressions to find them
 * (about half of its cost, at every start). test/syntax/lexer.test.ts checks each against
 * Chevrotain's own analysis of the expression: a character missing here would make the lexer
 * skip the token where it could match.
 */
const startChars = (chars: string): { start_chars_hint: string[] } => ({ start_chars_hint: [...chars] });
const DIGITS = "0123456789";
const HEX_LETTERS = "abcdefABCDEF";
const WORD_CHARS = `${DIGITS}_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ`;

export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "a name" });

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*/,
  categories: [Name],
  label: "a name",
  ...startChars(WORD_CHARS),
});

export const Cidr = createToken({
  name: "Cidr",
  pattern: /\d{1,3}(?:\.\d{1,3}){3}\/\d{1,3}|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*\/\d{1,3}/,
  label: "a CIDR block",
  ...startChars(`${DIGITS}${HEX_LETTERS}:`),
});

export const Address = createToken({
  name: "Address",
  pattern: /\d{1,3}(?:\.\d{1,3}){3}(?![\w.])|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*(?![\w:])/,
  label: "an IP address",
  longer_alt: Identifier,
  ...startChars(`${DIGITS}${HEX_LETTERS}:`),
});

export const NumberToken = createToken({
  name: "Number",
  pattern: /\d+(?:\.\d+)*/,
  longer_alt: Identifier,
  label: "a number",
  ...startChars(DIGITS),
});

/**
 * What each escape in a string stands for: `\"`, `\\`, `\n` (a line break), `\t` (a tab). Any
 * other character after a backslash is an error (SP1020), never itself without the backslash.
 */
export const STRING_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["n", "\n"],
  ["t", "\t"],
]);

export const StringToken = createToken({
  name: "String",
  pattern: /"(?:[^"\\\n]|\\.)*"/,
  label: "a string",
  ...startChars('"'),
});
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n]|\\.)*/,
  label: "a string",
  ...startChars('"'),
});

export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: "comments", ...startChars("#") });
/** U+FEFF too: the byte-order mark some editors put at the start of a file (and `cat` in the middle). */
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  ...startChars(" \t\r\f\v\uFEFF"),
});
/**
 * One space, the commonest white space, matched by its character instead of by `WhiteSpace`'s
 * regular expression (about a tenth of the lexer's time): the lexer's tokens are the same, both
 * being skipped. Not in `allTokens`: not in the grammar.
 */
const Space = createToken({ name: "Space", pattern: " ", group: Lexer.SKIPPED });
export const Newline = createToken({
  name: "Newline",
  pattern: /\n/,
  label: "the end of the line",
  line_breaks: true,
  ...startChars("\n"),
});

export const Semicolon = createToken({ name: "Semicolon", pattern: ";", label: "`;`" });
export const LBrace = createToken({ name: "LBrace", pattern: "{", label: "`{`" });
export const RBrace = createToken({ name: "RBrace", pattern: "}", label: "`}`" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "`(`" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: "`)`" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "`,`" });
export const Colon = createToken({ name: "Colon", pattern: ":", label: "`:`" });
export const NotArrow = createToken({ name: "NotArrow", pattern: "-/->", label: "`-/->`" });
export const Arrow = createToken({ name: "Arrow", pattern: "->", label: "`->`" });
export const DoubleEquals = createToken({ name: "DoubleEquals", pattern: "==", label: "`==`" });
export const NotEquals = createToken({ name: "NotEquals", pattern: "!=", label: "`!=`" });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "`=`" });
export const Bang = createToken({ name: "Bang", pattern: "!", label: "`!`" });
export const DotDot = createToken({ name: "DotDot", pattern: "..", label: "`..`" });
export const Slash = createToken({ name: "Slash", pattern: "/", label: "`/`" });
export const Star = createToken({ name: "Star", pattern: "*", label: "`*`" });
export const At = createToken({ name: "At", pattern: "@", label: "`@`" });

const keyword = (word: string): TokenType =>
  createToken({ name: `Kw_${word}`, pattern: word, longer_alt: Identifier, categories: [Name], label: `\`${word}\`` });

export const Kw = {
  import: keyword("import"),
  cluster: keyword("cluster"),
  namespace: keyword("namespace"),
  workload: keyword("workload"),
  group: keyword("group"),
  profile: keyword("profile"),
  psp: keyword("psp"),
  grant: keyword("grant"),
  to: keyword("to"),
  user: keyword("user"),
  serviceaccounts: keyword("serviceaccounts"),
  serviceaccount: keyword("serviceaccount"),
  allow: keyword("allow"),
  deny: keyword("deny"),
  assert: keyword("assert"),
  default: keyword("default"),
  ingress: keyword("ingress"),
  egress: keyword("egress"),
  for: keyword("for"),
  in: keyword("in"),
  notin: keyword("notin"),
  ns: keyword("ns"),
  pods: keyword("pods"),
  cidr: keyword("cidr"),
  except: keyword("except"),
  world: keyword("world"),
  any: keyword("any"),
  port: keyword("port"),
  serviceAccount: keyword("serviceAccount"),
  service: keyword("service"),
  containers: keyword("containers"),
  initContainers: keyword("initContainers"),
  kind: keyword("kind"),
  require: keyword("require"),
  set: keyword("set"),
  apply: keyword("apply"),
  all: keyword("all"),
  pss: keyword("pss"),
  labels: keyword("labels"),
} as const;

/** Longest first: a keyword that is a prefix of another (`in`, `ingress`) must not shadow it. */
const keywords: TokenType[] = Object.values(Kw).sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length);

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Newline,
  StringToken,
  UnterminatedString,
  NotArrow,
  Arrow,
  Cidr,
  Address,
  ...keywords,
  NumberToken,
  Identifier,
  Semicolon,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Comma,
  Colon,
  DoubleEquals,
  NotEquals,
  Equals,
  Bang,
  DotDot,
  Slash,
  Star,
  At,
  Name,
];

/**
 * Shortcuts: tokens of the lexer alone (not in the grammar), each tried before the token it stands
 * for where the lexer would otherwise try one or two regular expressions that fail first, and given
 * that token's type by `SecpolLexer`. Each matches only where the lexer's tokens yield the token it
 * stands for, of the same length; where one does not match, the lexer goes on as before.
 */
const standsFor: TokenType[] = [];
const shortcut = (name: string, pattern: RegExp | string, type: TokenType, chars?: string): TokenType => {
  const shortcut = createToken({
    name,
    pattern,
    ...(chars ? startChars(chars) : {}),
    ...(type === Newline ? { line_breaks: true } : {}),
  });
  standsFor[shortcut.tokenTypeIdx!] = type;
  return shortcut;
};

/**
 * A word starting with a letter from `a` to `f`, its characters not followed by a `:`: a CIDR block
 * or an address starting with a letter is IPv6, a `:` after at most four hex digits, so none starts
 * there, and the word is an `Identifier` (the same expression after the first letter), or a keyword.
 */
const HexLetterWord = shortcut(
  "HexLetterWord",
  /[A-Fa-f](?![A-Za-z0-9_.-]*:)(?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*/,
  Identifier,
  HEX_LETTERS,
);
/**
 * Digits that no letter, digit, `_`, `.`, `:` or `-` follows: not an IPv4 block or address (a `.`
 * after at most three digits) nor an IPv6 one (a `:` after at most four hex digits), and no longer
 * `Identifier`: a `Number`, this long.
 */
const PlainNumber = shortcut("PlainNumber", /\d+(?![\w.:-])/, NumberToken, DIGITS);
/** A `:` that no hex digit or `:` follows, which starts no IPv6 block or address (two `:` at least). */
const PlainColon = shortcut("PlainColon", /:(?![0-9A-Fa-f:])/, Colon, ":");
/** A line break as one character, not a regular expression. */
const LineBreak = shortcut("LineBreak", "\n", Newline);

/** The length of the longest keyword. */
const KEYWORD_MAX_LENGTH = Math.max(...keywords.map((type) => (type.PATTERN as string).length));

/** Where the keywords of a length and first character are in `keywordsByStart`. */
const keywordBucket = (length: number, first: number) => (length << 7) | (first & 127);

/**
 * The keywords by the length of their text and its first character (its low 7 bits): a word is
 * compared with the few of its length and first character (most words with none), not hashed.
 */
export const keywordsByStart: ({ text: string; type: TokenType }[] | undefined)[] = [];
// filled to its end first: an array written past its end with a gap would hold its items in a dictionary
while (keywordsByStart.length <= keywordBucket(KEYWORD_MAX_LENGTH, 127)) keywordsByStart.push(undefined);
for (const type of keywords) {
  const text = type.PATTERN as string;
  (keywordsByStart[keywordBucket(text.length, text.charCodeAt(0))] ??= []).push({ text, type });
}

/** The keyword that the word `text` is, if any. */
export function keywordOf(text: string): TokenType | undefined {
  if (text.length > KEYWORD_MAX_LENGTH) return undefined;
  const candidates = keywordsByStart[keywordBucket(text.length, text.charCodeAt(0))];
  if (candidates === undefined) return undefined;
  for (let i = 0; i < candidates.length; i++) if (candidates[i].text === text) return candidates[i].type;
  return undefined;
}

/**
 * Chevrotain's lexer over the tokens of `allTokens` but the keywords: a word is lexed as an
 * `Identifier`, then given its keyword's type when its text is a keyword. That is the token
 * `allTokens` yields (a keyword is tried before `Identifier`, and `Identifier`, its longer
 * alternative, wins when it matches more, so a keyword is a word that is exactly the keyword), at
 * one pattern per word instead of up to seven (the keywords with its first letter, then
 * `Identifier`): lexing took a third of the time of parsing.
 */
class SecpolLexer extends Lexer {
  override tokenize(text: string, initialMode?: string): ILexingResult {
    const result = super.tokenize(text, initialMode);
    const tokens = result.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      const type = standsFor[token.tokenTypeIdx];
      if (type !== undefined) {
        token.tokenType = type;
        token.tokenTypeIdx = type.tokenTypeIdx!;
      }
      if (token.tokenType !== Identifier) continue;
      const keyword = keywordOf(token.image);
      if (keyword === undefined) continue;
      token.tokenType = keyword;
      token.tokenTypeIdx = keyword.tokenTypeIdx!;
    }
    return result;
  }
}

/**
 * The lexer's tokens: `allTokens` but the keywords, with `Space` and the shortcuts first, and `->`
 * before `-/->` (which does not start with `->`): the tokens of `allTokens`, at fewer tries.
 */
function lexerTokens(): TokenType[] {
  const tokens = allTokens.filter((token) => !keywords.includes(token) && token !== Arrow);
  tokens.splice(tokens.indexOf(NotArrow), 0, Arrow);
  return [Space, LineBreak, PlainColon, PlainNumber, HexLetterWord, ...tokens];
}

// Tokens carry their offsets only (`image`, `startOffset`, the type): lines and columns are found
// from offsets when a span is made (`Positions`), which the parser does for a fraction of the
// tokens. Lines end at `\n` only, as the renderer, the formatter and `Newline` see them.
// `validate`: also check the token definitions (patterns that can never match, anchors, ...), which
// costs more than the rest of building the lexer; test/syntax/lexer.test.ts does, the instance
// below does not.
export const secpolLexer = ({ validate = false } = {}): Lexer =>
  new SecpolLexer(lexerTokens(), {
    positionTracking: "onlyOffset",
    // every pattern is looked up by its first character (a pattern that cannot be makes this throw)
    ensureOptimizations: true,
    lineTerminatorsPattern: /\n/g,
    lineTerminatorCharacters: ["\n"],
    skipValidations: !validate,
  });
// Built on first use: building it costs ~10 ms, which a command that reads no `.secpol` need not pay.
let built: Lexer | undefined;
export const chevrotainLexer = (): Lexer => (built ??= secpolLexer());

export interface Lexed {
  tokens: IToken[];
  comments: IToken[];
  /** One per run of characters that start no token. */
  errors: ILexingError[];
}

/** The tokens of `text`, its comments apart, and the runs of characters no token matches. */
export function lex(text: string): Lexed {
  const result = chevrotainLexer().tokenize(text);
  return { tokens: result.tokens, comments: result.groups.comments ?? [], errors: result.errors };
}

/** True when `text` lexes back as one token of the `types` (the grammar takes it unquoted where one of them stands). */
export function lexesAs(text: string, types: readonly TokenType[]): boolean {
  if (text === "") return false;
  const { tokens, errors } = lex(text);
  return (
    errors.length === 0 &&
    tokens.length === 1 &&
    tokens[0].image === text &&
    types.some((type) => tokenMatcher(tokens[0], type))
  );
}

/** `text` as a string token: in double quotes, with `\\`, `"`, new lines and tabs escaped. */
export const quote = (text: string): string =>
  `"${text
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t")}"`;

/** True when a label value may stand unquoted: it lexes as a name or a number (`app=web`, `version=2`; not `a..b`). */
export const isBareLabelValue = (text: string): boolean => lexesAs(text, [Name, NumberToken]);

/** Why `text` cannot stand where a name does (`100`, `a b`), or undefined when it can. */
export function notAName(text: string): string | undefined {
  if (lexesAs(text, [Name])) return undefined;
  return lexesAs(text, [NumberToken])
    ? "a name made only of digits and dots is a number there"
    : "a name there is letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit";
}

/** True when a label key may be written: a name, or a prefix and a name joined by `/` (`app.kubernetes.io/name`; not `42`). */
export const isLabelKeyText = (text: string): boolean => {
  const parts = text.split("/");
  return parts.length <= 2 && parts.every((part) => lexesAs(part, [Name]));
};

/**
 * True when `text` is names joined by `:`, the bare form of an RBAC subject name
 * (`system:serviceaccount:shop:web`). Such a name does not always lex as names and colons: `:ab:cd`
 * or `dead:beef:cafe` is an IPv6 `Address`, which the parser takes where a subject name continues
 * or starts when this holds of its text.
 */
export const isSubjectName = (text: string): boolean => text.split(":").every((part) => lexesAs(part, [Name]));

/** Keywords that start a statement. */
export const statementKeywords: ReadonlySet<TokenType> = new Set([
  Kw.import,
  Kw.cluster,
  Kw.namespace,
  Kw.workload,
  Kw.group,
  Kw.profile,
  Kw.psp,
  Kw.grant,
  Kw.allow,
  Kw.deny,
  Kw.require,
  Kw.set,
  Kw.assert,
  Kw.default,
  Kw.pss,
  Kw.labels,
  Kw.apply,
]);

/** Tokens after which a line break does not end the statement. */
export const continuationTokens: ReadonlySet<TokenType> = new Set([
  Arrow,
  NotArrow,
  Comma,
  Colon,
  LBrace,
  LParen,
  Equals,
  DoubleEquals,
  NotEquals,
  DotDot,
  Slash,
  At,
  Bang,
  Kw.in,
  Kw.notin,
  Kw.except,
  Kw.to,
  Kw.for,
]);

/**
 * A token's offset as a small integer where it is one. A heap number stored in a position made V8
 * keep every position of the program as boxed doubles (about 900,000 more objects for the collector
 * at 5,000 services).
 */
export const int = (n: number): number => (n === (n | 0) ? n | 0 : n);

/**
 * The positions (line, column, offset) in one file's text, found from offsets through one index of
 * its line starts. A token lies on one line (only `Newline` holds a `\n`, and its line is the one
 * it ends). The parser asks about offsets mostly in order: the line last found is tried first,
 * then the next few, before a binary search. An offset that is not a number (a token that
 * recovery invented, the end of the file) has no line or column either.
 */
export class Positions {
  private readonly starts: number[];
  /** The index of the line last found. */
  private line = 0;

  constructor(
    readonly path: string,
    text: string,
  ) {
    this.starts = lineStarts(text);
  }

  /** The position at `offset`. */
  at(offset: number): Position {
    if (!(offset >= 0)) return { line: NaN, column: NaN, offset };
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - this.starts[line] + 1, offset: int(offset) };
  }

  /** The position at `end`, the end of a token (exclusive): on the token's line, even after a `\n`. */
  after(end: number): Position {
    if (!(end >= 1)) return { line: NaN, column: NaN, offset: end };
    const line = this.lineOf(end - 1);
    return { line: line + 1, column: end - this.starts[line] + 1, offset: int(end) };
  }

  /** The index of the line holding `offset`. */
  private lineOf(offset: number): number {
    const starts = this.starts;
    let line = this.line;
    if (starts[line] > offset || (line + 4 < starts.length && starts[line + 4] <= offset))
      line = lineIndex(starts, offset);
    else while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
    return (this.line = line);
  }
}

/**
 * A span kept as its file's `Positions` and two offsets, for one-shot runs (`parse`'s `lazySpans`):
 * its start is found when first read, then kept (the checker sorts and keys declarations by it),
 * its end at each read (a build reads the end of few spans). Three fields, where a plain span has
 * three and two positions (the syntax tree's most numerous objects). Its file is its positions'
 * path. Written to JSON as the plain span it stands for; copied field by field, never spread (a
 * spread copies no getter). The spans of a tree are `LazyRange`s and `LazyWord`s: this class holds
 * what they share, and each says where it ends (`endOffset`).
 */
export abstract class LazySpan implements Span {
  /**
   * Where the span starts: its offset until the start is first read, then that start (the
   * position at that offset, whose `offset` it is). One field where the offset and the kept start
   * were two: 8 bytes less for each of the tree's most numerous objects (about 490,000 at 20,000
   * services), which live from the parse until the model (the young generation's collections copy
   * each twice).
   */
  private at: number | Position;

  constructor(
    protected readonly positions: Positions,
    from: number,
  ) {
    this.at = from;
  }

  /** The offset of the span's start. */
  protected get from(): number {
    const at = this.at;
    return typeof at === "number" ? at : at.offset;
  }

  /** The offset just after the span. */
  protected abstract endOffset(): number;

  get file(): string {
    return this.positions.path;
  }

  get start(): Position {
    const at = this.at;
    return typeof at === "number" ? (this.at = this.positions.at(at)) : at;
  }

  get end(): Position {
    return this.positions.after(this.endOffset());
  }

  toJSON(): unknown {
    return { file: this.file, start: this.start, end: this.end };
  }
}

/** A `LazySpan` from one offset to another (a node of more than one token). */
export class LazyRange extends LazySpan {
  constructor(
    positions: Positions,
    from: number,
    private readonly to: number,
  ) {
    super(positions, from);
  }

  protected endOffset(): number {
    return this.to;
  }
}

/**
 * A word of a one-shot run's tree that is its own span (`word.span === word`): one object where a
 * word and its `LazySpan` were two (about 100,000 words at 5,000 services, each living from the
 * parse until the model: the young generation's collections copied each twice). Its text is its
 * token's, so it ends its text's length after its start and keeps no end (`LazyQuotedWord`, a
 * string's, does): 8 bytes less for each of the tree's most numerous objects (283,000 at 20,000
 * services). Written to JSON as the word (`{ text, span }`), or as the plain span under a `span`
 * key (a node's span, which may be a word of it alone, `Spans.word`). Written to JSON anywhere else
 * (alone, in a list of spans) it is a word: the command line's JSON of diagnostics reads spans
 * field by field, so no output writes one that way (the output of `build` and of `check` in every
 * format is unchanged).
 */
export class LazyWord extends LazySpan implements Word {
  constructor(
    readonly text: string,
    positions: Positions,
    from: number,
  ) {
    super(positions, from);
  }

  protected endOffset(): number {
    return this.from + this.text.length;
  }

  get span(): Span {
    return this;
  }

  override toJSON(key?: string): unknown {
    const span = super.toJSON();
    return key === "span" ? span : { text: this.text, span };
  }
}

/** The `LazyWord` of a string token, whose text (without its quotes and escapes) is not as long as the token. */
export class LazyQuotedWord extends LazyWord {
  constructor(
    text: string,
    positions: Positions,
    from: number,
    private readonly to: number,
  ) {
    super(text, positions, from);
  }

  protected override endOffset(): number {
    return this.to;
  }
}

/**
 * A qualified name `NS/NAME` of a one-shot run's tree (`parse`'s `lazySpans`) that is its own span,
 * from its namespace's start to its name's end: both ends are its words', so it keeps no offset and
 * no span object of its own (a `LazyRange` was one more object per reference, about 82,000 at
 * 20,000 services, each living from the parse until the model). Its fields are the plain node's
 * (`kind`, `namespace`, `name`) and its `span` is itself; written to JSON as the plain node, or as
 * the plain span under a `span` key (a reference's span is its name's). Copied field by field,
 * never spread (a spread copies no getter).
 */
export class LazyQualifiedName implements Span {
  // (assigned in the plain node's order)
  declare readonly kind: "QualifiedName";
  declare readonly namespace: LazyWord;
  declare readonly name: LazyWord;

  constructor(namespace: LazyWord, name: LazyWord) {
    this.kind = "QualifiedName";
    this.namespace = namespace;
    this.name = name;
  }

  get span(): Span {
    return this;
  }

  get file(): string {
    return this.name.file;
  }

  get start(): Position {
    return this.namespace.start;
  }

  get end(): Position {
    return this.name.end;
  }

  toJSON(key?: string): unknown {
    const span = { file: this.file, start: this.start, end: this.end };
    return key === "span" ? span : { kind: this.kind, namespace: this.namespace, name: this.name, span };
  }
}

/** The offset just after `tok`. */
export const endOffset = (tok: IToken): number => tok.startOffset + tok.image.length;

/** The span of one token (`end` exclusive). */
export const tokenSpan = (positions: Positions, tok: IToken): Span => ({
  file: positions.path,
  start: positions.at(tok.startOffset),
  end: positions.after(endOffset(tok)),
});
