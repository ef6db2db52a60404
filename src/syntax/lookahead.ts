/**
 * How the parser chooses an alternative of an `OR`: Chevrotain's LL(k) choice (the same lookahead
 * paths, the same gates, the same order), indexed by the type of the next token. Chevrotain's own
 * function tries every alternative in turn, and for an `OR` with a gate builds the list of gates
 * anew at every call: the statement and peer choices, which have gates, were a fifth of the time
 * of parsing. Chevrotain's lookahead strategy is its public extension point for this.
 *
 * The lookahead paths themselves (Chevrotain's `getLookaheadPaths`, about half of the cost of
 * building the parser at every start) are read from `lookahead-table.ts`, generated from the
 * grammar by `scripts/gen-grammar.js`, when the grammar is the one they were generated from (its
 * productions and tokens, compared whole: `grammarKey`); otherwise they are worked out as before.
 */
import {
  EOF,
  getLookaheadPaths,
  LLkLookaheadStrategy,
  NonTerminal,
  Terminal,
  tokenMatcher,
  type IOrAlt,
  type IProduction,
  type IToken,
  type LookaheadProductionType,
  type Rule,
  type TokenType,
} from "chevrotain";
import { kindOf as productionKind, tokenKey } from "./grammar-snapshot.js";
import { lookaheadTable } from "./lookahead-table.js";

/**
 * The rests of an alternative's lookahead paths after the tokens read so far, and for each type of
 * the next token (by `tokenTypeIdx`), what is left of them: `true` when one of them ends there (the
 * alternative is chosen, whatever follows), `null` when none continues with it. Filled in as types
 * are met, so that each type is matched against the paths once, not at every choice.
 */
interface Rests {
  rests: TokenType[][];
  after: (Rests | true | null | undefined)[];
}

/** An alternative that a token can start: what may follow that token in it (`true`: anything). */
interface Candidate {
  alt: number;
  follow: Rests | true;
}

/** What is left of `rests` after `token`. */
function narrow(rests: TokenType[][], token: IToken): Rests | true | null {
  const left = rests.filter((rest) => tokenMatcher(token, rest[0])).map((rest) => rest.slice(1));
  if (left.length === 0) return null;
  return left.some((rest) => rest.length === 0) ? true : { rests: left, after: [] };
}

/** Whether the tokens from `parser.LA(2)` on continue one of `follow`'s rests to its end. */
function continues(follow: Rests, parser: Lookahead): boolean {
  let node = follow;
  for (let i = 2; ; i++) {
    const token = parser.LA(i);
    let next = node.after[token.tokenTypeIdx];
    if (next === undefined) next = node.after[token.tokenTypeIdx] = narrow(node.rests, token);
    if (next === null) return false;
    if (next === true) return true;
    node = next;
  }
}

/** The parser as the lookahead function sees it (`this`). */
interface Lookahead {
  LA(i: number): IToken;
}

/** The lookahead paths of a grammar's choices, as generated into `lookahead-table.ts`. */
export interface LookaheadTable {
  /** The grammar they are the paths of (`grammarKey`). */
  grammar: string;
  /** Per choice (`choiceKey`), its alternatives' paths (`encodePaths`). */
  paths: Readonly<Record<string, string>>;
}

/** The choices whose lookahead paths the parser asks for: `OR`s, and what decides entering an `OPTION` or a repetition. */
type Choice = LookaheadProductionType;

const choiceKey = (rule: string, type: Choice, occurrence: number): string => `${rule}/${type}/${occurrence}`;

/** The kind of a production (by class: a bundler may rename classes), `undefined` for an alternative. */
function kindOf(prod: IProduction): Choice | "Terminal" | "NonTerminal" | undefined {
  const kind = productionKind(prod);
  return kind === "Alternative" ? undefined : (kind as Choice | "Terminal" | "NonTerminal" | undefined);
}

/** What the walks below read of a production. */
interface Production {
  idx?: number;
  maxLookahead?: number;
  separator?: TokenType;
  definition?: IProduction[];
}

/**
 * A text that differs whenever the lookahead paths of the grammar may: every rule's productions,
 * with their kinds, occurrences and own lookahead bounds, the terminals and rules they name, then
 * the tokens' categories (which decide where Chevrotain stops lengthening a path) and the bound.
 */
