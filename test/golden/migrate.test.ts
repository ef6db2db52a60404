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

test("migrate-psp writes strings as the formatter does (quotes and backslashes escaped), and refuses a name it cannot write (a number, a space)", () => {
  const psp = (name: string, extra: string) =>
    `apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: "${name}"\n  annotations:\n    apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default,localhost/k8s-nginx'\nspec:\n  seLinux: {rule: RunAsAny}\n  runAsUser: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n${extra}`;
  const text = `${psp("paths", "  allowedHostPaths:\n    - pathPrefix: '/var/\"log\\\\x'\n")}---\n${psp("100", "")}---\n${psp("a b", "")}`;
  const { migrations, diagnostics } = migratePsps([{ path: "p.yaml", text }]);
  assert.equal(
    diagnostics.map((d) => `${d.code} ${d.span.start.line} ${d.message}`),
    [
      "SP3013 14 PodSecurityPolicy `100` cannot be written in secpol: a name made only of digits and dots is a number there",
      "SP3013 26 PodSecurityPolicy `a b` cannot be written in secpol: a name there is letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
    ],
  );
  assert.equal(
    migrations.map((m) => m.name),
    ["paths"],
  );
  const result = build([{ path: "m.secpol", text: `cluster { version 1.24 }\n${migrations[0].secpol}` }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  const back = result.files
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
    .find((o) => o?.kind === "PodSecurityPolicy");
  const original = parseAllDocuments(text)[0].toJS().spec.allowedHostPaths;
  assert.match(original[0].pathPrefix, /"log\\/, "a quote and a backslash");
  assert.equal(back.spec.allowedHostPaths, original);
  assert.is(
    back.metadata.annotations["apparmor.security.beta.kubernetes.io/allowedProfileNames"],
    "runtime/default,localhost/k8s-nginx",
  );
});

test.run();
