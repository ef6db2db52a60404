/** diff, explain, assert -/-> and the connectivity matrix agree with the independent evaluator (test/support/answers.ts); thousands in `npm run fuzz`. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  checkAssertion,
  checkDiff,
  checkExplain,
  checkMatrix,
  diffCase,
  matrixCase,
  queryCase,
  stats,
} from "../support/answers.js";

for (const [name, arbitrary, check, runs] of [
  ["diff reports exactly the pod pairs whose verdict changed", diffCase, checkDiff, 60],
  ["assert -/-> holds exactly when the evaluator finds no counterexample", queryCase, checkAssertion, 60],
  ["explain gives every pod pair of its ends the evaluator's verdict", queryCase, checkExplain, 60],
  ["the connectivity matrix gives every pod pair the evaluator's verdict", matrixCase, checkMatrix, 60],
] as const) {
  test(name, () => {
    Object.assign(stats, { programs: 0, pairs: 0, skipped: 0, undecided: 0 });
    fc.assert(fc.property(arbitrary as fc.Arbitrary<any>, check as (c: any) => void), { numRuns: runs });
    console.log(
      `  ${name}: ${stats.programs} programs, ${stats.pairs} pairs compared, ${stats.skipped} skipped (ports), ${stats.undecided} undecided`,
    );
    // a generator gone wrong compiles (almost) none; by chance, diff's pairs (both versions must
    // compile) were seen from 7 to 23 of 60: the floor is below chance's reach
    assert.ok(stats.programs >= runs / 15, `only ${stats.programs} programs compiled`);
  });
}

test.run();
