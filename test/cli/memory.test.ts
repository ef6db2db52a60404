/**
 * The command line collects the front end's garbage once a large program is checked
 * (src/cli/memory.ts); the core only reports its passes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { build } from "../../src/index.js";
import { collectGarbage } from "../../src/cli/memory.js";

test("build reports each of its passes once done, in order", () => {
  const passes: string[] = [];
  const result = build(
    [
      {
        path: "a.secpol",
        text: "namespace shop {\n  workload web app=web\n  default deny\n  allow web -> web: 80\n}\n",
      },
    ],
    {
      afterPass: (pass) => passes.push(pass),
    },
  );
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  assert.equal(passes, ["check", "compile", "security", "psp", "admission", "emit", "verify", "verify-admission"]);
});

test("afterModel: build lets go of the syntax trees before the lints, within the check pass", () => {
  const events: string[] = [];
  const result = build(
    [
      {
        path: "a.secpol",
        // a duplicate rule: the lints run after afterModel, and still report
        text: "namespace shop {\n  workload web app=web\n  default deny ingress\n  allow web -> web: 80\n  allow web -> web: 80\n}\n",
      },
    ],
    { afterModel: () => events.push("model"), afterPass: (pass) => events.push(pass) },
  );
  assert.equal(events.slice(0, 2), ["model", "check"]);
  assert.equal(
    result.diagnostics.map((d) => d.code),
    ["SP9104"],
  );
});

test("takeOutput: build hands its files over before verifying them and keeps none", () => {
  const inputs = [
    { path: "a.secpol", text: "namespace shop {\n  workload web app=web\n  default deny\n  allow web -> web: 80\n}\n" },
  ];
  const events: string[] = [];
  let taken: unknown[] = [];
  const result = build(inputs, {
    afterPass: (pass) => events.push(pass),
    takeOutput: (files) => {
      events.push("takeOutput");
      taken = files;
    },
  });
  assert.equal(events.slice(events.indexOf("emit"), events.indexOf("verify") + 1), ["emit", "takeOutput", "verify"]);
  assert.equal(result.files, []);
  assert.equal(taken, build(inputs).files, "the files a build without it returns");
  // a failed build hands nothing over
  let called = false;
  build([{ path: "a.secpol", text: "allow a -> b: 80\n" }], { takeOutput: () => (called = true) });
  assert.not.ok(called);
});

test("V8's collector is reachable from the command line, and frees what is no longer referenced", () => {
  const holder = { objects: Array.from({ length: 200_000 }, (_, i) => ({ i, text: `object ${i}` })) };
  const before = process.memoryUsage().heapUsed;
  holder.objects = [];
  assert.ok(collectGarbage(), "gc is not available");
  const freed = before - process.memoryUsage().heapUsed;
  assert.ok(freed > 10_000_000, `only ${freed} bytes were freed`);
});

test.run();
