/**
 * The CLI's report formats for CI (`--format sarif|github`), `--warnings-as-errors` and
 * `# secpol-ignore` suppressions, end to end through bin/secpolc.js (dist/: run `npm run build`).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { run, workspace } from "../support/cli.js";
import { sarifValidator } from "../support/sarif.js";

const validate = sarifValidator();

const CLUSTER = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
/** Warnings (SP9105, SP9104) and a note (SP9003), no error. */
const warned = `${CLUSTER}namespace shop {\n  default deny\n  workload web app=web port http 8080 service 80 -> http\n  workload db app=db\n}\nallow db -> web: 80\nallow db -> web: 80\n`;
/** An error (SP2001), which stops the lints, a warning of the checker (SP9001) and notes (SP9003). */
const failing = `${warned}allow web -> dbb: 5432\nallow db -> web: grpc\n`;

interface Log {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      level: string;
      locations?: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
  }[];
}

test("check --format sarif: a valid SARIF 2.1.0 log of errors, warnings and notes on stdout; exit 1 on errors", () => {
  const dir = workspace({ "policies/shop.secpol": failing });
  const r = run(dir, "check", "policies", "--format", "sarif");
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, "");
  const log = JSON.parse(r.stdout) as Log;
  assert.equal(validate(log), []);
  const results = log.runs[0].results;
  assert.equal([...new Set(results.map((x) => x.level))].sort(), ["error", "note", "warning"]);
  assert.equal(
    log.runs[0].tool.driver.rules.map((x) => x.id),
    ["SP2001", "SP9001", "SP9003"],
  );
  const unknown = results.find((x) => x.ruleId === "SP2001")!;
  assert.is(unknown.locations![0].physicalLocation.region.startLine, 9);
  assert.match(unknown.locations![0].physicalLocation.artifactLocation.uri, /(^|\/)shop\.secpol$/);
  rmSync(dir, { recursive: true });
});

test("build --format sarif: a clean program gives an empty, valid log, and the output is written", () => {
  const dir = workspace({ "a.secpol": `${CLUSTER}namespace shop { default deny ingress\n  workload web app=web }\n` });
  const r = run(dir, "build", "a.secpol", "-o", "out", "--format", "sarif");
  assert.is(r.code, 0, r.stderr);
  const log = JSON.parse(r.stdout) as Log;
  assert.equal(validate(log), []);
  assert.equal(log.runs[0].results, []);
  assert.ok(existsSync(join(dir, "out", "shop", "namespace.yaml")), "YAML manifests written");
  rmSync(dir, { recursive: true });
});

test("check --format github: one workflow command per diagnostic on stdout", () => {
  const dir = workspace({ "shop.secpol": failing });
  const r = run(dir, "check", ".", "--format", "github");
  assert.is(r.code, 1);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(
    lines.map((l) => l.slice(0, l.indexOf(" "))),
    ["::notice", "::notice", "::error", "::warning"],
  );
  assert.is(
    lines[2],
    "::error file=shop.secpol,line=9,col=14,endLine=9,endColumn=16,title=SP2001::cannot find a workload or group named `dbb`%0Ahelp: did you mean `db`?",
  );
  assert.ok(
    lines[3].startsWith("::warning file=shop.secpol,line=10,col=18,endLine=10,endColumn=21,title=SP9001::"),
    lines[3],
  );
  rmSync(dir, { recursive: true });
});

test("a program in a subdirectory: CI formats name files from where secpolc runs (the repository's root), as the terminal does", () => {
  const dir = workspace({ "policies/shop.secpol": failing });
  const github = run(dir, "check", "policies", "--format", "github");
  assert.match(github.stdout, /^::error file=policies\/shop\.secpol,line=9,col=14,/m);
  const log = JSON.parse(run(dir, "check", "policies", "--format", "sarif").stdout) as Log;
  assert.equal(
    [
      ...new Set(
        log.runs[0].results.flatMap((x) => x.locations ?? []).map((l) => l.physicalLocation.artifactLocation.uri),
      ),
    ],
    ["policies/shop.secpol"],
  );
  assert.match(run(dir, "check", "policies").stderr, /^policies\/shop\.secpol:9:14: error SP2001/m);
  // from inside the program's directory, the same files by their own names
  assert.match(
    run(join(dir, "policies"), "check", ".", "--format", "github").stdout,
    /^::error file=shop\.secpol,line=9,/m,
  );
  rmSync(dir, { recursive: true });
});

test("--warnings-as-errors: warnings make check exit 1 (SP5021 says why); without warnings it exits 0", () => {
  const noted = `${CLUSTER}namespace shop {\n  default deny ingress\n  workload web app=web port http 8080 service 80 -> http\n}\nallow ns ingress -> shop/web: 80\n`;
  const dir = workspace({
    "shop.secpol": warned,
    "clean/a.secpol": `${CLUSTER}namespace a { default deny ingress\n  workload w app=w }\n`,
    "noted/a.secpol": noted,
  });
  assert.is(run(dir, "check", "shop.secpol").code, 0);
  const strict = run(dir, "check", "shop.secpol", "--warnings-as-errors");
  assert.is(strict.code, 1);
  assert.match(strict.stderr, /error SP5021: 2 warnings with `--warnings-as-errors`: the run fails/);
  assert.is(run(dir, "check", "clean", "--warnings-as-errors").code, 0);
  // notes alone do not fail it
  const notes = run(dir, "check", "noted", "--warnings-as-errors", "--format", "github");
  assert.is(notes.code, 0);
  assert.match(notes.stdout, /^::notice .*title=SP9003::/);
  rmSync(dir, { recursive: true });
});

