/**
 * The passes, in order: load (parse every file, follow imports, add the prelude) → check (bind and
 * resolve into the model) → compile (model → manifests) → output (YAML files).
 */
import type { BuildResult, CheckResult, CompileOptions, SourceText } from "./types.js";
import type { Diagnostic, Span } from "./diagnostics/diagnostic.js";
import { hasErrors, sortDiagnostics } from "./diagnostics/diagnostic.js";
import { diagnostic, Diagnostics } from "./diagnostics/catalogue.js";
import { names as m } from "./diagnostics/messages/names.js";
import { compile as cm } from "./diagnostics/messages/compile.js";
import { lint, reachLints } from "./analysis/lints.js";
import { diffPrograms, type ProgramDiff } from "./analysis/diff.js";
import { connectivity, explainCell, type Connectivity } from "./analysis/matrix.js";
import {
  auditAgainstProgram,
  auditAtLevel,
  auditRequirements,
  readWorkloads,
  suggestLevels,
  type AuditResult,
} from "./analysis/audit.js";
import type { Level, Version } from "./semantics/pss.js";
import {
  checkAssertions,
  endpointsOf,
  explain,
  Namespaces,
  regionCases,
  type Explanation,
} from "./analysis/explain.js";
import { universeRegions } from "./semantics/universe.js";
import { parse } from "./syntax/parse.js";
import type { SourceFileNode } from "./syntax/ast.js";
import { checkProgram } from "./check/checker.js";
import { bind, type Binding } from "./check/binder.js";
import type { Model } from "./semantics/model.js";
import { stdlibModules } from "./stdlib/modules.js";
import { importableStandardModules, isStandardModule, isStandardSpec, PRELUDE } from "./stdlib/standard.js";
import { repeatedIdentities, writeOutput } from "./output/layout.js";
import type { Manifest } from "./output/manifest.js";
import { targets, type Compiled, type Target } from "./targets/index.js";
import { applySuppressions, filesWithDirectives } from "./analysis/suppressions.js";

interface Loaded {
  files: SourceFileNode[];
  sources: Record<string, string>;
  diagnostics: Diagnostic[];
}

/** Parses the build set and everything it imports, each file once, the prelude always. */
function load(inputs: readonly SourceText[], options: CompileOptions): Loaded {
  const files: SourceFileNode[] = [];
  const sources: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  const queue: SourceText[] = [{ path: PRELUDE, text: stdlibModules[PRELUDE] ?? "" }, ...inputs];
  while (queue.length > 0) {
    const source = queue.shift()!;
    if (source.path in sources) continue;
    sources[source.path] = source.text;
    const parsed = (options.parse ?? parse)(source.text, source.path);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
    for (const s of parsed.file.statements) {
      if (s.kind !== "Import") continue;
      const imported = resolveImport(s.path.text, source.path, s.path.span, options, diagnostics);
      if (imported) queue.push(imported);
    }
  }
  return { files, sources, diagnostics };
}

function resolveImport(
  spec: string,
  from: string,
  span: Span,
  options: CompileOptions,
  diagnostics: Diagnostic[],
): SourceText | undefined {
  if (isStandardSpec(spec)) {
    const text = stdlibModules[spec];
    if (text !== undefined) return { path: spec, text };
    const known = importableStandardModules()
      .map((k) => `\`${k}\``)
      .join(", ");
    diagnostics.push(
      diagnostic(m.importNotFound, span, [spec, "there is no such standard module"], {
        help: `the standard modules are ${known}`,
      }),
    );
    return undefined;
  }
  if (isStandardModule(from) || !options.resolveImport) {
    diagnostics.push(
      diagnostic(m.importNotFound, span, [spec, "files can only be imported when compiling files from disk"]),
    );
    return undefined;
  }
  const result = options.resolveImport(spec, from);
  if ("error" in result) {
    diagnostics.push(diagnostic(m.importNotFound, span, [spec, result.error]));
    return undefined;
  }
  return result;
}

/** What each name of a program denotes (its files, what they import and the standard library), as the checker binds it: for the language server. */
export function bindSources(inputs: readonly SourceText[], options: CompileOptions = {}): Binding {
  return bind(load(inputs, options).files, new Diagnostics());
}

export function checkModel(
  inputs: readonly SourceText[],
  options: CompileOptions = {},
  unchecked?: string,
): CheckResult & { model?: Model; files: SourceFileNode[]; binding: Binding } {
  const loaded = load(inputs, options);
  const checked = checkProgram(loaded.files, {
    clusterVersion: options.clusterVersion,
    admissionPolicies: options.admissionPolicies,
    reuse: options.checker,
  });
  return { ...lintModel(loaded, checked, options, unchecked), files: loaded.files, binding: checked.binding };
}

