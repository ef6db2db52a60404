/**
 * The robustness property, shared by the in-suite sample (test/robustness/fuzz.test.ts) and the
 * campaign (`npm run fuzz`, scripts/fuzz.ts): whatever the text, `build` returns (never throws),
 * every diagnostic is coded (`SPnnnn`), has a message and a span inside the text it points into
 * (its line and column agreeing with its offset), a build with errors emits no files, and a build
 * without errors emits files whose paths stay inside the output directory and whose YAML or JSON
 * parses (the YAML to the same objects as YAML 1.2 and as YAML 1.1, which Kubernetes reads). Also here: the input generators (generated programs, mutated examples, token soups,
 * random bytes).
 */
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { readYaml11 } from "./yaml11.js";
import { join } from "node:path";
import { build, type Diagnostic, type ImportResolver } from "../../src/index.js";
import { canonicalFile, canonicalTree, format } from "../../src/format/format.js";
import type { SourceFileNode } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import { SOURCE_ANNOTATION } from "../../src/output/layout.js";
import { positionsIn, type Position } from "../../src/diagnostics/diagnostic.js";
import { repoRoot } from "./baseline.js";
import { programArbitrary } from "./programs.js";
import { exampleNames, readSources } from "./sources.js";

export const FUZZ_PATH = "fuzz.secpol";

/** Imports resolve against a tiny in-memory project, so the import paths are exercised too. */
const LIBRARY: Record<string, string> = {
  "lib.secpol": "group lib = cluster: 53/udp\n",
  "loop.secpol": 'import "./loop.secpol.js"\n',
};
export const fuzzResolver: ImportResolver = (spec) => {
  const name = spec.replace(/^\.\//, "");
  return name in LIBRARY ? { path: name, text: LIBRARY[name] } : { error: "no such file in the fuzzing project" };
};

/** Every example program's files, as texts: the seeds of the mutations. */
export const corpus: string[] = exampleNames().flatMap((name) =>
  readSources(join(repoRoot, "examples", name)).map((s) => s.text),
);

/** Tokens, keywords, values and hostile characters for token soups and edits. */
export const vocabulary = [
  "allow",
  "deny",
  "->",
  "-/->",
  ":",
  ",",
  ";",
  "\n",
  "{",
  "}",
  "(",
  ")",
  "=",
  "==",
  "!=",
  "!",
  "..",
  "/",
  "*",
  "@",
  "namespace",
  "workload",
  "group",
  "default",
  "ns",
  "pods",
  "cidr",
  "except",
  "world",
  "cluster",
  "any",
  "in",
  "notin",
  "port",
  "service",
  "serviceAccount",
  "containers",
  "kind",
  "web",
  "db",
  "shop",
  "app=web",
  "10.0.0.0/8",
  "fd00::/8",
  "0.0.0.0/0",
  "::/0",
  "80",
  "0",
  "65535",
  "65536",
  "99999999999999999999",
  "8000..8080",
  "53/udp",
  "http",
  "ingress",
  "egress",
  "for",
  '"x"',
  '"a: b"',
  '"\\n"',
  '"',
  "# c",
  "import",
  '"std/dns"',
  '"./lib.secpol"',
  '"./loop.secpol"',
  '"../x.secpol"',
  '"/etc/passwd"',
  "profile",
  "psp",
  "grant",
  "psp p to user",
  "pss",
  "enforce",
  "restricted@v1.30",
  "require",
  "set",
  "apply",
  "labels",
  "all",
  "to",
  "version 1.24",
  "version 1.30",
  "podCIDR",
  "serviceCIDR",
  "privileged",
  "hostNetwork",
  "capability SYS_ADMIN",
  "seccomp",
  "runAsUser",
  "\r",
  "\r\n",
  "\t",
  "\u0000",
  "\uFEFF",
  "\u2028",
  "\u00e9",
  "\ud83d\ude00",
  "\ud800",
  "x".repeat(300),
];

/** One example with 1 to 4 random edits: at a position, remove up to 20 characters, insert text. */
export const mutatedExample: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 20 }),
        fc.oneof(fc.string(), fc.constantFrom(...vocabulary), fc.string({ unit: "binary", maxLength: 8 })),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [at, remove, insert]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      return t.slice(0, i) + insert + t.slice(i + remove);
    }, text),
  );

