import { test } from "uvu";
import * as assert from "uvu/assert";
import * as catalogue from "../../src/diagnostics/messages.js";
import { diagnostic, MAX_ARGUMENT } from "../../src/diagnostics/catalogue.js";

test("every message has a unique, well-formed code in its area's range", () => {
  const ranges: Record<string, RegExp> = { syntax: /^SP1\d{3}$/, names: /^SP(2|9)\d{3}$/, compile: /^SP(3|9)\d{3}$/, cli: /^SP5\d{3}$/, security: /^SP(4|9)\d{3}$/, importing: /^SP(3|5|9)\d{3}$/ };
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

test.run();
