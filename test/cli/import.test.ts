import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/baseline.js";
import { run, workspace } from "../support/cli.js";

const policy = (name: string, spec: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n${spec.replace(/^/gm, "  ")}\n`;
const fine = policy(
  "db",
  "podSelector: {matchLabels: {app: db}}\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 5432}]",
);

test("end to end: import writes the program to -o FILE (atomically), or prints it; the example's command gives its program", () => {
  const dir = workspace({ "netpol/db.yaml": fine });
  const printed = run(dir, "import", "netpol");
  assert.is(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, "allow shop/web -> shop/db: 5432");
  const written = run(dir, "import", "netpol", "-o", "imported.secpol");
  assert.is(written.code, 0, written.stderr);
  assert.is(readFileSync(join(dir, "imported.secpol"), "utf8"), printed.stdout);
  assert.match(written.stderr, "the same flows");
  // the compiled program builds
  assert.is(run(dir, "build", "imported.secpol", "-o", "out").code, 0);

  const example = join(repoRoot, "examples", "netpol-import");
  const r = run(
    example,
    "import",
    "policies",
    "--pod-cidr",
    "10.244.0.0/16",
    "--service-cidr",
    "10.96.0.0/12",
    "--cluster-version",
    "1.30",
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, readFileSync(join(example, "imported.secpol"), "utf8"));
});

test("import: an invalid policy exits 1 and writes nothing, with the file and document; bad usage exits 2", () => {
  const dir = workspace({
    "netpol/db.yaml": `${fine}---\n${policy("bad", "podSelector: {}\npolicyTypes: [Sideways]")}`,
  });
  const r = run(dir, "import", "netpol", "-o", "imported.secpol");
  assert.is(r.code, 1);
  assert.match(r.stderr, "netpol/db.yaml:12:1: error SP5030: the API server would refuse NetworkPolicy `shop/bad`");
  assert.not.ok(existsSync(join(dir, "imported.secpol")));
  // an existing file is left as it was
  writeFileSync(join(dir, "imported.secpol"), "# mine\n");
  assert.is(run(dir, "import", "netpol", "-o", "imported.secpol").code, 1);
  assert.is(readFileSync(join(dir, "imported.secpol"), "utf8"), "# mine\n");
  assert.is(run(dir, "import").code, 2);
  assert.is(run(dir, "import", "no/such/dir").code, 2);
  assert.is(run(dir, "import", "netpol", "--pod-cidr", "10.244.0.1/16").code, 2);
});

test("import: an inexact program exits 1 unless --allow-inexact, which writes it with a warning", () => {
  const dir = workspace({
    "in.yaml": policy(
      "db-in",
      "podSelector: {matchLabels: {app: db}}\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: sql}]",
    ),
    "out.yaml": policy(
      "web-out",
      "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: 5432}]",
    ),
  });
  const strict = run(dir, "import", ".", "-o", "imported.secpol");
  assert.is(strict.code, 1);
  assert.match(strict.stderr, "error SP3050");
  assert.not.ok(existsSync(join(dir, "imported.secpol")));
  const allowed = run(dir, "import", ".", "-o", "imported.secpol", "--allow-inexact");
  assert.is(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stderr, "warning SP9076");
  assert.ok(existsSync(join(dir, "imported.secpol")));
});

test("import --ipblock-pods yes|no: which CNI behaviour the import keeps for an ipBlock holding the pod range; without it, exit 1 with the flow", () => {
  const dir = workspace({
    "netpol/out.yaml": policy(
      "out",
      "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]",
    ),
  });
  const range = ["--pod-cidr", "10.244.0.0/16"];
  const both = run(dir, "import", "netpol", ...range);
  assert.is(both.code, 1);
  assert.match(both.stderr, "where the CNI matches ipBlocks against pod addresses, the policies admit it (out)");
  assert.match(both.stderr, "`--ipblock-pods yes` or `--ipblock-pods no`");
  const yes = run(dir, "import", "netpol", ...range, "--ipblock-pods", "yes");
  assert.is(yes.code, 0, yes.stderr);
  assert.match(yes.stdout, "allow shop/* -> cidr 0.0.0.0/0, cluster\n");
  const no = run(dir, "import", "netpol", ...range, "--ipblock-pods=no");
  assert.is(no.code, 0, no.stderr);
  assert.match(no.stdout, "allow shop/* -> cidr 0.0.0.0/0\n");
  // without the pod range, only `no` needs no addresses
  assert.is(run(dir, "import", "netpol").code, 1);
  assert.is(run(dir, "import", "netpol", "--ipblock-pods", "no").code, 0);
  assert.is(run(dir, "import", "netpol", "--ipblock-pods", "maybe").code, 2);
});

test("import --format json: the program, whether it is exact, and the diagnostics", () => {
  const dir = workspace({ "netpol/db.yaml": fine });
  const r = run(dir, "import", "netpol", "--format", "json");
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.exact, true);
  assert.match(result.program, "allow shop/web -> shop/db: 5432");
  assert.ok(result.checks > 0);
});

test.run();
