/**
 * The lexer of `parse`, the formatter and the playground (src/syntax/scanner.ts) against Chevrotain's
 * lexer (`chevrotainLexer()`, the reference): the same tokens (every field), comments and errors, on any text.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { join } from "node:path";
import type { IToken } from "chevrotain";
import { scan } from "../../src/syntax/scanner.js";
import { chevrotainLexer } from "../../src/syntax/tokens.js";
import { families, vocabulary } from "../support/fuzz.js";
import { repoRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const fields = (tokens: IToken[]) =>
  tokens.map((k) => [k.image, k.startOffset, k.endOffset, k.startLine, k.endLine, k.startColumn, k.endColumn, k.tokenTypeIdx, k.tokenType.name]);

function agree(text: string): void {
  const expected = chevrotainLexer().tokenize(text);
  const actual = scan(text);
  const what = JSON.stringify(text);
  assert.equal(fields(actual.tokens), fields(expected.tokens), `tokens of ${what}`);
  assert.equal(fields(actual.comments), fields((expected.groups.comments as IToken[] | undefined) ?? []), `comments of ${what}`);
  assert.equal(actual.errors, expected.errors.map(({ offset, length, line, column }) => ({ offset, length, line, column })), `errors of ${what}`);
}

test("every example, standard module and test program lexes the same", () => {
  for (const source of ["examples", "stdlib", "test"].flatMap((dir) => readSources(join(repoRoot, dir)))) agree(source.text);
});

// words and characters where tokens meet: keywords in and around names, numbers, addresses
// (IPv4 and IPv6, blocks or not), strings, punctuation, and characters no token starts with
const pieces = [
  ...vocabulary, "in", "ingress", "in-x", "ns.", "x.y", "a-", "-a", "_x", "9", "1.2", "1.2.3.4", "1.2.3.4.5", "10.0.0.0/33", "fd00::", "::", ":::",
  "a:b", "dead:beef::1/64", "add:b:c", "0x1f", "1.", ".5", "...", "-->", "-/", "=!", "!==", '"a\\', '"\\"', "\\", "$", "%", "~", "`", "?", "é", "\u00a0", "\ufeff",
];
const text = fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom("", "", " ", "\n", "\t", "\r\n")), { maxLength: 40 }).map((xs) => xs.map(([p, s]) => p + s).join(""));

test("generated texts lex the same", () => {
  fc.assert(fc.property(text, agree), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom(..."abcdefxyzABF019_.:/-=!\"\\#@*(){};, \n\t\r\f\vé$".split("")), maxLength: 40 }), agree), { numRuns: 3000 });
});

for (const family of families) {
  test(`fuzzing inputs (${family.name}) lex the same`, () => {
    fc.assert(fc.property(family.arbitrary, agree), { numRuns: 300 });
  });
}

test.run();
