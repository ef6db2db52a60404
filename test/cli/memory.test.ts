/**
 * The command line collects the front end's garbage once a large program is checked
 * (src/cli/memory.ts); the core only reports its passes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "../../src/index.js";
import { main } from "../../src/cli/main.js";
import type { OutputFile } from "../../src/index.js";
import { EncodedFile } from "../../src/output/layout.js";
import {
  beforeCheck,
  collectGarbage,
  COLLECT_AT_MODEL_ABOVE_BYTES,
  FREE_GROWTH_MIN_CHARS,
  heapActions,
} from "../../src/cli/memory.js";
import { repoRoot } from "../support/baseline.js";

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

/** Two namespaces' programs, shop's in a file of that name. */
const twoNamespaces = (shopPath: string) => [
  { path: shopPath, text: "namespace shop {\n  workload web app=web\n  default deny\n  allow web -> web: 80\n}\n" },
  {
    path: "bank.secpol",
    text: "namespace bank {\n  workload api app=api\n  default deny\n  allow api -> api: 443\n}\n",
  },
];

test("streamOutput: emit gives every path first, then each file as it is made, before takeOutput", () => {
  const inputs = twoNamespaces("shop.secpol");
  const events: string[] = [];
  let paths: readonly string[] = [];
  const streamed: OutputFile[] = [];
  build(inputs, {
    afterPass: (pass) => events.push(pass),
    streamOutput: {
      begin: (p) => {
        events.push("begin");
        paths = p;
      },
      file: (f) => {
        events.push("file");
        streamed.push(f);
      },
    },
    takeOutput: () => events.push("takeOutput"),
  });
  const files = build(inputs).files;
  assert.ok(files.length > 2);
  const first = events.indexOf("begin");
  assert.ok(first > 0 && events.lastIndexOf("begin") === first, events.join(" "));
  assert.equal(
    events.slice(first),
    ["begin", ...files.map(() => "file"), "emit", "takeOutput", ...events.slice(events.indexOf("takeOutput") + 1)],
    "the paths, then every file, within emit",
  );
  assert.ok(
    events.slice(events.indexOf("takeOutput")).some((e) => e.startsWith("verify")),
    events.join(" "),
  );
  assert.equal([...paths].sort(), files.map((f) => f.path).sort(), "every path, each once");
  assert.equal(
    streamed.map((f) => [f.path, f.content]).sort(),
    files.map((f) => [f.path, f.content]).sort(),
    "every file, as written",
  );
  // a failed build begins nothing; without takeOutput nothing is streamed
  let begun = false;
  const stream = { begin: () => (begun = true), file: () => (begun = true) };
  build([{ path: "a.secpol", text: "allow a -> b: 80\n" }], { streamOutput: stream, takeOutput: () => {} });
  build(inputs, { streamOutput: stream });
  assert.not.ok(begun);
});

test("encodeOutput: the files handed over are the texts' UTF-8 bytes, each the one of its path", () => {
  // (a file name outside ASCII reaches the output in the source annotation)
  const inputs = twoNamespaces("shop-ä.secpol");
  let taken: OutputFile[] = [];
  build(inputs, { encodeOutput: true, takeOutput: (files) => (taken = [...files]) });
  const texts = build(inputs).files;
  assert.ok(texts.some((f) => f.content.includes("ä")));
  assert.equal(
    taken.map((f) => f.path),
    texts.map((f) => f.path),
  );
  const decoder = new TextDecoder();
  for (let i = 0; i < texts.length; i++) {
    const file = taken[i];
    // the YAML files are bytes already (the kustomization is written apart, as text)
    if (texts[i].path !== "kustomization.yaml") assert.instance(file, EncodedFile, texts[i].path);
    if (file instanceof EncodedFile) assert.equal(decoder.decode(file.bytes), texts[i].content, file.path);
    assert.equal(file.content, texts[i].content, file.path);
  }
});

test("V8's collector is reachable from the command line, and frees what is no longer referenced", () => {
  const holder = { objects: Array.from({ length: 200_000 }, (_, i) => ({ i, text: `object ${i}` })) };
  const before = process.memoryUsage().heapUsed;
  holder.objects = [];
  assert.ok(collectGarbage(), "gc is not available");
  const freed = before - process.memoryUsage().heapUsed;
  assert.ok(freed > 10_000_000, `only ${freed} bytes were freed`);
});

const program = "namespace shop {\n  workload web app=web\n  default deny\n  allow web -> web: 80\n}\n";

