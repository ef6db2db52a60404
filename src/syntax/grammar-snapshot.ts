/**
 * The grammar as Chevrotain records it, kept so that the parser need not record it at every start.
 *
 * Building a Chevrotain parser (`performSelfAnalysis`) runs every rule once in a recording mode to
 * build the grammar's productions (its GAST), resolves the rules they name, and works out the
 * tokens that may follow each rule where it is called (for recovery). For this grammar that was
 * about three quarters of building the parser, paid by every run of the compiler before its first
 * file is parsed. `snapshotGrammar` writes the productions and the follows down as they stand after
 * the analysis (every own property of every production, in order, the tokens and rules they refer
 * to by name); `restoreGrammar` makes them again, the same objects of the same classes with the same
 * properties. `scripts/gen-grammar.js` generates the snapshot into `lookahead-table.ts`.
 *
 * The snapshot is used only where it is this grammar's: its Chevrotain version, its tokens (their
 * names and categories, in order) and its rules' names (in order) must be the parser's, or the
 * parser records its grammar as before. What this check cannot see (a rule's body edited) the test
 * of the generated table sees (test/syntax/lookahead.test.ts compares it with a recording), and
 * `npm run build` refuses to bundle a stale snapshot (scripts/bundle-cli.js).
 */
import {
  Alternation,
  Alternative,
  EOF,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  VERSION,
  type IProduction,
  type TokenType,
} from "chevrotain";

/** A grammar's productions and follows, as `snapshotGrammar` writes them. */
export interface GrammarSnapshot {
  /** The Chevrotain version that recorded them. */
  chevrotain: string;
  /** The tokens (`vocabularyKey`). */
  tokens: string;
  /** Each rule, in the parser's order of rules: its JSON (`encode`). */
  rules: readonly string[];
  /** Chevrotain's follows for recovery (`resyncFollows`), each the names of its tokens apart by a space. */
  follows: Readonly<Record<string, string>>;
}

/** The grammar made again from a snapshot. */
export interface RestoredGrammar {
  rules: Rule[];
  follows: Record<string, TokenType[]>;
}

/**
 * The classes of productions by the names the snapshot gives them (a bundler may rename classes,
 * so names are not read from them), most derived first: `instanceof` finds a production's own.
 */
const classes: readonly (readonly [string, abstract new (...args: never[]) => object])[] = [
  ["Rule", Rule],
  ["NonTerminal", NonTerminal],
  ["Terminal", Terminal],
  ["Alternation", Alternation],
  ["Alternative", Alternative],
  ["Option", Option],
  ["RepetitionMandatoryWithSeparator", RepetitionMandatoryWithSeparator],
  ["RepetitionWithSeparator", RepetitionWithSeparator],
  ["RepetitionMandatory", RepetitionMandatory],
  ["Repetition", Repetition],
];
const classByName = new Map(classes);

/** The name of the class of productions `value` is of, if any. */
export const kindOf = (value: object): string | undefined => classes.find(([, type]) => value instanceof type)?.[0];

/** A token's name and categories, as the snapshot and the lookahead table's key write them. */
export const tokenKey = (type: TokenType): string =>
  `${type.name}<${(type.CATEGORIES ?? []).map((c) => c.name).join(",")}`;

/** The snapshot's text of the tokens: each one's name and categories, in order. */
export const vocabularyKey = (vocabulary: readonly TokenType[]): string => vocabulary.map(tokenKey).join(" ");

/** Whether `value` is a token type: what Chevrotain's `createToken` makes (`tokenTypeIdx`, no class of production). */
const isTokenType = (value: object): value is TokenType =>
  typeof (value as TokenType).tokenTypeIdx === "number" && typeof (value as TokenType).name === "string";

/**
 * A production's property value as JSON: a production as an object naming its class (`@`) with its
 * own properties in order, a rule it refers to as `{ rule }`, a token as `{ token }`, `undefined` as
 * `{ undefined: true }`; arrays, numbers, strings and booleans as themselves.
 */
