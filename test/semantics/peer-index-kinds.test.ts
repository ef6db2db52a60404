/**
 * `peerIndex`'s answers (src/semantics/lookup.ts) are packed arrays of objects, as `filter` makes the
 * lists they stand for: compile passes either to `addPieces` and `cut` as the denies cutting a
 * rectangle, and optimized code there that had met packed arrays only was deoptimized partway through
 * a realistic build (and never optimized again) when V8's optimized `map` made a holey one. The
 * answers are built by `push` (`itemsAt`). Kinds are read by V8's natives in a child process
 * (`--allow-natives-syntax`), the functions optimized there first; not in the test runner's.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { itemsAt, peerIndex } from "../../src/semantics/lookup.js";
import { conjunctionOf } from "../../src/semantics/labels.js";
import { NAMESPACE_NAME_LABEL } from "../../src/semantics/model.js";
import { moduleUrl, withNatives } from "../support/natives.js";

/** Whether the arrays the child's `script` lists in `lists` are holey, by name. */
function holey(script: string): Record<string, boolean> {
  const source = [
    `import { itemsAt, peerIndex } from ${moduleUrl("src/semantics/lookup.ts")};`,
    `import { conjunctionOf } from ${moduleUrl("src/semantics/labels.ts")};`,
    `const holey = new Function("a", "return %HasHoleyElements(a) || !%HasObjectElements(a)");`,
    `const optimize = new Function("f", "call", "%PrepareFunctionForOptimization(f); call(); call(); %OptimizeFunctionOnNextCall(f); return call();");`,
    `const lists = {};`,
    script,
    `console.log(JSON.stringify(Object.fromEntries(Object.entries(lists).map(([k, a]) => [k, holey(a)]))));`,
  ].join("\n");
  return withNatives(source);
}

/** Peers in the namespaces named (one term each), as the child writes them. */
const PEERS = `const peers = (...names) => ({ pods: names.map((n) => ({ namespaces: conjunctionOf([{ key: ${JSON.stringify(NAMESPACE_NAME_LABEL)}, operator: "In", values: [n] }]), pods: conjunctionOf([]) })), ips: [] });`;

test("optimized, `itemsAt` and a query joining lists answer packed arrays of objects", () => {
  const found = holey(
    [
      PEERS,
      `const items = [{ peers: peers("a") }, { peers: peers("b") }, { peers: peers("a", "c") }];`,
      `lists.itemsAt = optimize(itemsAt, () => itemsAt(items, [0, 2]));`,
      `const meeting = peerIndex(items, (d) => d.peers);`,
      `const both = peers("a", "b");`,
      `lists.joined = optimize(meeting, () => meeting(both));`,
      `lists.one = peerIndex(items, (d) => d.peers)(peers("b"));`,
      // the premise: V8's optimized \`map\` makes holey arrays
      `const mapped = (places) => places.map((i) => items[i]);`,
      `lists.mapped = optimize(mapped, () => mapped([0, 1]));`,
    ].join("\n"),
  );
  assert.is(found.mapped, true);
  assert.is(found.itemsAt, false);
  assert.is(found.joined, false);
  assert.is(found.one, false);
});

test("`itemsAt` is the items at the places, in their order", () => {
  const items = [{ n: 0 }, { n: 1 }, { n: 2 }];
  const found = itemsAt(items, [2, 0]);
  assert.is(found.length, 2);
  assert.is(found[0], items[2]);
  assert.is(found[1], items[0]);
  assert.equal(itemsAt(items, []), []);
});

test("a query's answer holds the items whose peers name its namespaces, in order", () => {
  const peers = (...names: string[]) => ({
    pods: names.map((n) => ({
      namespaces: conjunctionOf([{ key: NAMESPACE_NAME_LABEL, operator: "In", values: [n] }])!,
      pods: conjunctionOf([])!,
    })),
    ips: [],
  });
  const items = [{ peers: peers("a") }, { peers: peers("b") }, { peers: peers("a", "c") }];
  const meeting = peerIndex(items, (d) => d.peers);
  assert.equal(meeting(peers("b", "a")), [items[0], items[1], items[2]]);
  assert.equal(meeting(peers("c")), [items[2]]);
  assert.equal(meeting(peers("d")), []);
});

test.run();