/** `secpolc build` of `files` in a new directory, in this process; it must succeed. */
async function buildIn(files: Record<string, string>): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), "secpolc-memory-"));
  mkdirSync(join(cwd, "p"));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(cwd, "p", file), text);
  let output = "";
  const io = { stdout: (t: string) => void (output += t), stderr: (t: string) => void (output += t) };
  const argv = ["build", "p", "-o", "out"];
  const code = await main(argv, { ...io, cwd, color: false, commandLine: argv.join(" ") });
  assert.is(code, 0, output);
}

test("a large program's build: the old generation grows freely until the model, then V8's factor and a collection", async () => {
  // comments only add text: just over the bound in all
  const filler = "# filler\n".repeat(Math.ceil((FREE_GROWTH_MIN_CHARS + 1 - program.length) / 9));
  let before = heapActions().length;
  await buildIn({ "a.secpol": program, "b.secpol": filler });
  // (a heap over 128 MB after the check would add the bound on its growth: not at this size)
  assert.equal(heapActions().slice(before, before + 3), [
    "--heap-growing-percent=2000",
    "--heap-growing-percent=0",
    "gc",
  ]);
  // just under the bound: the growth left to V8 (a collection and the bound after the check come
  // only with a heap over 128 MB, which this test process may have)
  before = heapActions().length;
  await buildIn({ "a.secpol": program, "b.secpol": filler.slice(9 + program.length) });
  assert.equal(
    heapActions()
      .slice(before)
      .filter((a) => a === "--heap-growing-percent=2000" || a === "--heap-growing-percent=0"),
    [],
  );
  // and the decision by size
  before = heapActions().length;
  beforeCheck(FREE_GROWTH_MIN_CHARS);
  assert.equal(heapActions().slice(before), []);
});

/**
 * The growth factor V8 takes at a full collection, in a fresh process that first called
 * beforeCheck(programChars), then afterModel() if asked: --trace-gc-verbose prints each new limit
 * of the old generation with its factor.
 */
function factorAtCollection(programChars: number, atModel: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-memory-"));
  const probe = join(dir, "probe.mjs");
  const memory = JSON.stringify(pathToFileURL(join(repoRoot, "src/cli/memory.ts")).href);
  writeFileSync(
    probe,
    `import { afterModel, beforeCheck, collectGarbage } from ${memory};
beforeCheck(${programChars});
${atModel ? "afterModel();" : "collectGarbage();"}
`,
  );
  const run = spawnSync(process.execPath, ["--import", "tsx", "--trace-gc-verbose", probe], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.is(run.status, 0, run.stderr);
  const factors = [...run.stdout.matchAll(/\[HeapController\] Limit: .*\(([0-9.]+)\)/g)].map((m) => m[1]);
  assert.ok(factors.length > 0, run.stdout);
  return factors.at(-1)!;
}

test("the growth set at run time reaches V8's heap controller, and the model takes it back", () => {
  assert.is(factorAtCollection(FREE_GROWTH_MIN_CHARS + 1, false), "21.0");
  assert.is.not(factorAtCollection(FREE_GROWTH_MIN_CHARS + 1, true), "21.0");
  assert.is.not(factorAtCollection(FREE_GROWTH_MIN_CHARS, false), "21.0");
});

/**
 * What afterModel does in a fresh process whose heap holds `heldBytes` more (objects kept live), as
 * heapActions lists it.
 */
function actionsAtModel(heldBytes: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-memory-"));
  const probe = join(dir, "probe.mjs");
  const memory = JSON.stringify(pathToFileURL(join(repoRoot, "src/cli/memory.ts")).href);
  writeFileSync(
    probe,
    `import { afterModel, heapActions } from ${memory};
const held = Array.from({ length: Math.ceil(${heldBytes} / 64) }, (_, i) => ({ i, a: [i, i] }));
afterModel();
console.log(JSON.stringify({ actions: heapActions(), held: held.length > 0 }));
`,
  );
  const run = spawnSync(process.execPath, ["--import", "tsx", probe], { cwd: repoRoot, encoding: "utf8" });
  assert.is(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { actions: string[] }).actions;
}

test("the model collects a heap over COLLECT_AT_MODEL_ABOVE_BYTES, and not a small one", () => {
  assert.equal(actionsAtModel(COLLECT_AT_MODEL_ABOVE_BYTES * 1.25), ["gc"]);
  assert.equal(actionsAtModel(0), []);
});

test.run();
