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
import { features, requirements, settable } from "../../src/semantics/security.js";
import { repoRoot } from "../support/baseline.js";

const page = renderReference();

test("docs/reference.md is up to date with the compiler", () => {
  assert.fixture(readFileSync(join(repoRoot, "docs", "reference.md"), "utf8"), page, "docs/reference.md differs: run `npm run gen:reference`");
});

test("every statement keyword has a section with an example", () => {
  const titles = page.split("\n").filter((l) => l.startsWith("## ")).join("\n");
  for (const keyword of statementKeywords) assert.match(titles, new RegExp(`\\b${String(keyword.PATTERN)}\\b`), String(keyword.PATTERN));
});

test("every pod-security feature, requirement and `set` field has a row with what it compiles to", () => {
  const section = (title: string) => page.split(`### ${title}`)[1]!.split("\n#")[0]!;
  const rows = (title: string) => section(title).split("\n").filter((l) => l.startsWith("| `"));
  const named = (title: string) => rows(title).map((r) => r.slice(3, r.indexOf("`", 3)).replace(/ \.\.\.$/, ""));
  assert.equal(named("`deny FEATURE` and `allow FEATURE`"), Object.keys(features));
  assert.equal(named("`require REQUIREMENT`"), Object.keys(requirements));
  assert.equal(named("`set FIELD VALUE`"), [...settable]);
  for (const row of [...rows("`require REQUIREMENT`"), ...rows("`set FIELD VALUE`")]) assert.match(row, /→ `[\w.]+: /, row);
});

test("the quoting rules show what the parser reads from paths and from user names with `@` or `\\`", () => {
  const quoting = page.split("## Quoting")[1]!;
  assert.match(quoting, '| `grant psp p to user "jane@example.com"` | `jane@example.com` |');
  assert.match(quoting, '| `grant psp p to user "CORP\\\\jane"` | `CORP\\jane` |');
  assert.match(quoting, '| `psp p { allowedHostPaths "/var/log" }` | `/var/log` |');
  assert.match(quoting, "| `grant psp p to user jane@example.com` | error SP1010");
  assert.match(quoting, '| `grant psp p to user "CORP\\jane"` | error SP1020');
});

test.run();