/**
 * `checkModel` for `build`: the syntax trees of files without suppression comments (and the
 * binding) are let go of before the lints run, when `afterModel` is called.
 */
function checkModelForBuild(
  inputs: readonly SourceText[],
  options: CompileOptions,
): CheckResult & { model?: Model; files: SourceFileNode[] } {
  const { syntax, checked, files } = checkWithoutTrees(inputs, options);
  options.afterModel?.();
  return { ...lintModel(syntax, checked, options), files };
}

function checkWithoutTrees(inputs: readonly SourceText[], options: CompileOptions) {
  const loaded = load(inputs, options);
  const { model, diagnostics, regionsWritable } = checkProgram(loaded.files, {
    clusterVersion: options.clusterVersion,
    admissionPolicies: options.admissionPolicies,
    // (the binding is let go of here: nothing reads its references of namespaces' names)
    namespaceReferences: false,
    // (nor its references of peers' names: the checker resolves each peer when it checks it)
    peerReferences: false,
  });
  return {
    syntax: { diagnostics: loaded.diagnostics, sources: loaded.sources },
    checked: { model, diagnostics, regionsWritable },
    files: filesWithDirectives(loaded.files),
  };
}

/** A checked program's diagnostics, its lints' and assertions' among them, and its model when none is an error. */
function lintModel(
  syntax: Pick<Loaded, "diagnostics" | "sources">,
  checked: Pick<ReturnType<typeof checkProgram>, "model" | "diagnostics" | "regionsWritable">,
  options: CompileOptions,
  unchecked?: string,
): CheckResult & { model?: Model } {
  // whether each rule reaches a managed direction is known on any model whose regions can be written
  const checkedDiagnostics = checked.regionsWritable
    ? [...checked.diagnostics, ...reachLints(checked.model, options.lints)]
    : checked.diagnostics;
  // assertions are checked at every build; `unchecked` names a file whose assertions are queries
  const assertions = hasErrors(checkedDiagnostics)
    ? []
    : [...checkAssertions(checked.model, unchecked), ...lint(checked.model, options.lints)];
  const diagnostics = sortDiagnostics([
    ...syntax.diagnostics,
    ...withoutCascades(checkedDiagnostics, syntax.diagnostics),
    ...assertions,
  ]);
  return {
    diagnostics,
    sources: syntax.sources,
    model: hasErrors(diagnostics) ? undefined : checked.model,
  };
}

/**
 * The checker's diagnostics less those inside the text of a syntax error: after `allowedHostPaths
 * /proc` is reported as a path to quote, the `proc` that recovery left is no second mistake.
 */
function withoutCascades(checked: readonly Diagnostic[], syntax: readonly Diagnostic[]): Diagnostic[] {
  // per file, the syntax errors' spans by start, with the furthest end reached so far: a span lies
  // inside one of them when the furthest end among those starting at or before it reaches its end
  const byFile = new Map<string, { starts: number[]; reach: number[] }>();
  for (const s of [...syntax]
    .filter((s) => s.span.end.offset > s.span.start.offset)
    .sort((a, b) => a.span.start.offset - b.span.start.offset)) {
    const spans = byFile.get(s.span.file) ?? byFile.set(s.span.file, { starts: [], reach: [] }).get(s.span.file)!;
    spans.reach.push(Math.max(spans.reach.at(-1) ?? 0, s.span.end.offset));
    spans.starts.push(s.span.start.offset);
  }
  return checked.filter((d) => {
    const spans = byFile.get(d.span.file);
    if (!spans) return true;
    let low = 0;
    let high = spans.starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (spans.starts[middle] <= d.span.start.offset) low = middle + 1;
      else high = middle;
    }
    return low === 0 || spans.reach[low - 1] < d.span.end.offset;
  });
}

/** `check` reports what `build` does, but writes nothing: the model's diagnostics, then the compiler's. */
export function check(inputs: readonly SourceText[], options: CompileOptions = {}): CheckResult {
  const { diagnostics, sources, files } = checkUnsuppressed(inputs, options);
  return { diagnostics: applySuppressions(files, sources, diagnostics), sources };
}

/**
 * `check`'s diagnostics before the suppression comments of `files` apply to them, sorted: what the
 * language server keeps of a version to reuse (src/lsp/incremental.ts).
 */
