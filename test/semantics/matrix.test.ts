/** The connectivity matrix (the playground's): cells agree with the meaning and with `explain`. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { connectivityOf, explainQuery } from "../../src/index.js";
import { repoRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const sources = readSources(join(repoRoot, "examples", "shop"));
const result = connectivityOf(sources);
const { rows, columns, cells } = result.connectivity!;
const cell = (from: string, to: string) => cells[rows.indexOf(from)][columns.indexOf(to)];

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
  const e = result.explainCell!(rows.indexOf("frontend/web"), columns.indexOf("backend/api"))!;
  assert.ok(e.permitted);
  assert.ok(e.reasons.some((r) => r.effect === "allow" && r.file.endsWith("rules.secpol")));
  const denied = result.explainCell!(rows.indexOf("backend/api"), columns.indexOf("frontend/web"))!;
  assert.not.ok(denied.permitted);
  assert.match(
    denied.flow,
    /backend\/api -> frontend\/web:8080\/tcp/,
    "a denied cell is explained on a port the destination declares",
  );
});

test("pods of no workload that declare a port a rule names have a column of their own", () => {
  const text = "namespace a {\n}\nnamespace b {\n  default deny ingress\n}\nallow a/* -> b/*: http\n";
  const { connectivity: m, explainCell } = connectivityOf([{ path: "p.secpol", text }]);
  const at = (from: string, to: string) => m!.cells[m!.rows.indexOf(from)][m!.columns.indexOf(to)]!;
  assert.equal(at("other pods of a", "other pods of b").permitted, [], "declaring no `http`: closed");
  assert.equal(
    at("other pods of a", "other pods of b with port http").permitted,
    ["1..65535/tcp"],
    "declaring `http` (TCP) on whatever port: open on that port",
  );
  // no rule names a port into a: its pods declaring `http` are no column of their own
  assert.not.ok(m!.columns.includes("other pods of a with port http"), m!.columns.join("; "));
  assert.equal(m!.rows.includes("other pods of b with port http"), false, "a source's ports do not matter");
  const e = explainCell!(m!.rows.indexOf("other pods of a"), m!.columns.indexOf("other pods of b with port http"))!;
  assert.ok(e.permitted);
  assert.ok(e.reasons.some((r) => r.effect === "allow" && r.line === 6));
});

test.run();
