/**
 * The parser reads its lookahead paths from a generated table (src/syntax/lookahead-table.ts)
 * instead of working them out at every start, and restores its grammar from a generated snapshot
 * instead of recording it: the table and the snapshot must be the grammar's, the restored grammar
 * must be the recorded one, and a table or snapshot of another grammar must not be used.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Rule, TokenType } from "chevrotain";
import { describeGrammar, type GrammarSnapshot } from "../../src/syntax/grammar-snapshot.js";
import { grammarSnapshot, lookaheadTable } from "../../src/syntax/lookahead-table.js";
import { tokenize } from "../../src/syntax/parse.js";
import { chevrotainParser, recordedTables, SecpolParser, tablesAreCurrent } from "../../src/syntax/parser.js";
import { allTokens } from "../../src/syntax/tokens.js";
import { repoRoot } from "../support/baseline.js";

test("the generated lookahead table and grammar snapshot are the grammar's, as Chevrotain records and works it out", () => {
  const live = recordedTables();
  // on a failure: run `node --import tsx scripts/gen-grammar.js`
  assert.equal(lookaheadTable.grammar, live.lookahead.grammar, "src/syntax/lookahead-table.ts is out of date");
  assert.equal(lookaheadTable.paths, live.lookahead.paths, "src/syntax/lookahead-table.ts is out of date");
  assert.equal(grammarSnapshot, live.snapshot, "src/syntax/lookahead-table.ts is out of date");
  assert.ok(tablesAreCurrent());
  assert.not.ok(live.parser.restored);
});

/** The parser's grammar and follows for recovery, as text (the tokens and rules they name by identity). */
function analysed(parser: SecpolParser): { rules: string; names: string[]; follows: [string, string[]][] } {
  const rules = parser.getGAstProductions();
  const follows = (parser as unknown as { resyncFollows: Record<string, TokenType[]> }).resyncFollows;
  return {
    rules: describeGrammar(Object.values(rules) as Rule[], allTokens),
    names: Object.keys(rules),
    follows: Object.entries(follows).map(([key, types]) => [
      key,
      types.map((type) => (allTokens.includes(type) ? type.name : `foreign ${type.name}`)),
    ]),
  };
}

test("the grammar restored from the snapshot is the recorded one: the same productions, rules and follows", () => {
  const restored = new SecpolParser();
  const recorded = new SecpolParser({ snapshot: null });
  assert.ok(restored.restored);
  assert.ok(chevrotainParser().restored);
  assert.not.ok(recorded.restored);
  const expected = analysed(recorded);
  assert.ok(expected.rules.includes("rule:peer") && expected.rules.includes("token:Kw_allow"));
  assert.not.match(expected.rules, /foreign|another class|object:/);
  assert.equal(analysed(restored), expected);
});

/** The results of parsing `text` with `parser`: the tree and the messages of the errors, as JSON. */
const parse = (parser: SecpolParser, text: string) => {
  const { tokens, positions } = tokenize(text, "t.secpol");
  const file = parser.parse(tokens, positions);
  return JSON.stringify([file, parser.errors.map((e) => e.message)]);
};

/** The examples, and broken texts that make the parser recover. */
const texts = readdirSync(join(repoRoot, "examples"), { recursive: true, encoding: "utf8" })
  .filter((path) => path.endsWith(".secpol"))
  .map((path) => readFileSync(join(repoRoot, "examples", path), "utf8"));
texts.push(
  "allow a -> b:\nnamespace x { workload w app=, tier in (a b)\nallow ns(",
  "deny pods( -/-> cidr 10.0.0.0/8 except",
  "namespace a {\n workload w app=w port http 80 containers a, kind\n allow w -> , x : 80\n}\n}\ncluster { a 1, }\n",
  "profile p { require x 1 for a/b\n allow a -> b }\ngrant psp p to serviceaccount a/\npss enforce@ ,\n",
);

test("a parser whose grammar is restored parses as one that records it, broken input included", () => {
  const recorded = new SecpolParser({ snapshot: null });
  for (const text of texts) assert.equal(parse(chevrotainParser(), text), parse(recorded, text));
});

test("a snapshot of another grammar is not restored: the parser records its grammar", () => {
  const stale: GrammarSnapshot[] = [
    { ...grammarSnapshot, chevrotain: "0.0.0" },
    { ...grammarSnapshot, tokens: grammarSnapshot.tokens.replace("Comma<", "Comma<Name") },
    { ...grammarSnapshot, rules: grammarSnapshot.rules.slice(1) },
    { ...grammarSnapshot, rules: grammarSnapshot.rules.map((rule) => rule.replace('"name":"file"', '"name":"files"')) },
    {
      ...grammarSnapshot,
      rules: grammarSnapshot.rules.map((rule) => rule.replace(/"token":"Comma"/g, '"token":"Kw_nope"')),
    },
    { ...grammarSnapshot, rules: grammarSnapshot.rules.map((rule) => rule.replace(/"rule":"peer"/g, '"rule":"nope"')) },
  ];
  const expected = analysed(new SecpolParser({ snapshot: null }));
  for (const snapshot of stale) {
    const parser = new SecpolParser({ snapshot });
    assert.not.ok(parser.restored);
    assert.equal(analysed(parser), expected);
  }
  // (and a snapshot whose rules and tokens are the parser's is what decides: the test above checks it is current)
  const misled = new SecpolParser({
    snapshot: {
      ...grammarSnapshot,
      follows: Object.fromEntries(Object.keys(grammarSnapshot.follows).map((key) => [key, ""])),
    },
  });
  assert.ok(misled.restored);
  assert.ok(texts.some((text) => parse(misled, text) !== parse(chevrotainParser(), text)));
});

test("a table of another grammar is not used: its paths are worked out instead", () => {
  const wrong = Object.fromEntries(Object.keys(lookaheadTable.paths).map((key) => [key, "Comma"]));
  for (const snapshot of [undefined, null]) {
    const stale = new SecpolParser({ table: { grammar: `${lookaheadTable.grammar} `, paths: wrong }, snapshot });
    const misled = new SecpolParser({ table: { grammar: lookaheadTable.grammar, paths: wrong }, snapshot });
    assert.is(stale.restored, snapshot === undefined);
    for (const text of texts) assert.equal(parse(stale, text), parse(chevrotainParser(), text));
    // (and the table, when its grammar is the parser's, is what decides)
    assert.is.not(parse(misled, texts[0]!), parse(chevrotainParser(), texts[0]!));
  }
});

test.run();
