/**
 * The fast path (src/syntax/fast-parser.ts) against the Chevrotain parser and to-ast.ts: on any
 * tokens, it gives up exactly where Chevrotain reports an error, and otherwise builds the very AST
 * (same values, same key order) and the same diagnostics. Also: the grammar passes Chevrotain's
 * validations, which the production parser skips to start faster.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { join } from "node:path";
import { parseValid } from "../../src/syntax/fast-parser.js";
import { tokenize } from "../../src/syntax/parse.js";
import { chevrotainParser, SecpolParser } from "../../src/syntax/parser.js";
import { toAst } from "../../src/syntax/to-ast.js";
import { families } from "../support/fuzz.js";
import { repoRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const PATH = "t.secpol";

/** Both paths on `text`: whether the fast path took it. */
function agree(text: string): boolean {
  const { tokens, comments } = tokenize(text, PATH);
  const parser = chevrotainParser();
  parser.input = tokens;
  const cst = parser.file();
  const valid = parser.errors.length === 0;
  const fast = parseValid(tokens, PATH, comments);
  if (!valid || tokens.length === 0) {
    assert.is(fast, undefined, `the fast path took input with errors: ${JSON.stringify(text)}`);
    return false;
  }
  assert.ok(fast, `the fast path gave up on valid input: ${JSON.stringify(text)}`);
  const slow = toAst(cst, PATH, comments);
  assert.is(JSON.stringify(fast), JSON.stringify(slow), `the fast path built another AST for ${JSON.stringify(text)}`);
  return true;
}

test("the grammar passes Chevrotain's validations (ambiguities, left recursion, ...)", () => {
  // building the parser throws on the first definition error it finds
  assert.not.throws(() => new SecpolParser({ validate: true }));
});

test("every example, standard module and test program: the fast path agrees with Chevrotain", () => {
  const sources = ["examples", "stdlib", "test"].flatMap((dir) => readSources(join(repoRoot, dir)));
  assert.ok(sources.length > 20);
  for (const source of sources) agree(source.text);
});

