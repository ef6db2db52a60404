import { test } from "uvu";
import * as assert from "uvu/assert";
import * as catalogue from "../../src/diagnostics/messages.js";
import { diagnostic, MAX_ARGUMENT } from "../../src/diagnostics/catalogue.js";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/baseline.js";

/** Codes whose entries were removed (no code produced them); never given to another message. */
const RETIRED = ["SP2020", "SP2023", "SP3001", "SP5005"];

test("every message has a unique, well-formed code in its area's range", () => {
  const ranges: Record<string, RegExp> = {
    syntax: /^SP1\d{3}$/,
    names: /^SP(2|9)\d{3}$/,
    compile: /^SP(3|9)\d{3}$/,
    cli: /^SP5\d{3}$/,
    security: /^SP(4|9)\d{3}$/,
    importing: /^SP(3|5|9)\d{3}$/,
  };
  const seen = new Map<string, string>();
  for (const [area, entries] of Object.entries(catalogue)) {
    for (const [name, e] of Object.entries(entries as Record<string, { code: string; severity: string }>)) {
      assert.match(e.code, ranges[area], `${area}.${name}`);
      assert.not.ok(seen.has(e.code), `${e.code} is used by ${seen.get(e.code)} and ${area}.${name}`);
      seen.set(e.code, `${area}.${name}`);
      if (/^SP9/.test(e.code)) assert.ok(e.severity !== "error", `${e.code} is in the warning range`);
    }
  }
  assert.ok(seen.size > 40);
});

test("a long text argument is shortened in the message, with its length; short ones are kept", () => {
  const span = { file: "a.secpol", start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
  const long = "x".repeat(100_000);
  const message = diagnostic(catalogue.names.unknownName, span, [long]).message;
  assert.ok(message.length < MAX_ARGUMENT + 100, message);
  assert.ok(message.includes("… (100000 characters)"), message);
  assert.is(diagnostic(catalogue.names.unknownName, span, ["web"]).message, catalogue.names.unknownName.message("web"));
});

test("every catalogue entry is reported by some code under src/, and no retired code comes back", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  const messages = join(repoRoot, "src", "diagnostics", "messages");
  const code = files(join(repoRoot, "src"))
    .filter((f) => !f.startsWith(messages))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  const unused: string[] = [];
  for (const [area, entries] of Object.entries(catalogue)) {
    for (const [name, e] of Object.entries(entries as Record<string, { code: string }>)) {
      // entries are used as `area.name` (or an alias's `m.name`): a property access by that name
      if (!new RegExp(`\\.${name}\\b`).test(code)) unused.push(`${area}.${name} (${e.code})`);
      assert.not.ok(RETIRED.includes(e.code), `${e.code} is retired: give ${area}.${name} a new code`);
    }
  }
  assert.equal(unused, [], `catalogue entries no code reports: ${unused.join(", ")}`);
});

test.run();
