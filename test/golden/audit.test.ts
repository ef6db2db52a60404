import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { audit, auditToJson, renderAudit, renderDiagnostics } from "../../src/index.js";
import { assertBaseline, testRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const read = (dir: string) =>
  readdirSync(join(testRoot, "cases", dir)).sort().map((f) => ({ path: `test/cases/${dir}/${f}`, text: readFileSync(join(testRoot, "cases", dir, f), "utf8") }));

test("audit against a level: verdicts in the API server's words, JSON, and the level each namespace passes", () => {
  const result = audit({ manifests: read("audit/manifests"), level: "restricted", version: { major: 1, minor: 30 }, suggest: true });
  assert.ok(result.results);
  assertBaseline("audit/level.txt", renderAudit(result.results!));
  assertBaseline("audit/level.json", `${JSON.stringify({ ...auditToJson(result.results!), suggestions: result.suggestions }, null, 2)}\n`);
  assert.equal(result.results!.map((r) => [r.kind, r.allowed]), [["Pod", false], ["Deployment", true], ["CronJob", false]]);
});

test("audit against the program: each owned namespace's enforce and warn levels", () => {
  const result = audit({ manifests: read("audit/manifests"), program: readSources(join(testRoot, "cases", "audit", "program")) });
  assert.ok(result.results, renderDiagnostics(result.diagnostics, result.sources));
  assertBaseline("audit/program.txt", renderAudit(result.results!));
  assert.equal(result.results!.map((r) => `${r.name}:${r.mode}:${r.allowed}`), [
    "web:enforce:true",
    "web:warn:true",
    "report:enforce:false",
    "report:warn:false",
    "web:require:false",
    "report:require:false",
  ]);
  // the program's own requirements name the statement they come from
  assert.ok(result.results!.find((r) => r.name === "web" && r.mode === "require")!.violations.some((v) => v.check === "readOnlyRootFilesystem"));
});

test("audit: manifests that are not YAML or not Kubernetes objects are coded diagnostics with positions", () => {
  const result = audit({ manifests: read("audit-bad"), level: "baseline" });
  assertBaseline("audit/bad-manifests.txt", renderDiagnostics(result.diagnostics, result.sources));
  assert.equal(result.diagnostics.map((d) => [d.code, d.span.file.split("/").pop(), d.span.start.line]), [["SP3010", "broken.yaml", 4], ["SP3010", "list.yaml", 1]]);
});

test.run();
