/**
 * The bytes mean what was meant to every reader (issue 17): each string the emitter writes reads
 * back as that same string with `yaml` (YAML 1.2) and with YAML 1.1 resolution as Kubernetes'
 * readers do it (go-yaml v2) and as the 1.1 spec types plain scalars (test/support/yaml11.ts).
 * The emitter's decision to write a string plain is checked exhaustively over short strings of the
 * characters numbers, booleans and the rest are made of, and over every case form of the words;
 * read-back is property-tested over label values, names, annotations, port names and file names,
 * through the emitter and through whole builds (the first few also through the real `kubectl
 * kustomize`; every example's output: golden/examples.test.ts).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parse, parseAllDocuments } from "yaml";
import { namePlain, quoted, toYaml, writesPlain } from "../../src/output/yaml.js";
import { build } from "../../src/index.js";
import { readYaml11, resolveGoYamlV2, resolveYaml11Spec } from "../support/yaml11.js";
import { assertKustomizeReadsBack, kubectlMissing } from "../support/kustomize.js";

/** Asserts that `text` reads back as `expected` to `yaml` and to both YAML 1.1 resolutions. */
function assertReadsBack(text: string, expected: unknown[]): void {
  assert.equal(
    parseAllDocuments(text).map((d) => d.toJS()),
    expected,
    "yaml (1.2)",
  );
  assert.equal(readYaml11(text), expected, "YAML 1.1");
}

test("the resolvers: go-yaml v2 and the YAML 1.1 spec on the forms the issue names", () => {
  const go: [string, string][] = [
    ["0X1F", "int"],
    ["0x1f", "int"],
    ["1e1_0", "float"],
    ["0b1", "int"],
    ["0o7", "int"],
    ["0O7", "int"],
    ["1_000", "int"],
    ["017", "int"],
    ["08", "float"],
    ["+.5", "float"],
    [".5_0", "float"],
    ["yes", "bool"],
    ["Y", "bool"],
    ["ON", "bool"],
    ["off", "bool"],
    ["~", "null"],
    [".inf", "float"],
    ["-.Inf", "float"],
    [".NaN", "float"],
    ["<<", "merge"],
    ["2024-1-2", "timestamp"],
    ["2024-01-02T03:04:05Z", "timestamp"],
    ["99999999999999999999", "float"],
    ["0x1FFFFFFFFFFFFFFFF", "int"],
    ["-0x8000000000000001", "str"],
    ["1e999", "str"],
    ["1:20", "str"],
    ["yEs", "str"],
    ["=", "str"],
    ["1.2.3", "str"],
    ["abc", "str"],
    ["_1", "str"],
    ["-_1", "int"],
  ];
  for (const [text, type] of go) assert.is(resolveGoYamlV2(text), type, `go-yaml v2: ${text}`);
  const spec: [string, string][] = [
    ["1:20", "int"],
    ["1:20.5", "float"],
    ["=", "value"],
    ["1.2.3", "float"],
    ["0b1_0", "int"],
    ["yes", "bool"],
    ["abc", "str"],
    ["0X1F", "str"],
  ];
  for (const [text, type] of spec) assert.is(resolveYaml11Spec(text), type, `spec: ${text}`);
});

test("issue 17: `0X1F` and `1e1_0` as label values are quoted and read back as those strings", () => {
  const o = { metadata: { labels: { app: "0X1F", tier: "1e1_0", x: "1:20", y: "yEs", z: "=" } } };
  const text = toYaml(o);
  for (const v of ['"0X1F"', '"1e1_0"', '"1:20"', '"yEs"', '"="']) assert.ok(text.includes(v), text);
  assertReadsBack(text, [o]);
});

/** Every string of `alphabet` up to `length` characters. */
function* strings(alphabet: string, length: number): Generator<string> {
  let level = [""];
  yield "";
  for (let n = 1; n <= length; n++) {
    const next: string[] = [];
    for (const prefix of level) for (const c of alphabet) next.push(prefix + c);
    yield* next;
    level = next;
  }
}

/** Every case form of a word (`yes`: `yes`, `yEs`, `YES`, ...). */
const caseForms = (word: string): string[] =>
  [...word].reduce<string[]>(
    (forms, c) => forms.flatMap((f) => [...new Set([f + c.toLowerCase(), f + c.toUpperCase()])]),
    [""],
  );