// Programs from the grammar, most of them valid, then with a few words inserted, dropped or swapped:
// every decision of the parser and most of its errors, with keywords as names.
const keywords = ["namespace", "workload", "group", "profile", "psp", "grant", "to", "user", "serviceaccount", "serviceaccounts", "allow", "deny", "assert", "default", "ingress", "egress", "for", "in", "notin", "ns", "pods", "cidr", "except", "world", "any", "port", "serviceAccount", "service", "containers", "kind", "require", "set", "apply", "all", "pss", "labels", "cluster", "import"];
const words = [...keywords, "->", "-/->", ":", ",", ";", "{", "}", "(", ")", "=", "==", "!=", "!", "..", "/", "*", "@", "\n", "web", "80", '"s"', "10.0.0.0/8", "::1"];
const sep = (arbitrary: fc.Arbitrary<string>, separator: string) => fc.array(arbitrary, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(separator));
const opt = (arbitrary: fc.Arbitrary<string>) => fc.option(arbitrary, { nil: "" });
const name = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("web", "db", "a-b", "x.y", "app", "tcp", "v1") }, { weight: 1, arbitrary: fc.constantFrom(...keywords) });
const qualified = fc.tuple(name, opt(name.map((n) => `/${n}`))).map(([a, b]) => a + b);
const number = fc.constantFrom("80", "8080", "1.30", "0");
const string = fc.constantFrom('"s"', '"a b"', '"x\\"y"');
const address = fc.constantFrom("10.0.0.0/8", "fd00::/8", "10.1.2.3", "::1");
const labelValue = fc.oneof(name, number, string);
const requirement = fc.oneof(
  qualified.map((k) => `!${k}`),
  fc.tuple(qualified, opt(fc.oneof(fc.tuple(fc.constantFrom("=", "==", "!="), labelValue).map(([o, v]) => o + v), fc.tuple(fc.constantFrom(" in ", " notin "), sep(labelValue, ", ")).map(([o, vs]) => `${o}(${vs})`)))).map(([k, r]) => k + r),
);
const selector = sep(requirement, ", ");
const namespaceRef = fc.oneof(name.map((n) => `ns ${n}`), selector.map((s) => `ns(${s})`));
const peer = fc.oneof(
  fc.tuple(selector, opt(namespaceRef.map((r) => ` in ${r}`))).map(([s, r]) => `pods(${s})${r}`),
  namespaceRef,
  fc.tuple(address, opt(sep(address, ", ").map((e) => ` except ${e}`))).map(([a, e]) => `cidr ${a}${e}`),
  fc.constantFrom("world", "cluster", "any"),
  fc.tuple(name, opt(fc.oneof(fc.constant("/*"), name.map((n) => `/${n}`)))).map(([a, b]) => a + b),
);
const peers = sep(peer, ", ");
const portItem = fc.tuple(fc.oneof(number, fc.tuple(number, number).map(([a, b]) => `${a}..${b}`), name), opt(name.map((n) => `/${n}`))).map(([p, q]) => p + q);
const ports = sep(portItem, ", ");
const value = fc.oneof(number, address, string, fc.constant("*"), qualified, fc.tuple(number, number).map(([a, b]) => `${a}..${b}`));
const settings = fc.array(fc.tuple(name, sep(value, " "), opt(value.map((v) => `, ${v}`))).map((xs) => xs.join(" ")), { maxLength: 3 }).map((xs) => `{ ${xs.join("; ")} }`);
const clause = fc.oneof(
  fc.tuple(name, number, opt(name.map((n) => `/${n}`))).map(([n, p, q]) => `port ${n} ${p}${q}`),
  fc.tuple(number, fc.oneof(number, name)).map(([p, q]) => `service ${p} -> ${q}`),
  name.map((n) => `serviceAccount ${n}`),
  sep(name, ", ").map((ns) => `containers ${ns}`),
  name.map((n) => `kind ${n}`),
);
const simpleStatement = fc.oneof(
  string.map((s) => `import ${s}`),
  settings.map((s) => `cluster ${s}`),
  fc.tuple(qualified, selector, fc.array(clause, { maxLength: 3 })).map(([n, s, cs]) => [`workload ${n} ${s}`, ...cs].join(" ")),
  fc.tuple(name, peers, opt(ports.map((p) => `: ${p}`))).map(([n, p, q]) => `group ${n} = ${p}${q}`),
  fc.tuple(name, settings).map(([n, s]) => `psp ${n} ${s}`),
  fc.tuple(name, fc.oneof(fc.tuple(fc.constantFrom("user ", "group "), fc.oneof(string, sep(name, ":"))).map(([k, s]) => k + s), fc.tuple(name, name).map(([a, b]) => `serviceaccount ${a}/${b}`), name.map((n) => `serviceaccounts in ns ${n}`))).map(([n, s]) => `grant psp ${n} to ${s}`),
  fc.tuple(fc.constantFrom("allow", "deny"), peers, peers, fc.array(ports, { maxLength: 2 })).map(([a, s, d, ps]) => `${a} ${s} -> ${d}${ps.map((p) => `: ${p}`).join(" ")}`),
  fc.tuple(fc.constantFrom("allow", "deny", "require", "set"), sep(fc.tuple(name, fc.array(value, { maxLength: 2 })).map(([n, vs]) => [n, ...vs].join(" ")), ", "), opt(fc.oneof(qualified.map((q) => ` for ${q}`), fc.oneof(fc.constant("all"), namespaceRef).map((r) => ` in ${r}`)))).map(([a, is, t]) => `${a} ${is}${t}`),
  fc.tuple(peers, fc.constantFrom(" -> ", " -/-> "), peers, opt(ports.map((p) => `: ${p}`))).map(([s, a, d, p]) => `assert ${s}${a}${d}${p}`),
  fc.tuple(fc.constantFrom("deny", "allow"), opt(fc.constantFrom(" ingress", " egress")), opt(qualified.map((q) => ` for ${q}`))).map(([p, d, w]) => `default ${p}${d}${w}`),
  sep(fc.tuple(name, name, opt(fc.oneof(name, number).map((v) => `@${v}`))).map(([m, l, v]) => `${m} ${l}${v}`), ", ").map((m) => `pss ${m}`),
  sep(fc.tuple(qualified, labelValue).map(([k, v]) => `${k}=${v}`), ", ").map((l) => `labels ${l}`),
  fc.tuple(name, fc.oneof(namespaceRef, fc.constant("all"), qualified)).map(([n, t]) => `apply ${n} to ${t}`),
);
const block = (keyword: string) => fc.tuple(name, sep(simpleStatement, "\n")).map(([n, body]) => `${keyword} ${n} {\n${body}\n}`);
const statement = fc.oneof({ weight: 8, arbitrary: simpleStatement }, { weight: 1, arbitrary: block("namespace") }, { weight: 1, arbitrary: block("profile") });
const program = fc.array(fc.tuple(statement, fc.constantFrom("\n", "; ", "\n\n# c\n")), { minLength: 1, maxLength: 4 }).map((xs) => xs.map(([s, e]) => s + e).join(""));
const edit = fc.tuple(fc.nat(), fc.constantFrom("insert", "drop", "swap"), fc.constantFrom(...words));
const edited = fc.tuple(program, fc.array(edit, { maxLength: 2 })).map(([text, edits]) =>
  edits
    .reduce((parts, [at, how, word]) => {
      const i = at % parts.length;
      if (how === "insert") return [...parts.slice(0, i), word, ...parts.slice(i)];
      if (how === "drop") return [...parts.slice(0, i), ...parts.slice(i + 1)];
      return [...parts.slice(0, i), word, ...parts.slice(i + 1)];
    }, text.split(" "))
    .join(" "),
);

test("generated programs, valid and edited: the fast path agrees with Chevrotain on each", () => {
  let taken = 0;
  fc.assert(fc.property(edited, (text) => void (taken += agree(text) ? 1 : 0)), { numRuns: 3000 });
  assert.ok(taken > 1000, `only ${taken} of 3000 generated programs were valid`);
});

for (const family of families) {
  test(`fuzzing inputs (${family.name}): the fast path agrees with Chevrotain on each`, () => {
    fc.assert(fc.property(family.arbitrary, (text) => void agree(text)), { numRuns: 300 });
  });
}

test.run();
