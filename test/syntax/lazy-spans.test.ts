import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parse } from "../../src/syntax/parse.js";
import { LazyQualifiedName, LazyQuotedWord, LazySpan, LazyWord } from "../../src/syntax/tokens.js";
import type { Span } from "../../src/diagnostics/diagnostic.js";
import { corpus, families } from "../support/fuzz.js";
import { everyFormProgram } from "../support/programs.js";
import { run, workspace } from "../support/cli.js";

/** Inputs: the examples, every statement form, and broken texts (recovery's invented tokens, errors). */
const inputs: string[] = [
  ...corpus,
  ...fc.sample(everyFormProgram, { numRuns: 60, seed: 7 }),
  ...families.flatMap((family, i) => fc.sample(family.arbitrary, { numRuns: 40, seed: 11 + i })),
  "namespace a {\n  workload w app=w port http 8080\n}\nallow a/w -> \nlabels team=x, tier=\nallow ns(team in (x) -> a/w: http",
  'set sysctl a.b=1 for web\nlabels app.kubernetes.io/name=web, "x"=1\ngrant psp p to serviceaccount a/b',
];

const isSpan = (value: object): value is Span => value instanceof LazySpan || ("start" in value && "file" in value);

/** Every span of `eager` and `lazy` (the same tree, parsed both ways), in the same order. */
function spanPairs(eager: unknown, lazy: unknown, found: [Span, Span][] = []): [Span, Span][] {
  if (eager === null || typeof eager !== "object") return found;
  if (isSpan(eager)) {
    found.push([eager, lazy as Span]);
    return found;
  }
  for (const key of Object.keys(eager))
    spanPairs((eager as Record<string, unknown>)[key], (lazy as Record<string, unknown>)[key], found);
  return found;
}

test("lazy spans read as the plain spans of the same parse: file, start and end, field by field", () => {
  let lazySpans = 0;
  for (const text of inputs) {
    const eager = parse(text, "input.secpol");
    const lazy = parse(text, "input.secpol", { lazySpans: true });
    const pairs = spanPairs(eager.file, lazy.file);
    assert.ok(pairs.length > 0);
    for (const [plain, read] of pairs) {
      if (read instanceof LazySpan) lazySpans++;
      assert.is(read.file, plain.file);
      // twice: a read makes no state that the next read sees differently
      for (let i = 0; i < 2; i++) {
        assert.equal({ ...read.start }, { ...plain.start }, text);
        assert.equal({ ...read.end }, { ...plain.end }, text);
      }
    }
    assert.equal(lazy.diagnostics.length, eager.diagnostics.length);
  }
  // most spans are lazy (the file's own, diagnostics' and comments' are plain)
  assert.ok(lazySpans > 10_000, `${lazySpans}`);
});

test("lazy spans write the same JSON as plain spans (their `toJSON`)", () => {
  for (const text of inputs)
    assert.is(
      JSON.stringify(parse(text, "input.secpol", { lazySpans: true })),
      JSON.stringify(parse(text, "input.secpol")),
      text,
    );
});

test("a lazy span's start and end are its own: the end is not the start", () => {
  const { file } = parse("allow web -> db: http\n", "t.secpol", { lazySpans: true });
  const span = file.statements[0].span;
  assert.instance(span, LazySpan);
  assert.equal({ ...span.start }, { line: 1, column: 1, offset: 0 });
  assert.equal({ ...span.end }, { line: 1, column: 22, offset: 21 });
});

test("a lazy span keeps its start, once read, in the field that held its offset: the same start, the same end", () => {
  const text = "namespace a {\n  workload w app=w port http 8080\n}\nallow a/w -> dns: http, 53/udp\n";
  const lazy = parse(text, "t.secpol", { lazySpans: true }).file;
  const plain = parse(text, "t.secpol").file;
  const pairs = spanPairs(plain, lazy).filter(([, read]) => read instanceof LazySpan);
  assert.ok(pairs.length > 10, `${pairs.length}`);
  for (const [eager, read] of pairs) {
    // three fields (its file's positions, where it starts, where it ends or its text): no field kept apart for the start
    assert.is(Object.keys(read).length, 3, Object.keys(read).join());
    // the end first, then the start (kept), then the end again: read after the start was kept
    assert.equal({ ...read.end }, { ...eager.end });
    const start = read.start;
    assert.equal({ ...start }, { ...eager.start });
    assert.is(read.start, start);
    assert.equal({ ...read.end }, { ...eager.end });
    assert.is(JSON.stringify({ span: read }), JSON.stringify({ span: eager }));
  }
});

test("a one-shot word ends where its token does: a name its text's length on, a string after its closing quote", () => {
  const text = 'namespace a {\n  workload web app="w\\teb" port http 80\n}\nallow a/web -> db\n';
  const words = (spans: boolean) => {
    const [block, rule] = parse(text, "t.secpol", { lazySpans: spans }).file.statements;
    if (block.kind !== "Namespace" || block.statements[0].kind !== "Workload") throw new Error("not a workload");
    if (rule.kind !== "NetworkRule" || rule.sources[0].kind !== "Reference") throw new Error("not a rule");
    return [block.statements[0].selector.requirements[0].values[0], rule.sources[0].ref.name];
  };
  const [quoted, name] = words(true);
  assert.instance(quoted, LazyQuotedWord);
  assert.instance(name, LazyWord);
  assert.not.instance(name, LazyQuotedWord);
  assert.is(quoted.text, "w\teb");
  assert.equal({ ...quoted.span.end }, { line: 2, column: 27, offset: 40 });
  assert.equal({ ...name.span.end }, { line: 4, column: 12, offset: 67 });
  assert.is(JSON.stringify(words(true)), JSON.stringify(words(false)));
});

