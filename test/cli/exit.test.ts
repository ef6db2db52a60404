/**
 * How `bin/secpolc.js` ends: with `process.exit`, once stdout and stderr have handed on what was
 * written to them (`flushed`). A stream that takes writes asynchronously (a pipe on macOS) must not
 * lose its last output to the exit.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { flushed } from "../../src/cli/main.js";
import { repoRoot } from "../support/baseline.js";

/** A sink that takes each write 20 ms after it is made, as an asynchronous pipe does. */
function slowSink() {
  const taken: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      setTimeout(() => {
        taken.push(String(chunk));
        done();
      }, 20);
    },
  });
  return { stream, taken };
}

test("flushed settles only after every stream has taken what was written to it", async () => {
  const out = slowSink();
  const err = slowSink();
  out.stream.write("the manifests\n");
  err.stream.write("warning: one\n");
  err.stream.write("warning: two\n");
  await flushed([out.stream, err.stream]);
  assert.equal(out.taken.join(""), "the manifests\n");
  assert.equal(err.taken.join(""), "warning: one\nwarning: two\n");
});

test("flushed settles at once when nothing is pending", async () => {
  const idle = slowSink();
  await flushed([idle.stream]);
  assert.equal(idle.taken, []);
});

test("the command line's exit code and its last output survive the exit", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-exit-"));
  try {
    writeFileSync(join(dir, "shop.secpol"), "namespace shop {\n  workload web app=web\n}\nallow web -> dbb: 5432\n");
    const r = spawnSync(process.execPath, [join(repoRoot, "bin", "secpolc.js"), "check", "."], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /dbb/);
    assert.match(r.stderr, /\d+ errors?\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an exception no pass expected is an internal error: SP5025, its stack, exit 70, in the format asked for", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-exit-"));
  try {
    writeFileSync(join(dir, "shop.secpol"), "namespace shop {\n  workload web app=web\n}\n");
    const build = (...format: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, "bin", "secpolc.js"), "build", ".", "-o", "out", ...format], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, SECPOLC_TEST_THROW_AFTER_OUTPUT: "1" },
      });
    const text = build();
    assert.is(text.status, 70, text.stderr);
    assert.match(text.stderr, /^<command line>:1:1: error SP5025: internal error: injected failure after the output/);
    assert.match(text.stderr, /help: this is a bug in secpolc \d+\.\d+\.\d+, not in the program/);
    assert.match(text.stderr, /\n1 error\nError: injected failure[^\n]*\n {4}at /, "the stack follows the diagnostic");
    const json = build("--format", "json");
    assert.is(json.status, 70, json.stderr);
    const [reported] = JSON.parse(json.stdout).diagnostics;
    assert.equal([reported.code, reported.severity, reported.column, reported.endColumn], ["SP5025", "error", 1, 6]);
    assert.match(json.stderr, /^Error: injected failure[^\n]*\n {4}at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
