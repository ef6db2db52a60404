/**
 * The admission policies' verdict equals the program's meaning, over generated programs and pods
 * of every kind (test/support/admission.ts); thousands more in `npm run fuzz -- --admission-runs N`.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { admissionCase, checkAdmission, stats } from "../support/admission.js";

test("the emitted policies admit a pod exactly when the program does, in every kind and container kind, with workload exceptions and each PSS mode", () => {
  Object.assign(stats, { programs: 0, refused: 0, requests: 0, denied: 0 });
  fc.assert(fc.property(admissionCase, checkAdmission), { numRuns: 150 });
  console.log(
    `  admission: ${stats.programs} programs (${stats.refused} refused by the checker), ${stats.requests} requests, ${stats.denied} denied`,
  );
  assert.ok(stats.programs >= 60, `only ${stats.programs} programs compiled`);
  // enough refusals for the property to mean something (7-16 % over seeds since programs whose rules
  // refuse their own patched pods are refused by the checker, SP4032)
  assert.ok(stats.denied >= stats.requests / 20, `only ${stats.denied} of ${stats.requests} requests denied`);
});

test.run();
