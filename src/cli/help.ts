/**
 * What `secpolc --help` and `secpolc COMMAND --help` print, from one table: each command's usage
 * lines, what it does, its options and an example. The global help is the usage lines of every
 * command; a test checks that every command and option of the command line is described here.
 */
export interface CommandHelp {
  /** The usage lines, without `secpolc `. */
  usage: string[];
  /** One line for the global help. */
  brief: string;
  summary: string;
  /** Its exit codes; undefined for the language server, which runs until stopped. */
  exits?: string;
  /** [option, what it does]. */
  options: [string, string][];
  example: string;
}

const exits = (one: string): string =>
  `Exit codes: 0 success (warnings allowed); 1 ${one}; 2 bad usage or unreadable input; 70 an internal error.`;
const inputs: [string, string] = [
  "FILES|DIRS...",
  "the program: .secpol files, directories read recursively (default: the current directory)",
];
const clusterVersion: [string, string] = [
  "--cluster-version X.Y",
  "the cluster's Kubernetes version (it overrides the cluster block's `version`: one program built for several versions)",
];
const resultFormat: [string, string] = [
  "--format text|json",
  "`json`: the result and its diagnostics as one JSON object on stdout",
];
const ciFormats = "`sarif`: a SARIF 2.1.0 log on stdout, for code scanning; `github`: GitHub Actions annotations";
const ciDiagnosticsFormat: [string, string] = [
  "--format text|json|sarif|github",
  `\`json\`: the diagnostics as JSON on stdout; ${ciFormats}`,
];
const warningsAsErrors: [string, string] = [
  "--warnings-as-errors",
  "exit 1 when a warning is left after `# secpol-ignore` suppressions",
];

