/** Command-line parsing: a small table of options per command, nothing clever. */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { cli as m } from "../diagnostics/messages/cli.js";
import { parseClusterVersion } from "../check/checker.js";
import { OLDEST_VERSION, olderThan } from "../semantics/model.js";
import { commandHelp } from "./help.js";

export interface Options {
  command: string;
  inputs: string[];
  output?: string;
  check: boolean;
  clusterVersion?: string;
  /**
   * `json`: diagnostics as JSON on stdout, and for `build` manifests as JSON files; `sarif` and
   * `github` (check, build, fmt, audit): diagnostics as SARIF 2.1.0 or GitHub workflow commands on stdout.
   */
  format: "text" | "yaml" | "json" | "md" | "ts" | "sarif" | "github";
  /** Warnings make the exit status 1 (and `build` write nothing). */
  warningsAsErrors: boolean;
  summary: boolean;
  help: boolean;
  version: boolean;
  verify: boolean;
  /** `build --no-admission-policies`: leave the ValidatingAdmissionPolicy target out. */
  admissionPolicies: boolean;
  stats: boolean;
  manifests?: string;
  level?: string;
  /** `audit --version vX.Y`: the Pod Security version (not the program's own `--version`). */
  pssVersion?: string;
  suggest: boolean;
  /** `explain --exit-code`: exit 1 when the flow is not permitted. */
  exitCode: boolean;
  /** `import --pod-cidr`, `--service-cidr`: the cluster's ranges, as written (comma-separated, repeatable). */
  podCidrs: string[];
  serviceCidrs: string[];
  /** `import --allow-inexact`: write the program even where it does not mean what the policies mean. */
  allowInexact: boolean;
  /** Every option as given, in order: its name, its place in argv, and its value (valued options). */
  given: { name: string; index: number; value?: string }[];
  /** `import --ipblock-pods yes|no`: whether the cluster's CNI matches ipBlocks against pod addresses. */
  ipBlockPods?: "yes" | "no";
}

export const valued = new Set([
  "-o",
  "--output",
  "--cluster-version",
  "--format",
  "--manifests",
  "--level",
  "--pod-cidr",
  "--service-cidr",
  "--ipblock-pods",
]);
export const flags = new Set([
  "--check",
  "--summary",
  "--help",
  "-h",
  "--version",
  "--no-verify",
  "--no-admission-policies",
  "--stats",
  "--suggest",
  "--exit-code",
  "--warnings-as-errors",
  "--allow-inexact",
  "--stdio",
]);
const formats = ["text", "yaml", "json", "md", "ts", "sarif", "github"] as const;

/** A span on the joined command line, so that usage errors point at the argument. */
export function argumentSpan(argv: readonly string[], index: number): Span {
  const column = argv.slice(0, index).reduce((n, a) => n + a.length + 1, 1);
  const length = Math.max(1, (argv[index] ?? "").length);
  return {
    file: "<command line>",
    start: { line: 1, column, offset: column - 1 },
    end: { line: 1, column: column + length, offset: column - 1 + length },
  };
}