test("--warnings-as-errors: build writes nothing and exits 1; the github format shows the SP5021 error", () => {
  const dir = workspace({ "shop.secpol": warned });
  const strict = run(dir, "build", "shop.secpol", "-o", "out", "--warnings-as-errors", "--format", "github");
  assert.is(strict.code, 1);
  assert.not.ok(existsSync(join(dir, "out")), "nothing written");
  assert.match(strict.stdout, /^::error title=SP5021::2 warnings with `--warnings-as-errors`: the run fails$/m);
  assert.is(run(dir, "build", "shop.secpol", "-o", "out").code, 0);
  rmSync(dir, { recursive: true });
});

test("audit: a warn-level violation is a warning (SP5024) in SARIF, and fails the run with --warnings-as-errors", () => {
  const dir = workspace({
    "program/p.secpol": "cluster { version 1.30 }\nnamespace shop { pss enforce baseline, warn restricted }\n",
    "deploy/pod.yaml":
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: a, image: a}]\n",
  });
  const r = run(dir, "audit", "program", "--manifests", "deploy", "--format", "sarif");
  assert.is(r.code, 0, r.stderr);
  const log = JSON.parse(r.stdout) as Log;
  assert.equal(validate(log), []);
  assert.equal(
    log.runs[0].results.map((x) => [x.ruleId, x.level, x.locations![0].physicalLocation.artifactLocation.uri]),
    [["SP5024", "warning", "deploy/pod.yaml"]],
  );
  assert.is(run(dir, "audit", "program", "--manifests", "deploy").code, 0);
  const strict = run(dir, "audit", "program", "--manifests", "deploy", "--warnings-as-errors");
  assert.is(strict.code, 1);
  assert.match(strict.stderr, /SP5021/);
  const enforced = run(dir, "audit", "--level", "restricted", "--manifests", "deploy", "--format", "github");
  assert.is(enforced.code, 1);
  assert.match(
    enforced.stdout,
    /^::error file=deploy\/pod\.yaml,line=\d+,.*title=SP5023::`Pod shop\/web` would be forbidden by PodSecurity `restricted:latest`/m,
  );
  rmSync(dir, { recursive: true });
});

test("fmt --check --format github|sarif: each unformatted file at its first changed line (SP5022), and no file list", () => {
  const dir = workspace({
    "a.secpol": "namespace shop {\n  default deny\n    workload web app=web\n}\n",
    "b.secpol": "namespace b {\n  default deny\n}\n",
  });
  const r = run(dir, "fmt", "--check", ".", "--format", "github");
  assert.is(r.code, 1);
  assert.is(
    r.stdout,
    "::error file=a.secpol,line=3,col=1,endLine=3,endColumn=24,title=SP5022::`a.secpol` is not formatted: this line is the first that `secpolc fmt` would change%0Ahelp: run `secpolc fmt` and commit the result\n",
  );
  const sarif = run(dir, "fmt", "--check", ".", "--format", "sarif");
  assert.is(sarif.code, 1);
  assert.equal(validate(JSON.parse(sarif.stdout)), []);
  assert.is(readFileSync(join(dir, "a.secpol"), "utf8").includes("    workload"), true, "--check writes nothing");
  rmSync(dir, { recursive: true });
});

test("the CI options on a command they do not apply to: SP5020, exit 2", () => {
  const dir = workspace({ "a.secpol": warned });
  const r = run(dir, "explain", "a.secpol", "shop/db -> shop/web:8080", "--format", "sarif");
  assert.is(r.code, 2);
  const log = JSON.parse(r.stdout) as Log;
  assert.equal(validate(log), []);
  assert.equal(
    log.runs[0].results.map((x) => [x.ruleId, x.locations]),
    [["SP5020", undefined]],
  );
  const diff = run(dir, "diff", "a.secpol", "a.secpol", "--warnings-as-errors");
  assert.is(diff.code, 2);
  assert.match(diff.stderr, /error SP5020: `--warnings-as-errors` does not apply to `diff`/);
  rmSync(dir, { recursive: true });
});

test("suppressions work through the CLI, and --warnings-as-errors then passes", () => {
  const suppressed = warned
    .replace("  default deny\n", "  default deny  # secpol-ignore SP9105: DNS is served by a sidecar\n")
    .replace(
      "allow db -> web: 80\nallow db -> web: 80\n",
      "allow db -> web: 80\n# secpol-ignore SP9104: kept until the review\nallow db -> web: 80\n",
    );
  const dir = workspace({ "a.secpol": suppressed });
  const r = run(dir, "check", ".", "--warnings-as-errors", "--format", "github");
  assert.is(r.code, 0, r.stdout);
  assert.equal(
    r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.slice(0, l.indexOf(" "))),
    ["::notice", "::notice"],
  );
  rmSync(dir, { recursive: true });
});

test.run();
