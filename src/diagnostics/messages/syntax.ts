import { entry } from "../catalogue.js";

/** Lexing and parsing: SP1xxx. */
export const syntax = {
  unexpectedCharacters: entry(
    "SP1001",
    "error",
    (text: string) => `unexpected character${[...text].length > 1 ? "s" : ""} \`${text}\`${codePoints(text)}`,
  ),
  unterminatedString: entry("SP1002", "error", () => 'this string has no closing `"` on its line'),
  parseError: entry("SP1003", "error", (message: string) => message),
  tooDeeplyNested: entry(
    "SP1004",
    "error",
    (what: string, limit: number) => `${what} are nested more than ${limit} deep`,
  ),
  notAllowedInProfile: entry(
    "SP1005",
    "error",
    (what: string) =>
      `${what} is not allowed in a profile: a profile holds pod-security rules (\`deny\`, \`require\`, \`set\`, \`allow\` of features)`,
  ),
  formatterChangedMeaning: entry(
    "SP1007",
    "error",
    (what: string) =>
      `internal error: the formatter's output would ${what}, so the file was left unchanged (please report this with the file)`,
  ),
  unknownEscape: entry("SP1020", "error", (escape: string) => `unknown escape \`${escape}\` in a string`),
  fileTooLarge: entry(
    "SP1006",
    "error",
    (size: number, limit: number) => `the file has ${size} characters; secpolc reads at most ${limit}`,
  ),
  bareAddress: entry(
    "SP1008",
    "error",
    (address: string) =>
      `expected a peer, found the address \`${address}\`: an address block is a peer only after \`cidr\``,
  ),
  colonInSelector: entry(
    "SP1009",
    "error",
    (key: string) => `expected \`=\` after the label key \`${key}\`, found \`:\``,
  ),
  unquotedText: entry("SP1010", "error", (text: string, why: string) => `\`${text}\` ${why}, so it must be quoted`),
  unclosedBlock: entry(
    "SP1011",
    "error",
    (opener: string) => `the block of \`${opener}\` is never closed: the file ends before its \`}\``,
  ),
  // `# secpol-ignore CODE: reason` comments (src/analysis/suppressions.ts)
  suppressionWithoutReason: entry("SP1016", "error", (codes: string) => `this suppression of ${codes} gives no reason`),
  malformedSuppression: entry("SP1017", "error", (problem: string) => `this \`secpol-ignore\` comment ${problem}`),
  errorNotSuppressible: entry(
    "SP1018",
    "error",
    (code: string) => `\`${code}\` is an error, and errors cannot be suppressed`,
  ),
  clauseRepeated: entry("SP1019", "error", (clause: string) => `\`${clause}\` is given twice for one workload`),
} as const;

/** The help of SP1020: the escapes there are. */
export const ESCAPES_HELP =
  'the escapes are `\\"` (a quote), `\\\\` (a backslash), `\\n` (a line break) and `\\t` (a tab): write `\\\\` for a backslash itself';

/** The code points of the characters beyond printable ASCII (` (U+201C, U+201D)`): invisible, look-alike or shown as `�`. */
function codePoints(text: string): string {
  const unusual = [...new Set([...text].filter((c) => c < " " || c > "~"))];
  return unusual.length === 0
    ? ""
    : ` (${unusual.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`).join(", ")})`;
}