export function parseArguments(argv: readonly string[]): { options: Options; diagnostics: Diagnostic[] } {
  const options: Options = {
    command: "",
    inputs: [],
    check: false,
    format: "text",
    summary: false,
    help: false,
    version: false,
    verify: true,
    admissionPolicies: true,
    stats: false,
    suggest: false,
    exitCode: false,
    warningsAsErrors: false,
    podCidrs: [],
    serviceCidrs: [],
    allowInexact: false,
    given: [],
  };
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    // `audit --version v1.30` names a Pod Security version; elsewhere `--version` prints secpolc's
    if (name === "--version" && options.command === "audit" && (inline ?? argv[i + 1]) !== undefined) {
      options.given.push({ name, index: i });
      options.pssVersion = inline ?? argv[++i];
      continue;
    }
    if (valued.has(name)) {
      const at = i;
      const value = inline ?? argv[++i];
      if (value !== undefined) options.given.push({ name, index: at, value });
      if (value === undefined) {
        diagnostics.push(diagnostic(m.missingValue, argumentSpan(argv, i - 1), [name]));
        break;
      }
      if (name === "-o" || name === "--output") options.output = value;
      else if (name === "--manifests") options.manifests = value;
      else if (name === "--level") options.level = value;
      else if (name === "--pod-cidr") options.podCidrs.push(...value.split(","));
      else if (name === "--service-cidr") options.serviceCidrs.push(...value.split(","));
      else if (name === "--ipblock-pods") {
        if (value === "yes" || value === "no") options.ipBlockPods = value;
        else diagnostics.push(diagnostic(m.badValue, argumentSpan(argv, i), [name, value, "`yes` or `no`"]));
      } else if (name === "--cluster-version") {
        const version = parseClusterVersion(value);
        if (version && !olderThan(version, OLDEST_VERSION)) options.clusterVersion = value;
        else
          diagnostics.push(
            diagnostic(m.badValue, argumentSpan(argv, i), [
              name,
              value,
              `MAJOR.MINOR from ${OLDEST_VERSION.major}.${OLDEST_VERSION.minor} on, e.g. \`1.30\``,
            ]),
          );
      } else if ((formats as readonly string[]).includes(value)) options.format = value as Options["format"];
      else
        diagnostics.push(
          diagnostic(m.badValue, argumentSpan(argv, i), [
            name,
            value,
            `${formats
              .slice(0, -1)
              .map((f) => `\`${f}\``)
              .join(", ")} or \`${formats.at(-1)}\``,
          ]),
        );
    } else if (flags.has(name)) {
      options.given.push({ name, index: i });
      if (name === "--check") options.check = true;
      else if (name === "--summary") options.summary = true;
      else if (name === "--help" || name === "-h") options.help = true;
      else if (name === "--version") options.version = true;
      else if (name === "--no-verify") options.verify = false;
      else if (name === "--no-admission-policies") options.admissionPolicies = false;
      else if (name === "--stats") options.stats = true;
      else if (name === "--suggest") options.suggest = true;
      else if (name === "--exit-code") options.exitCode = true;
      else if (name === "--warnings-as-errors") options.warningsAsErrors = true;
      else if (name === "--allow-inexact") options.allowInexact = true;
    } else if (arg.startsWith("-") && arg !== "-") {
      diagnostics.push(diagnostic(m.unknownOption, argumentSpan(argv, i), [arg], { help: "see `secpolc --help`" }));
    } else if (!options.command) options.command = arg;
    else options.inputs.push(arg);
  }
  return { options, diagnostics };
}

/** What every command accepts: the help, and the program's version (handled before any command runs). */
const GLOBAL_OPTIONS = new Set(["--help", "-h", "--version"]);

/**
 * The options a command's help lists (`-o, --output OUT` gives `-o` and `--output`), each with the
 * values it takes when the help names them (`--format text|json`); the help is the one table of
 * which option applies where.
 */
function commandOptions(command: string): Map<string, string[] | undefined> {
  const options = new Map<string, string[] | undefined>();
  for (const [spec] of commandHelp[command]?.options ?? []) {
    const words = spec.split(/,? /);
    const names = words.filter((w) => w.startsWith("-"));
    const value = words[names.length];
    const values = value && /^[a-z]+(\|[a-z]+)+$/.test(value) ? value.split("|") : undefined;
    for (const name of names) options.set(name, values);
  }
  return options;
}

const quotedList = (items: readonly string[], conjunction: "and" | "or"): string => {
  const quoted = items.map((item) => `\`${item}\``);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted.at(-1)}`;
};

/**
 * Options given to a command they do not apply to (SP5020), and `--format` values the command does
 * not write (`check --format yaml`): a usage error, not silently ignored.
 */
export function optionProblems(options: Options, argv: readonly string[]): Diagnostic[] {
  if (!Object.hasOwn(commandHelp, options.command)) return [];
  const accepted = commandOptions(options.command);
  const problems: Diagnostic[] = [];
  for (const { name, index, value } of options.given) {
    if (GLOBAL_OPTIONS.has(name) && !(name === "--version" && options.command === "audit")) continue;
    if (!accepted.has(name)) {
      const elsewhere = Object.keys(commandHelp).filter((c) => commandOptions(c).has(name));
      problems.push(
        diagnostic(m.notForCommand, argumentSpan(argv, index), [name, options.command], {
          help: `it applies to ${quotedList(elsewhere, "and")}; see \`secpolc ${options.command} --help\``,
        }),
      );
      continue;
    }
    const values = accepted.get(name);
    if (value !== undefined && values && !values.includes(value))
      problems.push(
        diagnostic(m.notForCommand, argumentSpan(argv, index), [`${name} ${value}`, options.command], {
          help: `\`${options.command} ${name}\` takes ${quotedList(values, "or")}`,
        }),
      );
  }
  return problems;
}
