import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  complement,
  conjunctionMatches,
  conjunctionOf,
  intersect,
  intersectConjunctions,
  setMatches,
  setSubset,
  subtract,
  toLabelSelector,
  union,
  type Conjunction,
  type LabelSet,
  type Labels,
  type Requirement,
} from "../../src/semantics/labels.js";
import { matchesLabelSelector } from "../support/netpol-eval.js";
import { meets } from "../../src/semantics/universe.js";

// A small vocabulary makes collisions (same key, overlapping values) frequent.
const keys = ["app", "tier", "env"];
const values = ["a", "b", "c"];

const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...keys),
    operator: fc.constantFrom("In" as const, "NotIn" as const),
    values: fc.subarray(values, { minLength: 1 }),
  }),
  fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const) }),
);
const conjunction: fc.Arbitrary<Conjunction> = fc
  .array(requirement, { maxLength: 3 })
  .map((rs) => conjunctionOf(rs))
  .filter((c): c is Conjunction => c !== undefined);
const labelSet: fc.Arbitrary<LabelSet> = fc.array(conjunction, { maxLength: 3 });
const labels: fc.Arbitrary<Labels> = fc
  .array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...values, "z")), { maxLength: 3 })
  .map((pairs) => Object.fromEntries(pairs));

const runs = { numRuns: 400 };

test("every conjunction is one Kubernetes selector with the same meaning", () => {
  fc.assert(
    fc.property(labelSet, labels, (set, l) => {
      for (const c of complement(set)) {
        assert.is(matchesLabelSelector(toLabelSelector(c), l), conjunctionMatches(c, l));
      }
    }),
    runs,
  );
});

test("intersection, complement, difference and union are exact", () => {
  fc.assert(
    fc.property(labelSet, labelSet, labels, (a, b, l) => {
      assert.is(setMatches(intersect(a, b), l), setMatches(a, l) && setMatches(b, l));
      assert.is(setMatches(complement(a), l), !setMatches(a, l));
      assert.is(setMatches(subtract(a, b), l), setMatches(a, l) && !setMatches(b, l));
      assert.is(setMatches(union(a, b), l), setMatches(a, l) || setMatches(b, l));
    }),
    runs,
  );
});

test("complement twice is the identity, intersection commutes", () => {
  fc.assert(
    fc.property(labelSet, labelSet, labels, (a, b, l) => {
      assert.is(setMatches(complement(complement(a)), l), setMatches(a, l));
      assert.is(setMatches(intersect(a, b), l), setMatches(intersect(b, a), l));
    }),
    runs,
  );
});

test("subset agrees with membership", () => {
  fc.assert(
    fc.property(labelSet, labelSet, fc.array(labels, { minLength: 20, maxLength: 20 }), (a, b, samples) => {
      if (setSubset(a, b)) for (const l of samples) assert.ok(!setMatches(a, l) || setMatches(b, l));
    }),
    runs,
  );
});

test("NotIn matches a missing key; In does not", () => {
  const notIn = conjunctionOf([{ key: "app", operator: "NotIn", values: ["web"] }])!;
  assert.ok(conjunctionMatches(notIn, {}));
  assert.ok(!conjunctionMatches(conjunctionOf([{ key: "app", operator: "In", values: ["web"] }])!, {}));
  assert.equal(toLabelSelector(notIn), { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] });
});

test("contradictions are empty and complement of everything is nothing", () => {
  assert.is(
    conjunctionOf([
      { key: "app", operator: "In", values: ["a"] },
      { key: "app", operator: "NotIn", values: ["a"] },
    ]),
    undefined,
  );
  assert.equal(complement([[]]), []);
  assert.equal(complement([]), [[]]);
});

test("meets: two conjunctions meet exactly when their intersection is not empty", () => {
  fc.assert(
    fc.property(conjunction, conjunction, (a, b) => meets(a, b) === (intersectConjunctions(a, b) !== undefined)),
    runs,
  );
});

test.run();