export function checkUnsuppressed(
  inputs: readonly SourceText[],
  options: CompileOptions = {},
  /** The compiler's diagnostics of a checked model (the language server reuses them per namespace). */
  compiled: (model: Model) => Diagnostic[] = (model) => compileDiagnostics(model, options),
): CheckResult & { files: SourceFileNode[] } {
  const { diagnostics, sources, files, model } = checkModel(inputs, options);
  const all = model ? sortDiagnostics([...diagnostics, ...compiled(model)]) : diagnostics;
  return { diagnostics: all, sources, files };
}

/** The diagnostics of compiling a checked model (SP3005, SP3011, ...), as `build` reports them. */
function compileDiagnostics(model: Model, options: CompileOptions): Diagnostic[] {
  return targets.flatMap((target) => target.compile(model, options).diagnostics ?? []);
}

/**
 * A clock in milliseconds for `--stats`: Node's `process.hrtime` where there is one (the first
 * read of `performance` loads a module, a millisecond or two of every run), else `performance`.
 */
const hrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
const now = (): number => (hrtime ? Number(hrtime()) / 1e6 : (globalThis.performance?.now() ?? Date.now()));

type Timed = <T>(pass: string, run: () => T) => T;

/** What a target compiled, with its objects as written. */
interface Emitted {
  target: Target;
  compiled: Compiled;
  written: readonly unknown[];
}

/** compile → emit: a checked model's manifests, as output files and as the objects they hold (none on errors). */
function emit(
  model: Model,
  options: CompileOptions,
  timed: Timed = (_, run) => run(),
): { diagnostics: Diagnostic[]; output?: ReturnType<typeof writeOutput>; targets?: Emitted[] } {
  const compiled = targets.map((target) => {
    const compile = () => target.compile(model, options);
    return { target, compiled: target.pass ? timed(target.pass, compile) : compile() };
  });
  const diagnostics = compiled.flatMap((c) => c.compiled.diagnostics ?? []);
  if (hasErrors(diagnostics)) return { diagnostics };
  const manifests = compiled.flatMap((c) => c.compiled.manifests);
  // every build refuses output where one object would replace another (`--no-verify` too)
  const repeated = repeatedIdentities(manifests);
  if (repeated.length > 0) {
    const nowhere = { line: 1, column: 1, offset: 0 };
    const at = (m: Manifest): Span => m.sources[0] ?? { file: PRELUDE, start: nowhere, end: nowhere };
    return {
      diagnostics: repeated.map((r) =>
        diagnostic(cm.repeatedIdentity, at(r.first), [r.identity], {
          help: "this is a bug in secpolc; nothing was written",
          related: [{ span: at(r.second), message: "the statement of the other object" }],
        }),
      ),
    };
  }
  const output = timed("emit", () =>
    writeOutput(
      manifests,
      options.outputFormat,
      {
        files: compiled.flatMap((c) => c.compiled.files ?? []),
        directories: compiled.flatMap((c) => c.compiled.components ?? []),
      },
      options.takeOutput !== undefined && options.encodeOutput === true,
      options.takeOutput !== undefined ? options.streamOutput : undefined,
    ),
  );
  // the objects are written in the order of the manifests, target by target; the manifests (their
  // spans, the objects' first metadata) are not kept through verification
  let at = 0;
  const emitted = compiled.map((c) => ({
    target: c.target,
    compiled: { ...c.compiled, manifests: [] },
    written: output.objects.slice(at, (at += c.compiled.manifests.length)),
  }));
  return { diagnostics, output, targets: emitted };
}

