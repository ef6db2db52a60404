/**
 * How the parser chooses an alternative of an `OR`: Chevrotain's LL(k) choice (the same lookahead
 * paths, the same gates, the same order), indexed by the type of the next token. Chevrotain's own
 * function tries every alternative in turn, and for an `OR` with a gate builds the list of gates
 * anew at every call: the statement and peer choices, which have gates, were a fifth of the time
 * of parsing. Chevrotain's lookahead strategy is its public extension point for this.
 */
import {
  createTokenInstance,
  EOF,
  getLookaheadPaths,
  LLkLookaheadStrategy,
  tokenMatcher,
  type IOrAlt,
  type IToken,
  type Rule,
  type TokenType,
} from "chevrotain";

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

export class IndexedLookahead extends LLkLookaheadStrategy {
  constructor(
    private readonly vocabulary: readonly TokenType[],
    options: { maxLookahead: number },
  ) {
    super(options);
  }

  override buildLookaheadForAlternation(options: {
    prodOccurrence: number;
    rule: Rule;
    maxLookahead: number;
    hasPredicates: boolean;
    dynamicTokensEnabled: boolean;
  }): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const paths = getLookaheadPaths({
      occurrence: options.prodOccurrence,
      rule: options.rule,
      prodType: "Alternation",
      maxLookahead: options.maxLookahead,
    });
    // for each type of token, the paths it can start, in the order Chevrotain tries them (an empty path starts with any token)
    const table: (Candidate[] | undefined)[] = [];
    // for each type of token that only one alternative can start, whatever follows: that alternative
    const only: (number | undefined)[] = [];
    for (const type of [...this.vocabulary, EOF]) {
      const probe = createTokenInstance(type, "", 0, 0, 0, 0, 0, 0);
      const candidates: Candidate[] = [];
      paths.forEach((altPaths, alt) => {
        const rests = altPaths
          .filter((path) => path.length === 0 || tokenMatcher(probe, path[0]))
          .map((path) => path.slice(1));
        if (rests.length > 0)
          candidates.push({ alt, follow: rests.some((rest) => rest.length === 0) ? true : { rests, after: [] } });
      });
      if (candidates.length > 0) table[type.tokenTypeIdx!] = candidates;
      if (candidates.length === 1 && candidates[0].follow === true) only[type.tokenTypeIdx!] = candidates[0].alt;
    }
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
}
