/** The connectivity matrix (the playground's): cells agree with the meaning and with `explain`. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { connectivityOf, explainQuery } from "../../src/index.js";
import { repoRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const sources = readSources(join(repoRoot, "examples", "shop"));
const result = connectivityOf(sources);
const { names, cells } = result.connectivity!;
const cell = (from: string, to: string) => cells[names.indexOf(from)][names.indexOf(to)];

test("cells list the permitted ports of each pair of workloads", () => {
  assert.equal(cell("frontend/web", "backend/api"), {
    permitted: ["8080/tcp"],
    denied: cell("frontend/web", "backend/api")!.denied,
  });
  assert.ok(cell("frontend/web", "backend/api")!.denied.includes("8081..65535/tcp"), "the ports are exact intervals");
  assert.ok(cell("frontend/web", "backend/api")!.denied.length > 0);
  assert.equal(cell("backend/api", "frontend/web")!.permitted, [], "zero trust: no rule, no flow");
  assert.equal(
    cell("monitoring/prometheus", "backend/postgres")!.permitted,
    ["9187/tcp"],
    "the port each pod names `metrics`",
  );
  // two pods of one workload are a pair too: zero trust closes it
  assert.equal(cell("frontend/web", "frontend/web")!.permitted, []);
});

test("every cell agrees with `explain` on its ports", () => {
  for (const [from, to, port] of [
    ["frontend/web", "backend/api", 8080],
    ["backend/api", "backend/postgres", 5432],
    ["backend/api", "frontend/web", 8080],
  ] as const) {
    const permitted = cell(from, to)!.permitted.includes(`${port}/tcp`);
    const explained = explainQuery(sources, `${from} -> ${to}:${port}/tcp`).explanation!;
    assert.is(explained.permitted, permitted, `${from} -> ${to}:${port}`);
  }
});

test("explainCell traces a cell to the deciding lines", () => {
  const e = result.explainCell!(names.indexOf("frontend/web"), names.indexOf("backend/api"))!;
  assert.ok(e.permitted);
  assert.ok(e.reasons.some((r) => r.effect === "allow" && r.file.endsWith("rules.secpol")));
  const denied = result.explainCell!(names.indexOf("backend/api"), names.indexOf("frontend/web"))!;
  assert.not.ok(denied.permitted);
  assert.match(
    denied.flow,
    /backend\/api -> frontend\/web:8080\/tcp/,
    "a denied cell is explained on a port the destination declares",
  );
});

test.run();
