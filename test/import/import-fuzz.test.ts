import { test } from "uvu";
import fc from "fast-check";
import { checkImportedSet, policySet } from "../support/netpol-fuzz.js";

test("fuzzed NetworkPolicy sets, imported and compiled, admit the same flows (own check and the independent evaluator)", () => {
  fc.assert(
    fc.property(policySet, (set) => checkImportedSet(set)),
    { numRuns: 40, seed: 21 },
  );
});

test.run();