/** The strings `writesPlain` lets through must read back as themselves: checked in one document per batch. */
function assertPlainDecisions(candidates: Iterable<string>): number {
  const plain: string[] = [];
  for (const s of candidates) {
    if (!writesPlain(s)) continue;
    assert.is(resolveGoYamlV2(s), "str", `go-yaml v2 reads plain \`${s}\` as another type`);
    assert.is(resolveYaml11Spec(s), "str", `the YAML 1.1 spec reads plain \`${s}\` as another type`);
    plain.push(s);
  }
  // as values and as keys, in one document: the same strings back (every 7th: parsing all of them
  // took most of this test's time, and the resolvers have judged each one above)
  const sample = plain.filter((_, i) => i % 7 === 0);
  const text = toYaml({ values: sample, keys: Object.fromEntries(sample.map((s, i) => [s, i])) });
  const lines = new Set(text.split("\n"));
  for (const s of sample) assert.ok(lines.has(`  - ${s}`), `\`${s}\` was not written plain`);
  assertReadsBack(text, [{ values: sample, keys: Object.fromEntries(sample.map((s, i) => [s, i])) }]);
  return plain.length;
}

test("exhaustive: every string of up to 3 characters of number, boolean and indicator characters", () => {
  const written = assertPlainDecisions(strings("019aefxobnyYNtTlsu.-+_:=<~/@,* EXOBI", 3));
  assert.ok(written > 5000, `${written} written plain`);
});

test("exhaustive: every string of up to 5 characters of the characters of numbers", () => {
  assertPlainDecisions(strings("08x.e_+:-", 5));
});

test("exhaustive: every case form of the words YAML 1.1 and 1.2 read as booleans, nulls and floats", () => {
  const words = [
    "y",
    "yes",
    "n",
    "no",
    "true",
    "false",
    "on",
    "off",
    "null",
    "inf",
    ".inf",
    "+.inf",
    "-.inf",
    "nan",
    ".nan",
    "infinity",
    "~",
  ];
  const forms = words.flatMap(caseForms);
  for (const s of forms) assert.not.ok(writesPlain(s), `\`${s}\` is written plain`);
  assertPlainDecisions(forms);
});

test("`namePlain`, the classifier's shortcut, takes only strings `writesPlain` takes: exhaustively, and the words of booleans and nulls", () => {
  let taken = 0;
  const check = (s: string) => {
    if (!namePlain(s)) return;
    taken++;
    assert.ok(writesPlain(s), `\`${s}\` is taken as plain by the shortcut only`);
  };
  for (const s of strings("aAyn0e._/:,- #+@", 4)) check(s);
  for (const s of strings("yesnoi.1: ", 5)) check(s);
  for (const word of ["yes", "no", "on", "off", "y", "n", "true", "false", "null", "inf", "infinity", "nan"])
    for (const s of caseForms(word)) {
      assert.not.ok(namePlain(s), s);
      check(s);
    }
  assert.ok(taken > 10000, `${taken} taken`);
  // what secpolc writes most: names, label values, source annotations
  for (const s of ["secpol-svc-00000", "svc-00001", "ns-000", "ns-000.secpol:2, ns-000.secpol:64", "a/b.secpol:10"])
    assert.ok(namePlain(s), s);
  for (const s of ["a: b", "a:", "a  b", "a ", "a #b", "1a", ".a", "-a", "é1", "a\u00e91", ""])
    assert.not.ok(namePlain(s), s);
});

test("the writer's decision, long texts (not kept) and short ones (kept), first and again: `writesPlain`'s", () => {
  const long = "ns-000.secpol:2, ns-000.secpol:64, ";
  for (const s of strings("ay0.: ,#-", 3))
    for (const text of [s, `a${s}`, long + s, `${s}${long}`]) {
      const expected = `v: ${writesPlain(text) ? text : quoted(text)}\n`;
      assert.is(toYaml({ v: text }), expected, text);
      assert.is(toYaml({ v: text }), expected, text);
    }
});

test("quoted: control characters, line breaks YAML 1.1 knows (NEL, U+2028, U+2029), the BOM and lone surrogates are escaped", () => {
  for (const c of [
    "\u0000",
    "\u0007",
    "\u001b",
    "\u007f",
    "\u0085",
    "\u009f",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
  ]) {
    const text = quoted(`a${c}b`);
    assert.ok(!text.includes(c), JSON.stringify(text));
    assert.is(parse(text), `a${c}b`);
  }
  assert.is(quoted("\ud83d\ude00"), '"\ud83d\ude00"');
  assert.is(quoted("\ud800x"), '"\\ud800x"');
});

// strings in the places a manifest has them
const labelValue = fc.stringMatching(/^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?$/);
const dnsLabel = fc.stringMatching(/^[a-z0-9](?:[-a-z0-9]{0,10}[a-z0-9])?$/);
const portName = fc
  .stringMatching(/^[a-z0-9](?:[-a-z0-9]{0,6}[a-z0-9])?$/)
  .filter((s) => /[a-z]/.test(s) && !s.includes("--"));
