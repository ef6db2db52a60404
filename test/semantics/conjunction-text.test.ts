/**
 * A conjunction's key written from its parts (`conjunctionText`, issue 20, helper check28) against
 * what it stands for: `JSON.stringify` of the conjunction, the same text for every conjunction the
 * label algebra makes, whatever its keys and values hold (quotes, backslashes, control characters,
 * surrogates, characters JSON writes as they are).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  complement,
  complementConjunction,
  conjunctionKey,
  conjunctionOf,
  conjunctionText,
  everything,
  intersect,
  intersectConjunctions,
  labelsEqual,
  subtract,
  union,
  type Conjunction,
  type Requirement,
} from "../../src/semantics/labels.js";

const plainTexts = ["app", "svc-00020", "kubernetes.io/metadata.name", "a.b/c_d", "x", "Z9", ""];
const otherTexts = [
  'qu"ote',
  "back\\slash",
  "new\nline",
  "tab\t",
  "nul\u0000",
  "unit\u001f",
  "del\u007f",
  "é",
  "line\u2028sep",
  "pair\ud83d\ude00",
  "lone\ud800",
  "lone\udfff",
  "</script>",
];

/** A small deterministic generator (the same cases every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const operators = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

function requirements(next: () => number, texts: readonly string[]): Requirement[] {
  const pick = () => texts[Math.floor(next() * texts.length)];
  const found: Requirement[] = [];
  const n = 1 + Math.floor(next() * 4);
  for (let i = 0; i < n; i++) {
    const operator = operators[Math.floor(next() * operators.length)];
    const key = pick();
    if (operator === "In" || operator === "NotIn") {
      const values = Array.from({ length: 1 + Math.floor(next() * 3) }, pick);
      found.push({ key, operator, values });
    } else found.push({ key, operator });
  }
  return found;
}

function conjunctions(seed: number, texts: readonly string[], count: number): Conjunction[] {
  const next = random(seed);
  const made: Conjunction[] = [everything];
  for (let i = 0; i < count; i++) {
    const c = conjunctionOf(requirements(next, texts));
    if (c) made.push(c);
  }
  for (const text of texts) made.push(labelsEqual(text, text), labelsEqual("app", text), labelsEqual(text, "web"));
  // what the algebra makes of them: intersections, complements, differences, unions
  const some = made.slice(0, 40);
  for (let i = 0; i + 1 < some.length; i++) {
    const both = intersectConjunctions(some[i], some[i + 1]);
    if (both) made.push(both);
    made.push(...complementConjunction(some[i]));
  }
  made.push(...complement(some.slice(0, 3)), ...intersect(some.slice(0, 5), some.slice(5, 10)));
  made.push(...subtract(some.slice(10, 14), some.slice(14, 16)), ...union(some.slice(16, 20), some.slice(20, 24)));
  return made;
}

test("conjunctionText: the text JSON.stringify writes, for conjunctions of plain keys and values", () => {
  const made = conjunctions(1, plainTexts, 400);
  assert.ok(made.length > 500);
  for (const c of made) assert.is(conjunctionText(c), JSON.stringify(c));
  // a workload's pods and a namespace's name, the usual ones
  assert.is(
    conjunctionText(labelsEqual("app", "svc-00020")),
    '[["app",{"absentOk":false,"values":{"kind":"only","values":["svc-00020"]}}]]',
  );
  assert.is(conjunctionText(everything), "[]");
});

test("conjunctionText: the text JSON.stringify writes, whatever the keys and values hold", () => {
  for (const seed of [2, 3, 4]) {
    const made = conjunctions(seed, [...plainTexts, ...otherTexts], 400);
    for (const c of made) assert.is(conjunctionText(c), JSON.stringify(c), JSON.stringify(c));
  }
  // each text JSON writes escaped, as a key and as a value
  for (const text of otherTexts)
    for (const c of [
      labelsEqual(text, "v"),
      labelsEqual("k", text),
      conjunctionOf([{ key: "k", operator: "NotIn", values: ["a", text] }])!,
    ])
      assert.is(conjunctionText(c), JSON.stringify(c), JSON.stringify(c));
});

test("conjunctionKey: conjunctionText once per conjunction object", () => {
  const made = conjunctions(5, [...plainTexts, ...otherTexts], 200);
  for (const c of made) {
    const key = conjunctionKey(c);
    assert.is(key, JSON.stringify(c));
    assert.is(conjunctionKey(c), key);
  }
});

test.run();
