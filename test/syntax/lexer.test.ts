/**
 * The lexer (`lex`) yields the tokens of Chevrotain's lexer over `allTokens`, the grammar's tokens
 * in their order: it lexes words as identifiers and gives keywords their type afterwards, and tries
 * shortcuts (a number, a word, a `:`, a line break) before the tokens they stand for. Text made of
 * the pieces where they could differ (addresses and blocks next to words, numbers, `:` and `-`) is
 * lexed both ways.
 */
import fc from "fast-check";
import { Lexer, type TokenType } from "chevrotain";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { allTokens, Kw, lex, secpolLexer } from "../../src/syntax/tokens.js";

/** What the tests read of a Chevrotain lexer's analysis of its tokens (not in its types). */
interface Analysed {
  patternIdxToConfig: { defaultMode: { tokenType: TokenType }[] };
  charCodeToPatternIdxToConfig: { defaultMode: ({ tokenType: TokenType }[] | undefined)[] };
}

/** `build()` with the tokens' start characters (`start_chars_hint`) taken away: Chevrotain finds them in their expressions. */
function withoutHints<T>(types: readonly TokenType[], build: () => T): T {
  const hints = types.map((type) => type.START_CHARS_HINT);
  for (const type of types) delete type.START_CHARS_HINT;
  try {
    return build();
  } finally {
    types.forEach((type, i) => {
      if (hints[i] !== undefined) type.START_CHARS_HINT = hints[i];
    });
  }
}

const reference = withoutHints(
  allTokens,
  () =>
    new Lexer(allTokens, {
      positionTracking: "onlyOffset",
      lineTerminatorsPattern: /\n/g,
      lineTerminatorCharacters: ["\n"],
    }),
);

test("the tokens' start characters are those Chevrotain finds in their regular expressions", () => {
  const hinted = secpolLexer() as unknown as Analysed;
  const types = hinted.patternIdxToConfig.defaultMode.map((config) => config.tokenType);
  assert.ok(types.filter((type) => type.START_CHARS_HINT !== undefined).length >= 12);
  const analysed = withoutHints(types, () => secpolLexer()) as unknown as Analysed;
  // for each first character (Chevrotain's index of it), the tokens tried there, in order
  const starts = (lexer: Analysed) =>
    Array.from(lexer.charCodeToPatternIdxToConfig.defaultMode, (configs) =>
      (configs ?? []).map((config) => config.tokenType.name).join(" "),
    );
  assert.equal(starts(hinted), starts(analysed));
});

test("the lexer's tokens pass Chevrotain's validations (patterns that cannot match, anchors, ...)", () => {
  // building the lexer throws on a definition error; the compiler's own instance skips them to start faster
  assert.not.throws(() => secpolLexer({ validate: true }));
});

const tokensOf = (tokens: { tokenType: { name: string }; image: string; startOffset: number }[]) =>
  tokens.map((x) => `${x.tokenType.name}@${x.startOffset}:${x.image}`);

function same(text: string): void {
  const expected = reference.tokenize(text);
  const actual = lex(text);
  assert.equal(tokensOf(actual.tokens), tokensOf(expected.tokens), JSON.stringify(text));
  assert.equal(tokensOf(actual.comments), tokensOf(expected.groups.comments ?? []), JSON.stringify(text));
  assert.equal(
    actual.errors.map((e) => [e.offset, e.length]),
    expected.errors.map((e) => [e.offset, e.length]),
    JSON.stringify(text),
  );
}

const pieces = [
  ...'abcdefgzABFZ_0123456789.:/-=!>*@,;(){}# \t\n"',
  "allow",
  "deny",
  "default",
  "fe80",
  "dead",
  "beef",
  "in",
  "ingress",
  "ns-004",
  "svc-00080",
  "8080",
  "255",
  "1234",
  "10.0.0.1",
  "10.244.0.0/16",
  "::1",
  "fe80::1/64",
  "->",
  "-/->",
  "..",
  "==",
  "!=",
  '"s"',
  // white space, strings, comments and characters no token starts with (the lexer's recovery)
  "\r",
  "\v",
  "\uFEFF",
  "\u00A0",
  "é",
  "$",
  "%",
  '"a\\"b',
  '"\\x',
  "# c",
  "a-",
  "-b",
  ".5",
  "x.y",
  "_",
];

test("the lexer's tokens are those of a Chevrotain lexer over allTokens: pieces near addresses, numbers, `:` and `-`", () => {
  for (const text of [
    "allow a -> b: http\n",
    "a:b ab:cd: ab::1 f:1 fe80::1 1:2:3 12:: 8080: 8080:x 8080-x 8080.1 8080/TCP 1.2.3.4/8 1.2.3",
    "deny:: default: abc-:x a.b: a-b: 1a 1_ 1- 1. : :: :a :g :1 :\n\n",
  ])
    same(text);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => same(parts.join(""))),
    { numRuns: 3000, seed: 19 },
  );
});

test("each keyword, and each word a character off one (longer, shorter, another first or last letter), lexes as with a Chevrotain lexer over allTokens", () => {
  const words = Object.values(Kw).map((type) => type.PATTERN as string);
  const near = (word: string) => [
    word,
    word + "s",
    word.slice(0, -1),
    "x" + word.slice(1),
    word.slice(0, -1) + "x",
    word.toUpperCase(),
    String.fromCharCode(word.charCodeAt(0) + 128) + word.slice(1),
  ];
  for (const word of words) same(near(word).join(" "));
  same(["a".repeat(40), "é".repeat(3), words.join("")].join(" "));
});

test.run();
