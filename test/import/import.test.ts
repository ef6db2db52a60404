import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { build, renderDiagnostics, type SourceText } from "../../src/index.js";
import { importPolicies, type ImportOptions } from "../../src/analysis/import.js";
import { checkImport } from "../../src/analysis/import-check.js";
import { repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";
import { cidr } from "../support/cidr.js";

/** Imports and checks; the program, whether it is exact, and every diagnostic rendered. */
export function importAndCheck(
  manifests: readonly SourceText[],
  options: ImportOptions & { allowInexact?: boolean } = {},
) {
  const imported = importPolicies(manifests, options);
  const errors = imported.diagnostics.some((d) => d.severity === "error");
  const checked = errors
    ? undefined
    : checkImport(imported, "imported.secpol", {
        clusterVersion: options.clusterVersion,
        ipBlockPods: options.ipBlockPods,
        allowInexact: options.allowInexact,
      });
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

test("label values that are numbers or hold `..` are quoted as the formatter writes them, and name no workload as a number", () => {
  const spec = (app: string) =>
    `podSelector:\n  matchLabels:\n    app: web\ningress:\n  - from:\n      - podSelector:\n          matchLabels:\n            app: "${app}"\n            version: "1.0"`;
  for (const [app, workload, selector] of [
    ["42", "pods-42", "app=42, version=1.0"],
    ["a..b", "a-b", 'app="a..b", version=1.0'],
  ]) {
    const result = importAndCheck([{ path: "p.yaml", text: policy("p", spec(app)) }]);
    assert.equal(result.diagnostics, [], result.rendered);
    assert.ok(result.exact, result.rendered);
    assert.match(result.imported.program, `  workload ${workload} ${selector}\n`);
    assert.match(result.imported.program, `allow shop/${workload} -> shop/web\n`);
  }
});

test("a namespace whose name is a number cannot be owned in secpol: its policies and Namespace are an error, not a broken program", () => {
  const namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: '2024'\n";
  const text = `${policy("p", "podSelector: {}", "'42'")}---\n${namespace}---\n${policy("q", "podSelector: {}")}`;
  const result = importAndCheck([{ path: "p.yaml", text }]);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.span.start.line, d.message]),
    [
      [
        "SP5034",
        1,
        "namespace `42` (of NetworkPolicy `42/p`) cannot be written in secpol: a name made only of digits and dots is a number there, and a program owns its namespaces by name",
      ],
      [
        "SP5034",
        9,
        "namespace `2024` (of Namespace `2024`) cannot be written in secpol: a name made only of digits and dots is a number there, and a program owns its namespaces by name",
      ],
    ],
    result.rendered,
  );
  assert.not.match(result.rendered, "internal error");
});

test("label keys secpol cannot write (`42`, `a..b`) are an error naming where, not a broken program", () => {
  const keyed = (key: string, where: "labels" | "expression") =>
    where === "labels"
      ? `podSelector:\n  matchLabels:\n    "${key}": x`
      : `podSelector:\n  matchExpressions:\n    - key: "${key}"\n      operator: Exists`;
  const namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    '7': x\n";
  const text = [policy("p", keyed("42", "labels")), policy("q", keyed("a..b", "expression")), namespace].join("---\n");
  const result = importAndCheck([{ path: "p.yaml", text }]);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.span.start.line, d.message]),
    [
      [
        "SP5034",
        1,
        "label key `42` in `spec.podSelector.matchLabels` (of NetworkPolicy `shop/p`) cannot be written in secpol: a label key there is a name (after a prefix and `/`): a name made only of digits and dots is a number there",
      ],
      [
        "SP5034",
        11,
        "label key `a..b` in `spec.podSelector.matchExpressions[0]` (of NetworkPolicy `shop/q`) cannot be written in secpol: a label key there is a name (after a prefix and `/`): a name there is letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
      ],
      [
        "SP5034",
        22,
        "label key `7` (of Namespace `shop`) cannot be written in secpol: a label key there is a name (after a prefix and `/`): a name made only of digits and dots is a number there",
      ],
    ],
    result.rendered,
  );
  assert.not.match(result.rendered, "internal error");
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

/** `db` admits `web` on one port, and `web`'s egress admits `db` on another. */
const webToDb = (ingressPort: string, egressPort: string) => [
  {
    path: "in.yaml",
    text: policy(
      "db-in",
      `podSelector: {matchLabels: {app: db}}\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: ${ingressPort}}]`,
    ),
  },
  {
    path: "out.yaml",
    text: policy(
      "web-out",
      `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: ${egressPort}}]`,
    ),
  },
];