function encode(value: unknown, top: boolean): unknown {
  if (value === undefined) return { undefined: true };
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint")
      throw new Error(`snapshotGrammar: a production holds a ${typeof value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => encode(item, false));
  if (value instanceof Rule && !top) return { rule: value.name };
  const kind = kindOf(value);
  if (kind !== undefined) {
    const out: Record<string, unknown> = { "@": kind };
    for (const key of Object.keys(value)) {
      if (key === "@") throw new Error("snapshotGrammar: a production has a property `@`");
      out[key] = encode((value as Record<string, unknown>)[key], false);
    }
    return out;
  }
  if (isTokenType(value)) return { token: value.name };
  throw new Error(`snapshotGrammar: a production holds an object it cannot write (${Object.keys(value).join(", ")})`);
}

/** The snapshot of the recorded `rules` and their recovery `follows` over `vocabulary`. */
export function snapshotGrammar(
  rules: readonly Rule[],
  follows: Readonly<Record<string, TokenType[]>>,
  vocabulary: readonly TokenType[],
): GrammarSnapshot {
  return {
    chevrotain: VERSION,
    tokens: vocabularyKey(vocabulary),
    rules: rules.map((rule) => JSON.stringify(encode(rule, true))),
    follows: Object.fromEntries(
      Object.entries(follows).map(([key, types]) => [key, types.map((type) => type.name).join(" ")]),
    ),
  };
}

/** Thrown where a snapshot cannot be made again (`restoreGrammar` answers `undefined`). */
class Unrestorable extends Error {}

/**
 * The grammar of `snapshot`, when it is the one of a parser over `vocabulary` whose rules are
 * `ruleNames` (in order); `undefined` otherwise (the parser records its grammar).
 */
export function restoreGrammar(
  snapshot: GrammarSnapshot,
  ruleNames: readonly string[],
  vocabulary: readonly TokenType[],
): RestoredGrammar | undefined {
  if (snapshot.chevrotain !== VERSION || snapshot.rules.length !== ruleNames.length) return undefined;
  if (snapshot.tokens !== vocabularyKey(vocabulary)) return undefined;
  const types = new Map<string, TokenType>([...vocabulary, EOF].map((type) => [type.name, type]));
  const token = (name: string): TokenType => {
    const type = types.get(name);
    if (type === undefined) throw new Unrestorable(name);
    return type;
  };
  // every rule first (an empty one of its class), so that a production can refer to any
  const encoded = snapshot.rules.map((text) => JSON.parse(text) as Record<string, unknown>);
  const rules = new Map<string, Rule>();
  for (let i = 0; i < ruleNames.length; i++) {
    if (encoded[i]!["@"] !== "Rule" || encoded[i]!.name !== ruleNames[i]) return undefined;
    rules.set(ruleNames[i]!, Object.create(Rule.prototype) as Rule);
  }
  const decode = (value: unknown, into?: object): unknown => {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((item) => decode(item));
    const fields = value as Record<string, unknown>;
    const kind = fields["@"];
    if (kind === undefined) {
      if (fields.undefined === true) return undefined;
      if (typeof fields.token === "string") return token(fields.token);
      const rule = typeof fields.rule === "string" ? rules.get(fields.rule) : undefined;
      if (rule === undefined) throw new Unrestorable(JSON.stringify(value));
      return rule;
    }
    const type = classByName.get(kind as string);
    if (type === undefined) throw new Unrestorable(String(kind));
    const production = (into ?? Object.create(type.prototype as object)) as Record<string, unknown>;
    for (const key in fields) if (key !== "@") production[key] = decode(fields[key]);
    return production;
  };
  try {
    encoded.forEach((rule, i) => decode(rule, rules.get(ruleNames[i]!)));
    const follows: Record<string, TokenType[]> = {};
    for (const [key, names] of Object.entries(snapshot.follows))
      follows[key] = names === "" ? [] : names.split(" ").map(token);
    return { rules: [...rules.values()], follows };
  } catch (error) {
    if (error instanceof Unrestorable) return undefined;
    throw error;
  }
}

/**
 * A text of `rules` that differs where they differ in anything the parser could read: each
 * production's class (by prototype), its own properties in order and their values, the tokens
 * (which must be `vocabulary`'s or EOF, by identity) and the rules (`rules`' own, by identity) it
 * refers to. For the tests that compare a restored grammar with a recorded one.
 */
export function describeGrammar(rules: readonly Rule[], vocabulary: readonly TokenType[]): string {
  const known = new Set<unknown>([...vocabulary, EOF]);
  const own = new Set<unknown>(rules);
  const out: string[] = [];
  const walk = (value: unknown, top: boolean): void => {
    if (value === null || typeof value !== "object") out.push(`${typeof value}:${String(value)}`);
    else if (Array.isArray(value)) {
      out.push("[");
      for (const item of value) walk(item, false);
      out.push("]");
    } else if (value instanceof Rule && !top)
      out.push(own.has(value) ? `rule:${value.name}` : `foreign rule:${value.name}`);
    else if (kindOf(value) !== undefined) {
      const kind = kindOf(value)!;
      const exact = Object.getPrototypeOf(value) === classByName.get(kind)!.prototype;
      out.push(`${kind}${exact ? "" : " (of another class)"}{`);
      for (const key of Object.keys(value)) {
        out.push(`${key}=`);
        walk((value as Record<string, unknown>)[key], false);
      }
      out.push("}");
    } else if (isTokenType(value)) out.push(known.has(value) ? `token:${value.name}` : `foreign token:${value.name}`);
    else out.push(`object:${Object.keys(value).join(",")}`);
  };
  for (const rule of rules) {
    out.push("\n");
    walk(rule, true);
  }
  return out.join(" ");
}
