import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { build, renderDiagnostics, type SourceText } from "../../src/index.js";
import { importPolicies, type ImportOptions } from "../../src/analysis/import.js";
import { checkImport } from "../../src/analysis/import-check.js";
import { parseCidr, type Cidr } from "../../src/semantics/ip.js";
import { repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";

const cidr = (text: string): Cidr => (parseCidr(text) as { cidr: Cidr }).cidr;

/** Imports and checks; the program, whether it is exact, and every diagnostic rendered. */
export function importAndCheck(manifests: readonly SourceText[], options: ImportOptions = {}) {
  const imported = importPolicies(manifests, options);
  const errors = imported.diagnostics.some((d) => d.severity === "error");
  const checked = errors
    ? undefined
    : checkImport(imported, "imported.secpol", { clusterVersion: options.clusterVersion });
  const diagnostics = [...imported.diagnostics, ...(checked?.diagnostics ?? [])];
  const sources = {
    ...Object.fromEntries(manifests.map((m) => [m.path, m.text])),
    "imported.secpol": imported.program,
  };
  return {
    imported,
    checked,
    exact: checked?.exact === true,
    diagnostics,
    rendered: renderDiagnostics(diagnostics, sources),
  };
}

const policy = (name: string, spec: string, namespace = "shop") =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n${spec.replace(/^/gm, "  ")}\n`;

const exampleDir = join(repoRoot, "examples", "netpol-import");
const exampleOptions: ImportOptions = {
  podCIDRs: [cidr("10.244.0.0/16")],
  serviceCIDRs: [cidr("10.96.0.0/12")],
  clusterVersion: "1.30",
};

function exampleManifests(): SourceText[] {
  const dir = join(exampleDir, "policies");
  return readdirSync(dir)
    .sort()
    .map((name) => ({ path: `policies/${name}`, text: readFileSync(join(dir, name), "utf8") }));
}

test("the example: recipe-style policies import into a program with the same flows, which is the example's program", () => {
  const result = importAndCheck(exampleManifests(), exampleOptions);
  assert.ok(result.exact, result.rendered);
  assert.ok(result.checked!.checks > 1000, `${result.checked!.checks} flows compared`);
  const golden = join(exampleDir, "imported.secpol");
  if (process.env.UPDATE_BASELINES === "1" && !process.env.CI) writeFileSync(golden, result.imported.program);
  assert.ok(existsSync(golden), "run with UPDATE_BASELINES=1 to write examples/netpol-import/imported.secpol");
  assert.fixture(result.imported.program, readFileSync(golden, "utf8"));
  // the ConfigMap is a note; nothing else is said but what the program's build says
  assert.equal(
    result.diagnostics.filter((d) => d.span.file.startsWith("policies/")).map((d) => d.code),
    ["SP9070"],
  );
});

/** Examples whose import compiles back to the very NetworkPolicies (names and specs); the others differ in workload names or in how rules are split, not in flows. */
const SAME_OBJECTS = ["ipblock-except", "kuard", "multi-tenant", "pss-levels", "web-db"];
const policySpecs = (files: readonly { path: string; content: string }[]) =>
  JSON.stringify(
    files
      .filter((f) => f.path.endsWith("networkpolicies.yaml"))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
      .map((o) => [o.metadata.namespace, o.metadata.name, o.spec]),
  );

for (const name of exampleNames()) {
  test(`round trip: example ${name}'s compiled NetworkPolicies import back into a program with the same flows`, () => {
    const built = build(readSources(join(repoRoot, "examples", name)));
    assert.ok(built.files.length > 0, renderDiagnostics(built.diagnostics, built.sources));
    const manifests = built.files
      .filter((f) => /(networkpolicies|namespace)\.yaml$/.test(f.path))
      .map((f) => ({ path: f.path, text: f.content }));
    if (!manifests.some((m) => m.path.endsWith("networkpolicies.yaml"))) return;
    const cluster = readSources(join(repoRoot, "examples", name))
      .map((s) => s.text)
      .join("\n");
    const ranges = (key: string) =>
      [...(cluster.match(new RegExp(`${key} ([0-9a-f.:/, ]+)`))?.[1].split(",") ?? [])].map((c) => cidr(c.trim()));
    const version = cluster.match(/version (\d+\.\d+)/)?.[1];
    const result = importAndCheck(manifests, {
      podCIDRs: ranges("podCIDR"),
      serviceCIDRs: ranges("serviceCIDR"),
      clusterVersion: version,
    });
    assert.ok(result.exact, `${result.rendered}\n${result.imported.program}`);
    // for these, the import is the program up to names and layout: it compiles to the same objects
    if (SAME_OBJECTS.includes(name))
      assert.is(
        policySpecs(build([{ path: "imported.secpol", text: result.imported.program }]).files),
        policySpecs(built.files),
      );
  });
}

