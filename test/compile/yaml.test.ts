/**
 * The fast YAML emitter writes byte-for-byte what `yaml.stringify` writes (with the strings
 * `writesPlain` refuses double-quoted), on every object of every golden file and on a fuzzed corpus
 * of manifest-shaped values, and what it writes parses back to the same objects (YAML 1.1 readers:
 * yaml11.test.ts). This is what lets
 * translation validation check the objects instead of parsing every build's output again.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { toYaml, toYamlSlow } from "../../src/output/yaml.js";
import { testRoot } from "../support/baseline.js";

function goldenObjects(): unknown[] {
  const dir = join(testRoot, "baselines", "examples");
  const objects: unknown[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    // a golden file concatenates the output files, each after a `--- path` line
    for (const part of readFileSync(join(dir, f), "utf8")
      .split(/^--- .*$/m)
      .filter((p) => p.trim() !== "")) {
      for (const d of parseAllDocuments(part)) if (d.toJS() !== null) objects.push(d.toJS());
    }
  }
  return objects;
}

function assertSame(value: unknown): void {
  const fast = toYaml(value);
  assert.fixture(fast, toYamlSlow(value));
  assert.equal(parse(fast), value);
}

test("every object of every golden file: byte-identical to yaml.stringify, and it parses back", () => {
  const objects = goldenObjects();
  assert.ok(objects.length > 50, `${objects.length} objects`);
  for (const o of objects) assertSame(o);
});

// manifest-shaped values: maps of maps, lists of maps and scalars, and awkward strings
const awkward = fc.constantFrom(
  "",
  " ",
  "a: b",
  "#x",
  "x #y",
  "-",
  "- a",
  "1.30",
  "0x1F",
  "true",
  "null",
  "~",
  "yes",
  "a\nb",
  "'q'",
  '"q"',
  "*a",
  "&a",
  "!t",
  "{",
  "[",
  "|",
  ">",
  "a:",
  "@x",
  "%x",
  "`x",
  "10.0.0.0/8",
  "a, b",
  "k=v",
  "üñî",
  "a\tb",
  "x ",
  " x",
);
const word = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._\/-]{0,12}$/), awkward, fc.string({ maxLength: 6 }));
const scalar = fc.oneof(
  word,
  fc.integer({ min: -5, max: 70000 }),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), tie("list")),
  map: fc.dictionary(
    word.filter((k) => k !== "__proto__"),
    tie("node"),
    { maxKeys: 4, noNullPrototype: true },
  ),
  list: fc.array(fc.oneof(scalar, tie("map")), { maxLength: 4 }),
})).map;

test("numbers yaml writes its own way (-0, exponents): the same bytes", () => {
  for (const n of [-0, 1e21, 5e-324, 0.1, -5]) assertSame({ a: n, b: [n] });
});

test("fuzzed manifest-shaped values: byte-identical to yaml.stringify, and they parse back", () => {
  fc.assert(
    fc.property(value, (v) => assertSame(v)),
    { numRuns: 2000 },
  );
});

test("one key's texts, kept once, in every position: a scalar's, a map's, a list's, empty ones, quoted keys", () => {
  for (const key of ["ports", "yes", "a: b", "app.kubernetes.io/name", "x #y", "üñî"]) {
    const forms: Record<string, unknown>[] = [
      { [key]: "v" },
      { [key]: { [key]: 1 } },
      { [key]: [{ [key]: null }, "w"] },
      { [key]: [] },
      { [key]: {} },
      { a: [{ [key]: true, b: { [key]: [key] } }] },
    ];
    // the same forms again, and in the reverse order: the texts kept from the first use serve the others
    for (const v of [...forms, ...forms.reverse()]) assertSame(v);
  }
});

test("the fast path is taken for ordinary manifests (not everything falls back)", () => {
  const o = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "shop",
      labels: { "app.kubernetes.io/managed-by": "secpolc" },
      annotations: { "secpol.dev/source": "a.secpol:3, a.secpol:7" },
    },
    spec: { ports: [{ protocol: "TCP", port: 5432 }], x: [] },
  };
  assert.is(toYaml(o), toYamlSlow(o));
  assert.ok(statSync(join(testRoot, "..", "src", "output", "yaml.ts")).size > 0);
});

test.run();
