/**
 * `# secpol-ignore CODE: reason` (src/analysis/suppressions.ts): one pass in the core, so `check`
 * (the CLI and the language server) and `build` (the CLI and the playground) silence the same.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, check, format } from "../../src/index.js";
import { testRoot } from "../support/baseline.js";

const CLUSTER = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";

/** The `code@line` of each diagnostic of a program, from `check` and `build` (which must agree). */
function reported(body: string): string[] {
  const sources = [{ path: "a.secpol", text: `${CLUSTER}${body}` }];
  const fromCheck = check(sources).diagnostics.map((d) => `${d.code}@${d.span.start.line}`);
  const fromBuild = build(sources).diagnostics.map((d) => `${d.code}@${d.span.start.line}`);
  assert.equal(fromCheck, fromBuild, "check and build differ");
  return fromCheck;
}

const shop = (posture: string) => `namespace shop {\n${posture}\n  workload web app=web\n  workload db app=db\n}\n`;

test("without a suppression: the warnings these tests silence", () => {
  assert.equal(reported(`${shop("  default deny")}allow web -> db: 5432\nallow web -> db: 5432\n`), [
    "SP9105@3",
    "SP9104@8",
  ]);
});

test("a comment on the line above silences that code for that statement", () => {
  assert.equal(reported(`${shop("  # secpol-ignore SP9105: DNS is served by a sidecar\n  default deny")}`), []);
});

test("a comment after the statement on its line silences it", () => {
  assert.equal(
    reported(
      `${shop("  default deny")}allow web -> db: 5432\nallow web -> db: 5432  # secpol-ignore SP9104: kept for the review\n`,
    ),
    ["SP9105@3"],
  );
});

test("only that statement: the same warning elsewhere stays", () => {
  const body = `${shop("  default deny  # secpol-ignore SP9105: sidecar DNS")}namespace other {\n  default deny\n  workload w app=w\n}\n`;
  assert.equal(reported(body), ["SP9105@8"]);
});

test("only that code: another warning of the statement stays, and the suppression is unused", () => {
  assert.equal(
    reported(
      `${shop("  default deny")}allow web -> db: 5432\n# secpol-ignore SP9101: wrong code\nallow web -> db: 5432\n`,
    ),
    ["SP9105@3", "SP9010@8", "SP9104@9"],
  );
});

test("suppressions stack above a statement; several codes in one comment", () => {
  const stacked = `${shop("  default deny")}allow web -> db: 5432\n# secpol-ignore SP9104: kept\n# secpol-ignore SP9102: also kept\nallow web -> db: 5432\n`;
  assert.equal(reported(stacked), ["SP9105@3", "SP9010@9"]);
  assert.equal(
    reported(`namespace shop {\n  default deny # secpol-ignore SP9105, SP9104: both\n  workload web app=web\n}\n`),
    ["SP9010@3"],
  );
});

test("a blank line ends a suppression's reach", () => {
  assert.equal(reported(`${shop("  # secpol-ignore SP9105: sidecar\n\n  default deny")}`), ["SP9010@3", "SP9105@5"]);
});

test("on a block's first line it covers the block", () => {
  assert.equal(
    reported(`namespace shop { # secpol-ignore SP9105: sidecar\n  default deny\n  workload web app=web\n}\n`),
    [],
  );
});

test("a reason is required", () => {
  assert.equal(reported(`${shop("  # secpol-ignore SP9105\n  default deny")}`), ["SP1016@3", "SP9105@4"]);
  assert.equal(reported(`${shop("  # secpol-ignore SP9105:   \n  default deny")}`), ["SP1016@3", "SP9105@4"]);
});

test("errors cannot be suppressed; malformed and unknown codes are errors", () => {
  assert.equal(reported("allow web -> nowhere: 80 # secpol-ignore SP2001: not yet\n"), [
    "SP2001@2",
    "SP2001@2",
    "SP1018@2",
  ]);
  assert.equal(reported(`${shop("  # secpol-ignore: sidecar\n  default deny")}`), ["SP1017@3", "SP9105@4"]);
  assert.equal(reported(`${shop("  # secpol-ignore sp9105: sidecar\n  default deny")}`), ["SP1017@3", "SP9105@4"]);
  assert.equal(reported(`${shop("  # secpol-ignore SP9999: sidecar\n  default deny")}`), ["SP1017@3", "SP9105@4"]);
  assert.equal(reported(`${shop("  # secpol-ignore SP9105 because sidecar\n  default deny")}`), [
    "SP1017@3",
    "SP9105@4",
  ]);
});

