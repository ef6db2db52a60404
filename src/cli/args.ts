/** Command-line parsing: a small table of options per command, nothing clever. */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { cli as m } from "../diagnostics/messages/cli.js";
import { parseClusterVersion } from "../check/checker.js";
import { OLDEST_VERSION, olderThan } from "../semantics/model.js";

export interface Options {
  command: string;
  inputs: string[];
  output?: string;
  check: boolean;
  clusterVersion?: string;
  /** `json`: diagnostics as JSON on stdout, and for `build` manifests as JSON files. */
  format: "text" | "yaml" | "json" | "md" | "ts";
  summary: boolean;
  help: boolean;
  version: boolean;
  verify: boolean;
  stats: boolean;
  manifests?: string;
  level?: string;
  /** `audit --version vX.Y`: the Pod Security version (not the program's own `--version`). */
  pssVersion?: string;
  suggest: boolean;
}

const valued = new Set(["-o", "--output", "--cluster-version", "--format", "--manifests", "--level"]);
const flags = new Set(["--check", "--summary", "--help", "-h", "--version", "--no-verify", "--stats", "--suggest"]);

/** A span on the joined command line, so that usage errors point at the argument. */
export function argumentSpan(argv: readonly string[], index: number): Span {
  const column = argv.slice(0, index).reduce((n, a) => n + a.length + 1, 1);
  const length = Math.max(1, (argv[index] ?? "").length);
  return { file: "<command line>", start: { line: 1, column, offset: column - 1 }, end: { line: 1, column: column + length, offset: column - 1 + length } };
}

export function parseArguments(argv: readonly string[]): { options: Options; diagnostics: Diagnostic[] } {
  const options: Options = { command: "", inputs: [], check: false, format: "text", summary: false, help: false, version: false, verify: true, stats: false, suggest: false };
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    // `audit --version v1.30` names a Pod Security version; elsewhere `--version` prints secpolc's
    if (name === "--version" && options.command === "audit" && (inline ?? argv[i + 1]) !== undefined) {
      options.pssVersion = inline ?? argv[++i];
      continue;
    }
    if (valued.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) {
        diagnostics.push(diagnostic(m.missingValue, argumentSpan(argv, i - 1), [name]));
        break;
      }
      if (name === "-o" || name === "--output") options.output = value;
      else if (name === "--manifests") options.manifests = value;
      else if (name === "--level") options.level = value;
      else if (name === "--cluster-version") {
        const version = parseClusterVersion(value);
        if (version && !olderThan(version, OLDEST_VERSION)) options.clusterVersion = value;
        else diagnostics.push(diagnostic(m.badValue, argumentSpan(argv, i), [name, value, `MAJOR.MINOR from ${OLDEST_VERSION.major}.${OLDEST_VERSION.minor} on, e.g. \`1.30\``]));
      } else if (value === "text" || value === "yaml" || value === "json" || value === "md" || value === "ts") options.format = value;
      else diagnostics.push(diagnostic(m.badValue, argumentSpan(argv, i), [name, value, "`text`, `yaml`, `json`, `md` or `ts`"]));
    } else if (flags.has(name)) {
      if (name === "--check") options.check = true;
      else if (name === "--summary") options.summary = true;
      else if (name === "--help" || name === "-h") options.help = true;
      else if (name === "--version") options.version = true;
      else if (name === "--no-verify") options.verify = false;
      else if (name === "--stats") options.stats = true;
      else if (name === "--suggest") options.suggest = true;
    } else if (arg.startsWith("-") && arg !== "-") {
      diagnostics.push(diagnostic(m.unknownOption, argumentSpan(argv, i), [arg], { help: "see `secpolc --help`" }));
    } else if (!options.command) options.command = arg;
    else options.inputs.push(arg);
  }
  return { options, diagnostics };
}

export const usage = `secpolc — compile .secpol Kubernetes security policies

usage:
  secpolc build [FILES|DIRS...] -o OUT [--check] [--cluster-version X.Y] [--format yaml|json|ts] [--summary]
                [--no-verify] [--stats]
  secpolc check [FILES|DIRS...] [--format text|json]
  secpolc fmt [--check] [FILES|DIRS...]               # canonical layout, in place; "fmt -": stdin to stdout
  secpolc explain [FILES|DIRS...] "SRC -> DST:PORT[/proto]" [--format text|json]
  secpolc diff OLD NEW [--format text|md|json]        # OLD, NEW: a file or a directory each
  secpolc audit [FILES|DIRS...] --manifests DIR [--suggest] [--format text|json]
  secpolc audit --level LEVEL [--version vX.Y] --manifests DIR [--suggest] [--format text|json]
  secpolc migrate-psp FILES|DIRS... [--format text|json]  # existing PSPs as secpol, with their PSS level
  secpolc --help | --version

Directories are read recursively for *.secpol files; the default input is the current directory.
--format json writes the manifests as JSON and prints diagnostics as JSON on stdout; --format ts
writes them as one typed TypeScript module, OUT/manifests.ts (the SecurityContext Components stay YAML).
Every build checks the NetworkPolicies it writes against the program's meaning (translation
validation); --no-verify skips that, --stats prints the time of each pass.
Exit codes: 0 success (warnings allowed), 1 the program has errors or --check found drift or
unformatted files, 2 bad usage or unreadable input.
`;