export function grammarKey(rules: readonly Rule[], vocabulary: readonly TokenType[], maxLookahead: number): string {
  const out: string[] = [`k${maxLookahead}`];
  const walk = (prods: readonly IProduction[]): void => {
    for (const prod of prods) {
      const kind = kindOf(prod);
      const p = prod as Production;
      if (prod instanceof Terminal) out.push(`T${prod.idx}:${prod.terminalType.name}`);
      else if (prod instanceof NonTerminal) out.push(`N${prod.idx}:${prod.nonTerminalName}`);
      else {
        out.push(`${kind ?? "Alternative"}${p.idx ?? ""}/${p.separator?.name ?? ""}/${p.maxLookahead ?? ""}(`);
        walk(p.definition ?? []);
        out.push(")");
      }
    }
  };
  for (const rule of rules) {
    out.push(`\n${rule.name}=`);
    walk(rule.definition);
  }
  for (const type of vocabulary) out.push(`\n${tokenKey(type)}`);
  return out.join(" ");
}

/** The productions of `rule` the parser asks lookahead for. */
function choicesOf(rule: Rule): { type: Choice; occurrence: number }[] {
  const found: { type: Choice; occurrence: number }[] = [];
  const walk = (prods: readonly IProduction[]): void => {
    for (const prod of prods) {
      const kind = kindOf(prod);
      if (kind === "Terminal" || kind === "NonTerminal") continue;
      if (kind !== undefined) found.push({ type: kind, occurrence: (prod as Production).idx! });
      walk((prod as Production).definition ?? []);
    }
  };
  walk(rule.definition);
  return found;
}

/** A choice's paths worked out by Chevrotain: for an optional production, those that enter it (one alternative). */
function computePaths(rule: Rule, type: Choice, occurrence: number, maxLookahead: number): TokenType[][][] {
  const paths = getLookaheadPaths({ occurrence, rule, prodType: type, maxLookahead });
  return type === "Alternation" ? paths : [paths[0]];
}

/** Paths as text: alternatives apart by `|`, paths by `,`, tokens by a space (names have none of them). */
function encodePaths(paths: TokenType[][][]): string {
  for (const alt of paths) if (alt.length === 0) throw new Error("encodePaths: an alternative without paths");
  return paths.map((alt) => alt.map((path) => path.map((type) => type.name).join(" ")).join(",")).join("|");
}

function decodePaths(text: string, types: ReadonlyMap<string, TokenType>): TokenType[][][] {
  return text.split("|").map((alt) =>
    alt.split(",").map((path) =>
      path === ""
        ? []
        : path.split(" ").map((name) => {
            const type = types.get(name);
            if (type === undefined) throw new Error(`lookahead table: unknown token ${name}`);
            return type;
          }),
    ),
  );
}

/**
 * The table of `rules`' lookahead paths, as `lookahead-table.ts` holds it (worked out by Chevrotain
 * here, for the generator and the test that checks the table).
 */
export function computeLookaheadTable(
  rules: readonly Rule[],
  vocabulary: readonly TokenType[],
  maxLookahead: number,
): LookaheadTable {
  const paths: Record<string, string> = {};
  for (const rule of rules)
    for (const { type, occurrence } of choicesOf(rule))
      paths[choiceKey(rule.name, type, occurrence)] = encodePaths(computePaths(rule, type, occurrence, maxLookahead));
  return { grammar: grammarKey(rules, vocabulary, maxLookahead), paths };
}

/** For each type of token (by `tokenTypeIdx`), the tokens types it stands for: itself and, for a category, its members. */
const matchedBy = (type: TokenType): number[] => [
  type.tokenTypeIdx!,
  ...((type as { categoryMatches?: number[] }).categoryMatches ?? []),
];

export class IndexedLookahead extends LLkLookaheadStrategy {
  /** The generated table's paths, when it is this grammar's (set by `initialize`). */
  private table: LookaheadTable | undefined;
  private readonly types: Map<string, TokenType>;

  constructor(
    private readonly vocabulary: readonly TokenType[],
    private readonly options: { maxLookahead: number; table?: LookaheadTable },
  ) {
    super(options);
    this.types = new Map([...vocabulary, EOF].map((type) => [type.name, type]));
  }

  /** Called by Chevrotain with the grammar before it builds the lookahead functions. */
  override initialize({ rules }: { rules: Rule[] }): void {
    const table = this.options.table ?? lookaheadTable;
    this.table = table.grammar === grammarKey(rules, this.vocabulary, this.options.maxLookahead) ? table : undefined;
  }

  /**
   * Uses the generated table, unless the parser was given another, without comparing its grammar
   * with the parser's rules (which `initialize` does): for rules restored from the snapshot
   * generated with the table, from one recording of the grammar (which the tests and the build
   * compare with the parser's). Whether it does.
   */
  useGeneratedTable(): boolean {
    if (this.options.table !== undefined && this.options.table !== lookaheadTable) return false;
    this.table = lookaheadTable;
    return true;
  }

