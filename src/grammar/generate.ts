/**
 * The grammar artifacts in grammar/, generated from the parser (src/syntax/parser.ts) and the token
 * definitions (src/syntax/tokens.ts) so that they cannot drift from them: railroad diagrams, an EBNF
 * reference, a TextMate grammar and a VS Code language configuration. Pure functions returning
 * text; scripts/gen-grammar.js writes the files and test/grammar/grammar.test.ts checks them.
 */
import {
  Alternation,
  Alternative,
  createSyntaxDiagramsCode,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Terminal,
  type IProduction,
  type TokenType,
} from "chevrotain";
import { recordedTables } from "../syntax/parser.js";
import * as t from "../syntax/tokens.js";

/**
 * The grammar as a parser records it (not restored from the generated snapshot, which is generated
 * from it), with the tables generated from it; made once.
 */
let tables: ReturnType<typeof recordedTables> | undefined;
const recorded = () => (tables ??= recordedTables());

// ---------------------------------------------------------------------------------------------
// Railroad diagrams

/**
 * The files of chevrotain's `diagrams/` folder that the railroad page runs (paths relative to that
 * folder). Chevrotain's page loads them from a CDN; we inline them so the page works offline.
 */
export const diagramAssets = ["diagrams.css", "vendor/railroad-diagrams.js", "src/diagrams_builder.js", "src/diagrams_behavior.js", "src/main.js"];

/** The railroad diagrams page, with `assets` (path in {@link diagramAssets} -> file text) inlined. */
export function railroadHtml(assets: Readonly<Record<string, string>>): string {
  const base = "inline-asset:";
  const asset = (path: string): string => {
    const text = assets[path];
    if (text === undefined) throw new Error(`railroadHtml: missing chevrotain diagrams asset ${path}`);
    if (/<\/(script|style)/i.test(text)) throw new Error(`railroadHtml: ${path} cannot be inlined`);
    return text.endsWith("\n") ? text : `${text}\n`;
  };
  const html = createSyntaxDiagramsCode(recorded().parser.getSerializedGastProductions(), { resourceBase: base, css: `${base}diagrams.css` })
    .replace("<!-- This is a generated file -->", "<!-- Generated from src/syntax/parser.ts by scripts/gen-grammar.js. Do not edit. -->")
    .replace(/<link rel='stylesheet' href='inline-asset:([^']+)'>/g, (_, path: string) => `<style>\n${asset(path)}</style>`)
    .replace(/<script src='inline-asset:([^']+)'><\/script>/g, (_, path: string) => `<script>\n${asset(path)}</script>`);
  if (html.includes(base)) throw new Error("railroadHtml: chevrotain's page refers to a resource that was not inlined");
  return html;
}

// ---------------------------------------------------------------------------------------------
// EBNF

const isStringPattern = (token: TokenType): token is TokenType & { PATTERN: string } => typeof token.PATTERN === "string";

/** Tokens whose CATEGORIES include `category` (the members of `Name`), in lexer order. */
const membersOf = (category: TokenType): TokenType[] => t.allTokens.filter((token) => token.CATEGORIES?.includes(category));

/**
 * The grammar in W3C-style EBNF (`::=`, `|`, `?`, `*`, `+`, `( )`), one rule per paragraph, then
 * the lexical tokens the rules use, as the JavaScript regular expressions of the lexer.
 */