const numberish = fc.stringMatching(/^[-+.]?[0-9][0-9_.xXoObBeE:+-]{0,8}$/);
const words = fc.constantFrom(
  ...[
    "yes",
    "Yes",
    "yEs",
    "ON",
    "off",
    "y",
    "N",
    "~",
    "null",
    "<<",
    "=",
    ".inf",
    ".NaN",
    "0X1F",
    "1e1_0",
    "0b1",
    "0o7",
    "1:20",
    "2024-01-02",
    "08",
  ],
);
const anyText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const fileName = fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9 ._#:-]{1,16}\.secpol$/)).map((s) => `${s}:12`);
const mix = (base: fc.Arbitrary<string>) => fc.oneof(base, numberish, words);

const manifest = fc.record({
  name: mix(dnsLabel),
  label: mix(labelValue),
  annotation: mix(anyText),
  port: mix(portName),
  file: fileName,
  key: mix(labelValue),
});

const missing = kubectlMissing();
if (missing !== undefined)
  console.log(`skipped: \`kubectl kustomize\` of generated builds (kubectl cannot be run: ${missing.trim()})`);

test("`<<` is a merge only as a key, `=` a string to go-yaml: kubectl kustomize writes users named so back plain, and Kubernetes reads them as the strings", () => {
  assert.equal(readYaml11("name: <<\n<<: {a: 1}\n"), [{ name: "<<", "<merge:<<>": { a: 1 } }]);
  for (const user of ["<<", "="]) {
    const text = `cluster { version 1.24 }\nnamespace shop { workload web app=web }\npsp p { privileged false }\ngrant psp p to user "${user}"\n`;
    const result = build([{ path: "a.secpol", text }]);
    assert.ok(
      result.files.some((f) => f.content.includes(`name: "${user}"`)),
      "written quoted",
    );
    if (missing === undefined) assertKustomizeReadsBack(result.files);
  }
});

test("property: names, label values, annotations, port names and file names read back as written", () => {
  fc.assert(
    fc.property(manifest, (m) => {
      const object = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: {
          name: m.name,
          namespace: m.name,
          labels: { app: m.label, [m.key]: m.label },
          annotations: { "secpol.dev/source": m.file, note: m.annotation },
        },
        spec: {
          podSelector: { matchLabels: { app: m.label } },
          ingress: [
            {
              ports: [
                { protocol: "TCP", port: m.port },
                { protocol: "TCP", port: 80 },
              ],
            },
          ],
        },
      };
      assertReadsBack(toYaml(object), [object]);
    }),
    { numRuns: 1500 },
  );
});

/** A program with the strings in the places the compiler writes them, built from a file of that name. */
function program(m: { label: string; port: string; user: string }): string {
  return `cluster { version 1.24; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }
namespace shop { default deny; workload web app=${JSON.stringify(m.label)} port ${m.port} 8080 }
allow ns(tier=${JSON.stringify(m.label)}) -> shop/web: ${m.port}
psp p { privileged false }
grant psp p to user ${JSON.stringify(m.user)}
`;
}

test("property: whole builds read back as written, with strings from the program and the file name (the first ones also through kubectl kustomize)", () => {
  let built = 0;
  fc.assert(
    fc.property(
      fc.record({
        label: mix(labelValue),
        port: portName,
        user: mix(fc.string({ minLength: 1, maxLength: 10 })),
        file: fileName,
      }),
      (m) => {
        if (
          m.user.includes("\\") ||
          m.user.includes('"') ||
          /[\n\r]/.test(m.user) ||
          /[\u0000-\u001f\u007f]/.test(m.file)
        )
          return;
        const path = `${m.file.replace(/[\/\\\u0000]/g, "_")}`;
        const result = build([{ path, text: program(m) }]);
        if (result.files.length === 0) return; // an invalid label value or name: nothing is written
        built++;
        if (built <= 8 && missing === undefined) assertKustomizeReadsBack(result.files);
        for (const f of result.files)
          assert.equal(
            readYaml11(f.content),
            parseAllDocuments(f.content).map((d) => d.toJS()),
            f.path,
          );
        const objects = result.files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
        const strings = JSON.stringify(objects);
        assert.ok(
          strings.includes(JSON.stringify(m.label)) && strings.includes(JSON.stringify(m.user)),
          "the strings are in the output",
        );
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(built > 50, `${built} of 150 programs built`);
});

test.run();
