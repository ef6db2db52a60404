import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "../../src/syntax/parse.js";
import type { Position, Span } from "../../src/diagnostics/diagnostic.js";

// The parser's spans keep offsets and find their lines and columns when first read
// (`OffsetSpan`): read in any order, once or twice, and written as JSON, they hold the positions
// counted from the text.

/** The position at `offset`, counted from the text's characters. */
function counted(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1, offset };
}

/** The position just after a token ending (exclusive) at `end`: on the line of its last character. */
function countedAfter(text: string, end: number): Position {
  const last = counted(text, end - 1);
  return { line: last.line, column: last.column + 1, offset: end };
}

/** Every span of a tree, in the order met. */
function spansOf(value: unknown, into: Span[] = []): Span[] {
  if (Array.isArray(value)) for (const item of value) spansOf(item, into);
  else if (value !== null && typeof value === "object")
    for (const [key, field] of Object.entries(value)) {
      if (key === "span") into.push(field as Span);
      else spansOf(field, into);
    }
  return into;
}

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");
const inputs: [string, string][] = [
  ...readdirSync(examples, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".secpol"))
    .sort()
    .map((f): [string, string] => [f, readFileSync(join(examples, f), "utf8")]),
  [
    "lines.secpol",
    'namespace a {\n  workload web app=web\n  # a comment\n\n  allow web -> db: 80, "http" # trailing\n}\n\nnamespace b { workload db app=db }',
  ],
];

test("spans read in source order hold the positions counted from the text, start and end", () => {
  let seen = 0;
  for (const [path, text] of inputs) {
    const file = parse(text, path).file;
    for (const span of [...spansOf(file.statements), ...file.comments.map((c) => c.span)]) {
      const from = span.start.offset;
      const to = span.end.offset;
      assert.equal({ ...span.start }, counted(text, from), `${path} start ${from}`);
      assert.equal({ ...span.end }, countedAfter(text, to), `${path} end ${to}`);
      assert.is(span.file, path);
      seen++;
    }
  }
  assert.ok(seen > 1000, `${seen} spans`);
});

test("spans read backwards, twice, and as JSON hold the same positions", () => {
  for (const [path, text] of inputs) {
    const spans = spansOf(parse(text, path).file.statements).reverse();
    for (const span of spans) {
      const json = JSON.parse(JSON.stringify(span)) as Span;
      assert.equal(Object.keys(json), ["file", "start", "end"]);
      assert.equal(json.file, path);
      assert.equal(json.start, counted(text, json.start.offset), `${path} JSON start`);
      assert.equal(json.end, countedAfter(text, json.end.offset), `${path} JSON end`);
      assert.equal({ ...span.end }, json.end);
      assert.equal({ ...span.start }, json.start);
      assert.equal({ ...span.end }, json.end);
    }
  }
});

test.run();