test("a named port met by a number on the other side has no exact form: the difference is an error with the flow", () => {
  const manifests = webToDb("sql", "5432");
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

const egressTo = (blocks: string[]) =>
  policy(
    "out",
    `podSelector: {}\npolicyTypes: [Egress]\negress:\n${blocks.map((b) => `  - to: [{ipBlock: ${b}}]`).join("\n")}`,
  );
/** The egress policy to these blocks, imported and checked. */
const importBlocks = (blocks: string[], options: Parameters<typeof importAndCheck>[1] = {}) =>
  importAndCheck([{ path: "a.yaml", text: egressTo(blocks) }], options);
const podRange = { podCIDRs: [cidr("10.244.0.0/16")], serviceCIDRs: [cidr("10.96.0.0/12")] };
const codes = (result: ReturnType<typeof importAndCheck>, file: string) =>
  result.diagnostics
    .filter((d) => d.span.file === file)
    .map((d) => d.code)
    .sort();

test("an ipBlock holding the pod range admits pods on CNIs that match ipBlocks against pod addresses: the check compares both behaviours and reports the flow", () => {
  // before, only the behaviour that matches addresses outside the pods was compared: "exact"
  const result = importBlocks(["{cidr: 0.0.0.0/0}"], podRange);
  assert.not.ok(result.exact, result.rendered);
  const inexact = result.diagnostics.find((d) => d.code === "SP3050");
  assert.ok(inexact, result.rendered);
  assert.match(inexact!.message, /a pod \{\} in `shop` at 10\.244\.\d+\.\d+ -> a pod .* at 10\.244\./);
  assert.match(inexact!.message, "where the CNI matches ipBlocks against pod addresses, the policies admit it (out)");
  assert.match(inexact!.help!, "`--ipblock-pods yes` or `--ipblock-pods no`");
  assert.equal(codes(result, "a.yaml"), ["SP3050", "SP9073"]);
  // a block that excepts the pod range means the same on both: exact, compared twice over
  const excepting = importAndCheck(
    [{ path: "a.yaml", text: egressTo(["{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}"]) }],
    podRange,
  );
  assert.ok(excepting.exact, excepting.rendered);
  const once = importAndCheck([{ path: "a.yaml", text: egressTo(["{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}"]) }], {
    ...podRange,
    ipBlockPods: "no",
  });
  assert.ok(excepting.checked!.checks > once.checked!.checks);
});

test("--ipblock-pods says which the CNI does, and the import keeps that meaning: no, the block for addresses outside the pods; yes, every pod beside it", () => {
  const no = importBlocks(["{cidr: 0.0.0.0/0}", "{cidr: 10.244.3.0/24}"], { ...podRange, ipBlockPods: "no" });
  assert.ok(no.exact, no.rendered);
  assert.equal(codes(no, "a.yaml"), ["SP9074"]);
  assert.match(no.imported.program, "allow shop/* -> cidr 0.0.0.0/0\n");
  const yes = importBlocks(["{cidr: 0.0.0.0/0}"], { ...podRange, ipBlockPods: "yes" });
  assert.ok(yes.exact, yes.rendered);
  assert.equal(codes(yes, "a.yaml"), ["SP9060"]);
  assert.match(yes.imported.program, "allow shop/* -> cidr 0.0.0.0/0, cluster\n");
  // part of the pod range admits the pods at those addresses, which no label says: the difference
  const part = importBlocks(["{cidr: 10.244.3.0/24}"], { ...podRange, ipBlockPods: "yes" });
  assert.not.ok(part.exact);
  const inexact = part.diagnostics.find((d) => d.code === "SP3050");
  assert.match(inexact!.message, "at 10.244.3.0 on tcp/1: where the CNI matches ipBlocks against pod addresses");
});

test("ipBlocks without --pod-cidr: the pods' addresses are unknown, so the import asks for it (an error, a warning with --allow-inexact, nothing with --ipblock-pods no)", () => {
  const asked = importBlocks(["{cidr: 0.0.0.0/0}"]);
  assert.not.ok(asked.exact);
  assert.equal(codes(asked, "a.yaml"), ["SP3041"]);
  assert.match(asked.diagnostics.find((d) => d.code === "SP3041")!.help!, "`--pod-cidr`");
  const allowed = importBlocks(["{cidr: 0.0.0.0/0}"], { allowInexact: true });
  assert.not.ok(allowed.exact);
  assert.equal(codes(allowed, "a.yaml"), ["SP9072"]);
  const external = importBlocks(["{cidr: 0.0.0.0/0}"], { ipBlockPods: "no" });
  assert.ok(external.exact, external.rendered);
  assert.equal(codes(external, "a.yaml"), []);
});

test("named ports: a pod may declare two names on one port, which an ingress rule on one and an egress rule on the other both admit", () => {
  // before, each pod declared one name at a time: the program, which admits none of these flows, was "exact"
  const manifests = webToDb("http", "web");
  const result = importAndCheck(manifests);
  assert.not.ok(result.exact, result.rendered);
  const inexact = result.diagnostics.find((d) => d.code === "SP3050");
  assert.ok(inexact, result.rendered);
  assert.match(inexact!.message, /\(port http=(\d+)\/tcp, web=\1\/tcp\)/);
  assert.match(inexact!.message, "the policies admit it (db-in, web-out), the imported program does not");
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
