/**
 * `secpolc`: reads files, calls the compiler core, renders diagnostics, writes the output directory.
 * All file-system and process access of the compiler lives in src/cli/.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Writable } from "node:stream";
import {
  build,
  check,
  diagnosticsToJson,
  diffSources,
  explainQuery,
  explanationToJson,
  renderDiagnostics,
  renderDiff,
  renderExplanation,
  audit,
  auditToJson,
  migratePsps,
  printable,
  renderAudit,
  renderMigrations,
  type Diagnostic,
  type OutputFile,
  type SourceText,
} from "../index.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { internalErrorDiagnostic } from "../diagnostics/internal.js";
import { diagnosticsToGithub, diagnosticsToSarif } from "../diagnostics/report.js";
import { auditFindings, forCi, unformattedFiles, warningsFailure } from "./ci.js";
import { cli as m } from "../diagnostics/messages/cli.js";
import { argumentSpan, optionProblems, parseArguments, type Options } from "./args.js";
import { commandHelp, commandList, renderCommandHelp, usage } from "./help.js";
import { discoverSources, displayPath, importResolver, programRoot, readManifests } from "../host.js";
import { isStandardModule } from "../stdlib/standard.js";
import { parse } from "../syntax/parse.js";
import { shown } from "../check/values.js";
import type { Span } from "../diagnostics/diagnostic.js";
import { afterModel, afterOutput, afterPass, beforeCheck } from "./memory.js";
import { nextStep, StatusLine } from "./progress.js";
import { forLanguageServer, forOneRun } from "./tiering.js";
import { parseVersion as parsePssVersion } from "../semantics/pss.js";
import { importPolicies } from "../analysis/import.js";
import { checkImport } from "../analysis/import-check.js";
import { importing as im } from "../diagnostics/messages/import.js";
import { parseCidr, type Cidr } from "../semantics/ip.js";
import {
  abandonOutput,
  commitOutput,
  differingFiles,
  filesInside,
  OutputError,
  replaceFile,
  openOutput,
  TYPESCRIPT_MODULE,
  writeOutputDirectory,
  type StagedOutput,
  type WriteHooks,
  type WriteOutcome,
} from "./write.js";

export const EXIT_OK = 0;
export const EXIT_PROGRAM_ERRORS = 1;
export const EXIT_USAGE = 2;
/** `explain --exit-code`: the flow is not permitted (a program with errors is then EXIT_USAGE: no answer). */
export const EXIT_NOT_PERMITTED = 1;
/**
 * A failure of secpolc itself, a bug (EX_SOFTWARE of sysexits.h): neither 1 nor 2, which speak of
 * the program and the command line, so that CI does not read a crash as a verdict on the policy.
 */
export const EXIT_INTERNAL_ERROR = 70;

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  color: boolean;
  /** Writes the status line of long work (defined only when stderr is a terminal). */
  status?: (text: string) => void;
  /** The arguments joined, for carets under command-line mistakes. */
  commandLine: string;
}

const defaultIo = (argv: readonly string[]): Io => ({
  commandLine: argv.join(" "),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
  ...(process.stderr.isTTY ? { status: (t: string) => process.stderr.write(t) } : {}),
});

type Command = (options: Options, argv: readonly string[], io: Io) => number | Promise<number>;

const commands: Record<string, Command> = {
  build: runBuild,
  check: runCheck,
  explain: runExplain,
  diff: runDiff,
  audit: runAudit,
  "migrate-psp": runMigratePsp,
  import: runImport,
  fmt: runFmt,
  lsp: runLsp,
};
const planned: string[] = [];
/** The commands there are (test/cli/help.test.ts checks each has its help). */
export const commandNames = Object.keys(commands);

export async function main(argv: string[], io: Io = defaultIo(argv)): Promise<number> {
  let options: Options | undefined;
  try {
    const parsed = parseArguments(argv);
    options = parsed.options;
    return await dispatch(options, parsed.diagnostics, argv, io);
  } catch (e) {
    return internalError(e, argv, options, io);
  }
}

/**
 * An exception no pass turned into a diagnostic is a bug: it is reported as one (SP5025, in the
 * format asked for, on the command's word) with the stack after it, and the exit status is
 * `EXIT_INTERNAL_ERROR`. A build has already left its output directory as it was (`runBuild`).
 */
