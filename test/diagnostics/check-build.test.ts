/**
 * `check` reports what `build` reports (issue 17, item 5): compile-time errors such as SP3005 appear
 * in `check` (and so in the language server, which publishes `check`), SP3005 only where an emitted
 * ipBlock would admit denied pods, SP9004 only for ipBlocks really emitted, and SP9105 for every
 * closed egress, a workload's too, naming the pods that cannot resolve names.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { build, check } from "../../src/index.js";
import { programArbitrary } from "../support/programs.js";

const source = (text: string) => [{ path: "p.secpol", text }];
const codes = (text: string) => check(source(text)).diagnostics.map((d) => d.code);
const web = "namespace default {\n  default allow ingress\n  workload web app=web\n}\n";

test("check reports SP3005, as build does", () => {
  const program = `${web}deny pods(app=x) in ns default -> default/web\n`;
  assert.ok(build(source(program)).diagnostics.some((d) => d.code === "SP3005"));
  assert.ok(codes(program).includes("SP3005"));
});

test("no SP3005 when the exact output has no ipBlock (`deny any` leaves nothing of `default allow`)", () => {
  const program = `${web}deny any -> default/web\n`;
  const built = build(source(program));
  assert.equal(
    built.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.ok(built.files.length > 0);
  assert.not.ok(built.files.some((f) => f.content.includes("ipBlock")));
  assert.not.ok(codes(program).includes("SP3005"));
});

test("SP3005 where an allow's ipBlock survives a deny that removes pods from it", () => {
  const program =
    "namespace a {\n  default deny\n  workload w app=w\n}\nallow any -> a/w: 80\ndeny pods(app=x) in ns a -> a/w: 80\n";
  assert.ok(codes(program).includes("SP3005"));
});

test("SP9004 only for ipBlocks that are emitted", () => {
  const foo = "namespace foo {\n  default deny\n  workload w app=w\n}\nallow foo/* -> dns\n";
  assert.not.ok(codes(`${foo}deny foo/* -> world\n`).includes("SP9004"), "a deny emits no ipBlock");
  assert.not.ok(codes(`${foo}assert foo/w -/-> cidr 9.9.9.9/32\n`).includes("SP9004"), "an assertion emits nothing");
  assert.ok(codes(`${foo}allow foo/w -> cidr 1.2.3.0/24: 443\n`).includes("SP9004"));
});

/** The program's SP9105 warnings. */
const closedEgress = (text: string) => check(source(text)).diagnostics.filter((d) => d.code === "SP9105");

test("SP9105 for a workload's closed egress, naming the pods that cannot resolve", () => {
  const [workload] = closedEgress("namespace foo {\n  workload w app=w\n  default deny egress for w\n}\n");
  assert.ok(workload);
  assert.match(workload.message, "`foo/w`");
  assert.is(workload.help, "add `allow foo/w -> dns`");
  const [namespace] = closedEgress("namespace foo {\n  default deny\n  workload w app=w\n}\nallow foo/w -> dns\n");
  assert.ok(namespace);
  assert.match(namespace.message, "`other pods of foo`");
  assert.not.match(namespace.message, "`foo/w`", "foo/w resolves");
});

test("SP9105 where a deny takes DNS from some pods that an allow gives it to, and by namespace labels", () => {
  // (the lint decides on the selectors when an allow holds the region and no deny meets it)
  const [denied] = closedEgress(
    "namespace foo {\n  default deny\n  workload w app=w\n}\nallow foo/* -> dns\ndeny foo/w -> dns\n",
  );
  assert.ok(denied);
  assert.match(denied.message, "`foo/w`");
  const teams =
    "namespace foo {\n  default deny\n  labels team=x\n  workload w app=w\n}\n" +
    "namespace bar {\n  default deny\n  labels team=y\n  workload v app=v\n}\nallow ns(team=x) -> dns\n";
  assert.equal(
    closedEgress(teams).map((d) => d.message),
    ["egress is closed and DNS is not allowed, so these cannot resolve names: the pods of `bar`"],
  );
});

test("check and build report the same diagnostics on generated programs", () => {
  fc.assert(
    fc.property(programArbitrary(true), ({ text }) => {
      const key = (d: { code: string; span: { start: { offset: number } } }) => `${d.code}@${d.span.start.offset}`;
      assert.equal(check(source(text)).diagnostics.map(key), build(source(text)).diagnostics.map(key), text);
    }),
    { numRuns: 80 },
  );
});

test.run();