export function build(inputs: readonly SourceText[], options: CompileOptions = {}): BuildResult {
  const timings: Record<string, number> = {};
  const timed: Timed = (pass, run) => {
    const start = now();
    const result = run();
    timings[pass] = Math.round((now() - start) * 10) / 10;
    options.afterPass?.(pass);
    return result;
  };
  // only files with suppression comments are read again: the other syntax trees (and the binding)
  // are garbage once the program is checked, before its lints (the command line collects them then)
  const checked = timed("check", () => checkModelForBuild(inputs, options));
  const failed = { files: [], objectCounts: {}, sources: checked.sources, stats: { timings, verifiedChecks: 0 } };
  const suppressed = (diagnostics: readonly Diagnostic[]) =>
    applySuppressions(checked.files, checked.sources, diagnostics);
  if (!checked.model) return { ...failed, diagnostics: suppressed(checked.diagnostics) };
  const model = checked.model;
  const emitted = emit(model, options, timed);
  const diagnostics = suppressed([...checked.diagnostics, ...emitted.diagnostics]);
  if (!emitted.output || hasErrors(diagnostics)) return { ...failed, diagnostics };
  let files = emitted.output.files;
  const objectCounts = emitted.output.objectCounts;
  // handed over, the files' texts (35 MB at 20,000 services) are not kept through verification
  emitted.output = undefined;
  if (options.takeOutput) {
    options.takeOutput(files);
    files = [];
  }
  let verifiedChecks = 0;
  let provenSides: number | undefined;
  let partiallyVerified: number | undefined;
  if (options.verify !== false) {
    // what is verified is the objects written; that their YAML reads back as them, to YAML 1.2 and
    // YAML 1.1 readers, is tested (test/compile/yaml.test.ts, yaml11.test.ts: the emitter's choice
    // of plain or quoted exhaustively over short strings), which spares every build parsing its own
    // output again
    const failures: Diagnostic[] = [];
    for (const { target, compiled, written } of emitted.targets ?? []) {
      const verification = target.verification;
      if (!verification) continue;
      const result = timed(verification.pass, () => verification.verify(model, compiled, written));
      verifiedChecks += result.checks;
      if (result.sides) provenSides = (provenSides ?? 0) + result.sides.proven;
      if (result.partial) partiallyVerified = (partiallyVerified ?? 0) + result.partial;
      diagnostics.push(...(result.warnings ?? []));
      if (result.counterexample)
        failures.push(
          diagnostic(verification.failed, result.counterexample.span, [result.counterexample.description], {
            help: "this is a bug in secpolc; nothing was written. `--no-verify` skips the check (at your own risk)",
          }),
        );
    }
    if (failures.length > 0)
      return {
        ...failed,
        diagnostics: sortDiagnostics([...diagnostics, ...failures]),
        stats: { timings, verifiedChecks },
      };
  }
  return {
    files,
    objectCounts,
    diagnostics,
    sources: checked.sources,
    stats: {
      timings,
      verifiedChecks,
      ...(provenSides !== undefined ? { provenSides } : {}),
      ...(partiallyVerified ? { partiallyVerified } : {}),
    },
  };
}

export const QUERY_PATH = "<query>";
const QUERY_PREFIX = "assert ";

const BARE_ADDRESS =
  /(^|->|\s)\s*((?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]*:[0-9a-fA-F:]*:[0-9a-fA-F]*)(?=\s*(?:->|:\d|$))/g;

/**
 * A query as the assertion it is parsed as: `assert ` before it, and each bare address written as a
 * block (`cidr 1.2.3.4/32`); with the way back from a place in that text to the query's (one line).
 */
function queryAssertion(query: string): { text: string; original: (span: Span) => Span } {
  // for each character of the text after `assert ` (and its end), the query offset it came from
  const origin: number[] = [];
  let text = "";
  const copy = (from: number, to: number) => {
    for (let i = from; i < to; i++) origin.push(i);
    text += query.slice(from, to);
  };
  const insert = (piece: string, at: number) => {
    for (let i = 0; i < piece.length; i++) origin.push(at);
    text += piece;
  };
  let copied = 0;
  for (const match of query.matchAll(BARE_ADDRESS)) {
    const [whole, before, ip] = match;
    const at = match.index!;
    const ipAt = at + whole.length - ip.length;
    copy(copied, at + before.length);
    // ` cidr ` stands where the address starts, the prefix length where it ends
    insert(" cidr ", ipAt);
    copy(ipAt, ipAt + ip.length);
    insert(`/${ip.includes(":") ? 128 : 32}`, ipAt + ip.length);
    copied = at + whole.length;
  }
  copy(copied, query.length);
  origin.push(query.length);
  const position = (p: Span["start"]) => {
    const offset = origin[Math.min(Math.max(0, p.offset - QUERY_PREFIX.length), origin.length - 1)];
    return { line: 1, column: offset + 1, offset };
  };
  return {
    text: `${QUERY_PREFIX}${text}`,
    original: (span) => ({ file: span.file, start: position(span.start), end: position(span.end) }),
  };
}

/** Where a query names more than one flow: a `,` outside parentheses, a `..`, a `;` or a line break. */
function manyFlows(query: string): { at: number; length: number } | undefined {
  let depth = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === ";" || c === "\n" || c === "\r" || (c === "," && depth === 0)) return { at: i, length: 1 };
    else if (c === "." && query[i + 1] === ".") return { at: i, length: 2 };
  }
  return undefined;
}