test("policyTypes empty or absent is what the API server defaults: Ingress, and Egress when there is an egress rule", () => {
  const manifests = [
    {
      path: "a.yaml",
      text: policy("empty-types", "podSelector: {matchLabels: {app: a}}\npolicyTypes: []\negress: []"),
    },
    {
      path: "b.yaml",
      text: policy("absent-types", "podSelector: {matchLabels: {app: b}}\negress:\n  - to: [{podSelector: {}}]"),
    },
  ];
  const result = importAndCheck(manifests);
  assert.ok(result.exact, result.rendered);
  assert.match(result.imported.program, "default deny ingress for a\n");
  assert.not.match(result.imported.program, "default deny egress for a");
  assert.match(result.imported.program, "default deny egress for b\n");
});

test("an invalid policy is an error with its file and document, and nothing is imported", () => {
  const text = `${policy("fine", "podSelector: {}")}---\n${policy("bad", "podSelector: {}\ningress:\n  - ports:\n      - port: 90\n        endPort: 80")}`;
  const result = importAndCheck([{ path: "p.yaml", text }]);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.equal(
    errors.map((d) => [d.code, d.span.file, d.span.start.line]),
    [["SP5030", "p.yaml", 9]],
  );
  assert.match(errors[0].message, "`spec.ingress[0].ports[0].endPort` must not be less than `port`");
  assert.is(result.checked, undefined);
});

test("a rule that admits nothing end to end is a note, and the program leaves it out", () => {
  const manifests = [
    { path: "deny.yaml", text: policy("deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]") },
    {
      path: "db.yaml",
      text: policy(
        "db",
        "podSelector: {matchLabels: {app: db}}\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]",
      ),
    },
  ];
  const result = importAndCheck(manifests);
  assert.ok(result.exact, result.rendered);
  assert.ok(
    result.diagnostics.some((d) => d.code === "SP9075" && d.message.includes("shop/db")),
    result.rendered,
  );
  assert.not.match(result.imported.program, "allow");
});

test("a named port met by a number on the other side has no exact form: the difference is an error with the flow", () => {
  const manifests = [
    {
      path: "in.yaml",
      text: policy(
        "db-in",
        "podSelector: {matchLabels: {app: db}}\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: sql}]",
      ),
    },
    {
      path: "out.yaml",
      text: policy(
        "web-out",
        "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: 5432}]",
      ),
    },
  ];
  const result = importAndCheck(manifests);
  assert.not.ok(result.exact);
  const inexact = result.diagnostics.find((d) => d.code === "SP3050");
  assert.ok(inexact, result.rendered);
  assert.match(inexact!.message, "tcp/");
  assert.match(inexact!.message, "the policies admit it");
});

test("objects other than NetworkPolicies are skipped with a note", () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n${policy("p", "podSelector: {}")}`;
  const result = importAndCheck([{ path: "m.yaml", text }]);
  assert.ok(result.exact, result.rendered);
  assert.equal(
    result.diagnostics.filter((d) => d.span.file === "m.yaml").map((d) => [d.code, d.severity]),
    [["SP9070", "note"]],
  );
});

test("ipBlocks: without --pod-cidr the import asks for it; with it a block holding the pod range is CNI-dependent and one inside it is left out", () => {
  const egress = (cidrs: string[]) =>
    policy(
      "out",
      `podSelector: {}\npolicyTypes: [Egress]\negress:\n${cidrs.map((c) => `  - to: [{ipBlock: {cidr: ${c}}}]`).join("\n")}`,
    );
  const asked = importAndCheck([{ path: "a.yaml", text: egress(["0.0.0.0/0"]) }]);
  assert.ok(asked.exact, asked.rendered);
  assert.ok(
    asked.diagnostics.some((d) => d.code === "SP9072"),
    asked.rendered,
  );
  const ranged = importAndCheck([{ path: "a.yaml", text: egress(["0.0.0.0/0", "10.244.3.0/24"]) }], {
    podCIDRs: [cidr("10.244.0.0/16")],
  });
  assert.ok(ranged.exact, ranged.rendered);
  assert.equal(
    ranged.diagnostics
      .filter((d) => d.span.file === "a.yaml")
      .map((d) => d.code)
      .sort(),
    ["SP9073", "SP9074"],
  );
  assert.not.match(ranged.imported.program, "10.244.3.0");
});

test("pods outside many selectors of two labels (exponentially many selectors) stop the import with SP3053, not a hang", () => {
  const isolating = Array.from({ length: 14 }, (_, i) =>
    policy(`e${i}`, `podSelector: {matchLabels: {k${i}: x, l${i}: z}}\npolicyTypes: [Egress]`),
  ).join("---\n");
  const open = policy("in", "podSelector: {}\ningress:\n  - from: [{podSelector: {}}]");
  const result = importPolicies([{ path: "many.yaml", text: `${isolating}---\n${open}` }]);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code),
    ["SP3053"],
  );
  assert.is(result.program, "");
});

test.run();
