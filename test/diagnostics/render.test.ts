/** Diagnostics for people (src/diagnostics/render.ts): the source line and the caret under the span. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { renderDiagnostics, SNIPPET_WIDTH } from "../../src/diagnostics/render.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

const at = (text: string, line: number, column: number, length: number): Diagnostic => {
  const lineStart = text
    .split("\n")
    .slice(0, line - 1)
    .reduce((n, l) => n + l.length + 1, 0);
  const start = { line, column, offset: lineStart + column - 1 };
  const end = { line, column: column + length, offset: start.offset + length };
  return { code: "SP2001", severity: "error", message: "here", span: { file: "a.secpol", start, end } };
};

/** The snippet lines of the first diagnostic rendered. */
const snippet = (text: string, d: Diagnostic) => renderDiagnostics([d], { "a.secpol": text }).split("\n").slice(1, 3);

test("a short line is shown whole, tabs kept in the caret line", () => {
  const text = "namespace a {\n\tallow web -> db\n}\n";
  assert.equal(snippet(text, at(text, 2, 8, 3)), ["  \tallow web -> db", "  \t      ^^^"]);
});

test("a long line is cut around the span, with … where text is left out", () => {
  const text = `${"x".repeat(5_000)} web ${"y".repeat(5_000)}\nnext line`;
  const [line, caret] = snippet(text, at(text, 1, 5_002, 3));
  assert.ok(line.length <= 2 * SNIPPET_WIDTH + 4, `${line.length} characters shown`);
  assert.ok(line.startsWith("  …x") && line.endsWith("y…"), line);
  assert.is(line.indexOf(" web "), caret.indexOf("^") - 1);
  assert.is(caret.trim(), "^^^");
});

test("the start and the end of a long line: … on one side only", () => {
  const text = `web ${"y".repeat(500)}`;
  assert.equal(
    snippet(text, at(text, 1, 1, 3)).map((l) => [l.slice(0, 6), l.at(-1)]),
    [
      ["  web ", "…"],
      ["  ^^^", "^"],
    ],
  );
  const [line, caret] = snippet(text, at(text, 1, 501, 4));
  assert.ok(line.startsWith("  …") && line.endsWith("yyyy"), line);
  assert.is(caret.length, line.length);
});

test.run();
