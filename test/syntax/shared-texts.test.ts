/**
 * `ParseOptions.texts` (src/syntax/parser.ts): the one-shot runs' files share one string per text of
 * their words, numbers and label keys. The trees say the same with the table as without it; whether
 * the strings are shared is seen by the heap they take (a string's identity is not visible to
 * JavaScript), in a child process that can collect (`--expose-gc`).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "../../src/syntax/parse.js";
import { corpus, families } from "../support/fuzz.js";
import { everyFormProgram } from "../support/programs.js";
import { repoRoot } from "../support/baseline.js";

/** Inputs: the examples, every statement form, and broken texts (recovery's invented tokens, errors). */
const inputs: string[] = [
  ...corpus,
  ...fc.sample(everyFormProgram, { numRuns: 60, seed: 7 }),
  ...families.flatMap((family, i) => fc.sample(family.arbitrary, { numRuns: 40, seed: 11 + i })),
  'labels app.kubernetes.io/name=web, "app.kubernetes.io/name"="web", name=web\nallow ns(name=web) -> ns(app.kubernetes.io/name=web): 8080, "8080"',
];

test("trees parsed with a shared table of texts are those parsed without, file after file", () => {
  for (const lazySpans of [false, true]) {
    const texts = new Map<string, string>();
    for (const text of inputs)
      assert.is(
        JSON.stringify(parse(text, "input.secpol", { lazySpans, texts })),
        JSON.stringify(parse(text, "input.secpol", { lazySpans })),
        text,
      );
    // every text once, as its own key
    assert.ok(texts.size > 100, `${texts.size}`);
    for (const [key, value] of texts) assert.is(value, key);
  }
});

/** tsx for the child process */
const tsx = import.meta.resolve("tsx");

test("a text written many times is one string with the table (the heap the trees take)", () => {
  // 12 characters: below V8's shortest slice, so each token's text is a string of its own
  const name = "abcdefghijkl";
  const rules = 20_000;
  const parseUrl = pathToFileURL(join(repoRoot, "src/syntax/parse.ts")).href;
  const source = [
    `import { parse } from ${JSON.stringify(parseUrl)};`,
    `const text = ${JSON.stringify(`namespace a {\n  workload ${name} app=${name} port http 8080\n}\n`)}`,
    `  + ${JSON.stringify(`allow a/${name} -> a/${name}: http\n`)}.repeat(${rules});`,
    // the parser keeps its last input's tokens (their texts each a string of its own) until the next
    // parse: a small one is parsed before each measure
    `const used = () => { parse("allow a -> b: http\\n", "other.secpol"); gc(); gc(); return process.memoryUsage().heapUsed; };`,
    `parse(text, "warm.secpol", { lazySpans: true, texts: new Map() });`,
    `const before = used();`,
    `let tree = parse(text, "a.secpol", { lazySpans: true });`,
    `const alone = used() - before;`,
    `tree = undefined;`,
    `const again = used();`,
    `tree = parse(text, "a.secpol", { lazySpans: true, texts: new Map() });`,
    `const shared = used() - again;`,
    `console.log(JSON.stringify({ alone, shared, kept: tree !== undefined }));`,
  ].join("\n");
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", tsx, "--input-type=module", "-e", source], {
    encoding: "utf8",
    cwd: repoRoot,
  });
  assert.is(child.status, 0, child.stderr);
  const { alone, shared } = JSON.parse(child.stdout) as { alone: number; shared: number };
  // each rule names the workload twice (and its namespace twice): a 12-character string is at least
  // 24 bytes, so at least 2 * 24 bytes per rule fewer when the texts are shared
  assert.ok(alone - shared > rules * 2 * 24 * 0.8, `without the table ${alone} bytes, with it ${shared}`);
});

test.run();