test("a one-shot tree's words are their own spans, and a name or port of one word has the word's span", () => {
  const text = "namespace a {\n  workload w app=w port http 8080\n}\nallow a/w -> dns: http, 53/udp\n";
  const rule = (spans: boolean) => {
    const s = parse(text, "t.secpol", { lazySpans: spans }).file.statements[1];
    if (s.kind !== "NetworkRule") throw new Error(s.kind);
    const [source] = s.sources;
    const [destination] = s.destinations;
    if (source.kind !== "Reference" || destination.kind !== "Reference") throw new Error("not references");
    return { source, destination, named: s.ports[0], numbered: s.ports[1] };
  };
  const { source, destination, named, numbered } = rule(true);
  // one object for a word and its span
  for (const word of [source.ref.namespace!, source.ref.name, destination.ref.name, named.port!]) {
    assert.instance(word, LazyWord);
    assert.is(word.span, word);
  }
  // a node of one word: its span is the word (made before the node's span), not a second object
  assert.is(destination.ref.span, destination.ref.name);
  assert.is(destination.span, destination.ref.name);
  assert.is(named.span, named.port);
  // a node of more than one token: a span of its own, the reference's shared with its name's
  assert.not.instance(source.ref.span, LazyWord);
  assert.is(source.span, source.ref.span);
  assert.not.instance(numbered.span, LazyWord);
  // written to JSON as a word where it stands as one, as a plain span under `span`
  const plain = rule(false);
  assert.is(JSON.stringify(destination), JSON.stringify(plain.destination));
  assert.is(JSON.stringify(named), JSON.stringify(plain.named));
});

test("`check` and `build` on the command line report a program's errors at their places (lazy spans renamed field by field)", () => {
  const dir = workspace({
    "main.secpol": "namespace a {\n  workload w app=w port http 8080\n}\nallow a/w -> a/nope: http\n",
  });
  for (const command of [["check"], ["build", "-o", "out"]]) {
    const { stderr, code } = run(dir, ...command, "main.secpol");
    assert.is(code, 1, stderr);
    assert.match(stderr, "main.secpol:4:14: error SP2001");
  }
  const json = run(dir, "check", "--format", "json", "main.secpol");
  assert.match(json.stdout, '"file": "main.secpol"');
  assert.match(json.stdout, /"line": 4,\s+"column": 14,\s+"endLine": 4,\s+"endColumn": 20/);
});

test("a one-shot tree's qualified name is its own span, from its namespace's start to its name's end", () => {
  const text =
    "namespace a {\n  workload w app=w port http 8080\n  default deny for a/w\n}\nallow  a/w -> bb/web: http\n";
  const names = (spans: boolean) => {
    const [block, rule] = parse(text, "t.secpol", { lazySpans: spans }).file.statements;
    if (block.kind !== "Namespace" || block.statements[1].kind !== "Default") throw new Error("not a default");
    if (rule.kind !== "NetworkRule") throw new Error("not a rule");
    const [source] = rule.sources;
    const [destination] = rule.destinations;
    if (source.kind !== "Reference" || destination.kind !== "Reference") throw new Error("not references");
    return { source, destination, workload: block.statements[1].workload! };
  };
  const lazy = names(true);
  const plain = names(false);
  for (const key of ["source", "destination"] as const) {
    const reference = lazy[key];
    const ref = reference.ref;
    assert.instance(ref, LazyQualifiedName);
    // one object: no span of its own, the reference's span is the name
    assert.is(ref.span, ref);
    assert.is(reference.span, ref);
    assert.equal(Object.keys(ref), ["kind", "namespace", "name"]);
    assert.is(ref.kind, "QualifiedName");
    assert.is(ref.span.file, "t.secpol");
    assert.equal({ ...ref.span.start }, { ...plain[key].ref.span.start });
    assert.equal({ ...ref.span.end }, { ...plain[key].ref.span.end });
    // the words keep their own spans
    assert.equal({ ...ref.name.span.start }, { ...plain[key].ref.name.span.start });
    assert.equal({ ...ref.namespace!.span.end }, { ...plain[key].ref.namespace!.span.end });
    assert.is(JSON.stringify(reference), JSON.stringify(plain[key]));
  }
  assert.equal({ ...lazy.destination.ref.span.start }, { line: 5, column: 15, offset: 87 });
  assert.equal({ ...lazy.destination.ref.span.end }, { line: 5, column: 21, offset: 93 });
  // the qualified name of a rule (not a peer)
  assert.instance(lazy.workload, LazyQualifiedName);
  assert.is(JSON.stringify(lazy.workload), JSON.stringify(plain.workload));
});

test.run();