/**
 * `explain`: the query `SRC -> DST:PORT[/proto]` is read as an assertion in a file of its own (bare
 * addresses become `cidr`s), resolved against the program, and evaluated on one concrete flow.
 */
export function explainQuery(
  inputs: readonly SourceText[],
  query: string,
  options: CompileOptions = {},
): CheckResult & { explanation?: Explanation } {
  // one flow: a list or a range would be explained by its first member, and a second statement
  // would change the program explained (a selector's own list, `pods(app=a, tier=b)`, is one term)
  const many = manyFlows(query);
  if (many) {
    const at = (offset: number) => ({ line: 1, column: offset + 1, offset });
    const span = { file: QUERY_PATH, start: at(many.at), end: at(many.at + many.length) };
    return {
      diagnostics: [
        diagnostic(cm.explainQuery, span, [
          "a query is one flow (one source, one destination, one port): no lists, ranges, `;` or line breaks",
        ]),
      ],
      sources: { [QUERY_PATH]: query },
    };
  }
  const { text, original } = queryAssertion(query);
  const withQuery = [...inputs, { path: QUERY_PATH, text }];
  const checked = checkModel(withQuery, options, QUERY_PATH);
  const sources = { ...checked.sources, [QUERY_PATH]: query };
  const querySpan = {
    file: QUERY_PATH,
    start: { line: 1, column: 1, offset: 0 },
    end: { line: 1, column: query.length + 1, offset: query.length },
  };
  // an arrow of another language (`=>`, `→`): the whole query is underlined, with the arrow to write
  const arrow = /=>|→|-->/.exec(query)?.[0];
  const malformed = arrow
    ? diagnostic(cm.explainQuery, querySpan, [`\`${arrow}\` is no arrow of secpol`], {
        help: `write \`${query.replace(arrow, "->")}\``,
      })
    : diagnostic(cm.explainQuery, querySpan, [
        "write `SOURCE -> DESTINATION:PORT[/PROTOCOL]` with a numeric port, e.g. `shop/web -> shop/db:5432/tcp`",
      ]);
  // the query is read as an assertion: its own syntax errors are the query's, in the query's words;
  // a port name the destination does not declare cannot be explained (it stands for no number)
  const queryProblems = checked.diagnostics
    .filter((d) => d.span.file === QUERY_PATH)
    .map((d) => ({ ...d, span: original(d.span) }))
    .map((d) => {
      if (d.code !== m.unknownPortName.code) return d;
      const workload = /^workload `([^`]*)`/.exec(d.message)?.[1] ?? "";
      return diagnostic(
        cm.explainUnknownPort,
        d.span,
        [workload, query.slice(d.span.start.offset, d.span.end.offset)],
        d.help ? { help: d.help } : {},
      );
    });
  const diagnostics = [
    ...checked.diagnostics.filter((d) => d.span.file !== QUERY_PATH && d.severity === "error"),
    ...(queryProblems.some((d) => d.code === m.assertNeedsPort.code || d.code.startsWith("SP1"))
      ? [malformed]
      : queryProblems),
  ];
  if (hasErrors(diagnostics) || !checked.model) return { diagnostics, sources };
  const assertion = checked.model.assertions.find((a) => a.span.file === QUERY_PATH);
  const namespaces = new Namespaces(checked.model);
  const clause = assertion?.clauses[0];
  const src = clause && endpointsOf(checked.model, clause.sources, namespaces)[0];
  const dst = clause && endpointsOf(checked.model, clause.destinations, namespaces)[0];
  const port =
    clause &&
    (["TCP", "UDP", "SCTP"] as const)
      .map((protocol) => ({ protocol, range: clause.ports.numeric[protocol][0] }))
      .find((p) => p.range);
  if (!src || !dst || !port) return { diagnostics: [...diagnostics, malformed], sources };
  // the query is an assertion, which compiles to nothing: these are the manifests `build` writes
  const emitted = emit(checked.model, options);
  if (!emitted.output) return { diagnostics: sortDiagnostics([...diagnostics, ...emitted.diagnostics]), sources };
  const flow = { src, dst, protocol: port.protocol, port: port.range!.from };
  // the query's ends are sets: its answer is exact over every region of them
  const regions = universeRegions([checked.model]);
  if ("tooMany" in regions)
    return {
      diagnostics: [
        ...diagnostics,
        diagnostic(cm.tooManyRegions, querySpan, ["this query", regions.tooMany], {
          help: "ask about fewer labels at once",
        }),
      ],
      sources,
    };
  const cases = regionCases(checked.model, regions, clause, flow.protocol, flow.port);
  const explanation = explain(checked.model, emitted.output.objects, flow, namespaces, query);
  return {
    diagnostics,
    sources,
    explanation: cases.every((c) => c.permitted === explanation.permitted) ? explanation : { ...explanation, cases },
  };
}

/**
 * Who can talk to whom (the playground's matrix), and a function explaining any cell: the trace of
 * its verdict, with the emitted policies that admit it.
 */
export function connectivityOf(
  inputs: readonly SourceText[],
  options: CompileOptions = {},
): CheckResult & {
  connectivity?: Connectivity;
  explainCell?: (row: number, column: number) => Explanation | undefined;
} {
  const checked = checkModel(inputs, options);
  if (!checked.model || hasErrors(checked.diagnostics))
    return { diagnostics: checked.diagnostics, sources: checked.sources };
  const model = checked.model;
  const matrix = connectivity(model);
  if ("tooMany" in matrix)
    return {
      diagnostics: [...checked.diagnostics, undecidable("the matrix", matrix.tooMany, inputs)],
      sources: checked.sources,
    };
  let objects: unknown[] | undefined;
  return {
    diagnostics: checked.diagnostics,
    sources: checked.sources,
    connectivity: matrix,
    explainCell: (row, column) =>
      explainCell(
        model,
        (objects ??= emit(model, options).output?.objects ?? []),
        matrix.rows[row] ?? "",
        matrix.columns[column] ?? "",
      ),
  };
}

/** `diff`: the flows gained and lost from one version of a program to another. */
export function diffSources(
  before: readonly SourceText[],
  after: readonly SourceText[],
  options: CompileOptions = {},
): CheckResult & { diff?: ProgramDiff } {
  const old = checkModel(before, options);
  const current = checkModel(after, options);
  const diagnostics = sortDiagnostics(
    [...old.diagnostics, ...current.diagnostics].filter((d) => d.severity === "error"),
  );
  const sources = { ...old.sources, ...current.sources };
  if (!old.model || !current.model) return { diagnostics, sources };
  const diff = diffPrograms(old.model, current.model);
  if ("tooMany" in diff)
    return { diagnostics: [...diagnostics, undecidable("the difference", diff.tooMany, after)], sources };
  return { diagnostics, sources, diff };
}

/** SP3030 for an answer over regions too many to enumerate, at the start of the program's first file. */
function undecidable(what: string, why: string, inputs: readonly SourceText[]): Diagnostic {
  const start = { line: 1, column: 1, offset: 0 };
  return diagnostic(cm.tooManyRegions, { file: inputs[0]?.path ?? QUERY_PATH, start, end: start }, [what, why], {
    help: "ask about fewer label keys at once, or split the program",
  });
}

export interface AuditRequest {
  manifests: readonly SourceText[];
  /** Audit against this level directly; otherwise against the program's owned namespaces. */
  level?: Level;
  version?: Version | "latest";
  /** The program (for its namespaces' `pss` modes); unused with `level`. */
  program?: readonly SourceText[];
  suggest?: boolean;
}

/** `audit`: Pod Security verdicts for existing workloads, and optionally the level each namespace passes. */
export function audit(
  request: AuditRequest,
  options: CompileOptions = {},
): CheckResult & { results?: AuditResult[]; suggestions?: ReturnType<typeof suggestLevels> } {
  const read = readWorkloads(request.manifests);
  const sources: Record<string, string> = Object.fromEntries(request.manifests.map((m) => [m.path, m.text]));
  let results: AuditResult[];
  let version = request.version ?? "latest";
  let diagnostics = read.diagnostics;
  if (request.level) {
    results = auditAtLevel(read.workloads, request.level, version);
  } else {
    const checked = checkModel(request.program ?? [], options);
    Object.assign(sources, checked.sources);
    diagnostics = sortDiagnostics([...diagnostics, ...checked.diagnostics.filter((d) => d.severity === "error")]);
    if (!checked.model) return { diagnostics, sources };
    results = [
      ...auditAgainstProgram(read.workloads, checked.model),
      ...auditRequirements(read.workloads, checked.model),
    ];
    if (!request.version && checked.model.cluster.version) version = checked.model.cluster.version;
  }
  const suggestions = request.suggest ? suggestLevels(read.workloads, version) : undefined;
  return { diagnostics, sources, results, ...(suggestions ? { suggestions } : {}) };
}
