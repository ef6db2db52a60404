/**
 * Parse errors in words a person understands: what was expected (described, not listed as token
 * types) and what was found.
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";

/** What each grammar rule stands for, used when no single token was expected. */
const ruleDescriptions: Record<string, string> = {
  statement:
    "a statement (`namespace`, `workload`, `group`, `allow`, `deny`, `default`, `assert`, `require`, `set`, `apply`, `pss`, `labels`, `profile`, `psp`, `grant`, `cluster` or `import`)",
  statementEnd: "the end of the statement (a new line or `;`)",
  statements: "a statement",
  peer: "a peer (a workload or group name, `ns`, `pods(...)`, `cidr`, `world`, `cluster` or `any`)",
  peerList: "a peer (a workload or group name, `ns`, `pods(...)`, `cidr`, `world`, `cluster` or `any`)",
  workloadSelector: "a label selector (e.g. `app=web`) after the workload name",
  selector: "a label selector (e.g. `app=web`)",
  requirement: "a label requirement (e.g. `app=web`, `tier in (a, b)`, `!legacy`)",
  labelValue: "a label value",
  portItem: "a port (a number such as `5432`, a range such as `8000..8080`, or a name such as `http`)",
  portList: "a port (a number such as `5432`, a range such as `8000..8080`, or a name such as `http`)",
  value: "a value",
  defaultStatement: "`deny` or `allow` after `default`",
  securityTarget: "`for WORKLOAD`, `in ns NAME`, `in ns(LABELS)` or `in all`",
  namespaceRef: "a namespace: `ns NAME` or `ns(LABELS)`",
  grant: "`user`, `group`, `serviceaccount` or `serviceaccounts in ns NAME` after `to`",
  apply: "`ns NAME`, `all` or a workload name after `to`",
  subjectName: "a user or group name (e.g. `system:authenticated`, or a quoted string)",
  serviceDeclaration: "the target pod port (a name or a number) after `->`",
  pssMode: "a level (`privileged`, `baseline` or `restricted`)",
  networkRule: "`allow` or `deny`",
  assertStatement: "`->` or `-/->`",
};

export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return "the end of the file";
  if (token.tokenType.name === "Newline") return "the end of the line";
  return `\`${token.image}\``;
}

const describeType = (type: TokenType): string => (typeof type.LABEL === "string" ? type.LABEL : type.name);

const describeRule = (ruleName: string): string => ruleDescriptions[ruleName] ?? `a ${ruleName}`;

function describeExpected(paths: TokenType[][][], ruleName: string): string {
  const firsts = [...new Set(paths.flatMap((alt) => alt.map((path) => (path[0] ? describeType(path[0]) : ""))).filter(Boolean))];
  if (ruleDescriptions[ruleName] || firsts.length > 3) return describeRule(ruleName);
  return firsts.length === 0 ? describeRule(ruleName) : firsts.join(" or ");
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    const after = previous && previous.tokenType !== EOF && previous.image ? ` after \`${previous.image}\`` : "";
    return `expected ${describeType(expected)}${after}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a statement, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    return `expected ${describeExpected(expectedPathsPerAlt, ruleName)}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    return `expected ${describeExpected([expectedIterationPaths], ruleName)}, found ${describeToken(actual[0])}`;
  },
};
