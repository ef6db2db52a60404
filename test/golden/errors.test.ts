import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build, renderDiagnostics } from "../../src/index.js";
import { assertBaseline, testRoot } from "../support/baseline.js";

const dir = join(testRoot, "cases", "errors");

for (const name of readdirSync(dir)
  .filter((f) => f.endsWith(".secpol"))
  .sort()) {
  test(`error case ${name}: diagnostics match the baseline and nothing is emitted`, () => {
    const path = `test/cases/errors/${name}`;
    const result = build([{ path, text: readFileSync(join(dir, name), "utf8") }]);
    assert.ok(
      result.diagnostics.some((d) => d.severity === "error"),
      "expected at least one error",
    );
    assert.equal(result.files, []);
    for (const d of result.diagnostics) assert.match(d.code, /^SP\d{4}$/);
    assertBaseline(
      `errors/${name.replace(/\.secpol$/, ".txt")}`,
      renderDiagnostics(result.diagnostics, result.sources),
    );
  });
}

test.run();
