/**
 * `build` and `check` bound V8's inlining for programs up to about 2 MB of text (src/cli/tiering.ts):
 * the decision by size, that both commands take it before their work and the language server never
 * does, and that the flag set at run time reaches V8's optimizing compiler.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { main } from "../../src/cli/main.js";
import { appliedFlags, BOUNDED_INLINING_MAX_CHARS, flagsForOneRun } from "../../src/cli/tiering.js";
import { repoRoot } from "../support/baseline.js";
import { languageServer } from "../support/lsp.js";

const BOUNDED = "--max-inlined-bytecode-size-cumulative=60";
const program = "namespace shop {\n  workload web app=web\n  default deny\n  allow web -> web: 80\n}\n";
const dir = mkdtempSync(join(tmpdir(), "secpolc-tiering-"));
const url = (file: string) => pathToFileURL(join(repoRoot, file)).href;
/** tsx for the child processes, which run outside the repository */
const tsx = import.meta.resolve("tsx");

function workspace(name: string, files: Record<string, string>): string {
  const at = join(dir, name);
  mkdirSync(at);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(at, file), text);
  return at;
}

/** `secpolc ARGV` in this process, in `cwd`; it must succeed. */
async function run(cwd: string, ...argv: string[]): Promise<void> {
  let output = "";
  const io = { stdout: (t: string) => void (output += t), stderr: (t: string) => void (output += t) };
  const code = await main(argv, { ...io, cwd, color: false, commandLine: argv.join(" ") });
  assert.is(code, 0, output);
}

test("programs up to the bound get bounded inlining, larger ones V8's default", () => {
  assert.equal(flagsForOneRun(0), [BOUNDED]);
  assert.equal(flagsForOneRun(BOUNDED_INLINING_MAX_CHARS), [BOUNDED]);
  assert.equal(flagsForOneRun(BOUNDED_INLINING_MAX_CHARS + 1), []);
});

test("check and build set the flag for a small program, before their work", async () => {
  const small = workspace("small", { "a.secpol": program });
  const before = appliedFlags().length;
  await run(small, "check", ".");
  assert.equal(appliedFlags().slice(before), [BOUNDED]);
  await run(small, "build", ".", "-o", "out");
  assert.equal(appliedFlags().slice(before), [BOUNDED, BOUNDED]);
});

test("the size counted is the program's text: a program over the bound keeps V8's default", async () => {
  // comments only add text (the check skips them cheaply): just over the bound in all
  const filler = "# filler\n".repeat(Math.ceil((BOUNDED_INLINING_MAX_CHARS + 1 - program.length) / 9));
  const large = workspace("large", { "a.secpol": program, "b.secpol": filler });
  const before = appliedFlags().length;
  await run(large, "check", ".");
  assert.equal(appliedFlags().slice(before), []);
  // and just under it, the same program gets it
  writeFileSync(join(large, "b.secpol"), filler.slice(9 + program.length));
  await run(large, "check", ".");
  assert.equal(appliedFlags().slice(before), [BOUNDED]);
});

test("the language server sets it, whatever the size of the programs it will check", async () => {
  const cwd = workspace("lsp", { "a.secpol": program });
  const record = join(dir, "lsp-flags.json");
  // `secpolc lsp` from the sources, writing the flags it set as it exits
  const server = join(dir, "lsp-server.mjs");
  writeFileSync(
    server,
    [
      `import { writeFileSync } from "node:fs";`,
      `import { main } from ${JSON.stringify(url("src/cli/main.ts"))};`,
      `import { appliedFlags } from ${JSON.stringify(url("src/cli/tiering.ts"))};`,
      `process.on("exit", () => writeFileSync(${JSON.stringify(record)}, JSON.stringify(appliedFlags())));`,
      `process.exitCode = await main(["lsp"]);`,
    ].join("\n"),
  );
  const lsp = languageServer(cwd, ["--import", tsx, server]);
  await lsp.initialize();
  const uri = pathToFileURL(join(cwd, "a.secpol")).href;
  await lsp.open(uri, program.replace("web: 80", "webx: 80"));
  const [d] = await lsp.diagnosticsFor(uri, (ds) => ds.length > 0);
  assert.is(d.code, "SP2001"); // the server checked the program
  await lsp.shutdown();
  assert.equal(JSON.parse(readFileSync(record, "utf8")), [BOUNDED]);
});

/**
 * Whether V8 inlined a probe callee (about 100 bytes of bytecode, over the bound and well under V8's
 * per-function limit) into its caller when optimizing it, in a fresh process that first called
 * forOneRun(programChars). --trace-turbo-inlining prints each inlining.
 */
function probeInlined(programChars: number): boolean {
  const probe = join(dir, "probe.mjs");
  writeFileSync(
    probe,
    `import { forOneRun } from ${JSON.stringify(url("src/cli/tiering.ts"))};
forOneRun(${programChars});
function tieringProbeCallee(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] * b + (a[i] >> 1) - (a[i] & 3) + (s % 7);
    if (s > 1e9) s = s - 1e9;
  }
  return s + a.length * 3 + b * 5;
}
const input = [1, 2, 3, 4, 5];
function tieringProbeCaller(b) { return tieringProbeCallee(input, b) + tieringProbeCallee(input, b + 1); }
%PrepareFunctionForOptimization(tieringProbeCaller);
for (let i = 0; i < 10; i++) tieringProbeCaller(i);
%OptimizeFunctionOnNextCall(tieringProbeCaller);
tieringProbeCaller(3);
`,
  );
  const run = spawnSync(
    process.execPath,
    ["--import", tsx, "--allow-natives-syntax", "--trace-turbo-inlining", probe],
    { cwd: repoRoot, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  assert.is(run.status, 0, run.stderr);
  const lines = run.stdout.split("\n");
  assert.ok(
    lines.some((line) => /^Considering .*tieringProbeCallee/.test(line)),
    "the caller was optimized, its callee considered",
  );
  return lines.some((line) => /^Inlining .*tieringProbeCallee.* into .*tieringProbeCaller/.test(line));
}

test("the flag set at run time reaches V8: the probe callee is inlined only without it", () => {
  assert.is(probeInlined(BOUNDED_INLINING_MAX_CHARS + 1), true);
  assert.is(probeInlined(1000), false);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
