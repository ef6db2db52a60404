import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { build, migratePsps, renderDiagnostics, renderMigrations } from "../../src/index.js";
import { assertBaseline, testRoot } from "../support/baseline.js";

const path = "test/cases/migrate/seeds.yaml";
const text = readFileSync(join(testRoot, "cases", "migrate", "seeds.yaml"), "utf8");

test("migrate-psp: the seeds' PSPs as secpol, their PSS level, and what PSS cannot express", () => {
  const { migrations, diagnostics } = migratePsps([{ path, text }]);
  assert.equal(diagnostics, []);
  assertBaseline("migrate/seeds.txt", renderMigrations(migrations));
  assert.equal(
    migrations.map((m) => [m.name, m.level]),
    [
      ["default", "privileged"],
      ["privileged", "privileged"],
      ["restricted-ish", "restricted"],
    ],
  );
  assert.ok(
    migrations[2].inexpressible.some((n) => n.startsWith("defaultAllowPrivilegeEscalation")),
    "mutating fields are named",
  );
});

test("migrate-psp round-trips: the printed secpol compiles back into the same PodSecurityPolicy specs", () => {
  const { migrations } = migratePsps([{ path, text }]);
  const program = `cluster { version 1.24 }\n${migrations.map((m) => m.secpol).join("\n")}`;
  const result = build([{ path: "migrated.secpol", text: program }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  const emitted = result.files
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
    .filter((o) => o?.kind === "PodSecurityPolicy");
  const original = parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o?.kind === "PodSecurityPolicy");
  const canonical = (spec: Record<string, unknown>) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(spec)
          .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    );
  for (const o of original) {
    const back = emitted.find((e) => e.metadata.name === o.metadata.name);
    assert.ok(back, o.metadata.name);
    assert.is(canonical(back.spec), canonical(o.spec), o.metadata.name);
  }
});

test("migrate-psp reads PSPs as kubectl does: YAML 1.1 booleans (`privileged: y`), Lists; a quoted boolean is refused", () => {
  const file = "test/cases/migrate/yaml11.yaml";
  const { migrations, diagnostics } = migratePsps([
    { path: file, text: readFileSync(join(testRoot, "cases", "migrate", "yaml11.yaml"), "utf8") },
  ]);
  assertBaseline("migrate/yaml11.txt", renderMigrations(migrations));
  assert.equal(
    migrations.map((m) => [m.name, m.level]),
    [
      ["hosts", "privileged"],
      ["listed", "privileged"],
    ],
  );
  assert.match(
    migrations[0].secpol,
    "privileged true\n  hostNetwork true\n  hostPID true\n  hostIPC false\n  allowPrivilegeEscalation false\n",
  );
  assert.equal(
    diagnostics.map((d) => `${d.code} ${d.span.start.line} ${d.message}`),
    ["SP3010 29 cannot audit this manifest: `spec.privileged` must be a boolean, as in any PodSecurityPolicy"],
  );
});

test.run();