export const commandHelp: Record<string, CommandHelp> = {
  build: {
    brief: "compile the program into an output directory",
    usage: [
      "build [FILES|DIRS...] -o OUT [--check] [--cluster-version X.Y] [--format yaml|json|ts|sarif|github] [--summary] [--no-verify] [--no-admission-policies] [--stats] [--warnings-as-errors]",
    ],
    summary:
      "Type-checks the program and compiles it into OUT: Namespaces, NetworkPolicies, RBAC, the SecurityContext patches as kustomize Components, and OUT/kustomization.yaml. OUT is replaced whole; nothing is written when the program has errors.",
    exits: exits("the program has errors, or --check found drift"),
    options: [
      inputs,
      ["-o, --output OUT", "the output directory (required); secpolc owns it"],
      ["--check", "write nothing; exit 1 when OUT differs from what the build would write (a CI drift gate)"],
      clusterVersion,
      [
        "--format yaml|json|ts|sarif|github",
        `YAML files (default), JSON files (and diagnostics as JSON on stdout), or one typed module OUT/manifests.ts; ${ciFormats} (with YAML files)`,
      ],
      ["--summary", "print how many objects of each kind were written"],
      [
        "--no-admission-policies",
        "leave out the ValidatingAdmissionPolicies that enforce pod-security rules (clusters 1.28 and newer)",
      ],
      ["--no-verify", "skip translation validation (checking the emitted policies against the program's meaning)"],
      ["--stats", "print the time of each pass on stderr"],
      warningsAsErrors,
    ],
    example: "secpolc build policies/ -o out/ --check",
  },
  check: {
    brief: "parse and type-check only",
    usage: ["check [FILES|DIRS...] [--cluster-version X.Y] [--format text|json|sarif|github] [--warnings-as-errors]"],
    summary: "Parses and type-checks the program and prints its diagnostics; writes nothing.",
    exits: exits("the program has errors"),
    options: [inputs, clusterVersion, ciDiagnosticsFormat, warningsAsErrors],
    example: "secpolc check policies/",
  },
  fmt: {
    brief: "canonical layout, in place",
    usage: ["fmt [--check] [FILES|DIRS...] [--format text|json|sarif|github] [--warnings-as-errors]", "fmt -"],
    summary:
      "Rewrites .secpol files in place in the canonical layout and prints the names of those it changed. `fmt -` formats standard input to standard output.",
    exits: exits("a file cannot be formatted, or --check found one unformatted"),
    options: [
      inputs,
      ["--check", "change nothing; exit 1 when a file is not formatted"],
      ciDiagnosticsFormat,
      warningsAsErrors,
    ],
    example: "secpolc fmt --check policies/",
  },
  explain: {
    brief: "is a flow permitted, and by which lines?",
    usage: [
      'explain [FILES|DIRS...] "SRC -> DST:PORT[/proto]" [--exit-code] [--cluster-version X.Y] [--format text|json]',
    ],
    summary:
      "Says whether a flow is permitted, and by which lines: for each side (the destination's ingress, the source's egress) the allow, deny and posture lines that decide it and the emitted policies that admit it. The query is the last argument.",
    exits: `${exits("the program has errors")} With --exit-code: 0 the flow is permitted; 1 it is not; 2 no answer (the program has errors, bad usage or unreadable input).`,
    options: [
      inputs,
      [
        "--exit-code",
        "exit 0 when the flow is permitted, 1 when it is not, 2 when it cannot be told (without it: 0 whenever the query is answered)",
      ],
      clusterVersion,
      ["--format text|json", "`json`: the explanation as JSON"],
    ],
    example: 'secpolc explain policies/ "shop/web -> shop/db:5432/tcp" --exit-code',
  },
  diff: {
    brief: "flows gained and lost between two programs",
    usage: ["diff OLD NEW [--cluster-version X.Y] [--format text|md|json]"],
    summary: "The flows gained and lost between two versions of a program (OLD and NEW: a file or a directory each).",
    exits: exits("either program has errors"),
    options: [clusterVersion, ["--format text|md|json", "`md`: Markdown for a pull request; `json`: the diff as JSON"]],
    example: "secpolc diff main-policies/ policies/ --format md",
  },
  audit: {
    brief: "do the workloads of a manifests directory satisfy the program or a level?",
    usage: [
      "audit [FILES|DIRS...] --manifests DIR [--suggest] [--cluster-version X.Y] [--format text|json|sarif|github] [--warnings-as-errors]",
      "audit --level LEVEL [--version vX.Y] --manifests DIR [--suggest] [--format text|json|sarif|github] [--warnings-as-errors]",
    ],
    summary:
      "Pod Security verdicts for the workloads of a manifests directory: against the program's namespaces (their levels and pod-security rules), or against one level. Exits 1 when an enforced level denies a workload.",
    exits: exits("an enforced level denies a workload, or the program has errors"),
    options: [
      inputs,
      ["--manifests DIR", "the Kubernetes manifests to audit (a file or a directory of YAML/JSON)"],
      [
        "--level LEVEL",
        "audit against this Pod Security level (privileged, baseline or restricted) instead of a program",
      ],
      ["--version vX.Y", "with --level: the Pod Security version (default: the newest)"],
      ["--suggest", "also print the strictest level each namespace passes today"],
      clusterVersion,
      [
        "--format text|json|sarif|github",
        `\`json\`: the result and its diagnostics as one JSON object on stdout; ${ciFormats}`,
      ],
      warningsAsErrors,
    ],
    example: "secpolc audit --level restricted --version v1.30 --manifests deploy/ --suggest",
  },
  "migrate-psp": {
    brief: "existing PodSecurityPolicies as secpol, with their PSS level",
    usage: ["migrate-psp FILES|DIRS... [--format text|json]"],
    summary: "Translates existing PodSecurityPolicy manifests into secpol, each with the Pod Security level it fits.",
    exits: exits("a manifest has errors"),
    options: [["FILES|DIRS...", "manifests holding PodSecurityPolicy objects (required)"], resultFormat],
    example: "secpolc migrate-psp cluster/psp/",
  },
  import: {
    brief: "existing NetworkPolicies as a secpol program with the same meaning",
    usage: [
      "import FILES|DIRS... [-o FILE] [--cluster-version X.Y] [--pod-cidr CIDR] [--service-cidr CIDR] [--ipblock-pods yes|no] [--allow-inexact] [--format text|json]",
    ],
    summary:
      "Reads NetworkPolicy objects (and Namespace objects, for their labels) and writes a formatted .secpol program that admits exactly the flows they admit end to end: postures for the pods they isolate, allows for the flows both ends admit, each with a comment naming its policies. The program is compiled and its NetworkPolicies compared with the policies on every region of flows, where the CNI matches ipBlocks against pod addresses and where it does not; a difference is an error with the flow, and nothing is written. Other objects are skipped with a note.",
    exits: exits("a policy is invalid, or the program does not mean what the policies mean"),
    options: [
      [
        "FILES|DIRS...",
        "manifests holding NetworkPolicy objects (YAML or JSON, several documents, Lists), directories read recursively (required)",
      ],
      ["-o, --output FILE", "write the program to FILE (atomically; nothing on error) rather than to stdout"],
      clusterVersion,
      [
        "--pod-cidr CIDR",
        "the cluster's pod range (repeatable, or comma-separated): the program keeps it out of every ipBlock, and pods are given addresses in it to compare what ipBlocks admit of them (without it, an ipBlock is an error unless `--ipblock-pods no`)",
      ],
      ["--service-cidr CIDR", "the cluster's Service range (repeatable, or comma-separated)"],
      [
        "--ipblock-pods yes|no",
        "whether the cluster's CNI matches ipBlocks against pod addresses (CNIs differ): the import keeps that meaning (`yes`: a block holding the pod range admits every pod) and compares it alone; without it, both are compared and a difference is an error",
      ],
      ["--allow-inexact", "write the program even when it differs from the policies (the difference is a warning)"],
      resultFormat,
    ],
    example: "secpolc import cluster/netpol/ --pod-cidr 10.244.0.0/16 -o policies/imported.secpol",
  },
  lsp: {
    brief: "the language server, on stdin/stdout",
    usage: ["lsp [--stdio]"],
    summary:
      "Runs the language server on standard input and output (JSON-RPC) until the editor stops it: diagnostics as you type, formatting, go to definition, references, hover and completion. A document's program is every .secpol file of its directory.",
    options: [
      [
        "--stdio",
        "talk over standard input and output: the only transport, accepted because editors' LSP clients pass it",
      ],
    ],
    example: "secpolc lsp    # as the server command of an editor's LSP client",
  },
};

