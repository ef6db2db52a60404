/**
 * Installing Chromium for the browser tests prints one line: apt-get's output is captured and
 * shown only when a step fails.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runQuietly } from "../support/chromium.js";
import { testRoot } from "../support/baseline.js";

const chatty = (status: number) => [
  "-e",
  `for (let i = 0; i < 500; i++) console.log("Get:" + i + " stable/main amd64 chromium"); console.error("E: done"); process.exitCode = ${status}`,
];

test("a step that succeeds prints nothing", () => {
  const script = `import { runQuietly } from ${JSON.stringify(join(testRoot, "support", "chromium.ts"))};\nrunQuietly(process.execPath, ${JSON.stringify(chatty(0))}, "step", "why");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, "");
  assert.is(r.stderr, "");
});

test("a step that fails shows all its output in the error", () => {
  try {
    runQuietly(
      process.execPath,
      chatty(100),
      "`apt-get install -y -qq chromium`",
      "the browser tests need Debian's chromium",
    );
    assert.unreachable("it failed");
  } catch (e) {
    const message = (e as Error).message;
    assert.match(
      message,
      /^`apt-get install -y -qq chromium` failed \(exit 100\): the browser tests need Debian's chromium\n/,
    );
    assert.match(message, "Get:499 ");
    assert.match(message, /E: done$/);
  }
});

test.run();
