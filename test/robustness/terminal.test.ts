/**
 * Terminal injection: text from input files and manifests (source lines, names, values in
 * messages) reaches the terminal only as printable characters. Escape sequences could otherwise
 * move the cursor, clear the screen, retitle the window or write the clipboard, and bidirectional
 * overrides could make a line appear to say something else.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check, printable, renderDiagnostics } from "../../src/index.js";
import { repoRoot } from "../support/baseline.js";

/** What must never reach a terminal from input: C0 controls but tab and newline, DEL, C1, bidi controls, invisible characters. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const hostile = [
  "\x1b[2J",
  "\x1b]0;title\x07",
  "\x1b]52;c;aGk=\x07",
  "\x9b31m",
  "a\rb",
  "\x08\x08x",
  "\u202eevil\u202c",
  "\u2066x\u2069",
  "\x00",
  "\x7f",
  "a\u200bb",
  "\u2060",
  "x\ufeff",
  "so\xadft",
];

test("printable: every unsafe character becomes one visible one; tabs, newlines and other text stay", () => {
  assert.is(printable("\x1b[31m\x07\r"), "␛[31m␇␍");
  assert.is(printable("tab\tnew\nline é 😀"), "tab\tnew\nline é 😀");
  for (const text of hostile) {
    const shown = printable(text);
    assert.is(shown.length, text.length, JSON.stringify(text));
    assert.not.match(shown, UNSAFE, JSON.stringify(text));
  }
});

test("an unexpected invisible or look-alike character is named by its code point", () => {
  const result = check([
    { path: "a.secpol", text: "namespace a {\n  workload w app=w\u200bx\n}\nallow \u201ca\u201d -> b: 80\n" },
  ]);
  const messages = result.diagnostics.filter((d) => d.code === "SP1001").map((d) => d.message);
  assert.equal(messages, [
    "unexpected character `\u200b` (U+200B)",
    "unexpected character `\u201c` (U+201C)",
    "unexpected character `\u201d` (U+201D)",
  ]);
  assert.match(renderDiagnostics(result.diagnostics, result.sources), "unexpected character `\ufffd` (U+200B)");
});

test("diagnostics of hostile files show no unsafe character: messages, source lines, paths", () => {
  for (const payload of hostile) {
    const path = `a${payload}.secpol`;
    const sources = [
      { path, text: `namespace a {\n  workload w app=w ${payload} x\n}\n` },
      { path, text: `namespace a {\n  labels team="${payload}"\n}\n` },
      { path, text: `# ${payload}\nallow ${payload}\n` },
    ];
    for (const source of sources) {
      const result = check([source]);
      assert.ok(result.diagnostics.length > 0, JSON.stringify(source.text));
      assert.not.match(renderDiagnostics(result.diagnostics, result.sources), UNSAFE, JSON.stringify(source.text));
      // with colours on, the only escape sequences are the renderer's own
      const colored = renderDiagnostics(result.diagnostics, result.sources, { color: true }).replace(
        /\x1b\[(?:[0-9;]+)m/g,
        "",
      );
      assert.not.match(colored, UNSAFE, JSON.stringify(source.text));
    }
  }
});

test("the command line: check and audit print no unsafe character from their inputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-terminal-"));
  try {
    writeFileSync(join(dir, "a.secpol"), `namespace a {\n  workload w app=w \x1b]52;c;aGk=\x07 \u202eevil\n}\n`);
    writeFileSync(
      join(dir, "pod.yaml"),
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "web\\e[2J"\n  namespace: "a\\u202e"\nspec:\n  containers:\n    - name: "c\\a\\e]0;t\\a"\n      image: x\n      securityContext:\n        privileged: true\n`,
    );
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, "bin/secpolc.js"), ...args], { cwd: dir, encoding: "utf8" });
    const checked = cli("check", "a.secpol");
    assert.is(checked.status, 1, checked.stderr);
    assert.not.match(checked.stderr, UNSAFE);
    const audited = cli("audit", "--level", "baseline", "--manifests", "pod.yaml");
    assert.match(audited.stdout, /web␛\[2J/);
    assert.not.match(audited.stdout + audited.stderr, UNSAFE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
