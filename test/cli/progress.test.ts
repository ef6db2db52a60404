/** The status line of long builds (src/cli/progress.ts): shown late, on terminals only, always erased. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nextStep, SHOW_AFTER_MS, StatusLine } from "../../src/cli/progress.js";

const ERASE = "\r\x1b[K";

test("a quick build shows nothing; a long one shows each step and erases it", () => {
  let clock = 0;
  const written: string[] = [];
  const status = new StatusLine(
    (t) => written.push(t),
    () => clock,
  );
  status.show("compiling");
  status.clear();
  assert.equal(written, [], "shown before half a second");
  clock = SHOW_AFTER_MS;
  status.show("compiling");
  status.show("verifying");
  status.clear();
  status.clear();
  assert.equal(written, [`${ERASE}secpolc: compiling…`, `${ERASE}secpolc: verifying…`, ERASE]);
});

test("the steps after each pass: compiling after check, verifying after emit unless --no-verify", () => {
  assert.is(nextStep("check", true), "compiling");
  assert.is(nextStep("emit", true), "verifying the NetworkPolicies against the program");
  assert.is(nextStep("emit", false), undefined);
  for (const pass of ["compile", "security", "psp", "verify"]) assert.is(nextStep(pass, true), undefined);
});

test.run();