  /** The paths of a choice: from the table when it is this grammar's, else worked out by Chevrotain. */
  paths(rule: Rule, type: Choice, occurrence: number, maxLookahead: number): TokenType[][][] {
    const text =
      maxLookahead === this.options.maxLookahead
        ? this.table?.paths[choiceKey(rule.name, type, occurrence)]
        : undefined;
    return text !== undefined ? decodePaths(text, this.types) : computePaths(rule, type, occurrence, maxLookahead);
  }

  override buildLookaheadForAlternation(options: {
    prodOccurrence: number;
    rule: Rule;
    maxLookahead: number;
    hasPredicates: boolean;
    dynamicTokensEnabled: boolean;
  }): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const paths = this.paths(options.rule, "Alternation", options.prodOccurrence, options.maxLookahead);
    // for each type of token, the paths it can start, in the order Chevrotain tries them (an empty path starts with any token)
    const table = candidates(paths, this.vocabulary);
    // for each type of token that only one alternative can start, whatever follows: that alternative
    const only: (number | undefined)[] = [];
    table.forEach((candidates, type) => {
      if (candidates!.length === 1 && candidates![0].follow === true) only[type] = candidates![0].alt;
    });
    // an OR without gates whose every alternative the next token decides (most of them): one lookup
    if (!options.hasPredicates && table.every((candidates, type) => only[type] !== undefined || !candidates))
      return function (this: Lookahead): number | undefined {
        return only[this.LA(1).tokenTypeIdx];
      };
    return function (this: Lookahead, orAlts?: IOrAlt<unknown>[]): number | undefined {
      const next = this.LA(1).tokenTypeIdx;
      const alt = only[next];
      if (alt !== undefined) {
        const gate = orAlts?.[alt].GATE;
        return gate === undefined || gate.call(this) ? alt : undefined;
      }
      const candidates = table[next];
      if (candidates === undefined) return undefined;
      for (let c = 0; c < candidates.length; c++) {
        const { alt, follow } = candidates[c];
        const gate = orAlts?.[alt].GATE;
        if (gate !== undefined && !gate.call(this)) continue;
        if (follow === true || continues(follow, this)) return alt;
      }
      return undefined;
    };
  }

  /**
   * Whether to enter an `OPTION` or go on with a repetition: whether the next tokens start one of
   * the paths into it, as Chevrotain's own function answers (its gate, if any, is tried apart).
   */
  override buildLookaheadForOptional(options: {
    prodOccurrence: number;
    prodType: Choice;
    rule: Rule;
    maxLookahead: number;
    dynamicTokensEnabled: boolean;
  }): () => boolean {
    const paths = this.paths(options.rule, options.prodType, options.prodOccurrence, options.maxLookahead);
    const table = candidates(paths, this.vocabulary);
    // what the next token decides alone (most): one lookup
    const enters: boolean[] = [];
    let decided = true;
    table.forEach((candidates, type) => {
      if (candidates![0].follow === true) enters[type] = true;
      else decided = false;
    });
    if (decided)
      return function (this: Lookahead): boolean {
        return enters[this.LA(1).tokenTypeIdx] === true;
      };
    return function (this: Lookahead): boolean {
      const candidates = table[this.LA(1).tokenTypeIdx];
      if (candidates === undefined) return false;
      const follow = candidates[0].follow;
      return follow === true || continues(follow, this);
    };
  }
}

/**
 * For each type of token (by `tokenTypeIdx`, among `vocabulary` and EOF), the alternatives of
 * `paths` it can start, in order, each with what may follow it there (`true`: anything).
 */
function candidates(paths: TokenType[][][], vocabulary: readonly TokenType[]): (Candidate[] | undefined)[] {
  const table: (Candidate[] | undefined)[] = [];
  const all = [...vocabulary, EOF].map((type) => type.tokenTypeIdx!);
  const known: boolean[] = [];
  for (const type of all) known[type] = true;
  paths.forEach((altPaths, alt) => {
    // the rests of this alternative's paths after each type of token
    const rests: TokenType[][][] = [];
    for (const path of altPaths)
      for (const type of path.length === 0 ? all : matchedBy(path[0])) (rests[type] ??= []).push(path.slice(1));
    rests.forEach((left, type) => {
      if (!known[type]) return;
      (table[type] ??= []).push({
        alt,
        follow: left.some((rest) => rest.length === 0) ? true : { rests: left, after: [] },
      });
    });
  });
  return table;
}
