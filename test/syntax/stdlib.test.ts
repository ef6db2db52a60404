import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parse } from "../../src/syntax/parse.js";
import { stdlibModules } from "../../src/stdlib/modules.js";
import { repoRoot } from "../support/baseline.js";

test("src/stdlib/modules.ts is generated from stdlib/ and up to date", () => {
  execFileSync(process.execPath, [join(repoRoot, "scripts", "gen-stdlib.js"), "--check"]);
});

test("every standard module parses without diagnostics", () => {
  for (const [path, text] of Object.entries(stdlibModules)) assert.equal(parse(text, path).diagnostics, [], path);
});

test.run();
