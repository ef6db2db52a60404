import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { diffSources, renderDiff } from "../../src/index.js";
import { assertBaseline, testRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

// named as `secpolc diff old new` names them: from one root, `old/...` and `new/...`
const before = readSources(join(testRoot, "cases", "diff", "old"), join(testRoot, "cases", "diff"));
const after = readSources(join(testRoot, "cases", "diff", "new"), join(testRoot, "cases", "diff"));

test("diff: flows gained and lost, as text and as a Markdown pull-request comment", () => {
  const result = diffSources(before, after);
  assert.ok(result.diff);
  assertBaseline("diff/shop.txt", renderDiff(result.diff!, "text"));
  assertBaseline("diff/shop.md", renderDiff(result.diff!, "md"));
  assert.ok(
    result.diff!.gained.some(
      (c) => c.source === "frontend/web" && c.destination === "payments/gateway" && c.ports.includes("8443/tcp"),
    ),
  );
  assert.ok(result.diff!.lost.some((c) => c.source === "monitoring/grafana"));
});

test("diff: a program against itself changes nothing; reversed, gains and losses swap", () => {
  assert.equal(diffSources(before, before).diff, { gained: [], lost: [] });
  const forward = diffSources(before, after).diff!;
  const backward = diffSources(after, before).diff!;
  assert.equal(backward.gained, forward.lost);
  assert.equal(backward.lost, forward.gained);
});

test("diff: a broken side is reported, not compared", () => {
  const broken = [{ path: "broken.secpol", text: "allow web -> " }];
  const result = diffSources(before, broken);
  assert.is(result.diff, undefined);
  assert.ok(result.diagnostics.some((d) => d.span.file === "broken.secpol" && d.severity === "error"));
});

test.run();
