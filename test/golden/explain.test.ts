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
  for (const [query, code] of [
    ["frontend/wbe -> backend/api:80", "SP2001"],
    ["frontend/web -> backend/api", "SP3009"],
    ["-> ->", "SP3009"],
    // one flow: a list or a range would be explained by its first member, a second statement would change the program
    ["frontend/web, 203.0.113.5 -> backend/api:8080", "SP3009"],
    ["frontend/web -> backend/api:8000..9000", "SP3009"],
    ["frontend/web -> backend/api:80, 8080", "SP3009"],
    ["frontend/web -> backend/api:8080; allow frontend/web -> backend/api: 8080", "SP3009"],
    ["frontend/web -> backend/api:8080\nallow frontend/web -> backend/api: 8080", "SP3009"],
  ] as const) {
    const result = explainQuery(sources, query);
    assert.is(result.explanation, undefined);
    const own = result.diagnostics.filter((d) => d.span.file === "<query>" && d.severity === "error");
    assert.equal(
      own.map((d) => d.code),
      [code],
      query,
    );
  }
});

test("explain: a selector's own list is one term of one flow", () => {
  const result = explainQuery(
    readSources(join(repoRoot, "examples", "shop")),
    "pods(app=web, tier=x) in ns frontend -> backend/api:8080",
  );
  assert.ok(result.explanation, renderDiagnostics(result.diagnostics, result.sources));
});

test("explain: a problem after a bare address is placed in the query as written", () => {
  const sources = readSources(join(repoRoot, "examples", "shop"));
  for (const [query, name] of [
    ["203.0.113.5 -> backend/nope:80", "backend/nope"],
    ["2001:db8::1 -> backend/nope:80", "backend/nope"],
    ["backend/nope -> 203.0.113.5:80", "backend/nope"],
  ]) {
    const [d] = explainQuery(sources, query).diagnostics.filter((x) => x.span.file === "<query>");
    assert.is(d.code, "SP2001", query);
    assert.is(query.slice(d.span.start.offset, d.span.end.offset), name, query);
    assert.is(d.span.start.column, d.span.start.offset + 1, query);
  }
  const [protocol] = explainQuery(sources, "203.0.113.5 -> backend/api:80/icmp").diagnostics;
  assert.is("203.0.113.5 -> backend/api:80/icmp".slice(protocol.span.start.offset, protocol.span.end.offset), "icmp");
});

test("explain: queries with a known mistake say what to write (error-case golden)", () => {
  const sources = readSources(join(repoRoot, "examples", "shop"));
  const rendered = [
    "frontend/web -> backend/api:htp",
    "203.0.113.5 -> backend/postgres:sq",
    "frontend/web => backend/api:8080",
    "frontend/web → backend/api:8080",
  ].map((query) => {
    const result = explainQuery(sources, query);
    assert.is(result.explanation, undefined, query);
    return `$ explain "${query}"\n${renderDiagnostics(
      result.diagnostics.filter((d) => d.span.file === "<query>"),
      result.sources,
    )}`;
  });
  assertBaseline("explain/errors.txt", rendered.join("\n"));
});

test("explain: a program that does not compile is not explained (its errors are reported)", () => {
  const path = "test/cases/errors/deny-inexact-port.secpol";
  const result = explainQuery(
    [{ path, text: readFileSync(join(repoRoot, path), "utf8") }],
    "monitoring/* -> shop/web:9100",
  );
  assert.is(result.explanation, undefined);
  assert.equal(
    result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.span.file}:${d.span.start.line}`),
    [`SP3006 ${path}:7`],
  );
});

test.run();
