import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { explainQuery, explanationToJson, renderDiagnostics, renderExplanation } from "../../src/index.js";
import { assertBaseline, repoRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const queries: [string, string, string][] = [
  ["shop", "allowed-both-sides", "frontend/web -> backend/api:8080"],
  ["shop", "forbidden-by-posture", "backend/api -> 203.0.113.5:443"],
  ["shop", "unmanaged-destination", "payments/gateway -> 203.0.113.5:443/tcp"],
  ["shop", "named-port", "monitoring/prometheus -> backend/postgres:9187"],
  ["firewall", "denied", "tenants-b/* -> platform/api:8080"],
  ["firewall", "world-minus-metadata", "platform/api -> 169.254.169.254:80"],
];

for (const [example, name, query] of queries) {
  test(`explain ${example}: ${query}`, () => {
    const result = explainQuery(readSources(join(repoRoot, "examples", example)), query);
    assert.ok(result.explanation, renderDiagnostics(result.diagnostics, result.sources));
    assertBaseline(`explain/${name}.txt`, renderExplanation(result.explanation!, result.sources));
    assertBaseline(`explain/${name}.json`, `${JSON.stringify(explanationToJson(result.explanation!), null, 2)}\n`);
  });
}

test("explain: bad queries are coded diagnostics on the query", () => {
  const sources = readSources(join(repoRoot, "examples", "shop"));
  for (const [query, code] of [["frontend/wbe -> backend/api:80", "SP2001"], ["frontend/web -> backend/api", "SP3009"], ["-> ->", "SP3009"]] as const) {
    const result = explainQuery(sources, query);
    assert.is(result.explanation, undefined);
    const own = result.diagnostics.filter((d) => d.span.file === "<query>");
    assert.equal(own.map((d) => d.code), [code], query);
  }
});

test("explain: a program that does not compile is not explained (its errors are reported)", () => {
  const path = "test/cases/errors/deny-inexact-port.secpol";
  const result = explainQuery([{ path, text: readFileSync(join(repoRoot, path), "utf8") }], "monitoring/* -> shop/web:9100");
  assert.is(result.explanation, undefined);
  assert.equal(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span.file}:${d.span.start.line}`), [`SP3006 ${path}:7`]);
});

test.run();
