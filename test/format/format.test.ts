/**
 * The formatter: golden cases, every example and stdlib module already in canonical layout,
 * idempotence and AST preservation on a fuzzed corpus and on generated programs of every statement
 * form (which also build to the same bytes once formatted), refusal when the printer would change the
 * program, files with errors left alone, and `secpolc fmt` and `npx prettier --plugin` agreeing.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, formatWith } from "../../src/format/format.js";
import { build } from "../../src/index.js";
import { parse } from "../../src/syntax/parse.js";
import { assertBaseline, repoRoot, testRoot } from "../support/baseline.js";
import { checkFormatting } from "../support/fuzz.js";
import { everyFormProgram, programArbitrary } from "../support/programs.js";
import { exampleNames, readSources } from "../support/sources.js";

const casesDir = join(testRoot, "cases", "format");
const bin = join(repoRoot, "bin", "secpolc.js");

const formatted = (text: string, path = "t.secpol"): string => {
  const result = format(text, path);
  assert.ok(
    result.text !== undefined,
    `not formatted: ${JSON.stringify(result.diagnostics.map((d) => `${d.code} ${d.message}`))}\n${text}`,
  );
  return result.text!;
};

/** Formatting is idempotent, keeps every comment in order, and (checked inside `format`) the AST. */
function assertWellFormatted(text: string): string {
  const once = formatted(text);
  assert.fixture(formatted(once), once, "format(format(x)) = format(x)");
  const comments = (t: string) => parse(t, "t.secpol").file.comments.map((c) => c.text.trimEnd());
  assert.equal(comments(once), comments(text));
  return once;
}

test("golden formatting cases", () => {
  const cases = readdirSync(casesDir)
    .filter((f) => f.endsWith(".secpol"))
    .sort();
  assert.ok(cases.length >= 3);
  for (const name of cases)
    assertBaseline(`format/${name}`, assertWellFormatted(readFileSync(join(casesDir, name), "utf8")));
});

test("every example and stdlib module is in canonical layout", () => {
  const files = [
    ...exampleNames().flatMap((name) => readSources(join(repoRoot, "examples", name))),
    ...readdirSync(join(repoRoot, "stdlib"))
      .filter((f) => f.endsWith(".secpol"))
      .map((f) => ({ path: `stdlib/${f}`, text: readFileSync(join(repoRoot, "stdlib", f), "utf8") })),
  ];
  assert.ok(files.length >= 12);
  for (const file of files)
    assert.fixture(assertWellFormatted(file.text), file.text, `${file.path} is not formatted: run \`npx secpolc fmt\``);
});