const WIDTH = 100;

/** `secpolc COMMAND --help`. */
export function renderCommandHelp(name: string): string {
  const help = commandHelp[name]!;
  return [
    "usage:",
    ...help.usage.map((u) => `  secpolc ${u}`),
    "",
    ...wrap(help.summary, WIDTH),
    ...(help.options.length > 0 ? ["", "options:", ...table(help.options)] : []),
    "",
    "example:",
    `  ${help.example}`,
    ...(help.exits ? ["", ...wrap(help.exits, WIDTH)] : []),
    "",
  ].join("\n");
}

/** `secpolc --help`. */
export const usage = `secpolc — compile .secpol Kubernetes security policies

usage:
${Object.values(commandHelp)
  .flatMap((h) => h.usage.map((u) => `  secpolc ${u}`))
  .join("\n")}
  secpolc COMMAND --help | secpolc help COMMAND
  secpolc --help | --version

commands:
${table(Object.entries(commandHelp).map(([name, h]) => [name, h.brief])).join("\n")}

Directories are read recursively for *.secpol files; the default input is the current directory.
\`secpolc COMMAND --help\` prints that command's options and an example.
Exit codes: 0 success (warnings allowed), 1 the program has errors or --check found drift or
unformatted files, 2 bad usage or unreadable input, 70 an internal error (a bug in secpolc).
`;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    if (lines.length > 0 && lines.at(-1)!.length + 1 + word.length <= width) lines[lines.length - 1] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Two columns, the second wrapped under itself. */
function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([o]) => o.length));
  return rows.flatMap(([o, what]) =>
    wrap(what, WIDTH - width - 4).map((line, i) => `  ${(i === 0 ? o : "").padEnd(width)}  ${line}`),
  );
}

/** The commands as a sentence: "`build`, `check`, ... and `lsp`". */
export const commandList = (): string => {
  const names = Object.keys(commandHelp).map((n) => `\`${n}\``);
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
};
