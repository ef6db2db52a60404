/**
 * `secpolc --help` lists every command; `secpolc COMMAND --help` prints that command's usage,
 * options and an example, and every option the command line parses is described for some command.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { flags, optionProblems, parseArguments, valued } from "../../src/cli/args.js";
import { commandHelp } from "../../src/cli/help.js";
import { commandNames } from "../../src/cli/main.js";
import { repoRoot } from "../support/baseline.js";

const bin = join(repoRoot, "bin", "secpolc.js");
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** The options a help text names: `--x` and `-o`, from the first column of each row. */
const optionsNamed = (rows: [string, string][]) => rows.flatMap(([o]) => o.match(/(?<![\w-])--?[a-z][\w-]*/g) ?? []);
/** A shell-like split: double quotes group words. */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

test("every command has its help, and the help describes no command that is not there", () => {
  assert.equal(Object.keys(commandHelp).sort(), [...commandNames].sort());
});

test("`secpolc --help` lists every command, lsp included, and how to get a command's help", () => {
  const r = run("--help");
  assert.is(r.code, 0);
  for (const name of commandNames) {
    assert.match(r.stdout, `\n  secpolc ${name}`, `usage line of ${name}`);
    assert.match(r.stdout, new RegExp(`\\n  ${name} +\\S`), `summary line of ${name}`);
  }
  assert.match(r.stdout, "secpolc COMMAND --help");
  assert.is(run("-h").stdout, r.stdout);
  assert.equal(run("help"), { ...r, code: 0 });
});

test("`secpolc COMMAND --help` prints that command's usage, options and one example", () => {
  const global = run("--help").stdout;
  for (const name of commandNames) {
    const r = run(name, "--help");
    assert.is(r.code, 0, name);
    assert.is.not(r.stdout, global, name);
    assert.ok(r.stdout.startsWith(`usage:\n  secpolc ${name}`), `${name}:\n${r.stdout}`);
    const options = r.stdout.split("\noptions:\n")[1]?.split("\n\n")[0] ?? "";
    for (const option of optionsNamed(commandHelp[name]!.options))
      assert.match(options, new RegExp(`^  (-o, )?${option}[ ,]`, "m"), `${name} ${option}`);
    const example = r.stdout.split("\nexample:\n")[1]?.split("\n")[0]?.trim() ?? "";
    assert.ok(example.startsWith(`secpolc ${name}`), `${name}: one example, of itself: ${example}`);
    assert.is(r.stdout.split("\nexample:\n").length, 2, `${name}: one example`);
    assert.is(run(name, "x", "--help").stdout, r.stdout, "--help anywhere on the line");
    assert.is(run("help", name).stdout, r.stdout, "`secpolc help COMMAND` too");
  }
  assert.match(run("build", "--help").stdout, /-o, --output OUT +the output directory/);
  assert.match(run("explain", "--help").stdout, /--exit-code +exit 0 when the flow is permitted, 1 when it is not/);
  assert.match(run("lsp", "--help").stdout, /language server/);
});

test("each example parses, and uses only options of its command", () => {
  for (const [name, help] of Object.entries(commandHelp)) {
    const argv = words(help.example.replace(/#.*/, "")).slice(1);
    const { options, diagnostics } = parseArguments(argv);
    assert.equal(diagnostics, [], help.example);
    assert.is(options.command, name);
    const own = new Set(optionsNamed(help.options));
    for (const arg of argv.filter((a) => a.startsWith("-") && a !== "-"))
      assert.ok(own.has(arg), `${help.example}: ${arg}`);
  }
});

test("every option the command line takes is described, and every option described is taken", () => {
  const described = new Set(Object.values(commandHelp).flatMap((h) => optionsNamed(h.options)));
  const taken = [...valued, ...flags].filter((o) => o !== "--help" && o !== "-h");
  for (const option of taken) assert.ok(described.has(option), `${option} is in no command's help`);
  for (const option of described)
    assert.ok(valued.has(option) || flags.has(option), `${option} is described but not parsed`);
});

test("an option a command does not take is a usage error (SP5020), never silently ignored", () => {
  const problems = (argv: string[]) => optionProblems(parseArguments(argv).options, argv).map((d) => d.code);
  // a value the option takes: the first of the values a help lists (`--format text|json`), else any
  const listed = (option: string) =>
    Object.values(commandHelp)
      .flatMap((h) => h.options.map(([o]) => o.split(" ")))
      .find(([o, values]) => o === option && values?.includes("|"))?.[1];
  const valueOf = (option: string) =>
    option === "--cluster-version" ? "1.30" : option === "--format" ? "json" : (listed(option)?.split("|")[0] ?? "x");
  for (const [name, help] of Object.entries(commandHelp)) {
    const own = new Set(optionsNamed(help.options));
    for (const option of [...valued, ...flags].filter((o) => o !== "--help" && o !== "-h" && o !== "--version")) {
      const argv = valued.has(option) ? [name, option, valueOf(option)] : [name, option];
      if (own.has(option) && !(option === "--format" && !help.options.some(([o]) => o.includes("|json"))))
        assert.equal(problems(argv), [], argv.join(" "));
      else if (!own.has(option)) assert.equal(problems(argv), ["SP5020"], argv.join(" "));
    }
  }
  // what was ignored before: `check --stats` printed nothing, `check --format yaml` printed text
  assert.equal(problems(["check", "--stats"]), ["SP5020"]);
  assert.equal(problems(["check", "--format", "yaml"]), ["SP5020"]);
  assert.equal(problems(["diff", "a", "b", "--exit-code"]), ["SP5020"]);
  assert.equal(problems(["fmt", "--cluster-version", "1.30"]), ["SP5020"]);
  assert.equal(problems(["build", "-o", "out", "--format=ts"]), []);
  assert.equal(problems(["audit", "--level", "baseline", "--version", "v1.30", "--manifests", "d"]), []);
  const r = run("check", "--stats");
  assert.is(r.code, 2);
  assert.match(r.stderr, "error SP5020: `--stats` does not apply to `check`");
  assert.match(r.stderr, "help: it applies to `build`; see `secpolc check --help`");
});

test("`secpolc lsp --stdio`, as editors' LSP clients start it, is the language server (was SP5002)", () => {
  const argv = ["lsp", "--stdio"];
  const { options, diagnostics } = parseArguments(argv);
  assert.equal([...diagnostics, ...optionProblems(options, argv)], []);
});

test("a command name that is a property of every object is an unknown command, not a crash", () => {
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    const r = run(name);
    assert.is(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, `error SP5001: unknown command \`${name}\``);
    assert.match(run(name, "--help").stdout, "secpolc COMMAND --help", "the global help");
  }
});

test.run();
