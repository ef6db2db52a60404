import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  closest,
  closestWithin,
  didYouMean,
  distanceWithin,
  editDistance,
  withinOne,
} from "../../src/diagnostics/suggest.js";

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

test("a one-shot list (a map's keys) is read once for both passes: a name two edits away is found", () => {
  const profiles = new Map([
    ["restricted", 1],
    ["baseline", 2],
  ]);
  assert.is(closest("restrcted", profiles.keys()), "restricted");
  assert.is(closest("retsrcted", profiles.keys()), "restricted");
  assert.is(closest("basleine", new Set(["baseline", "privileged"]).values()), "baseline");
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

// the fast paths (the one-edit test, the common prefix and suffix skipped) against the plain table:
// every string of up to five letters of three, then longer ones at random (their shared stems are
// where a skipped prefix or suffix can go wrong)
const fewLetters = (length: number): string[] => {
  const words = [""];
  for (let n = 1; n <= length; n++)
    for (const w of words.filter((w) => w.length === n - 1)) for (const c of "abc") words.push(w + c);
  return words;
};

test("the one-edit test and the banded distance agree with the plain distance on every short word", () => {
  const words = fewLetters(5);
  for (const a of words) {
    for (const b of words) {
      const distance = editDistance(a, b);
      assert.is(withinOne(a, b), distance <= 1, `${a} ${b}`);
      for (const limit of [0, 1, 2, 3])
        if (distanceWithin(a, b, limit) !== Math.min(distance, limit + 1))
          assert.is(distanceWithin(a, b, limit), Math.min(distance, limit + 1), `${a} ${b} ${limit}`);
    }
  }
});

test("the one-edit test and the banded distance agree with the plain distance on any words", () => {
  const letters = fc.string({ unit: fc.constantFrom("a", "b", "c", "-", "/"), maxLength: 7 });
  // names of a program share stems: `ns-007/svc-0141` beside `ns-007/svc-0140`
  const word = fc.tuple(letters, letters, letters).map(([stem, middle, end]) => ({ stem, middle, end }));
  fc.assert(
    fc.property(word, word, fc.nat(6), fc.boolean(), fc.boolean(), (x, y, limit, sameStem, sameEnd) => {
      const a = x.stem + x.middle + x.end;
      const b = (sameStem ? x.stem : y.stem) + y.middle + (sameEnd ? x.end : y.end);
      const distance = editDistance(a, b);
      assert.is(withinOne(a, b), distance <= 1, `${a} ${b}`);
      assert.is(withinOne(b, a), distance <= 1, `${b} ${a}`);
      assert.is(distanceWithin(a, b, limit), Math.min(distance, limit + 1), `${a} ${b} ${limit}`);
    }),
    { numRuns: 20000 },
  );
});

test.run();
