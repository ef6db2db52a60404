/**
 * Pathological inputs finish, within bounded memory, with diagnostics or output, and their
 * diagnostics render for a terminal in bounded size: a 1 MB file (also on one line),
 * 10,000 nested parentheses (and blocks), 100,000 labels in one selector, a 10,000-element port
 * list. They build in two child processes with `--max-old-space-size=512`, so blowing up memory
 * (or the stack) fails the test; a generous 60 s safety timeout stops a runaway. Wall time is
 * reported, not asserted: it depends on the machine. The diagnostics keep the usual promises
 * (test/support/fuzz.ts): coded, with a message and a span inside the text.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Diagnostic } from "../../src/index.js";
import { testRoot } from "../support/baseline.js";
import { checkDiagnostics } from "../support/fuzz.js";
import { cases } from "../support/pathological.js";

const SAFETY_TIMEOUT_MS = 60_000;
const CHILDREN = 2;
const child = join(testRoot, "support", "pathological-child.ts");

interface CaseResult {
  name: string;
  ms: number;
  maxRssMB: number;
  files: number;
  /** The length of the diagnostics rendered for a terminal. */
  rendered: number;
  diagnostics: Diagnostic[];
  sources: Record<string, string>;
}

/** One child process building `names` in turn; each case's result, or why there is none. */
function runChild(names: string[]): Promise<Map<string, CaseResult | string>> {
  return new Promise((resolve) => {
    const started = Date.now();
    const proc = spawn(
      process.execPath,
      ["--max-old-space-size=512", "--stack-size=984", "--import", "tsx", child, ...names],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c) => (stdout += c));
    proc.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => proc.kill("SIGKILL"), SAFETY_TIMEOUT_MS);
    proc.on("close", (code, signal) => {
      clearTimeout(timer);
      const results = new Map<string, CaseResult | string>();
      // only whole lines: a child killed while writing one leaves a cut line, and its case did not finish
      for (const line of stdout
        .split("\n")
        .slice(0, -1)
        .filter((l) => l.startsWith("{"))) {
        const r = JSON.parse(line) as CaseResult;
        results.set(r.name, r);
      }
      const running = stderr.match(/running: (.*)\n(?![\s\S]*running: )/)?.[1];
      for (const name of names) {
        if (results.has(name)) continue;
        const why =
          signal === "SIGKILL" && Date.now() - started >= SAFETY_TIMEOUT_MS
            ? `not finished after ${SAFETY_TIMEOUT_MS / 1000} s`
            : `the process ended (exit ${code}, ${signal ?? "no signal"}: out of memory, or a crash)`;
        results.set(
          name,
          name === running
            ? `${why} while building it:\n${stderr.slice(-2000)}`
            : `never built: ${why} during \`${running}\``,
        );
      }
      resolve(results);
    });
  });
}

const names = Object.keys(cases);
let results: Promise<Map<string, CaseResult | string>> | undefined;
const test = suite("pathological");

// started by the first test, not at import: uvu loads every test file before running any
test.before(() => {
  const groups = Array.from({ length: CHILDREN }, (_, i) => names.filter((_, j) => j % CHILDREN === i));
  results = Promise.all(groups.map(runChild)).then((maps) => new Map(maps.flatMap((m) => [...m])));
});

for (const name of names) {
  const { outcome: expected, text } = cases[name];
  test(`pathological: ${name} finishes with ${expected === "output" ? "output" : "diagnostics"}`, async () => {
    const result = (await results!).get(name)!;
    if (typeof result === "string") assert.unreachable(result);
    const r = result as CaseResult;
    const input = text();
    checkDiagnostics(r.diagnostics, { ...r.sources, "pathological.secpol": input });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    const codes = [...new Set(errors.map((d) => d.code))].sort().join(" ");
    console.log(
      `    ${name}: ${r.ms} ms, peak RSS ${r.maxRssMB} MB, ${input.length} characters -> ${r.files} files, ${errors.length} errors ${codes}`,
    );
    // each diagnostic shows its line cut around the span: a long line is never printed whole
    assert.ok(
      r.rendered <= 1_000 * (r.diagnostics.length + 1),
      `${r.rendered} characters rendered for ${r.diagnostics.length} diagnostics`,
    );
    if (expected === "output") {
      assert.is(errors.length, 0, `expected output, got errors ${codes}`);
      assert.ok(r.files > 0);
    } else {
      assert.ok(errors.length > 0, "expected errors");
      assert.is(r.files, 0, "a failed build emits no files");
    }
  });
}

test.run();
