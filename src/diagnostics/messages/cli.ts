import { entry } from "../catalogue.js";

/** The command line and input files: SP5xxx. Usage problems and unreadable input exit with 2. */
export const cli = {
  unknownCommand: entry("SP5001", "error", (name: string) => `unknown command \`${name}\``),
  unknownOption: entry("SP5002", "error", (name: string) => `unknown option \`${name}\``),
  missingOutput: entry("SP5003", "error", () => "`build` needs an output directory: `-o OUT`"),
  unreadableInput: entry("SP5004", "error", (path: string, reason: string) => `cannot read \`${path}\`: ${reason}`),
  noInputFiles: entry("SP5006", "error", (where: string) => `no \`.secpol\` files found in ${where}`),
  outputNotOurs: entry(
    "SP5007",
    "error",
    (path: string) => `\`${path}\` exists and was not written by secpolc; refusing to replace it`,
  ),
  writeFailed: entry(
    "SP5008",
    "error",
    (path: string, reason: string) => `cannot write \`${path}\`: ${reason}; the output directory is unchanged`,
  ),
  drift: entry(
    "SP5009",
    "error",
    (path: string, count: number) =>
      `\`${path}\` is out of date: ${count} file${count === 1 ? "" : "s"} differ from what the sources compile to`,
  ),
  notImplemented: entry("SP5010", "error", (command: string) => `\`${command}\` is not implemented yet`),
  missingValue: entry("SP5011", "error", (option: string) => `option \`${option}\` needs a value`),
  badValue: entry(
    "SP5012",
    "error",
    (option: string, value: string, expected: string) =>
      `\`${value}\` is not a valid value for \`${option}\`: expected ${expected}`,
  ),
  missingQuery: entry(
    "SP5013",
    "error",
    () => '`explain` needs a flow to explain, as its last argument: `"SRC -> DST:PORT"`',
  ),
  diffNeedsTwo: entry(
    "SP5014",
    "error",
    (count: number) => `\`diff\` compares two versions of a program (OLD and NEW), not ${count}`,
  ),
  oldOutputLeft: entry(
    "SP5015",
    "warning",
    (path: string, leftover: string, reason: string) =>
      `\`${path}\` was written, but its previous content could not be removed and is left in \`${leftover}\`: ${reason}`,
  ),
  inputInsideOutput: entry(
    "SP5016",
    "error",
    (input: string, out: string, more: number) =>
      `the input \`${input}\`${more > 0 ? ` (and ${more} more)` : ""} lies inside \`${out}\`, which the build replaces whole; refusing to delete ${more > 0 ? "them" : "it"}`,
  ),
  unsafeFileName: entry(
    "SP5017",
    "error",
    (name: string, character: string) =>
      `the file name \`${name}\` holds ${character}, which the output's YAML cannot hold as written`,
  ),
  notForCommand: entry(
    "SP5020",
    "error",
    (option: string, command: string) => `\`${option}\` does not apply to \`${command}\``,
  ),
  warningsAsErrors: entry(
    "SP5021",
    "error",
    (count: number) =>
      `${count === 1 ? "a warning" : `${count} warnings`} with \`--warnings-as-errors\`: the run fails`,
  ),
  notFormatted: entry(
    "SP5022",
    "error",
    (path: string) => `\`${path}\` is not formatted: this line is the first that \`secpolc fmt\` would change`,
  ),
  // `audit --format sarif|github`: a workload's verdict as a diagnostic at its manifest
  auditForbidden: entry(
    "SP5023",
    "error",
    (workload: string, level: string, violations: string) =>
      `\`${workload}\` would be forbidden by PodSecurity \`${level}\`: ${violations}`,
  ),
  auditViolation: entry("SP5024", "warning", (workload: string, problem: string) => `\`${workload}\` ${problem}`),
  // an exception no pass turned into a diagnostic: a bug in secpolc (exit status 70)
  internalError: entry("SP5025", "error", (message: string) => `internal error: ${message}`),
} as const;
