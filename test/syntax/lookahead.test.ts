/**
 * The parser reads its lookahead paths from a generated table (src/syntax/lookahead-table.ts)
 * instead of working them out at every start: the table must be the grammar's, and a table of
 * another grammar must not be used.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { computeLookaheadTable } from "../../src/syntax/lookahead.js";
import { lookaheadTable } from "../../src/syntax/lookahead-table.js";
import { tokenize } from "../../src/syntax/parse.js";
import { chevrotainParser, MAX_LOOKAHEAD, SecpolParser } from "../../src/syntax/parser.js";
import { allTokens } from "../../src/syntax/tokens.js";
import { repoRoot } from "../support/baseline.js";

test("the generated lookahead table holds the grammar's paths as Chevrotain works them out", () => {
  const live = computeLookaheadTable(Object.values(chevrotainParser().getGAstProductions()), allTokens, MAX_LOOKAHEAD);
  // on a failure: run `node --import tsx scripts/gen-grammar.js`
  assert.equal(lookaheadTable.grammar, live.grammar, "src/syntax/lookahead-table.ts is out of date");
  assert.equal(lookaheadTable.paths, live.paths, "src/syntax/lookahead-table.ts is out of date");
});

test("a table of another grammar is not used: its paths are worked out instead", () => {
  const wrong = Object.fromEntries(Object.keys(lookaheadTable.paths).map((key) => [key, "Comma"]));
  const stale = new SecpolParser({ table: { grammar: `${lookaheadTable.grammar} `, paths: wrong } });
  const misled = new SecpolParser({ table: { grammar: lookaheadTable.grammar, paths: wrong } });
  const parse = (parser: SecpolParser, text: string) => {
    const { tokens, positions } = tokenize(text, "t.secpol");
    const file = parser.parse(tokens, positions);
    return JSON.stringify([file, parser.errors.map((e) => e.message)]);
  };
  const dir = join(repoRoot, "examples");
  const texts = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".secpol"))
    .map((path) => readFileSync(join(dir, path), "utf8"));
  texts.push(
    "allow a -> b:\nnamespace x { workload w app=, tier in (a b)\nallow ns(",
    "deny pods( -/-> cidr 10.0.0.0/8 except",
  );
  for (const text of texts) assert.equal(parse(stale, text), parse(chevrotainParser(), text));
  // (and the table, when its grammar is the parser's, is what decides)
  assert.is.not(parse(misled, texts[0]!), parse(chevrotainParser(), texts[0]!));
});

test.run();