/** Two examples spliced at random points, or an example with a line duplicated or dropped. */
export const splicedExamples: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.constantFrom(...corpus),
    fc.nat(),
    fc.nat(),
    fc.constantFrom("splice", "duplicate", "drop"),
  )
  .map(([a, b, i, j, how]) => {
    if (how === "splice")
      return a.slice(0, a.length === 0 ? 0 : i % a.length) + b.slice(b.length === 0 ? 0 : j % b.length);
    const lines = a.split("\n");
    const at = i % lines.length;
    return (
      how === "duplicate"
        ? [...lines.slice(0, at + 1), ...lines.slice(at)]
        : [...lines.slice(0, at), ...lines.slice(at + 1)]
    ).join("\n");
  });

/** A short slice of an example (or a token) repeated hundreds of times: deep nesting, long lists, many errors. */
export const repeatedSlice: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc
        .tuple(fc.constantFrom(...corpus), fc.nat(), fc.integer({ min: 1, max: 16 }))
        .map(([t, at, n]) => t.slice(at % t.length, (at % t.length) + n)),
      fc
        .tuple(fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 3 }), fc.constantFrom(" ", "\n", ""))
        .map(([ts, end]) => ts.join(" ") + end),
    ),
    fc.integer({ min: 50, max: 2000 }),
  )
  .map(([slice, times]) => slice.repeat(times));

export const tokenSoup: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom(...vocabulary), fc.constantFrom(" ", " ", " ", "", "\n")), { maxLength: 60 })
  .map((ts) => ts.map(([token, separator]) => token + separator).join(""));

/** Random code points, random bytes read as Latin-1 and as UTF-8 (with replacement characters). */
export const randomText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => new TextDecoder().decode(bytes)),
);

/** Random well-formed programs (test/support/programs.ts), with and without deny rules. */
export const generatedProgram: fc.Arbitrary<string> = fc
  .boolean()
  .chain((withDeny) => programArbitrary(withDeny))
  .map((p) => p.text);

/** The campaign's input families; `weight` is the share of the runs each gets. */
export const families: { name: string; weight: number; arbitrary: fc.Arbitrary<string> }[] = [
  { name: "generated", weight: 2, arbitrary: generatedProgram },
  {
    name: "mutated",
    weight: 3,
    arbitrary: fc.oneof(
      { weight: 6, arbitrary: mutatedExample },
      { weight: 2, arbitrary: splicedExamples },
      { weight: 1, arbitrary: repeatedSlice },
    ),
  },
  { name: "soup", weight: 2, arbitrary: tokenSoup },
  { name: "bytes", weight: 2, arbitrary: randomText },
];

/** Line and column (1-based, in UTF-16 units like offsets) of `offset` in `text`, lines split at `\n`. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

class PropertyFailure extends Error {}

const fail = (message: string): never => {
  throw new PropertyFailure(message);
};

/** Every diagnostic coded, with a message and a well-formed span inside the text it names. */
export function checkDiagnostics(diagnostics: readonly Diagnostic[], sources: Record<string, string>): void {
  // the position of an offset as the text has it, by one index of line starts per text (spans come from the scanner)
  const positions = new Map<string, (offset: number) => Position>();
  for (const d of diagnostics) {
    const where = `${d.code} ${JSON.stringify(d.message)}`;
    if (typeof d.code !== "string" || !/^SP\d{4}$/.test(d.code))
      fail(`diagnostic without a code: ${JSON.stringify(d)}`);
    if (!["error", "warning", "note"].includes(d.severity)) fail(`${where}: severity ${d.severity}`);
    if (typeof d.message !== "string" || d.message.trim().length === 0) fail(`${where}: empty message`);
    for (const span of [d.span, ...(d.related ?? []).map((r) => r.span)]) {
      if (!span || typeof span.file !== "string") fail(`${where}: no span`);
      const text = sources[span.file];
      if (text === undefined) fail(`${where}: span in \`${span.file}\`, which is not among the sources`);
      const { start, end } = span;
      if (!(
        Number.isInteger(start.offset) &&
        Number.isInteger(end.offset) &&
        0 <= start.offset &&
        start.offset <= end.offset &&
        end.offset <= text.length
      )) {
        fail(`${where}: span ${start.offset}..${end.offset} is not inside the text of ${text.length} characters`);
      }
      for (const [name, p] of [
        ["start", start],
        ["end", end],
      ] as const) {
        if (!positions.has(span.file)) positions.set(span.file, positionsIn(text));
        const positionOf = positions.get(span.file)!;
        const expected = positionOf(p.offset);
        // a span that ends with a line break may also end just past it on the same line
        const past = name === "end" && text[p.offset - 1] === "\n" ? positionOf(p.offset - 1) : undefined;
        const agrees = (q: { line: number; column: number } | undefined, shift = 0) =>
          q !== undefined && p.line === q.line && p.column === q.column + shift;
        if (!agrees(expected) && !agrees(past, 1)) {
          fail(
            `${where}: ${name} at offset ${p.offset} says ${p.line}:${p.column}, the text says ${expected.line}:${expected.column}`,
          );
        }
      }
    }
  }
}

