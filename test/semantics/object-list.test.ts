/**
 * `objectList` and `toSize` (src/arrays.ts): an empty array whose elements kind is V8's for objects, which
 * verification's lists of objects start as (verify.ts, netpol.ts), so that its optimized code meets
 * one array map for empty and filled lists and is not deoptimized and compiled again. The kinds are
 * read by V8's natives in a child process (`--allow-natives-syntax`), not in the test runner's.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { objectList, toSize } from "../../src/arrays.js";
import { moduleUrl, withNatives } from "../support/natives.js";

/** The elements kinds (`smi`, `object` or `other`) of the arrays the child's `script` lists in `lists`. */
function kinds(script: string): Record<string, string> {
  const source = [
    `import { objectList, toSize } from ${moduleUrl("src/arrays.ts")};`,
    `const smi = new Function("a", "return %HasSmiElements(a)");`,
    `const object = new Function("a", "return %HasObjectElements(a)");`,
    `const lists = {};`,
    script,
    `const kind = (a) => (smi(a) ? "smi" : object(a) ? "object" : "other");`,
    `console.log(JSON.stringify(Object.fromEntries(Object.entries(lists).map(([k, a]) => [k, kind(a)]))));`,
  ].join("\n");
  return withNatives(source);
}

test("an empty `[]` has the kind of small integers, `objectList()` that of objects, filled or not", () => {
  const found = kinds(
    [
      `lists.literal = [];`,
      `lists.mapped = [].map((x) => ({ x }));`,
      `lists.filled = [{}];`,
      `lists.empty = objectList();`,
      `const pushed = objectList(); pushed.push({ a: 1 }); lists.pushed = pushed;`,
      `lists.sizedEmpty = toSize(objectList());`,
      `lists.sized = toSize(pushed);`,
    ].join("\n"),
  );
  // the premise: V8 tells an empty `[]` from a list of objects by its kind
  assert.is(found.literal, "smi");
  assert.is(found.mapped, "smi");
  assert.is(found.filled, "object");
  assert.is(found.empty, "object");
  assert.is(found.pushed, "object");
  // copied to size, or kept as it is when empty, a list keeps the kind
  assert.is(found.sizedEmpty, "object");
  assert.is(found.sized, "object");
});

test("each `objectList()` is a new, empty array", () => {
  const a = objectList<{ n: number }>();
  const b = objectList<{ n: number }>();
  assert.is.not(a, b);
  a.push({ n: 1 });
  assert.is(a.length, 1);
  assert.is(b.length, 0);
});

test("`toSize` copies a filled list (the same objects) and returns an empty one as it is", () => {
  const empty = objectList<{ n: number }>();
  assert.is(toSize(empty), empty);
  const filled = objectList<{ n: number }>();
  filled.push({ n: 1 }, { n: 2 });
  const sized = toSize(filled);
  assert.is.not(sized, filled);
  assert.equal(sized, filled);
  assert.is(sized[0], filled[0]);
});

test.run();