function internalError(e: unknown, argv: readonly string[], options: Options | undefined, io: Io): number {
  const at = options ? Math.max(0, argv.indexOf(options.command)) : 0;
  const help = `this is a bug in secpolc ${packageVersion()}, not in the program: please report it with the command line, the input and the stack trace (on stderr)`;
  report([internalErrorDiagnostic(e, argumentSpan(argv, at), help)], {}, options ?? { format: "text" }, io);
  io.stderr(`${(e instanceof Error && e.stack) || String(e)}\n`);
  return EXIT_INTERNAL_ERROR;
}

async function dispatch(options: Options, diagnostics: Diagnostic[], argv: readonly string[], io: Io): Promise<number> {
  if (options.version) {
    io.stdout(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  // `secpolc COMMAND --help`, and `secpolc help [COMMAND]` as people also type it
  const helpFor = options.command === "help" ? (options.inputs[0] ?? "") : options.command;
  if (options.help || options.command === "help" || argv.length === 0) {
    io.stdout(Object.hasOwn(commandHelp, helpFor) ? renderCommandHelp(helpFor) : usage);
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  const commandIndex = argv.indexOf(options.command);
  // own properties only: `secpolc constructor` is an unknown command, not Object's constructor
  const command = Object.hasOwn(commands, options.command) ? commands[options.command] : undefined;
  diagnostics.push(...optionProblems(options, argv));
  if (!command) {
    const known = planned.includes(options.command);
    diagnostics.push(
      diagnostic(known ? m.notImplemented : m.unknownCommand, argumentSpan(argv, commandIndex), [options.command], {
        help: known
          ? `this version of secpolc has ${commandList()}`
          : `the commands are ${commandList()}; see \`secpolc --help\``,
      }),
    );
  }
  if (!command || diagnostics.length > 0) {
    report(diagnostics, {}, options, io);
    return EXIT_USAGE;
  }
  return await command(options, argv, io);
}

/**
 * Settles once each stream has handed on what was written to it. `bin/secpolc.js` waits for this,
 * then ends the process with `process.exit`: the event loop's natural end tears down the heap page
 * by page, which cost a 5,000-service build 40-50 ms, and a stream that takes writes asynchronously
 * (a pipe on macOS) must not lose its last output to the exit. On Linux stdout and stderr write
 * synchronously, so there is nothing to wait for.
 */
export async function flushed(streams: readonly Writable[]): Promise<void> {
  for (const stream of streams)
    if (stream.writableLength > 0) await new Promise((done) => stream.write("", () => done(undefined)));
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * Diagnostics on stderr, or as JSON on stdout. Source files are named by the program (relative to
 * its `root`) everywhere but on the terminal, where they are shown from the current directory, so
 * that `file:line:col` can be clicked and opened.
 */
function report(
  diagnostics: readonly Diagnostic[],
  sources: Record<string, string>,
  options: Pick<Options, "format">,
  io: Io,
  root?: string,
): void {
  if (options.format === "json") return io.stdout(`${JSON.stringify(diagnosticsToJson(diagnostics), null, 2)}\n`);
  // on a terminal and in CI (which reads paths from the repository's root), paths from here
  const here =
    root === undefined
      ? { diagnostics, sources }
      : fromCurrentDirectory(diagnostics, sources, (file) => displayPath(io.cwd, resolve(root, file)));
  if (options.format === "sarif")
    io.stdout(`${JSON.stringify(diagnosticsToSarif(here.diagnostics, { version: packageVersion() }), null, 2)}\n`);
  else if (options.format === "github") io.stdout(diagnosticsToGithub(here.diagnostics));
  else if (diagnostics.length > 0)
    io.stderr(
      renderDiagnostics(here.diagnostics, { ...here.sources, "<command line>": io.commandLine }, { color: io.color }),
    );
}

/** The diagnostics and sources with each program file (`.secpol`) renamed by `name`. */
function fromCurrentDirectory(
  diagnostics: readonly Diagnostic[],
  sources: Record<string, string>,
  name: (file: string) => string,
) {
  const renamed = (file: string) => (file.endsWith(".secpol") && !isStandardModule(file) ? name(file) : file);
  // field by field: a parser's `LazySpan` has getters, which a spread does not copy
  const span = (s: Span): Span => ({ file: renamed(s.file), start: s.start, end: s.end });
  return {
    diagnostics: diagnostics.map((d) => ({
      ...d,
      span: span(d.span),
      ...(d.related ? { related: d.related.map((r) => ({ ...r, span: span(r.span) })) } : {}),
    })),
    sources: Object.fromEntries(Object.entries(sources).map(([file, text]) => [renamed(file), text])),
  };
}

/**
 * Reads the inputs, named relative to the program's root (`root`, by default the inputs' common
 * directory); unreadable input, and a file name the output cannot hold, are usage-level failures (exit 2).
 */
function readInputs(options: Options, argv: readonly string[], io: Io, root?: string) {
  const inputs = options.inputs.length > 0 ? options.inputs : ["."];
  const discovered = discoverSources(io.cwd, inputs, root);
  const { sources, problems } = discovered;
  const diagnostics = problems.map((p) =>
    diagnostic(m.unreadableInput, argumentSpan(argv, Math.max(0, argv.indexOf(p.input))), [p.input, p.reason]),
  );
  for (const u of discovered.unsafe) {
    diagnostics.push(
      diagnostic(
        m.unsafeFileName,
        argumentSpan(argv, Math.max(0, argv.indexOf(u.input))),
        [shown(u.path), u.character],
        {
          help: "rename the file: every object names the files it came from in its `secpol.dev/source` annotation",
        },
      ),
    );
  }
  if (diagnostics.length === 0 && sources.length === 0) {
    diagnostics.push(
      diagnostic(m.noInputFiles, argumentSpan(argv, Math.max(0, argv.indexOf(inputs[0]))), [
        inputs.map((i) => `\`${i}\``).join(", "),
      ]),
    );
  }
  const resolveImport = importResolver(io.cwd, discovered.root, discovered.directories);
  return { root: discovered.root, directories: discovered.directories, sources, diagnostics, resolveImport };
}

/**
 * A parser for one one-shot run (`build`, `check`): its trees' spans are `LazySpan`s, which make their
 * positions when read (the trees are read little, and let go after checking), and its files share
 * one table of texts, which goes with the run's trees.
 */
function parseOnce(): (text: string, path: string) => ReturnType<typeof parse> {
  const texts = new Map<string, string>();
  return (text, path) => parse(text, path, { lazySpans: true, texts });
}

const programChars = (sources: readonly SourceText[]) => sources.reduce((sum, s) => sum + s.text.length, 0);

function runCheck(options: Options, argv: readonly string[], io: Io): number {
  const input = readInputs(options, argv, io);
  if (input.diagnostics.length > 0) {
    report(input.diagnostics, {}, options, io);
    return EXIT_USAGE;
  }
  forOneRun(programChars(input.sources));
  const result = check(input.sources, {
    clusterVersion: options.clusterVersion,
    resolveImport: input.resolveImport,
    parse: parseOnce(),
  });
  const diagnostics = [...result.diagnostics, ...warningsFailure(result.diagnostics, options, argv)];
  report(diagnostics, result.sources, options, io, input.root);
  return hasErrors(diagnostics) ? EXIT_PROGRAM_ERRORS : EXIT_OK;
}

/** `secpolc fmt [--check] [FILES|DIRS...]`, or `secpolc fmt -` from standard input to standard output. */
async function runFmt(options: Options, argv: readonly string[], io: Io): Promise<number> {
  const { formatFiles, formatSource, readStdin } = await import("./fmt.js"); // Prettier is loaded only here
  if (options.inputs.length === 1 && options.inputs[0] === "-") {
    const source = { path: "<stdin>", text: readStdin() };
    const result = await formatSource(source);
    if (forCi(options)) {
      // stdout is the report's: the formatted text is not written
      const unformatted =
        options.check && result.text !== undefined && result.text !== source.text
          ? unformattedFiles([{ path: source.path, text: source.text, formatted: result.text }])
          : [];
      const diagnostics = [...result.diagnostics, ...unformatted];
      report(diagnostics, { [source.path]: source.text }, options, io);
      return hasErrors(diagnostics) ? EXIT_PROGRAM_ERRORS : EXIT_OK;
    }
    report(result.diagnostics, { [source.path]: source.text }, options, io);
    if (result.text === undefined) return EXIT_PROGRAM_ERRORS;
    io.stdout(result.text);
    return options.check && result.text !== source.text ? EXIT_PROGRAM_ERRORS : EXIT_OK;
  }
  const input = readInputs(options, argv, io);
  if (input.diagnostics.length > 0) {
    report(input.diagnostics, {}, options, io);
    return EXIT_USAGE;
  }
  const outcome = await formatFiles(input.root, input.sources, options.check);
  const texts = Object.fromEntries(input.sources.map((s) => [s.path, s.text]));
  if (forCi(options)) {
    const diagnostics = [...outcome.diagnostics, ...(options.check ? unformattedFiles(outcome.changes) : [])];
    report(diagnostics, texts, options, io, input.root);
    return hasErrors(diagnostics) ? EXIT_PROGRAM_ERRORS : EXIT_OK;
  }
  report(outcome.diagnostics, texts, options, io, input.root);
  for (const path of outcome.changed) io.stdout(`${printable(displayPath(io.cwd, resolve(input.root, path)))}\n`);
  if (options.check && outcome.changed.length > 0)
    io.stderr(`${outcome.changed.length} of ${input.sources.length} files are not formatted: run \`secpolc fmt\`\n`);
  return hasErrors(outcome.diagnostics) || (options.check && outcome.changed.length > 0)
    ? EXIT_PROGRAM_ERRORS
    : EXIT_OK;
}

/** `secpolc lsp`: the language server on stdin/stdout; it runs until the client exits it. Loaded only here (it adds a fifth to every start). */
async function runLsp(): Promise<number> {
  forLanguageServer();
  const { startServer } = await import("../lsp/server.js");
  startServer();
  return new Promise(() => {});
}

/** `secpolc explain [FILES|DIRS...] "SRC -> DST:PORT[/proto]"`: the query is the last argument. */
function runExplain(options: Options, argv: readonly string[], io: Io): number {
  const query = options.inputs.at(-1);
  // a query with another language's arrow is still the query: explainQuery says which arrow to write
  if (query === undefined || !/->|=>|→/.test(query)) {
    report(
      [
        diagnostic(m.missingQuery, argumentSpan(argv, argv.indexOf("explain")), [], {
          help: 'e.g. `secpolc explain policies/ "shop/web -> shop/db:5432/tcp"`',
        }),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  }
  const input = readInputs({ ...options, inputs: options.inputs.slice(0, -1) }, argv, io);
  if (input.diagnostics.length > 0) {
    report(input.diagnostics, {}, options, io);
    return EXIT_USAGE;
  }
  const result = explainQuery(input.sources, query, {
    clusterVersion: options.clusterVersion,
    resolveImport: input.resolveImport,
  });
  if (!result.explanation) {
    report(result.diagnostics, result.sources, options, io, input.root);
    // with --exit-code, 1 means "not permitted" only: a program with errors gives no answer
    return options.exitCode || result.diagnostics.some((d) => d.span.file === "<query>")
      ? EXIT_USAGE
      : EXIT_PROGRAM_ERRORS;
  }
  if (options.format === "json") io.stdout(`${JSON.stringify(explanationToJson(result.explanation), null, 2)}\n`);
  else io.stdout(printable(renderExplanation(result.explanation, result.sources)));
  return options.exitCode && !result.explanation.permitted ? EXIT_NOT_PERMITTED : EXIT_OK;
}

/** `secpolc diff OLD NEW`: each side is one program (a file or a directory). */
function runDiff(options: Options, argv: readonly string[], io: Io): number {
  if (options.inputs.length !== 2) {
    report(
      [
        diagnostic(m.diffNeedsTwo, argumentSpan(argv, argv.indexOf("diff")), [options.inputs.length], {
          help: "e.g. `secpolc diff main/policies/ policies/ --format md`",
        }),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  }
  // both programs named from one root, so that their files' names differ (`old/a.secpol`, `new/a.secpol`)
  const root = programRoot(io.cwd, options.inputs);
  const [before, after] = options.inputs.map((input) => readInputs({ ...options, inputs: [input] }, argv, io, root));
  if (before.diagnostics.length + after.diagnostics.length > 0) {
    report([...before.diagnostics, ...after.diagnostics], {}, options, io);
    return EXIT_USAGE;
  }
  const result = diffSources(before.sources, after.sources, {
    clusterVersion: options.clusterVersion,
    resolveImport: importResolver(io.cwd, root, [...before.directories, ...after.directories]),
  });
  if (!result.diff) {
    report(result.diagnostics, result.sources, options, io, root);
    return EXIT_PROGRAM_ERRORS;
  }
  if (options.format === "json") io.stdout(`${JSON.stringify(result.diff, null, 2)}\n`);
  else io.stdout(printable(renderDiff(result.diff, options.format === "md" ? "md" : "text")));
  return EXIT_OK;
}

/** `secpolc audit`: Pod Security verdicts for the workloads of a manifests directory. */
function runAudit(options: Options, argv: readonly string[], io: Io): number {
  const usageError = (message: string) => {
    report(
      [
        diagnostic(m.badValue, argumentSpan(argv, argv.indexOf("audit")), [
          "audit",
          message,
          "`--manifests DIR`, with `--level privileged|baseline|restricted [--version vX.Y]` or program files",
        ]),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  };
  if (!options.manifests) return usageError("no --manifests");
  const level = options.level;
  if (level !== undefined && level !== "privileged" && level !== "baseline" && level !== "restricted")
    return usageError(`--level ${level}`);
  const version = options.pssVersion === undefined ? undefined : parsePssVersion(options.pssVersion);
  if (options.pssVersion !== undefined && !version) return usageError(`--version ${options.pssVersion}`);
  const manifests = readManifests(io.cwd, options.manifests);
  if ("problem" in manifests) {
    report(
      [
        diagnostic(m.unreadableInput, argumentSpan(argv, argv.indexOf(options.manifests)), [
          options.manifests,
          manifests.problem,
        ]),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  }
  let program: SourceText[] | undefined;
  let root = io.cwd;
  let resolveImport = importResolver(io.cwd);
  if (!level) {
    const input = readInputs(options, argv, io);
    if (input.diagnostics.length > 0) {
      report(input.diagnostics, {}, options, io);
      return EXIT_USAGE;
    }
    program = input.sources;
    root = input.root;
    resolveImport = input.resolveImport;
  }
  const result = audit(
    { manifests: manifests.files, level, version, program, suggest: options.suggest },
    { clusterVersion: options.clusterVersion, resolveImport },
  );
  if (!result.results) {
    report(result.diagnostics, result.sources, options, io, root);
    return EXIT_PROGRAM_ERRORS;
  }
  const findings = auditFindings(result.results);
  const failure = warningsFailure([...result.diagnostics, ...findings], options, argv);
  // a missing requirement that the SecurityContext patch would not set fails like an enforced level
  const failed = result.results.some((r) => r.unpatched) || hasErrors([...result.diagnostics, ...findings, ...failure]);
  if (forCi(options)) {
    report([...result.diagnostics, ...findings, ...failure], result.sources, options, io, root);
    return failed ? EXIT_PROGRAM_ERRORS : EXIT_OK;
  }
  if (options.format === "json") {
    const diagnostics = diagnosticsToJson([...result.diagnostics, ...failure]).diagnostics;
    io.stdout(
      `${JSON.stringify({ ...auditToJson(result.results), ...(result.suggestions ? { suggestions: result.suggestions } : {}), diagnostics }, null, 2)}\n`,
    );
  } else {
    report([...result.diagnostics, ...failure], result.sources, options, io, root);
    io.stdout(printable(renderAudit(result.results)));
    for (const s of result.suggestions ?? [])
      io.stdout(
        `suggest: namespace ${s.namespace} passes "${s.level}:${s.version}" today (pss enforce ${s.level}@${s.version})\n`,
      );
  }
  return failed ? EXIT_PROGRAM_ERRORS : EXIT_OK;
}

/** The manifests of every input (files, directories read recursively); undefined (reported) when one cannot be read. */
function readManifestInputs(options: Options, argv: readonly string[], io: Io): SourceText[] | undefined {
  const manifests: SourceText[] = [];
  for (const input of options.inputs) {
    const read = readManifests(io.cwd, input);
    if ("problem" in read) {
      report(
        [diagnostic(m.unreadableInput, argumentSpan(argv, argv.indexOf(input)), [input, read.problem])],
        {},
        options,
        io,
      );
      return undefined;
    }
    manifests.push(...read.files);
  }
  return manifests;
}

/** `secpolc migrate-psp FILE|DIR...`: existing PodSecurityPolicies as secpol, with their PSS level. */
function runMigratePsp(options: Options, argv: readonly string[], io: Io): number {
  if (options.inputs.length === 0) {
    report(
      [
        diagnostic(m.noInputFiles, argumentSpan(argv, argv.indexOf("migrate-psp")), ["the command line"], {
          help: "e.g. `secpolc migrate-psp cluster/psp/`",
        }),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  }
  const manifests = readManifestInputs(options, argv, io);
  if (!manifests) return EXIT_USAGE;
  const result = migratePsps(manifests);
  if (options.format === "json")
    io.stdout(
      `${JSON.stringify({ migrations: result.migrations, diagnostics: diagnosticsToJson(result.diagnostics).diagnostics }, null, 2)}\n`,
    );
  else {
    report(result.diagnostics, Object.fromEntries(manifests.map((f) => [f.path, f.text])), options, io);
    io.stdout(printable(renderMigrations(result.migrations)));
  }
  return hasErrors(result.diagnostics) ? EXIT_PROGRAM_ERRORS : EXIT_OK;
}

/** `secpolc import FILE|DIR... [-o FILE]`: existing NetworkPolicies as a secpol program, checked to mean the same. */
function runImport(options: Options, argv: readonly string[], io: Io): number {
  if (options.inputs.length === 0) {
    report(
      [
        diagnostic(m.noInputFiles, argumentSpan(argv, argv.indexOf("import")), ["the command line"], {
          help: "e.g. `secpolc import cluster/netpol/ -o imported.secpol`",
        }),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  }
  const ranges = (option: string, values: readonly string[]): Cidr[] | undefined => {
    const cidrs: Cidr[] = [];
    for (const value of values) {
      const parsed = parseCidr(value.trim());
      if ("cidr" in parsed) cidrs.push(parsed.cidr);
      else {
        const index = argv.findIndex((a) => a.includes(value));
        report(
          [
            diagnostic(im.badCidrOption, argumentSpan(argv, Math.max(0, index)), [
              option,
              value,
              parsed.problem === "host-bits"
                ? "its host bits are set"
                : "expected a CIDR block such as `10.244.0.0/16`",
            ]),
          ],
          {},
          options,
          io,
        );
        return undefined;
      }
    }
    return cidrs;
  };
  const podCIDRs = ranges("--pod-cidr", options.podCidrs);
  const serviceCIDRs = ranges("--service-cidr", options.serviceCidrs);
  if (!podCIDRs || !serviceCIDRs) return EXIT_USAGE;
  const manifests = readManifestInputs(options, argv, io);
  if (!manifests) return EXIT_USAGE;
  const sources: Record<string, string> = Object.fromEntries(manifests.map((f) => [f.path, f.text]));
  const imported = importPolicies(manifests, {
    podCIDRs,
    serviceCIDRs,
    clusterVersion: options.clusterVersion,
    ipBlockPods: options.ipBlockPods,
  });
  const diagnostics = [...imported.diagnostics];
  if (imported.policies.length === 0 && !hasErrors(diagnostics))
    diagnostics.push(
      diagnostic(im.noPolicies, argumentSpan(argv, argv.indexOf(options.inputs[0])), [options.inputs.join(", ")]),
    );
  const programPath = options.output ? displayPath(io.cwd, resolve(io.cwd, options.output)) : "imported.secpol";
  sources[programPath] = imported.program;
  const checked = hasErrors(diagnostics)
    ? undefined
    : checkImport(imported, programPath, {
        clusterVersion: options.clusterVersion,
        allowInexact: options.allowInexact,
        ipBlockPods: options.ipBlockPods,
      });
  if (checked) diagnostics.push(...checked.diagnostics);
  const failed = hasErrors(diagnostics) || !checked;
  if (options.format === "json") {
    io.stdout(
      `${JSON.stringify({ program: failed ? null : imported.program, exact: checked?.exact ?? false, checks: checked?.checks ?? 0, diagnostics: diagnosticsToJson(diagnostics).diagnostics }, null, 2)}\n`,
    );
  } else report(diagnostics, sources, options, io);
  if (failed) return EXIT_PROGRAM_ERRORS;
  if (options.output) {
    try {
      replaceFile(resolve(io.cwd, options.output), imported.program);
    } catch (e) {
      report(
        [
          diagnostic(m.writeFailed, argumentSpan(argv, argv.indexOf(options.output)), [
            options.output,
            (e as Error).message,
          ]),
        ],
        {},
        options,
        io,
      );
      return EXIT_PROGRAM_ERRORS;
    }
    io.stderr(
      `wrote ${options.output}: ${imported.policies.length} NetworkPolic${imported.policies.length === 1 ? "y" : "ies"} as ${imported.pieces.length} allow${imported.pieces.length === 1 ? "" : "s"}, ${checked.exact ? `the same flows (${checked.checks} compared)` : "NOT the same flows (--allow-inexact)"}\n`,
    );
  } else if (options.format !== "json") io.stdout(printable(imported.program));
  return EXIT_OK;
}

async function runBuild(options: Options, argv: readonly string[], io: Io): Promise<number> {
  if (!options.output) {
    report(
      [
        diagnostic(m.missingOutput, argumentSpan(argv, argv.indexOf("build")), [], {
          help: "e.g. `secpolc build policies/ -o out/`",
        }),
      ],
      {},
      options,
      io,
    );
    return EXIT_USAGE;
  }
  const input = readInputs(options, argv, io);
  if (input.diagnostics.length > 0) {
    report(input.diagnostics, {}, options, io);
    return EXIT_USAGE;
  }
  const chars = programChars(input.sources);
  forOneRun(chars);
  beforeCheck(chars);
  const status = new StatusLine(io.status);
  const out = resolve(io.cwd, options.output);
  // The files are written beside OUT as emit makes them and while the build verifies them (`--check`
  // compares them and `--format ts` rewrites them first: those take them once built). OUT is
  // replaced only below, once the build has succeeded; otherwise the staged tree is removed.
  const early = !options.check && options.format !== "ts";
  let staged: StagedOutput | OutputError | undefined;
  const building = () =>
    build(input.sources, {
      clusterVersion: options.clusterVersion,
      resolveImport: input.resolveImport,
      parse: parseOnce(),
      outputFormat: options.format === "json" ? "json" : "yaml",
      verify: options.verify,
      admissionPolicies: options.admissionPolicies,
      afterModel,
      afterPass: (pass) => {
        afterPass(pass);
        const doing = nextStep(pass, options.verify !== false);
        if (doing) status.show(doing);
      },
      ...(early
        ? {
            encodeOutput: true,
            // the writer makes the directories while emit makes the files, and writes each batch
            // of them as it comes (their bytes moved to its thread): emit keeps no texts
            streamOutput: {
              begin: (paths: readonly string[]) => {
                try {
                  staged = openOutput(out, paths, testWriteHooks());
                } catch (e) {
                  staged = e instanceof OutputError ? e : new OutputError("write", out, String(e));
                }
              },
              file: (file: OutputFile) => {
                if (staged instanceof OutputError) return;
                staged?.add([file]);
              },
            },
            takeOutput: (files: OutputFile[]) => {
              // every file is the writer's: the list (of bytes gone to its thread) lets go, and
              // the heap is collected before verification
              files.length = 0;
              if (staged && !(staged instanceof OutputError)) staged.end();
              if (process.env.SECPOLC_TEST_THROW_AFTER_OUTPUT === "1")
                throw new Error("injected failure after the output was handed to the writer");
              afterOutput();
            },
          }
        : {}),
    });
  let result: ReturnType<typeof build>;
  try {
    result = building();
  } catch (e) {
    // (nothing is left writing, nor the writer's thread waiting for files)
    if (staged && !(staged instanceof OutputError)) await abandonOutput(staged);
    throw e;
  }
  status.clear();
  if (options.stats) {
    const passes = Object.entries(result.stats.timings)
      .map(([pass, ms]) => `${pass} ${ms} ms`)
      .join(", ");
    const partial = result.stats.partiallyVerified
      ? ` (${result.stats.partiallyVerified} sets of selectors too many to combine were checked on their witnesses and near misses only)`
      : "";
    const proven =
      result.stats.provenSides !== undefined ? `proved ${result.stats.provenSides} sides symbolically and ` : "";
    io.stderr(
      `secpolc: ${passes}; translation validation ${proven}compared ${result.stats.verifiedChecks} side verdicts${partial}\n`,
    );
  }
  const outputIndex = Math.max(0, argv.indexOf(options.output));
  const failing = [...result.diagnostics, ...warningsFailure(result.diagnostics, options, argv)];
  const abandon = async () => {
    if (staged && !(staged instanceof OutputError)) await abandonOutput(staged);
  };
  if (hasErrors(failing)) {
    await abandon();
    report(failing, result.sources, options, io, input.root);
    return EXIT_PROGRAM_ERRORS;
  }
  const files = options.format === "ts" ? await asTypeScript(result.files) : result.files;
  if (options.check) {
    const differing = differingFiles(out, files);
    const diagnostics = [...result.diagnostics];
    if (differing.length > 0) {
      diagnostics.push(
        diagnostic(m.drift, argumentSpan(argv, outputIndex), [options.output, differing.length], {
          help: `run \`secpolc build ... -o ${options.output}\` and commit the result; differing: ${differing.join(", ")}`,
        }),
      );
    }
    report(diagnostics, result.sources, options, io, input.root);
    return differing.length > 0 ? EXIT_PROGRAM_ERRORS : EXIT_OK;
  }
  // OUT is replaced whole: an input inside it (a policy put there, or imported from there) would go
  const inside = filesInside(
    out,
    Object.keys(result.sources)
      .filter((path) => !isStandardModule(path))
      .map((path) => resolve(input.root, path)),
  );
  if (inside.length > 0) {
    const first = relative(io.cwd, inside[0]) || inside[0];
    const failure = diagnostic(
      m.inputInsideOutput,
      argumentSpan(argv, outputIndex),
      [first, options.output, inside.length - 1],
      {
        help: "keep the policies outside the output directory, or choose another `-o`",
      },
    );
    await abandon();
    report([...result.diagnostics, failure], result.sources, options, io, input.root);
    return EXIT_USAGE;
  }
  let written: WriteOutcome;
  try {
    if (staged instanceof OutputError) throw staged;
    const count = staged?.count ?? files.length;
    status.show(`writing ${count} file${count === 1 ? "" : "s"} to ${options.output}`);
    written = await (staged ? commitOutput(staged) : writeOutputDirectory(out, files, testWriteHooks()));
  } catch (e) {
    status.clear();
    const error = e instanceof OutputError ? e : new OutputError("write", out, String(e));
    const failure =
      error.kind === "not-ours"
        ? diagnostic(m.outputNotOurs, argumentSpan(argv, outputIndex), [options.output], {
            help: "secpolc owns its output directory and replaces it whole: choose a new or empty directory",
          })
        : diagnostic(m.writeFailed, argumentSpan(argv, outputIndex), [options.output, error.message]);
    report([...result.diagnostics, failure], result.sources, options, io, input.root);
    return EXIT_USAGE;
  }
  status.clear();
  const leftover = written.leftover
    ? [
        diagnostic(m.oldOutputLeft, argumentSpan(argv, outputIndex), [
          options.output,
          written.leftover.path,
          written.leftover.reason,
        ]),
      ]
    : [];
  report([...result.diagnostics, ...leftover], result.sources, options, io, input.root);
  if (options.summary && (options.format === "text" || options.format === "yaml" || options.format === "ts"))
    io.stdout(summary(input.sources.length, result.objectCounts, result.diagnostics, options.output));
  return EXIT_OK;
}

/**
 * Test hooks, read from the environment so that tests can inject a failure into a real `build`
 * process (test/robustness/output.test.ts); not for use outside tests.
 * `SECPOLC_TEST_FAIL_AFTER_FILES=N` fails the write after N files (before the swap when N is at
 * least the number of files); `SECPOLC_TEST_FAIL_SWAP=1` fails the rename of the new tree into place.
 */
function testWriteHooks(): WriteHooks {
  const hooks: WriteHooks = {};
  const after = process.env.SECPOLC_TEST_FAIL_AFTER_FILES;
  if (after !== undefined && /^\d+$/.test(after)) hooks.failAfterFiles = Number(after);
  if (process.env.SECPOLC_TEST_FAIL_SWAP === "1") hooks.failSwap = true;
  return hooks;
}

/**
 * `--format ts`: the objects as one typed module, `manifests.ts`, beside the kustomize Components
 * (the SecurityContext patches), which stay YAML. ts-morph is loaded only for this.
 */
async function asTypeScript(files: readonly OutputFile[]): Promise<OutputFile[]> {
  const { toTypeScript } = await import("../output/typescript.js");
  return [
    { path: TYPESCRIPT_MODULE, content: toTypeScript(files) },
    ...files.filter((f) => /^[^/]+\/security\//.test(f.path)),
  ];
}

function summary(
  files: number,
  counts: Record<string, number>,
  diagnostics: readonly Diagnostic[],
  out: string,
): string {
  const objects = Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kind, n]) => `  ${String(n).padStart(4)} ${kind}`);
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return [
    `secpolc: read ${files} file${files === 1 ? "" : "s"}, wrote ${total} object${total === 1 ? "" : "s"} to ${out}/`,
    ...objects,
    `  ${warnings} warning${warnings === 1 ? "" : "s"}`,
    "",
  ].join("\n");
}
