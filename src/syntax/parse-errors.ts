/**
 * Parse errors in words a person understands: what was expected (described, not listed as token
 * types) and what was found.
 */
import { EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { syntax as m } from "../diagnostics/messages/syntax.js";
import * as t from "./tokens.js";

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
  const firsts = [
    ...new Set(paths.flatMap((alt) => alt.map((path) => (path[0] ? describeType(path[0]) : ""))).filter(Boolean)),
  ];
  if (ruleDescriptions[ruleName] || firsts.length > 3) return describeRule(ruleName);
  return firsts.length === 0 ? describeRule(ruleName) : firsts.join(" or ");
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    // after a line break, "after" would quote the line break itself
    const after =
      previous && previous.tokenType !== EOF && previous.tokenType !== t.Newline && previous.image
        ? ` after \`${previous.image}\``
        : "";
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

// ---------------------------------------------------------------------------------------------
// Known mistakes: a syntax error whose fix can be named

/** Tokens that end a run of text written without spaces. */
const separators: ReadonlySet<TokenType> = new Set([
  t.Newline,
  t.Semicolon,
  t.Comma,
  t.LBrace,
  t.RBrace,
  t.LParen,
  t.RParen,
]);
/** Tokens after which a peer starts. */
const beforePeer: ReadonlySet<TokenType> = new Set([t.Kw.allow, t.Kw.deny, t.Kw.assert, t.Arrow, t.NotArrow, t.Comma]);

const adjacent = (a: IToken | undefined, b: IToken | undefined): boolean =>
  a !== undefined &&
  b !== undefined &&
  !separators.has(a.tokenType) &&
  !separators.has(b.tokenType) &&
  a.startOffset + a.image.length === b.startOffset;

/**
 * How far (in tokens) the search for a known mistake looks around an error: each error is looked
 * at on its own, so a file of many errors in one long statement must not cost the square of it.
 */
const REACH = 64;

/** The first and last index of the tokens written without spaces around `tokens[at]` (as a person reads one word; at most REACH either side). */
function wordAround(tokens: readonly IToken[], at: number): [number, number] {
  let first = at;
  let last = at;
  while (first > at - REACH && adjacent(tokens[first - 1], tokens[first])) first--;
  while (last < at + REACH && adjacent(tokens[last], tokens[last + 1])) last++;
  return [first, last];
}

const spanOf = (positions: t.Positions, first: IToken, last: IToken) => ({
  ...t.tokenSpan(positions, first),
  end: t.tokenSpan(positions, last).end,
});

/** The index where the statement holding `tokens[at]` starts (or REACH tokens back, in a longer one). */
function statementStart(tokens: readonly IToken[], at: number): number {
  let i = at;
  while (i > 0 && i > at - REACH && ![t.Newline, t.Semicolon, t.LBrace, t.RBrace].includes(tokens[i - 1].tokenType))
    i--;
  return i;
}

/**
 * The syntax error at `tokens[at]` as a known mistake with its fix (`allow 10.0.0.0/8 -> …`,
 * `workload w app: w`, an unquoted path or e-mail address), or undefined when it is none of them.
 */
export function knownMistake(tokens: readonly IToken[], at: number, positions: t.Positions): Diagnostic | undefined {
  const token = tokens[at];
  if (!token || token.tokenType === EOF) return undefined;
  const previous = tokens[at - 1];
  // a peer that is a bare address block: `allow 10.0.0.0/8 -> shop/web`
  if ((token.tokenType === t.Cidr || token.tokenType === t.Address) && previous && beforePeer.has(previous.tokenType)) {
    return diagnostic(m.bareAddress, t.tokenSpan(positions, token), [token.image], {
      help: `write \`cidr ${token.image}\``,
    });
  }
  // a selector written as YAML: `workload w app: w`, `pods(app: w)` (recovery may report the
  // error at a later token of the statement: the colon is looked for in all of it)
  const colon = selectorColon(tokens, at);
  if (colon !== undefined) {
    const [first] = wordAround(tokens, colon - 1);
    const key = tokens
      .slice(first, colon)
      .map((x) => x.image)
      .join("");
    return diagnostic(m.colonInSelector, t.tokenSpan(positions, tokens[colon]), [key], {
      help: `label selectors use \`=\`: write \`${key}=${tokens[colon + 1].image}\``,
    });
  }
  // text that is no name: `alice@example.com`, `/proc`
  const [first, last] = wordAround(tokens, at);
  const word = tokens.slice(first, last + 1);
  const text = word.map((x) => x.image).join("");
  const before = tokens[first - 1];
  const inValue =
    before !== undefined &&
    (before.tokenType === t.Comma || (tokenMatcher(before, t.Name) && !t.statementKeywords.has(before.tokenType)));
  const why =
    word.length < 2 || word.some((x) => x.tokenType === t.StringToken)
      ? undefined
      : word.some((x) => x.tokenType === t.At)
        ? "holds `@`, which no name does"
        : inValue && word[0].tokenType === t.Slash
          ? "is a path"
          : undefined;
  if (why)
    return diagnostic(m.unquotedText, spanOf(positions, word[0], word[word.length - 1]), [text, why], {
      help: `write \`"${text}"\``,
    });
  return undefined;
}

/**
 * In the statement holding `tokens[at]`, the index of a `:` written for `=` in a selector: a `:`
 * between a key and a value inside parentheses, or anywhere in a `workload` statement (where no
 * `:` belongs).
 */
function selectorColon(tokens: readonly IToken[], at: number): number | undefined {
  const start = statementStart(tokens, at);
  const workload = tokens[start]?.tokenType === t.Kw.workload;
  let depth = 0;
  for (let i = start; i < Math.min(tokens.length, at + REACH); i++) {
    const type = tokens[i].tokenType;
    if (type === t.Newline || type === t.Semicolon || type === t.LBrace || type === t.RBrace) return undefined;
    if (type === t.LParen) depth++;
    else if (type === t.RParen) depth--;
    else if (type === t.Colon && (workload || depth > 0)) {
      const [key, value] = [tokens[i - 1], tokens[i + 1]];
      if (
        key &&
        tokenMatcher(key, t.Name) &&
        value &&
        [t.Name, t.NumberToken, t.StringToken].some((v) => tokenMatcher(value, v))
      )
        return i;
    }
  }
  return undefined;
}

/** The `{` that the end of the file leaves open (the innermost), if any. */
export function unclosedBrace(tokens: readonly IToken[]): IToken | undefined {
  const open: IToken[] = [];
  for (const token of tokens) {
    if (token.tokenType === t.LBrace) open.push(token);
    else if (token.tokenType === t.RBrace) open.pop();
  }
  return open.at(-1);
}

/** The end of the file inside a block: the error is at the `{` left open, which names its statement (`namespace shop`). */
export function unclosedBlock(
  tokens: readonly IToken[],
  brace: IToken,
  positions: t.Positions,
  end: Diagnostic["span"],
): Diagnostic {
  const at = tokens.indexOf(brace);
  const opener = tokens
    .slice(statementStart(tokens, at), at)
    .map((x) => x.image)
    .join(" ");
  return diagnostic(m.unclosedBlock, t.tokenSpan(positions, brace), [opener || "{"], {
    help: "add `}` after the block's last statement",
    related: [{ span: end, message: "the file ends here, inside the block" }],
  });
}
