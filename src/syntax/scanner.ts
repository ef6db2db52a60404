/**
 * The lexer of the compiler (`parse`, the formatter): the tokens, comments and errors of
 * Chevrotain's `chevrotainLexer()` (tokens.ts, now the reference it is tested against), at a fraction of the cost. At each
 * offset Chevrotain tries the tokens of `allTokens` that can start with the character there, in
 * that order, and takes a longer identifier instead of a keyword, number or address (`longer_alt`);
 * this does the same with a switch on the character and the tokens' own patterns.
 * test/syntax/scanner.test.ts checks that the two agree.
 */
import type { IToken, TokenType } from "chevrotain";
import * as t from "./tokens.js";

/** A run of characters no token starts with, as Chevrotain reports it. */
export interface ScanError {
  offset: number;
  length: number;
  line: number;
  column: number;
}

export interface Scanned {
  tokens: IToken[];
  comments: IToken[];
  errors: ScanError[];
}

export function scan(text: string): Scanned {
  const scanner = new Scanner(text);
  scanner.run();
  return { tokens: scanner.tokens, comments: scanner.comments, errors: scanner.errors };
}

const sticky = (type: TokenType) => new RegExp((type.PATTERN as RegExp).source, "y");
const whiteSpace = sticky(t.WhiteSpace);
const comment = sticky(t.Comment);
const string = sticky(t.StringToken);
const unterminatedString = sticky(t.UnterminatedString);
const cidr = sticky(t.Cidr);
const address = sticky(t.Address);
const number = sticky(t.NumberToken);
const identifier = sticky(t.Identifier);

/** By character code: the one-character token that no other token starts with. */
const punctuation: (TokenType | undefined)[] = [];
for (const type of [t.Semicolon, t.LBrace, t.RBrace, t.LParen, t.RParen, t.Comma, t.Slash, t.Star, t.At]) punctuation[(type.PATTERN as string).charCodeAt(0)] = type;
/** By character code: the keywords that start with it. */
const keywords: { word: string; type: TokenType }[][] = [];
for (const type of Object.values(t.Kw)) {
  const word = type.PATTERN as string;
  (keywords[word.charCodeAt(0)] ??= []).push({ word, type });
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

class Scanner {
  readonly tokens: IToken[] = [];
  readonly comments: IToken[] = [];
  readonly errors: ScanError[] = [];
  private offset = 0;
  private line = 1;
  private column = 1;
  /** The length of the token `read` found. */
  private length = 0;

  constructor(private readonly text: string) {}

  run(): void {
    const text = this.text;
    while (this.offset < text.length) {
      const type = this.read(this.offset);
      if (type === undefined) {
        this.skipUnknown();
        continue;
      }
      const { offset, length, line, column } = this;
      if (type !== t.WhiteSpace) {
        // Not in the order of Chevrotain's tokens: V8 shares one object layout among objects built
        // with the same keys in the same order, and Chevrotain's EOF token (NaN positions) would
        // make it store every number of every token as a separate heap object.
        const token: IToken = {
          tokenType: type,
          tokenTypeIdx: type.tokenTypeIdx!,
          image: text.substring(offset, offset + length),
          startOffset: offset,
          endOffset: offset + length - 1,
          startLine: line,
          endLine: line,
          startColumn: column,
          endColumn: column + length - 1,
        };
        (type === t.Comment ? this.comments : this.tokens).push(token);
      }
      this.offset += length;
      if (type === t.Newline) {
        this.line++;
        this.column = 1;
      } else this.column += length;
    }
  }

  /** Skips to the next offset where a token starts: one error for the characters skipped. */
  private skipUnknown(): void {
    const start = this.offset;
    do this.offset++;
    while (this.offset < this.text.length && this.read(this.offset) === undefined);
    const length = this.offset - start;
    this.errors.push({ offset: start, length, line: this.line, column: this.column });
    this.column += length;
  }

  /** The type of the token at `offset`, its length in `this.length`; undefined if no token starts there. */
  private read(offset: number): TokenType | undefined {
    const text = this.text;
    const c = text.charCodeAt(offset);
    switch (c) {
      case 32: // space
      case 9: // \t
      case 13: // \r
      case 12: // \f
      case 11: // \v
      case 0xfeff: // byte-order mark
        return this.match(whiteSpace, offset) ? t.WhiteSpace : undefined;
      case 10: // \n
        this.length = 1;
        return t.Newline;
      case 35: // #
        return this.match(comment, offset) ? t.Comment : undefined;
      case 34: // "
        if (this.match(string, offset)) return t.StringToken;
        return this.match(unterminatedString, offset) ? t.UnterminatedString : undefined;
      case 45: // -
        if (text.startsWith("-/->", offset)) return this.fixed(t.NotArrow);
        return text.startsWith("->", offset) ? this.fixed(t.Arrow) : undefined;
      case 61: // =
        return text.startsWith("==", offset) ? this.fixed(t.DoubleEquals) : this.fixed(t.Equals);
      case 33: // !
        return text.startsWith("!=", offset) ? this.fixed(t.NotEquals) : this.fixed(t.Bang);
      case 46: // .
        return text.startsWith("..", offset) ? this.fixed(t.DotDot) : undefined;
    }
    const single = punctuation[c];
    if (single) return this.fixed(single);
    if (this.mayBeAddress(offset)) {
      if (this.match(cidr, offset)) return t.Cidr;
      if (this.match(address, offset)) return this.orLongerIdentifier(t.Address, offset);
    }
    if (c === 58) return this.fixed(t.Colon);
    if (isDigit(c)) return this.match(number, offset) ? this.orLongerIdentifier(t.NumberToken, offset) : undefined;
    if (!isLetter(c) && c !== 95 /* _ */) return undefined;
    this.match(identifier, offset);
    // a keyword only when the identifier there is no longer
    for (const keyword of keywords[c] ?? []) {
      if (keyword.word.length === this.length && text.startsWith(keyword.word, offset)) return keyword.type;
    }
    return t.Identifier;
  }

  /**
   * Whether an IPv4 or IPv6 block or address (`Cidr`, `Address`) can start at `offset`: with 1 to
   * 3 digits and a `.`, or with 0 to 4 hex digits and a `:`.
   */
  private mayBeAddress(offset: number): boolean {
    const text = this.text;
    let end = offset;
    while (end - offset < 5 && isHex(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    if (next === 58 /* : */) return end - offset <= 4;
    let digits = offset;
    while (digits < end && isDigit(text.charCodeAt(digits))) digits++;
    return digits - offset >= 1 && digits - offset <= 3 && text.charCodeAt(digits) === 46; /* . */
  }

  private fixed(type: TokenType): TokenType {
    this.length = (type.PATTERN as string).length;
    return type;
  }

  private match(pattern: RegExp, offset: number): boolean {
    pattern.lastIndex = offset;
    if (!pattern.test(this.text)) return false;
    this.length = pattern.lastIndex - offset;
    return true;
  }

  /** `type`, just matched, unless an identifier there is longer. */
  private orLongerIdentifier(type: TokenType, offset: number): TokenType {
    const length = this.length;
    if (this.match(identifier, offset) && this.length > length) return t.Identifier;
    this.length = length;
    return type;
  }
}
