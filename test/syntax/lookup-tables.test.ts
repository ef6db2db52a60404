/**
 * The lexer's keywords by length and first character (`keywordsByStart`, tokens.ts) are an array
 * looked up at every word: it must hold its items in V8's fast elements, not in a dictionary (which
 * an array written past its end with a gap becomes, each lookup then a hash). The kind is read by
 * V8's natives in a child process (`--allow-natives-syntax`), not in the test runner's.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../support/baseline.js";

/** tsx for the child process */
const tsx = import.meta.resolve("tsx");

const module = (path: string) => JSON.stringify(pathToFileURL(join(repoRoot, path)).href);

test("the keywords by length and first character are a fast array, not a dictionary", () => {
  const source = [
    `import { keywordsByStart } from ${module("src/syntax/tokens.ts")};`,
    `const dictionary = new Function("a", "return %HasDictionaryElements(a)");`,
    `const arrays = { keywords: keywordsByStart };`,
    `console.log(JSON.stringify(Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, [a.length, dictionary(a)]]))));`,
  ].join("\n");
  const child = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--import", tsx, "--input-type=module", "-e", source],
    {
      encoding: "utf8",
      cwd: repoRoot,
    },
  );
  assert.is(child.status, 0, child.stderr);
  const found = JSON.parse(child.stdout) as Record<string, [number, boolean]>;
  for (const [name, [length, isDictionary]] of Object.entries(found)) {
    assert.ok(length > 1000, `${name}: ${length} items`);
    assert.is(isDictionary, false, `${name} is a dictionary`);
  }
});

test.run();