/** A built output file: a relative path that stays inside OUT, and content that parses. */
function checkOutputFile(path: string, content: string): void {
  const parts = path.split("/");
  if (
    path.startsWith("/") ||
    path.includes("\\") ||
    parts.some((p) => p === "" || p === "." || p === ".." || /[\u0000-\u001f]/.test(p))
  ) {
    fail(`output path \`${JSON.stringify(path)}\` does not stay inside the output directory`);
  }
  if (path.endsWith(".json")) {
    try {
      JSON.parse(content);
    } catch (e) {
      fail(`${path} is not JSON: ${(e as Error).message}`);
    }
    return;
  }
  // Kubernetes reads YAML 1.1: the file must mean the same objects under both versions
  const read = (["1.2", "1.1"] as const).map((version) =>
    parseAllDocuments(content, { version }).map((doc) => {
      if (doc.errors.length > 0) fail(`${path} is not valid YAML ${version}: ${doc.errors[0].message}`);
      return JSON.stringify(doc.toJS());
    }),
  );
  if (read[0].join("\n") !== read[1].join("\n"))
    fail(`${path} reads differently as YAML 1.1 (as Kubernetes reads it) and as YAML 1.2`);
  // and as go-yaml v2 (what kubectl reads with) and the YAML 1.1 spec type plain scalars
  if (
    readYaml11(content)
      .map((o) => JSON.stringify(o))
      .join("\n") !== read[0].join("\n")
  )
    fail(`${path} reads differently to go-yaml v2 or the YAML 1.1 spec than as written`);
}

/**
 * The property: building `text` as one file never throws and keeps every promise about
 * diagnostics and output. Throws an Error describing the first broken promise.
 */
export function checkBuild(text: string): void {
  let result: ReturnType<typeof build>;
  try {
    result = build([{ path: FUZZ_PATH, text }], { resolveImport: fuzzResolver });
  } catch (e) {
    throw new Error(`build threw: ${(e as Error)?.stack ?? String(e)}`);
  }
  checkDiagnostics(result.diagnostics, result.sources);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    if (result.files.length > 0)
      fail(`a build with ${errors.length} errors (first: ${errors[0].code}) emitted ${result.files.length} files`);
    return;
  }
  if (!result.files.some((f) => f.path === "kustomization.yaml"))
    fail("a build without errors emitted no kustomization.yaml");
  for (const f of result.files) checkOutputFile(f.path, f.content);
}

