import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { closest, closestWithin, didYouMean, distanceWithin, editDistance } from "../../src/diagnostics/suggest.js";

test("an adjacent transposition is one edit: `dsn` is meant as `dns`", () => {
  assert.is(editDistance("dsn", "dns"), 1);
  assert.is(editDistance("ingres-nginx", "ingress-nginx"), 1);
  assert.is(editDistance("kitten", "sitting"), 3);
  assert.is(editDistance("", "abc"), 3);
  assert.is(closest("dsn", ["db", "dns", "web"]), "dns");
});

test("the banded distance agrees with the full one within its limit", () => {
  const words = [
    "",
    "a",
    "ab",
    "ba",
    "abc",
    "acb",
    "dns",
    "dsn",
    "shop",
    "shp",
    "sohp",
    "ingress-nginx",
    "ingres-nginx",
    "kube-system",
    "kube-sytem",
    "kitten",
    "sitting",
  ];
  for (const a of words) {
    for (const b of words) {
      for (const limit of [0, 1, 2, 3])
        assert.is(distanceWithin(a, b, limit), Math.min(editDistance(a, b), limit + 1), `${a} ${b} ${limit}`);
    }
  }
});

test("no suggestion when nothing is close, nor the name itself", () => {
  assert.is(closest("postgres", ["web", "api"]), undefined);
  assert.is(closest("web", ["web"]), undefined);
  assert.equal(didYouMean("postgres", ["web"]), {});
  assert.equal(didYouMean("postgres", ["web"], "the workloads are `web`"), { help: "the workloads are `web`" });
  assert.equal(didYouMean("wbe", ["web"]), { help: "did you mean `web`?" });
});

test("the closest candidate is the nearest, ties to the first in sorted order, whatever the order of the list", () => {
  const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), maxLength: 6 });
  fc.assert(
    fc.property(word, fc.array(word, { maxLength: 12 }), fc.nat(3), (name, candidates, edits) => {
      const others = [...new Set(candidates)].filter((c) => c !== name).sort();
      const distances = others.map((c) => editDistance(name, c));
      const nearest = Math.min(edits + 1, ...distances);
      const expected = nearest <= edits ? others[distances.indexOf(nearest)] : undefined;
      assert.is(closestWithin(name, candidates, edits), expected);
      assert.is(closestWithin(name, [...candidates].reverse(), edits), expected);
    }),
    { numRuns: 2000 },
  );
});

test.run();