// A fuzzed corpus: generated programs, with comments, blank lines, spaces and `;` sprinkled in.
const decorate = fc
  .tuple(
    programArbitrary(true),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom("  # note", "\n\n", "   ", "\n# own line\n", "; ", "\t")), {
      maxLength: 8,
    }),
  )
  .map(([program, edits]) => {
    const lines = program.text.split("\n");
    for (const [at, what] of edits) {
      const i = at % lines.length;
      // comments and spaces go at line ends; `;` joins a line with the next
      if (what === "; ") {
        if (i + 1 < lines.length && lines[i].trim() !== "" && !/[{#]/.test(lines[i]) && !/^\s*}/.test(lines[i + 1]))
          lines.splice(i, 2, `${lines[i]}; ${lines[i + 1].trim()}`);
      } else if (!lines[i].includes("#")) lines[i] += what;
    }
    return lines.join("\n");
  });

test("fuzzed programs: formatting succeeds, is idempotent and keeps the AST and comments", () => {
  fc.assert(
    fc.property(decorate, (text) => void assertWellFormatted(text)),
    { numRuns: 300 },
  );
});

test("generated programs of every statement form: each formats, format(format(x)) = format(x), the output parses to the same AST and builds to the same bytes", () => {
  // the properties are checkFormatting's (test/support/fuzz.ts); `npm run fuzz -- --format-runs N` runs more
  let checked = 0;
  fc.assert(
    fc.property(everyFormProgram, (text) => {
      if (checkFormatting(text).checked) checked++;
    }),
    { numRuns: 20 },
  );
  assert.ok(
    checked >= 2,
    `only ${checked} of 20 programs check without errors: the build property is barely exercised`,
  );
});

test("fuzzed example mutations: what parses formats idempotently, what does not is left alone", () => {
  const corpus = exampleNames().flatMap((name) => readSources(join(repoRoot, "examples", name)).map((s) => s.text));
  const pieces = ["allow", "deny", "->", ",", "\n", "# c\n", "  ", ";", "web", "ns x", "app=web", "80", "{", "}"];
  const mutated = fc
    .tuple(
      fc.constantFrom(...corpus),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 3 }),
    )
    .map(([text, edits]) =>
      edits.reduce(
        (t, [at, remove, insert]) => t.slice(0, at % t.length) + insert + t.slice((at % t.length) + remove),
        text,
      ),
    );
  let parsed = 0;
  fc.assert(
    fc.property(mutated, (text) => {
      const result = format(text, "t.secpol");
      if (parse(text, "t.secpol").diagnostics.some((d) => d.severity === "error")) {
        assert.is(result.text, undefined);
        assert.ok(result.diagnostics.some((d) => d.severity === "error" && d.code !== "SP1007"));
      } else {
        parsed++;
        assertWellFormatted(text);
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(parsed > 30, `only ${parsed} mutations parsed`);
});

test("a workload's clauses format in any order (issue 16: `kind` before `serviceAccount` was SP1007)", () => {
  const quoted = "workload a/x app=x kind Job serviceAccount s\n";
  assert.is(formatted(quoted), "workload a/x app=x serviceAccount s kind Job\n");
  // and through the Prettier plugin, as `secpolc fmt` runs it
  const cli = spawnSync(process.execPath, [bin, "fmt", "-"], { input: quoted, encoding: "utf8" });
  assert.is(cli.status, 0, cli.stderr);
  assert.is(cli.stdout, "workload a/x app=x serviceAccount s kind Job\n");
  assertWellFormatted("workload a/x app=x kind Job containers c serviceAccount s service 80 -> 8080 port http 8080\n");
});

/** What `build` gives for `text`: its files (source annotations aside, whose lines formatting moves) and its diagnostics (spans aside). */
const built = (text: string) => {
  const result = build([{ path: "t.secpol", text }]);
  return {
    files: result.files.map((f) => `${f.path}\n${f.content.replace(/(secpol\.dev\/source: ).*/g, "$1...")}`),
    diagnostics: result.diagnostics.map((d) => `${d.code} ${d.message}`).sort(),
  };
};

test("the order peers are written in does not change the build, so a formatted program builds to the same bytes (found by the property)", () => {
  // the formatter sorts a group's peers; the policies compiled from the deny followed their order
  const program = (peers: string) =>
    `cluster { version 1.30; podCIDR 10.244.0.0/16 }\nnamespace b {\n  default allow\n  workload w2 app=w2, tier notin (x)\n}\ngroup g2 = ${peers}\ndeny ext/*, g2 -> b/*\n`;
  const written = program("pods(app notin (w1)) in ns(team=x), b/w2");
  assert.is(formatted(written), program("b/w2, pods(app notin (w1)) in ns(team=x)"));
  assert.equal(built(formatted(written)), built(written));
  // a failed assertion's example flow came from the first destination written
  const assertion = (destinations: string) =>
    `cluster { version 1.30; podCIDR 10.244.0.0/16 }\nnamespace b {\n  default deny\n  workload w1 app=w1 port http 8080\n  workload w2 app=w2 port http 9090\n}\nassert ns a -> ${destinations}: http\n`;
  const failing = built(assertion("b/w2, b/w1"));
  assert.match(failing.diagnostics.join("\n"), /SP3008 assertion failed/);
  assert.equal(built(formatted(assertion("b/w2, b/w1"))), failing);
});

test("a field given several values is one error per other value, whatever the order of the items (found by the property)", () => {
  // the formatter sorts the items; SP4008 was reported once per item that differed from the first
  const program = (items: string) =>
    `cluster { version 1.30; podCIDR 10.244.0.0/16 }\nnamespace b { workload w1 app=w1 }\nprofile p1 { require seccomp Localhost profiles/x.json }\nrequire ${items} in ns b\napply p1 to ns b\n`;
  const written = program('seccomp Localhost profiles/x.json, seccomp Localhost "profiles/audit.json"');
  assert.is(formatted(written), program('seccomp Localhost "profiles/audit.json", seccomp Localhost profiles/x.json'));
  assert.equal(built(written).diagnostics, [
    "SP4008 `securityContext.seccompProfile` is given two different values for the same pods",
  ]);
  assert.equal(built(formatted(written)), built(written));
});

test("a user or group name that lexes as a number stays quoted: a subject name is names joined by `:` (found by the property)", () => {
  // `user "1000"` printed as `user 1000`, which does not parse: SP1007
  for (const name of ["1000", "1:2", "system:1.30", "a:007"])
    assert.is(formatted(`grant psp p to user "${name}"\n`), `grant psp p to user "${name}"\n`);
  assert.is(
    formatted('grant psp p to group "system:serviceaccounts:a"\n'),
    "grant psp p to group system:serviceaccounts:a\n",
  );
  // names whose parts after a `:` read as an IPv6 address (`:abc:def`) are written bare, and parse
  for (const name of ["system:serviceaccount:abc:def", "dead:beef:cafe"])
    assert.is(formatted(`grant psp p to user "${name}"\n`), `grant psp p to user ${name}\n`);
  // where a number may stand, it is written bare
  assert.is(formatted('allow pods(app="123") in ns x -> y\n'), "allow pods(app=123) in ns x -> y\n");
});

test("a workload's selector never starts with a requirement the parser would take for a clause", () => {
  // canonical order put `kind` (a label that exists) first: `workload a/w kind, tier=1` starts a `kind` clause, SP1007
  assert.is(formatted("workload a/w tier=1, kind\n"), "workload a/w tier=1, kind\n");
  assert.is(formatted("workload a/w zone=1, port, containers\n"), "workload a/w zone=1, containers, port\n");
  assert.is(formatted("workload a/w zone=1, kind=Job\n"), "workload a/w kind=Job, zone=1\n");
  // elsewhere, canonical order
  assert.is(formatted("allow pods(tier=1, kind) in ns a -> b\n"), "allow pods(kind, tier=1) in ns a -> b\n");
});

test("a second `serviceAccount` or `kind` for one workload is an error, so fmt never drops it without a word", () => {
  // the tree keeps one of them: it checked clean, and fmt printed the other away
  const text = "workload a/w app=x serviceAccount s serviceAccount t kind Job kind Pod\n";
  const result = format(text, "t.secpol");
  assert.is(result.text, undefined);
  assert.equal(
    result.diagnostics.map((d) => `${d.code} ${d.message}`),
    ["SP1019 `serviceAccount` is given twice for one workload", "SP1019 `kind` is given twice for one workload"],
  );
  // on the error path of the parser too
  assert.ok(parse(`${text}allow a -> b: "x"\n`, "t.secpol").diagnostics.some((d) => d.code === "SP1019"));
});

test("a printer that would change the program is refused with an internal error", () => {
  const text = "allow a, b -> c: 80\n";
  const dropsAPeer = formatWith(() => "allow a -> c: 80\n", text, "t.secpol");
  assert.is(dropsAPeer.text, undefined);
  assert.equal(
    dropsAPeer.diagnostics.map((d) => d.code),
    ["SP1007"],
  );
  assert.match(dropsAPeer.diagnostics[0].message, /change the program/);
  const dropsAComment = formatWith(() => "allow a, b -> c: 80\n", "# why\nallow a, b -> c: 80\n", "t.secpol");
  assert.match(dropsAComment.diagnostics[0].message, /lose or move a comment/);
  assert.match(formatWith(() => "allow a ->\n", text, "t.secpol").diagnostics[0].message, /not parse/);
});

test("secpolc fmt: --check lists unformatted files and exits 1; fmt rewrites them; files with errors stay untouched", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-fmt-"));
  const messy = "allow  b,a->c:80 # x\n";
  const broken = "allow a -> \nnamespace {\n";
  writeFileSync(join(dir, "messy.secpol"), messy);
  writeFileSync(join(dir, "ok.secpol"), "allow a -> b\n");
  writeFileSync(join(dir, "broken.secpol"), broken);
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, "fmt", ...args], { cwd: dir, encoding: "utf8" });
  const check = run("--check", "messy.secpol", "ok.secpol");
  assert.is(check.status, 1);
  assert.is(check.stdout, "messy.secpol\n");
  assert.is(readFileSync(join(dir, "messy.secpol"), "utf8"), messy, "--check writes nothing");
  const all = run();
  assert.is(all.status, 1, "a file with errors makes fmt fail");
  assert.match(all.stderr, /broken\.secpol:\d+:\d+: error SP1003/);
  assert.is(readFileSync(join(dir, "messy.secpol"), "utf8"), "allow a, b -> c: 80  # x\n");
  assert.is(readFileSync(join(dir, "broken.secpol"), "utf8"), broken);
  assert.equal(readdirSync(dir).sort(), ["broken.secpol", "messy.secpol", "ok.secpol"], "no temporary files left");
  assert.is(run("--check", "messy.secpol", "ok.secpol").status, 0);
  const stdin = spawnSync(process.execPath, [bin, "fmt", "-"], { input: "deny  y,x -> z\n", encoding: "utf8" });
  assert.is(stdin.stdout, "deny x, y -> z\n");
  rmSync(dir, { recursive: true });
});

test("a file with a byte-order mark (and CRLF lines) checks clean, and fmt keeps the mark", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-fmt-bom-"));
  writeFileSync(join(dir, "a.secpol"), "\ufeffnamespace a {\r\n  workload  w app=w\r\n}\r\n");
  const check = spawnSync(process.execPath, [bin, "check", "a.secpol"], { cwd: dir, encoding: "utf8" });
  assert.is(check.status, 0, check.stderr);
  assert.is(check.stderr, "");
  const fmt = spawnSync(process.execPath, [bin, "fmt", "a.secpol"], { cwd: dir, encoding: "utf8" });
  assert.is(fmt.status, 0, fmt.stderr);
  assert.is(readFileSync(join(dir, "a.secpol"), "utf8"), "\ufeffnamespace a {\n  workload w app=w\n}\n");
  rmSync(dir, { recursive: true });
});

test("secpolc fmt through a symbolic link formats the file it points to, keeps the link and the file's permissions", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-fmt-link-"));
  mkdirSync(join(dir, "real"));
  writeFileSync(join(dir, "real", "b.secpol"), "allow  a->b\n");
  chmodSync(join(dir, "real", "b.secpol"), 0o640);
  symlinkSync(join("real", "b.secpol"), join(dir, "a.secpol"));
  const r = spawnSync(process.execPath, [bin, "fmt", "a.secpol"], { cwd: dir, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.ok(lstatSync(join(dir, "a.secpol")).isSymbolicLink(), "the link was replaced by a file");
  assert.is(readFileSync(join(dir, "real", "b.secpol"), "utf8"), "allow a -> b\n");
  assert.is(statSync(join(dir, "real", "b.secpol")).mode & 0o777, 0o640);
  assert.equal(readdirSync(join(dir, "real")), ["b.secpol"], "no temporary files left");
  rmSync(dir, { recursive: true });
});

test("npx prettier --plugin gives the same bytes as secpolc fmt", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-prettier-"));
  const text = readFileSync(join(casesDir, "comments.secpol"), "utf8");
  writeFileSync(join(dir, "c.secpol"), text);
  const prettier = join(repoRoot, "node_modules", "prettier", "bin", "prettier.cjs");
  for (const plugin of [join(repoRoot, "dist", "format", "prettier-plugin.js"), "secpolc/prettier"]) {
    const r = spawnSync(process.execPath, [prettier, "--plugin", plugin, join(dir, "c.secpol")], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    assert.is(r.status, 0, r.stderr);
    assert.fixture(r.stdout, formatted(text));
  }
  writeFileSync(join(dir, "bad.secpol"), "allow a ->\n");
  const bad = spawnSync(process.execPath, [prettier, "--plugin", "secpolc/prettier", join(dir, "bad.secpol")], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /SP1003/);
  rmSync(dir, { recursive: true });
});

test.run();