/** A build's diagnostics (spans aside), files and source annotations, without translation validation (which changes no file). */
function built(text: string): { errors: number; diagnostics: string[]; files: string[]; annotations: string[] } {
  const result = build([{ path: FUZZ_PATH, text }], { resolveImport: fuzzResolver, verify: false });
  const annotation = new RegExp(`(${SOURCE_ANNOTATION}: )(.*)`, "g");
  return {
    errors: result.diagnostics.filter((d) => d.severity === "error").length,
    diagnostics: result.diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`).sort(),
    // an admission policy's messages name the statement's `file:line`, as the annotation does
    files: result.files.map(
      (f) => `${f.path}\n${f.content.replace(annotation, "$1...").replace(/(message: "?)[^\s:"]+:\d+: /g, "$1...: ")}`,
    ),
    annotations: result.files.flatMap((f) => [...f.content.matchAll(annotation)].map((m) => m[2])),
  };
}

/**
 * For each line of a file, the lines of its formatted text where the nodes that start on it start:
 * the two trees in canonical order have the same nodes in the same places.
 */
function movedLines(input: SourceFileNode, output: SourceFileNode): Map<number, Set<number>> {
  const moved = new Map<number, Set<number>>();
  const walk = (a: any, b: any): void => {
    if (a === null || typeof a !== "object" || b === null || typeof b !== "object") return;
    if (a.span?.start && b.span?.start) {
      if (!moved.has(a.span.start.line)) moved.set(a.span.start.line, new Set());
      moved.get(a.span.start.line)!.add(b.span.start.line);
    }
    for (const key of Object.keys(a)) if (key !== "span" && key !== "comments") walk(a[key], b[key]);
  };
  walk(canonicalFile(input), canonicalFile(output));
  return moved;
}

/**
 * Whether the source annotations of a formatted program's build (`after`) name the lines that its
 * nodes moved to from the lines the program's build names (`before`): every line named after is
 * where a node of a line named before went, and every line named before has a node on a line named after.
 */
function sameSources(before: string[], after: string[], moved: Map<number, Set<number>>): boolean {
  const places = (annotation: string) => annotation.split(", ").map((place) => /^(.*):(\d+)$/.exec(place)!);
  return before.every((annotation, i) => {
    const [was, is] = [places(annotation), places(after[i])];
    const others = (ps: RegExpExecArray[]) =>
      ps
        .filter((p) => p[1] !== FUZZ_PATH)
        .map((p) => p[0])
        .join(", ");
    if (others(was) !== others(is)) return false;
    const lines = (ps: RegExpExecArray[]) => ps.filter((p) => p[1] === FUZZ_PATH).map((p) => Number(p[2]));
    const now = new Set(lines(is));
    const images = lines(was).map((line) => moved.get(line) ?? new Set<number>());
    return (
      images.every((image) => [...image].some((line) => now.has(line))) &&
      [...now].every((line) => images.some((image) => image.has(line)))
    );
  });
}

/**
 * The formatter's property, on a program that parses: it formats (a program that parses never gets
 * SP1007), formatting the output again changes nothing, the output parses to the same tree (spans
 * aside, lists in canonical order) with the same comments in the same order, and it checks and
 * builds to the same diagnostics and the same files byte for byte, but for the lines that source
 * annotations name, which name the lines the statements moved to. Returns whether the program
 * checks without errors.
 */
export function checkFormatting(text: string): { checked: boolean } {
  const input = parse(text, FUZZ_PATH);
  if (input.diagnostics.some((d) => d.severity === "error"))
    fail(`the program does not parse: ${input.diagnostics[0].code} ${input.diagnostics[0].message}`);
  const once = format(text, FUZZ_PATH);
  if (once.text === undefined)
    fail(`not formatted: ${once.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const formatted = once.text!;
  const twice = format(formatted, FUZZ_PATH).text;
  if (twice !== formatted)
    fail(`formatting is not idempotent: format(format(x)) is\n${twice}\nformat(x) is\n${formatted}`);
  const output = parse(formatted, FUZZ_PATH);
  if (canonicalTree(output.file) !== canonicalTree(input.file))
    fail(`the formatted program parses to another tree:\n${formatted}`);
  const comments = (file: SourceFileNode) => JSON.stringify(file.comments.map((c) => c.text.trimEnd()));
  if (comments(output.file) !== comments(input.file))
    fail(`the formatted program has other comments, or in another order:\n${formatted}`);
  const before = built(text);
  const after = built(formatted);
  if (JSON.stringify(after.diagnostics) !== JSON.stringify(before.diagnostics))
    fail(
      `the formatted program has other diagnostics: ${JSON.stringify(after.diagnostics)}, not ${JSON.stringify(before.diagnostics)}`,
    );
  if (after.files.join("\0") !== before.files.join("\0"))
    fail(`the formatted program builds to other files:\n${formatted}`);
  if (!sameSources(before.annotations, after.annotations, movedLines(input.file, output.file))) {
    fail(
      `the formatted program's source annotations name other lines: ${JSON.stringify(after.annotations)} for ${JSON.stringify(before.annotations)}:\n${formatted}`,
    );
  }
  return { checked: before.errors === 0 };
}
