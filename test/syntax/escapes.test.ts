/**
 * Escapes in strings (issue 17): `\"`, `\\`, `\n` and `\t` stand for their characters; any other
 * character after a backslash is an error (SP1020, on the escape, with the escapes there are), never
 * that character without its backslash (`"CORP\jdoe"` bound `CORPjdoe`, `"\u0041"` became `u0041`).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { build } from "../../src/index.js";
import { parse } from "../../src/syntax/parse.js";

const LEGACY = "cluster { version 1.24 }\npsp p { privileged false }\n";

for (const [subject, escape, column] of [
  ['"CORP\\jdoe"', "\\j", 5],
  ['"\\u0041"', "\\u", 1],
  ['"a\\\\b\\x"', "\\x", 5],
] as const) {
  test(`grant psp p to user ${subject}: unknown escape \`${escape}\` is an error on the escape, nothing is written`, () => {
    const text = `${LEGACY}grant psp p to user ${subject}\n`;
    const result = build([{ path: "t.secpol", text }]);
    assert.is(result.files.length, 0);
    const d = result.diagnostics.find((x) => x.code === "SP1020");
    assert.ok(d, JSON.stringify(result.diagnostics.map((x) => x.message)));
    assert.is(d.severity, "error");
    assert.match(d.message, `\`${escape}\``);
    const start = "grant psp p to user ".length + 1 + column;
    assert.equal([d.span.start.line, d.span.start.column, d.span.end.column], [3, start, start + 2]);
    assert.match(d.help ?? "", /`\\"`.*`\\\\`.*`\\n`.*`\\t`/);
  });
}

test('the escapes there are: `\\"`, `\\\\`, `\\n`, `\\t` read as their characters', () => {
  const text = `${LEGACY}grant psp p to user "a\\"b\\\\c\\nd\\te"\n`;
  const grant = parse(text, "t.secpol").file.statements.find((s) => s.kind === "Grant") as any;
  assert.is(grant.subject.name.text, 'a"b\\c\nd\te');
  // (a user name holds no line break or tab: those are checked later)
  const built = build([{ path: "t.secpol", text: `${LEGACY}grant psp p to user "a\\"b\\\\c"\n` }]);
  const bindings = built.files.find((f) => f.path === "cluster/clusterrolebindings.yaml")!.content;
  assert.ok(bindings.includes('name: "a\\"b\\\\c"'), bindings);
});

test("an unknown escape is reported once, with or without a syntax error elsewhere", () => {
  for (const tail of ["", "allow allow\n"]) {
    const result = parse(`${LEGACY}grant psp p to user "CORP\\jdoe"\n${tail}`, "t.secpol");
    assert.is(result.diagnostics.filter((d) => d.code === "SP1020").length, 1, tail);
    // the string keeps what was written: the backslash is not lost
    const grant = result.file.statements.find((s) => s.kind === "Grant") as any;
    assert.is(grant.subject.name.text, "CORP\\jdoe");
  }
});

test("an unknown escape in an unterminated string is reported too", () => {
  const result = parse(`${LEGACY}grant psp p to user "CORP\\jdoe\n`, "t.secpol");
  assert.equal(
    result.diagnostics.map((d) => d.code).filter((c) => c === "SP1020" || c === "SP1002"),
    ["SP1020", "SP1002"],
  );
});

test.run();
