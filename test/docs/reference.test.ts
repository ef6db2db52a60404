/**
 * docs/reference.md is what scripts/reference.ts generates now (each example compiled by the
 * core), and it covers every statement of the language.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderReference } from "../../scripts/reference.js";
import { statementKeywords } from "../../src/syntax/tokens.js";
import { repoRoot } from "../support/baseline.js";

const page = renderReference();

test("docs/reference.md is up to date with the compiler", () => {
  assert.fixture(readFileSync(join(repoRoot, "docs", "reference.md"), "utf8"), page, "docs/reference.md differs: run `npm run gen:reference`");
});

test("every statement keyword has a section with an example", () => {
  const titles = page.split("\n").filter((l) => l.startsWith("## ")).join("\n");
  for (const keyword of statementKeywords) assert.match(titles, new RegExp(`\\b${String(keyword.PATTERN)}\\b`), String(keyword.PATTERN));
});

test.run();