export function ebnf(): string {
  const used = new Set<TokenType>();
  const terminal = (token: TokenType): string => {
    if (isStringPattern(token)) return JSON.stringify(token.PATTERN);
    used.add(token);
    return token.name;
  };
  const sequence = (items: IProduction[]): string => (items.length === 0 ? "/* empty */" : items.map(item).join(" "));
  const alternatives = (alternation: Alternation): string[] => alternation.definition.map((alt) => sequence((alt as Alternative).definition));
  /** `items` as one operand of a postfix operator. */
  const group = (items: IProduction[]): string => {
    const [only] = items;
    return items.length === 1 && (only instanceof Terminal || only instanceof NonTerminal || only instanceof Alternation) ? item(only) : `( ${sequence(items)} )`;
  };
  function item(production: IProduction): string {
    if (production instanceof Terminal) return terminal(production.terminalType);
    if (production instanceof NonTerminal) return production.nonTerminalName;
    if (production instanceof Option) return `${group(production.definition)}?`;
    if (production instanceof Repetition) return `${group(production.definition)}*`;
    if (production instanceof RepetitionMandatory) return `${group(production.definition)}+`;
    if (production instanceof RepetitionMandatoryWithSeparator)
      return `${group(production.definition)} ( ${terminal(production.separator)} ${group(production.definition)} )*`;
    if (production instanceof RepetitionWithSeparator)
      return `( ${group(production.definition)} ( ${terminal(production.separator)} ${group(production.definition)} )* )?`;
    if (production instanceof Alternation) return `( ${alternatives(production).join(" | ")} )`;
    if (production instanceof Alternative) return `( ${sequence(production.definition)} )`;
    throw new Error(`ebnf: unknown grammar production ${production.constructor.name}`);
  }
  /** `name ::= a`, or one alternative a line with the `|` under the `::=`. */
  const define = (name: string, alts: string[]): string => alts.map((alt, i) => `${i === 0 ? `${name} ::=` : `${" ".repeat(name.length + 1)}  |`} ${alt}`).join("\n");

  const rules = Object.values(recorded().parser.getGAstProductions()).map((rule) => {
    const [only] = rule.definition;
    return define(rule.name, rule.definition.length === 1 && only instanceof Alternation ? alternatives(only) : [sequence(rule.definition)]);
  });

  // A category (`Name`) is the choice of its members; marking them used brings in `Identifier`.
  for (const token of [...used]) membersOf(token).forEach(terminal);
  const describe = (token: TokenType) => (token.LABEL ? ` /* ${token.LABEL} */` : "");
  const regex = (token: TokenType) => `/${(token.PATTERN as RegExp).source}/`;
  const tokens = t.allTokens
    .filter((token) => used.has(token))
    .map((token) => (membersOf(token).length > 0 ? define(token.name, membersOf(token).map(terminal)) : `${token.name} ::= ${regex(token)}${describe(token)}`));
  const ignored = t.allTokens.filter((token) => token.GROUP !== undefined).map((token) => `${token.name} ::= ${regex(token)} /* ${token.GROUP === "comments" ? "a comment" : "skipped"} */`);

  return [
    "/* The grammar of .secpol, generated from src/syntax/parser.ts by scripts/gen-grammar.js. Do not edit.\n" +
      "   Quoted strings are literal tokens; capitalised names are the lexical tokens defined at the end.\n" +
      "   Not shown: the parser's semantic gates, e.g. a statement containing `->` or `-/->` is a\n" +
      "   networkRule (else a securityRule), `statementEnd` is empty only before `}` or the end, and an\n" +
      "   Address in a subjectName is one whose text is names joined by `:` (`dead:beef:cafe`). */",
    ...rules,
    "/* Lexical tokens (src/syntax/tokens.ts), tried in the order of `allTokens`: a keyword followed by\n" +
      "   more identifier characters is an Identifier, and every keyword is also a Name. */",
    ...tokens,
    "/* Between tokens. */",
    ...ignored,
  ].join("\n\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// TextMate grammar

/** After a token whose `longer_alt` is Identifier: the Identifier pattern cannot go on (`ingress-nginx`, `in.x`). */
const identifierEnd = "(?![A-Za-z0-9_]|-+[A-Za-z0-9_]|\\.[A-Za-z0-9_])";
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const patternRegex = (token: TokenType): string => (isStringPattern(token) ? escapeRegex(token.PATTERN) : (token.PATTERN as RegExp).source);

/** Any of `tokens` (their PATTERNs as an Oniguruma regex), ending where the lexer would end it. */
const tokenRegex = (...tokens: TokenType[]): string => {
  const endsLikeIdentifier = (token: TokenType) => token.LONGER_ALT === t.Identifier;
  if (tokens.length === 1 && !endsLikeIdentifier(tokens[0]!)) return patternRegex(tokens[0]!);
  if (tokens.every(endsLikeIdentifier)) return `(?:${tokens.map(patternRegex).join("|")})${identifierEnd}`;
  return `(?:${tokens.map((token) => tokenRegex(token)).join("|")})`;
};

/** The scope of each token that gets a plain `match` rule (keywords, comments and strings are handled apart). */
const tokenScopes: Readonly<Record<string, string>> = {
  NotArrow: "keyword.operator.arrow.negated.secpol",
  Arrow: "keyword.operator.arrow.secpol",
  Cidr: "constant.numeric.cidr.secpol",
  Address: "constant.numeric.address.secpol",
  Number: "constant.numeric.secpol",
  Identifier: "variable.other.secpol",
  Semicolon: "punctuation.terminator.statement.secpol",
  LBrace: "punctuation.section.block.begin.secpol",
  RBrace: "punctuation.section.block.end.secpol",
  LParen: "punctuation.section.parens.begin.secpol",
  RParen: "punctuation.section.parens.end.secpol",
  Comma: "punctuation.separator.comma.secpol",
  Colon: "keyword.operator.colon.secpol",
  DoubleEquals: "keyword.operator.comparison.secpol",
  NotEquals: "keyword.operator.comparison.secpol",
  Equals: "keyword.operator.assignment.secpol",
  Bang: "keyword.operator.logical.secpol",
  DotDot: "keyword.operator.range.secpol",
  Slash: "keyword.operator.slash.secpol",
  Star: "keyword.operator.wildcard.secpol",
  At: "keyword.operator.at.secpol",
};

/** The scope a lexer token of this type gets in the TextMate grammar (strings: their body's scope). */
export function tokenScope(token: TokenType): string | undefined {
  if (token === t.Comment) return "comment.line.number-sign.secpol";
  if (token === t.StringToken || token === t.UnterminatedString) return "string.quoted.double.secpol";
  if (token.name.startsWith("Kw_")) return t.statementKeywords.has(token) ? "keyword.control.secpol" : "keyword.other.secpol";
  return tokenScopes[token.name];
}

const kebab = (name: string) => name.replace(/[a-z](?=[A-Z])/g, "$&-").toLowerCase();

/** The TextMate grammar (scope `source.secpol`), its rules in the lexer's order of `allTokens`. */
export function textMateGrammar(): string {
  const keywords = Object.values(t.Kw);
  const repository: Record<string, object> = {};
  for (const token of t.allTokens) {
    if (token === t.WhiteSpace || token === t.Newline || token === t.Name || token === t.UnterminatedString) continue; // no text, or covered below
    if (token === t.Comment) repository.comment = { name: tokenScope(token), match: tokenRegex(token) };
    else if (token === t.StringToken)
      // Ends at the closing quote or, unterminated (the UnterminatedString token), at the end of the line.
      repository.string = {
        name: tokenScope(token),
        begin: '"',
        beginCaptures: { "0": { name: "punctuation.definition.string.begin.secpol" } },
        end: '"|$',
        endCaptures: { "0": { name: "punctuation.definition.string.end.secpol" } },
        // the escapes of `STRING_ESCAPES`; any other is an error (SP1020)
        patterns: [
          { name: "constant.character.escape.secpol", match: `\\\\[${[...t.STRING_ESCAPES.keys()].map(escapeRegex).join("")}]` },
          { name: "invalid.illegal.unknown-escape.secpol", match: "\\\\." },
        ],
      };
    else if (keywords.includes(token)) {
      if (repository["label-key"]) continue;
      // A selector's key (`app.kubernetes.io/name=x`, `tier in (a, b)`) before any keyword inside it.
      const name = `(?:${tokenRegex(t.Identifier)})`;
      repository["label-key"] = {
        name: "entity.other.attribute-name.label-key.secpol",
        match: `${name}(?:/${name})?(?==|!=|\\s+${tokenRegex(t.Kw.in, t.Kw.notin)}\\s*\\()`,
      };
      const inLexerOrder = t.allTokens.filter((kw) => keywords.includes(kw));
      for (const [key, statement] of [["statement-keyword", true], ["keyword", false]] as const) {
        const words = inLexerOrder.filter((kw) => t.statementKeywords.has(kw) === statement);
        repository[key] = { name: tokenScope(words[0]!), match: `\\b${tokenRegex(...words)}` };
      }
    } else {
      const scope = tokenScope(token);
      if (!scope) throw new Error(`textMateGrammar: no scope for token ${token.name}; add one to tokenScopes in src/grammar/generate.ts`);
      repository[kebab(token.name)] = { name: scope, match: tokenRegex(token) };
    }
  }
  repository.invalid = { name: "invalid.illegal.character.secpol", match: "\\S" };
  const grammar = {
    $comment: "Generated from src/syntax/tokens.ts by scripts/gen-grammar.js. Do not edit.",
    name: "secpol",
    scopeName: "source.secpol",
    fileTypes: ["secpol"],
    patterns: Object.keys(repository).map((key) => ({ include: `#${key}` })),
    repository,
  };
  return `${JSON.stringify(grammar, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// VS Code language configuration

/** VS Code's language configuration: `#` comments, `{}` and `()` brackets, auto-closed quotes. */
export function languageConfiguration(): string {
  const brackets = [
    [t.LBrace.PATTERN, t.RBrace.PATTERN],
    [t.LParen.PATTERN, t.RParen.PATTERN],
  ] as [string, string][];
  const config = {
    comments: { lineComment: "#" },
    brackets,
    autoClosingPairs: [...brackets.map(([open, close]) => ({ open, close })), { open: '"', close: '"', notIn: ["string", "comment"] }],
    surroundingPairs: [...brackets, ['"', '"']],
    wordPattern: (t.Identifier.PATTERN as RegExp).source,
    indentationRules: { increaseIndentPattern: "\\{[^}]*$", decreaseIndentPattern: "^\\s*\\}" },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Every generated file, by its path under grammar/ (`assets`: see {@link railroadHtml}). */
export function grammarFiles(assets: Readonly<Record<string, string>>): Record<string, string> {
  return {
    "railroad.html": railroadHtml(assets),
    "secpol.ebnf": ebnf(),
    "secpol.tmLanguage.json": textMateGrammar(),
    "language-configuration.json": languageConfiguration(),
  };
}

// ---------------------------------------------------------------------------------------------
// The parser's lookahead table

/** Where `lookaheadTableModule` is written, from the repository's root. */
export const lookaheadTablePath = "src/syntax/lookahead-table.ts";

/**
 * src/syntax/lookahead-table.ts (before formatting): the lookahead paths of every choice of the
 * grammar as Chevrotain works them out, which the parser reads instead of working them out at
 * every start (src/syntax/lookahead.ts).
 */
export function lookaheadTableModule(): string {
  const { lookahead, snapshot } = recorded();
  return `// Generated from src/syntax/parser.ts and tokens.ts by scripts/gen-grammar.js. Do not edit.

/**
 * The lookahead paths of every choice of the grammar, a \`LookaheadTable\` of lookahead.ts (read by
 * \`IndexedLookahead\` when \`grammar\` is the parser's).
 */
export const lookaheadTable = ${JSON.stringify(lookahead, null, 2)};

/**
 * The grammar as Chevrotain records it, a \`GrammarSnapshot\` of grammar-snapshot.ts (restored by
 * \`SecpolParser\` instead of recorded when it is the parser's).
 */
export const grammarSnapshot = ${JSON.stringify(snapshot, null, 2)};
`;
}