test("a comment with a wrong code silences nothing and is reported once, however many words it has", () => {
  assert.equal(reported(`${shop(`  # secpol-ignore SP9105, SP2001, ${"x ".repeat(10_000)}: why\n  default deny`)}`), [
    "SP1018@3",
    "SP9105@4",
  ]);
});

test("a suppression before no statement silences nothing; other comments are not suppressions", () => {
  assert.equal(reported(`${shop("  default deny # secpol-ignore SP9105: x")}# secpol-ignore SP9104: nothing here\n`), [
    "SP9010@7",
  ]);
  assert.equal(reported(`${shop("  # secpol-ignored SP9105 and # secpol-ignore-next-line\n  default deny")}`), [
    "SP9105@4",
  ]);
});

test("the help says how; the suppression's own problems point at the code in the comment", () => {
  const text = `${CLUSTER}${shop("  default deny # secpol-ignore SP9101: x")}`;
  const [unused] = check([{ path: "a.secpol", text }]).diagnostics.filter((d) => d.code === "SP9010");
  assert.is(text.slice(unused.span.start.offset, unused.span.end.offset), "SP9101");
  assert.match(unused.message, /this suppression of `SP9101` silences nothing/);
  const [missing] = check([
    { path: "a.secpol", text: `${CLUSTER}${shop("  default deny # secpol-ignore SP9105")}` },
  ]).diagnostics.filter((d) => d.code === "SP1016");
  assert.match(missing.help ?? "", /# secpol-ignore SP9105: /);
});

test("a suppression problem fails the build: nothing is written", () => {
  const result = build([{ path: "a.secpol", text: `${CLUSTER}${shop("  default allow # secpol-ignore SP9105")}` }]);
  assert.equal(
    result.diagnostics.map((d) => d.code),
    ["SP1016"],
  );
  assert.equal(result.files, []);
});

test("suppressions are judged unused only when nothing failed: errors stop the passes that warn", () => {
  assert.equal(reported(`${shop("  default deny # secpol-ignore SP9101: x")}allow web -> nowhere: 80\n`), ["SP2001@7"]);
});

test("many suppressions and warnings cost near-linear time (no quadratic matching)", () => {
  const rules = Array.from(
    { length: 2_000 },
    (_, i) => `allow web -> db: ${1000 + i}\nallow web -> db: ${1000 + i} # secpol-ignore SP9104: kept`,
  ).join("\n");
  assert.equal(reported(`${shop("  default deny # secpol-ignore SP9105: x")}${rules}\n`), []);
});

test("a warning of the compiler (SP9203) is reported and silenced alike by build and check", () => {
  const body =
    "cluster { version 1.24 }\nnamespace shop { workload web app=web kind Deployment }\npsp restricted { privileged false }\ngrant psp restricted to group system:authenticated\nrequire runAsNonRoot for shop/web";
  const codes = (result: { diagnostics: { code: string }[] }) => result.diagnostics.map((d) => d.code);
  assert.equal(codes(build([{ path: "a.secpol", text: `${body}\n` }])), ["SP9203"]);
  const suppressed = [{ path: "a.secpol", text: `${body} # secpol-ignore SP9203: the patch is enough\n` }];
  assert.equal(codes(check([{ path: "a.secpol", text: `${body}\n` }])), ["SP9203"]);
  assert.equal(codes(build(suppressed)), []);
  assert.equal(codes(check(suppressed)), []);
});

test("formatting keeps what each suppression silences (comments stay with their statements)", () => {
  const text = `${readFileSync(join(testRoot, "cases", "errors", "suppressions.secpol"), "utf8")}namespace x { # secpol-ignore SP9105: ok\n  default deny\n  workload a app=a\n  allow a -> cidr 10.0.0.0/8: 80,\n    443 # secpol-ignore SP9102: y\n}\n`;
  const formatted = format(text, "a.secpol").text!;
  assert.is.not(formatted, text);
  const codes = (t: string) => check([{ path: "a.secpol", text: t }]).diagnostics.map((d) => `${d.code} ${d.message}`);
  assert.equal(codes(formatted), codes(text));
});

test("a program's own file named `std/...` is not the standard library: its suppressions count", () => {
  // was: every path starting `std/` was skipped, so the warning below stayed
  const sources = [
    { path: "std/shop.secpol", text: `${CLUSTER}${shop("  # secpol-ignore SP9105: sidecar DNS\n  default deny")}` },
  ];
  assert.equal(
    check(sources).diagnostics.map((d) => `${d.code}@${d.span.start.line}`),
    [],
  );
});

test.run();
