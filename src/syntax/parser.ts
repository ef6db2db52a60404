/**
 * The grammar of `.secpol` as one Chevrotain parser that builds the AST as it parses (embedded
 * actions), built once and reused for every input (`parser.input = tokens`). Error recovery is on,
 * so a broken file still yields the statements that parsed.
 *
 * Each rule returns its AST (or, for the list rules, its items), `undefined` when a part of it is
 * missing (a token that recovery invented, a part that failed): the statement holding it is then
 * dropped, its error being reported already. A rule that recovery re-synchronised (it stopped at an
 * error and skipped to a token that may follow it) returns `null`: lists leave it out, and an
 * optional part counts as absent.
 */
import {
  EmbeddedActionsParser,
  EOF,
  NoViableAltException,
  type ILookaheadStrategy,
  type IOrAlt,
  type IParserErrorMessageProvider,
  type IToken,
  type LookaheadSequence,
  type Rule,
  type TokenType,
} from "chevrotain";
import type { Diagnostic, Position, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { syntax as m } from "../diagnostics/messages/syntax.js";
import type * as ast from "./ast.js";
import * as t from "./tokens.js";
import { errorMessages } from "./parse-errors.js";
import { computeLookaheadTable, IndexedLookahead, type LookaheadTable } from "./lookahead.js";
import { grammarSnapshot, lookaheadTable } from "./lookahead-table.js";
import { restoreGrammar, snapshotGrammar, type GrammarSnapshot } from "./grammar-snapshot.js";

const { Kw } = t;

/** The tokens of a statement end: a line break, `;`, the `}` of its block, or the end of the file. */
const isStatementEnd = (token: IToken) =>
  token.tokenType === t.Newline ||
  token.tokenType === t.Semicolon ||
  token.tokenType === t.RBrace ||
  token.tokenType === EOF;

/**
 * Scans to the end of the statement that starts at `la(1)` (`la(i)` is the i-th token ahead, EOF
 * past the end): does it contain `->` or `-/->`? Then it is a network rule.
 */
export function isNetworkRule(la: (i: number) => IToken): boolean {
  let depth = 0;
  for (let i = 1; ; i++) {
    const token = la(i);
    if (token.tokenType === t.LParen) depth++;
    else if (token.tokenType === t.RParen) depth--;
    else if (depth <= 0 && (token.tokenType === t.Arrow || token.tokenType === t.NotArrow)) return true;
    else if (depth <= 0 && isStatementEnd(token)) return false;
    if (token.tokenType === EOF) return false;
  }
}

/** A place in the grammar, as Chevrotain's recovery describes it. */
interface GrammarPath {
  ruleStack: string[];
  occurrenceStack: number[];
  lastTok: TokenType;
  lastTokOccurrence: number;
}

const targetKeywords: ReadonlySet<TokenType> = new Set([Kw.in, Kw.for]);
const addressTokens: ReadonlySet<TokenType> = new Set([t.Cidr, t.Address]);
const clauseKeywords: ReadonlySet<TokenType> = new Set([
  Kw.port,
  Kw.service,
  Kw.serviceAccount,
  Kw.containers,
  Kw.initContainers,
  Kw.kind,
]);
const keyFollowers: ReadonlySet<TokenType> = new Set([t.Equals, t.DoubleEquals, t.NotEquals, t.Slash]);

/**
 * Whether a workload's selector can start at the next token (`type(k)`: the type of the token k
 * after it). Not at a clause keyword, which would start a clause (`workload w port http 8080` has
 * no selector), unless the keyword is a label key: followed by an operator, by the `/` of a
 * prefixed key, or by `in (` or `notin (` (`workload web service=web`).
 */
export function startsWorkloadSelector(type: (ahead: number) => TokenType | undefined): boolean {
  if (!clauseKeywords.has(type(0)!)) return true;
  const after = type(1)!;
  return keyFollowers.has(after) || ((after === Kw.in || after === Kw.notin) && type(2) === t.LParen);
}

/** What a rule returns: its value, `undefined` when a part is missing, `null` when recovery re-synchronised it. */
type Part<T> = T | undefined | null;

/** A token that recovery invented is no token: `undefined`. */
const real = (token: IToken): IToken | undefined => (token.isInsertedInRecovery ? undefined : token);

/** The real ones of `tokens`. */
const reals = (...tokens: (IToken | undefined)[]): IToken[] =>
  tokens.filter((x): x is IToken => x !== undefined && !x.isInsertedInRecovery);

/**
 * The values of a list rule's items: those that recovery re-synchronised are left out; one with a
 * missing part makes the list (and its statement) incomplete. `parts` itself when all are values.
 */
function items<T>(parts: Part<T>[]): T[] | undefined {
  let resynchronised = false;
  for (const part of parts) {
    if (part === undefined) return undefined;
    if (part === null) resynchronised = true;
  }
  return resynchronised ? parts.filter((part): part is T => part !== null) : (parts as T[]);
}

/**
 * The one empty list of the trees' lists that are mostly empty (a workload's containers, init
 * containers and services, a rule's extra port lists): frozen, so that nothing adds to it (a
 * workload's clauses get lists of their own). Thousands of empty arrays per tree otherwise, each
 * kept until the program is checked.
 */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/** A string token's text: its escapes replaced, an unknown one (an error, reported by `tokenize`) kept as written. */
export function unquote(image: string): string {
  const body = image.endsWith('"') && image.length >= 2 ? image.slice(1, -1) : image.slice(1);
  return body.replace(/\\(.)/g, (escape, c: string) => t.STRING_ESCAPES.get(c) ?? escape);
}

const NO_POSITION: Position = { line: 1, column: 1, offset: 0 };

/** What an empty statement (a line break, a `;`) is. */
const NO_STATEMENT = Symbol("no statement");

/** The positions made last for two tokens. */
class Recent {
  token?: IToken;
  position!: Position;
  private token2?: IToken;
  private position2!: Position;

  of(token: IToken): Position | undefined {
    return token === this.token ? this.position : token === this.token2 ? this.position2 : undefined;
  }

  add(token: IToken, position: Position): Position {
    this.token2 = this.token;
    this.position2 = this.position;
    this.token = token;
    return (this.position = position);
  }
}

/**
 * The spans of one input. They share their objects where they can (nothing changes a span): a word
 * and the reference or port made of it alone have one span, and the last two positions made at
 * tokens' starts, and the last two at their ends, are reused (a rule's span is made after the words
 * in it, or before: either way a position is made once). The AST is the compiler's largest
 * structure, and spans are most of it. With `lazy` (one-shot runs), a span is a `LazySpan` of two
 * offsets and no position is made here. Made for each input: what it remembers is as young as the
 * tokens and positions it holds, so that keeping them costs the collector less than in the parser,
 * which lives as long as the process.
 */
class Spans {
  private readonly path: string;
  private readonly starts = new Recent();
  private readonly ends = new Recent();
  private spanFirst?: IToken;
  private spanLast?: IToken;
  private lastSpan!: Span;

  /** `lazy`: spans of `LazySpan`, which make no position until read (one-shot runs). */
  constructor(
    private readonly positions: t.Positions,
    private readonly lazy: boolean,
  ) {
    this.path = positions.path;
  }

  /** The position where `token` starts. */
  start(token: IToken): Position {
    return this.starts.of(token) ?? this.starts.add(token, this.positions.at(token.startOffset));
  }

  /** The position just after `token`. */
  end(token: IToken): Position {
    const known = this.ends.of(token);
    if (known) return known;
    const length = token.image.length;
    // a token lies on one line: after the token whose start was just found, no line is looked up
    const start = token === this.starts.token && length > 0 ? this.starts.position : undefined;
    return this.ends.add(
      token,
      start
        ? { line: start.line, column: start.column + length, offset: start.offset + length }
        : this.positions.after(t.endOffset(token)),
    );
  }

  /** The span from `start` (a position made before) to the end of `last`. */
  spanTo(start: Position, last: IToken): Span {
    return this.lazy
      ? new t.LazyRange(this.positions, start.offset, t.endOffset(last))
      : { file: this.path, start, end: this.end(last) };
  }

  /**
   * The word `text` at `token`: with `lazy`, a `LazyWord`, its own span (and the span of a node
   * made of `token` alone, as a word's span is otherwise).
   */
  word(text: string, token: IToken): ast.Word {
    if (!this.lazy) return { text, span: this.span(token, token) };
    // (a string's text is not its token's: its word keeps where it ends)
    const word =
      token.tokenType === t.StringToken
        ? new t.LazyQuotedWord(text, this.positions, token.startOffset, t.endOffset(token))
        : new t.LazyWord(text, this.positions, token.startOffset);
    this.spanFirst = token;
    this.spanLast = token;
    this.lastSpan = word;
    return word;
  }

  /**
   * The qualified name `namespace/name` read from `first` to `last` (the tokens of its two words,
   * made just before): with `lazy`, a `LazyQualifiedName`, its own span (and the span of a node
   * made of those tokens alone, as a word's is).
   */
  qualified(namespace: ast.Word, name: ast.Word, first: IToken, last: IToken): ast.QualifiedName {
    if (!this.lazy) return { kind: "QualifiedName", namespace, name, span: this.span(first, last) };
    const qualified = new t.LazyQualifiedName(namespace as t.LazyWord, name as t.LazyWord);
    this.spanFirst = first;
    this.spanLast = last;
    this.lastSpan = qualified;
    return qualified;
  }

  /** The span from the start of `first` to the end of `last`. */
  span(first: IToken, last: IToken): Span {
    if (first !== this.spanFirst || last !== this.spanLast) {
      this.spanFirst = first;
      this.spanLast = last;
      this.lastSpan = this.lazy
        ? new t.LazyRange(this.positions, first.startOffset, t.endOffset(last))
        : { file: this.path, start: this.start(first), end: this.end(last) };
    }
    return this.lastSpan;
  }
}

/**
 * The items of the lists being read by `peerList`, `portList`, `selector` and `networkRule` (its
 * port lists), and the parts of the workload being read: an item holds no such list, and a workload
 * no other. Made for each input, as `Spans` is, and for the same reason.
 */
class Lists {
  peers: Part<ast.Peer>[] = [];
  ports: Part<ast.PortSpec>[] = [];
  requirements: Part<ast.Requirement>[] = [];
  portLists: Part<ast.PortSpec[]>[] = [];
  workloadPorts: Part<ast.PortDeclaration>[] = [];
  workloadServices: Part<ast.ServicePortDeclaration>[] = [];
  /** Each `serviceAccount`, `containers` and `kind` clause: its keyword and its names. */
  clauses: { keyword: TokenType; names: IToken[] }[] = [];
}

/** How `parse` builds a tree. */
export interface ParseOptions {
  /** The tree's spans are `LazySpan`s (one-shot runs). */
  lazySpans?: boolean;
  /**
   * One string per text: the texts of the tree's words, numbers and label keys are looked up here
   * and the one found is kept, so that a text written many times (`http`, `app.kubernetes.io/name`,
   * a workload's name in every rule naming it) is one string in the trees of every file parsed with
   * the same table, not one per place (less to copy while the trees survive the young generation's
   * collections, and equal keys found by identity in the checker's maps). For one-shot runs, whose
   * table goes with their trees.
   */
  texts?: Map<string, string>;
}

/** What `performSelfAnalysis` uses of Chevrotain's parser that its types do not declare. */
interface SelfAnalysis {
  definedRulesNames: string[];
  gastProductionsCache: Record<string, Rule>;
  resyncFollows: Record<string, TokenType[]>;
  recoveryEnabled: boolean;
  skipValidations: boolean;
  selfAnalysisDone: boolean;
  lookaheadStrategy: ILookaheadStrategy;
  preComputeLookaheadFunctions(rules: Rule[]): void;
}

/**
 * Chevrotain's `toFastProperties` (not exported): makes `object` the prototype of a new object,
 * which has V8 keep its properties in fast mode.
 */
function toFastProperties(object: object): void {
  function Fake(): void {}
  Fake.prototype = object;
  const fake = new (Fake as unknown as new () => { bar?: unknown })();
  const access = () => typeof fake.bar;
  access();
  access();
}

/** The parser's lookahead bound (LL(k)). */
export const MAX_LOOKAHEAD = 3;

export class SecpolParser extends EmbeddedActionsParser {
  /** The file of the input, for spans. */
  path = "";
  /** Positions in the input's text. */
  private positions!: t.Positions;
  /** The diagnostics of building the AST of the input (a repeated clause, a statement a profile cannot hold). */
  diagnostics: Diagnostic[] = [];
  /**
   * The diagnostics of each statement built (its own, and those of the statements in its block):
   * they count only if the statement is kept in the file's tree, which recovery may still undo.
   */
  private readonly pending = new Map<ast.Statement, Diagnostic[]>();
  /** The diagnostics of the statements of each list of statements, in order. */
  private readonly listDiagnostics = new Map<ast.Statement[], Diagnostic[]>();
  /** The diagnostics of the statement just dropped for a missing part (they count if its list is kept). */
  private dropped: Diagnostic[] | undefined;

  /**
   * `validate`: also check the grammar for ambiguities and other definition errors, which costs
   * more than building the parser does; test/syntax/parser.test.ts does, the instance below
   * does not (and it records its grammar). `table`: the lookahead paths to use when they are this
   * grammar's (by default the generated ones, `lookahead-table.ts`). `snapshot`: the recorded
   * grammar to restore when it is this grammar's (by default the generated one; `null`: record it).
   */
  constructor({
    validate = false,
    table,
    snapshot = grammarSnapshot,
  }: { validate?: boolean; table?: LookaheadTable; snapshot?: GrammarSnapshot | null } = {}) {
    const lookahead = new IndexedLookahead(t.allTokens, { maxLookahead: MAX_LOOKAHEAD, table });
    super(t.allTokens, {
      recoveryEnabled: true,
      maxLookahead: MAX_LOOKAHEAD,
      lookaheadStrategy: lookahead,
      errorMessageProvider: errorMessages,
      skipValidations: !validate,
    });
    this.lookaheadPaths = lookahead;
    this.snapshot = validate ? null : snapshot;
    this.performSelfAnalysis();
  }

  /** The recorded grammar `performSelfAnalysis` restores, if it is this grammar's. */
  private snapshot: GrammarSnapshot | null = null;

  /** Whether the grammar was restored from the snapshot (not recorded). */
  restored = false;

  /**
   * Chevrotain's analysis of the grammar, the grammar restored from the snapshot instead of
   * recorded when the snapshot is this grammar's (grammar-snapshot.ts): what Chevrotain's own does
   * when the parser skips validations and recovers (it marks the analysis done, makes the parser's
   * properties fast, keeps each rule's productions and the follows for recovery, and builds the
   * lookahead functions), less the recording, the resolution of the rules' references and the
   * computation of the follows, which the snapshot holds done.
   */
  override performSelfAnalysis(): void {
    const self = this as unknown as SelfAnalysis;
    const restored =
      this.snapshot && self.recoveryEnabled && self.skipValidations
        ? restoreGrammar(this.snapshot, self.definedRulesNames, t.allTokens)
        : undefined;
    if (!restored) {
      super.performSelfAnalysis();
      return;
    }
    self.selfAnalysisDone = true;
    toFastProperties(this);
    for (const rule of restored.rules) self.gastProductionsCache[rule.name] = rule;
    self.resyncFollows = restored.follows;
    // (the generated snapshot and lookahead table are one recording's: the table's grammar is these rules)
    if (this.snapshot !== grammarSnapshot || !this.lookaheadPaths.useGeneratedTable())
      self.lookaheadStrategy.initialize?.({ rules: restored.rules });
    self.preComputeLookaheadFunctions(restored.rules);
    this.restored = true;
  }

  /**
   * Parses `tokens` (of the file at `path`): the file's statements and span, or null when recovery
   * gave it up whole.
   */
  parse(
    tokens: IToken[],
    positions: t.Positions,
    { lazySpans = false, texts }: ParseOptions = {},
  ): Part<{ statements: ast.Statement[]; span: Span }> {
    this.path = positions.path;
    this.positions = positions;
    this.diagnostics = [];
    this.spans = new Spans(positions, lazySpans);
    this.texts = texts;
    this.lists = new Lists();
    this.input = tokens;
    const file = this.file();
    this.pending.clear();
    this.listDiagnostics.clear();
    this.texts = undefined;
    return file;
  }

  // -------------------------------------------------------------------------------------------
  // Spans

  /** The spans of the input (made anew for each input). */
  private spans!: Spans;

  /** The span from the start of `first` to the end of `last`. */
  private span(first: IToken, last: IToken = first): Span {
    return this.spans.span(first, last);
  }

  /** The span from `first` (the next token when the rule began) to the last token read. */
  private spanFrom(first: IToken): Span {
    return this.span(first, this.LA(0));
  }

  /** The table of texts of the input's parse (`ParseOptions.texts`), if any. */
  private texts: Map<string, string> | undefined;

  /** `text`, or the string of the same text the table holds. */
  private shared(text: string): string {
    const texts = this.texts;
    if (texts === undefined) return text;
    const known = texts.get(text);
    if (known !== undefined) return known;
    texts.set(text, text);
    return text;
  }

  private word(token: IToken): ast.Word {
    return this.spans.word(this.shared(token.tokenType === t.StringToken ? unquote(token.image) : token.image), token);
  }

  private number(token: IToken): ast.NumberLiteral {
    return { kind: "Number", text: this.shared(token.image), span: this.span(token) };
  }

  private range(from: IToken, to: IToken): ast.RangeLiteral {
    return { kind: "Range", from: this.number(from), to: this.number(to), span: this.span(from, to) };
  }

  /** The diagnostics of a list of `statements`, in order. */
  private diagnosticsOf(statements: Part<ast.Statement[]>): Diagnostic[] {
    return (statements && this.listDiagnostics.get(statements)) ?? [];
  }

  /** `statement`, whose `diagnostics` count if it is kept. */
  private withDiagnostics<T extends ast.Statement>(statement: T, diagnostics: Diagnostic[]): T {
    if (diagnostics.length > 0) this.pending.set(statement, diagnostics);
    return statement;
  }

  /**
   * The alternatives of the `OR` at `site`, made once: an `OR` is given the same array at every
   * call (Chevrotain's advice), so their alternatives read no variable of the rule's call. Written
   * `this.cached<T>(site) ?? this.cache(site, [...])`, which makes no closure once cached.
   */
  private cached<T>(site: number): IOrAlt<T>[] | undefined {
    return this.altCache[site] as IOrAlt<T>[] | undefined;
  }

  private cache<T>(site: number, alts: IOrAlt<T>[]): IOrAlt<T>[] {
    this.altCache[site] = alts as IOrAlt<unknown>[];
    return alts;
  }

  private readonly altCache: IOrAlt<unknown>[][] = [];

  /** The lists being read (made anew for each input). */
  private lists = new Lists();

  // The repetitions that read the rest of the lists of `peerList`, `portList`, `selector` and
  // `networkRule` (its port lists): made once, not a closure at every call.
  private readonly morePeers = () => {
    this.CONSUME(t.Comma);
    this.lists.peers.push(this.SUBRULE2(this.peer));
  };

  private readonly morePorts = () => {
    this.CONSUME(t.Comma);
    this.lists.ports.push(this.SUBRULE2(this.portItem));
  };

  private readonly moreRequirements = () => {
    this.CONSUME(t.Comma);
    this.lists.requirements.push(this.SUBRULE2(this.requirement));
  };

  private readonly morePortLists = () => {
    this.CONSUME(t.Colon);
    this.lists.portLists.push(this.SUBRULE(this.portList));
  };

  // Parts of rules that read no variable of the rule's call, made once
  private readonly slashName = () => {
    this.CONSUME(t.Slash);
    return this.CONSUME2(t.Name);
  };

  private readonly rangeEnd = () => {
    this.CONSUME(t.DotDot);
    return this.CONSUME2(t.NumberToken);
  };

  /** A peer's `/NAME` or `/*`. */
  private readonly slashNameOrStar = () => {
    const slash = this.CONSUME(t.Slash);
    const after = this.OR5(
      this.cached<IToken>(14) ??
        this.cache<IToken>(14, [{ ALT: () => this.CONSUME(t.Star) }, { ALT: () => this.CONSUME2(t.Name) }]),
    );
    return [slash, after] as const;
  };

  /** The type of the k-th token after the next one (0: the next one). */
  private readonly typeAhead = (k: number): TokenType => this.LA(k + 1).tokenType;

  /** The i-th token ahead (1: the next one). */
  private readonly lookahead = (i: number): IToken => this.LA(i);

  /** Defines a rule whose value, after recovery re-synchronised it, is `null`. */
  private rule<T>(name: string, impl: () => Part<T>): () => Part<T> {
    return this.RULE(name, impl, { recoveryValueFunc: () => null });
  }

  // -------------------------------------------------------------------------------------------
  // Chevrotain's recovery, made cheaper

  /** What the two overrides below use of Chevrotain's parser that its types do not declare. */
  private get internals(): {
    getCurrRuleFullName(): string;
    maxLookahead: number;
    errorMessageProvider: IParserErrorMessageProvider;
    SAVE_ERROR(e: Error): Error;
    getCurrentGrammarPath(tokType: TokenType, tokIdxInRule: number): GrammarPath;
    getNextPossibleTokenTypes(path: GrammarPath): TokenType[];
  } {
    return this as never;
  }

  /** The tokens that may follow each place in the grammar, for in-rule recovery. */
  private readonly follows = new Map<string, TokenType[]>();

  /**
   * Chevrotain's own `getFollowsForInRuleRecovery` (which tokens may follow where a token is
   * missing or extra), kept per place in the grammar: Chevrotain walks the grammar again at every
   * recovery, about a millisecond each. The place (the rule stack with each rule's occurrence, and
   * the token expected there) decides the answer.
   */
  getFollowsForInRuleRecovery(tokType: TokenType, tokIdxInRule: number): TokenType[] {
    const path = this.internals.getCurrentGrammarPath(tokType, tokIdxInRule);
    const key = `${path.ruleStack.join(",")}|${path.occurrenceStack.join(",")}|${tokType.name}|${tokIdxInRule}`;
    let follows = this.follows.get(key);
    if (!follows) this.follows.set(key, (follows = this.internals.getNextPossibleTokenTypes(path)));
    return follows;
  }

  /** The lookahead paths of each alternation (rule and occurrence), for messages. */
  private readonly expectedPaths = new Map<string, LookaheadSequence[]>();

  /** Where the grammar's lookahead paths are found (the lookahead strategy). */
  private readonly lookaheadPaths: IndexedLookahead;

  /**
   * Chevrotain's own `raiseNoAltException` (the error when no alternative of an `OR` matches), with
   * the expected paths looked up once per alternation (in the lookahead table): Chevrotain works
   * them out at every such error (its source notes the cost), which made a file with a few hundred
   * bad lines take seconds. The message and the exception are the same.
   */
  raiseNoAltException(occurrence: number, errMsgTypes: string | undefined): never {
    const internals = this.internals;
    const ruleName = internals.getCurrRuleFullName();
    const key = `${ruleName}#${occurrence}`;
    let paths = this.expectedPaths.get(key);
    if (!paths) {
      // (from the generated table: Chevrotain's getLookaheadPaths takes 20-30 ms for `statement`'s)
      const rule = this.getGAstProductions()[ruleName]!;
      paths = this.lookaheadPaths.paths(rule, "Alternation", occurrence, internals.maxLookahead);
      this.expectedPaths.set(key, paths);
    }
    const actual: IToken[] = [];
    for (let i = 1; i <= internals.maxLookahead; i++) actual.push(this.LA(i));
    const previous = this.LA(0);
    const message = internals.errorMessageProvider.buildNoViableAltMessage({
      expectedPathsPerAlt: paths,
      actual,
      previous,
      customUserDescription: errMsgTypes as string,
      ruleName,
    });
    throw internals.SAVE_ERROR(new NoViableAltException(message, this.LA(1), previous));
  }

  /**
   * Recovery never invents a `{`: after `namespace a` (or `profile p`) without one, an inserted `{`
   * opened a block that the next such line nested into, so a long enough file of them overflowed
   * the stack. The statement is reported and dropped instead.
   */
  override canTokenTypeBeInsertedInRecovery(tokenType: TokenType): boolean {
    return tokenType !== t.LBrace && super.canTokenTypeBeInsertedInRecovery(tokenType);
  }

  // -------------------------------------------------------------------------------------------
  // The grammar

  file = this.rule("file", () => {
    const first = this.LA(1);
    const statements = this.SUBRULE(this.statements);
    if (this.RECORDING_PHASE) return undefined;
    // a file without tokens, or whose statements recovery gave up: no span of its own
    const last = this.LA(0);
    const empty = first.tokenType === EOF || statements === null || !(last.startOffset >= first.startOffset);
    const span = empty ? { file: this.path, start: NO_POSITION, end: NO_POSITION } : this.span(first, last);
    this.diagnostics = this.diagnosticsOf(statements);
    return { statements: statements ?? [], span };
  });

  statements = this.rule("statements", () => {
    const list: ast.Statement[] = [];
    const diagnostics: Diagnostic[] = [];
    this.MANY(() => {
      const statement = this.OR(
        this.cached<Part<ast.Statement> | typeof NO_STATEMENT>(0) ??
          this.cache<Part<ast.Statement> | typeof NO_STATEMENT>(0, [
            { ALT: () => (this.CONSUME(t.Newline), NO_STATEMENT) },
            { ALT: () => (this.CONSUME(t.Semicolon), NO_STATEMENT) },
            {
              ALT: () => {
                if (!this.RECORDING_PHASE) this.dropped = undefined;
                const statement = this.SUBRULE(this.statement);
                this.SUBRULE(this.statementEnd);
                return statement;
              },
            },
          ]),
      );
      if (this.RECORDING_PHASE || statement === NO_STATEMENT) return;
      // a statement with a missing part is dropped on its own
      const found = statement ? this.pending.size > 0 && this.pending.get(statement) : this.dropped;
      if (found) diagnostics.push(...found);
      if (statement) list.push(statement);
    });
    if (this.RECORDING_PHASE) return undefined;
    if (diagnostics.length > 0) this.listDiagnostics.set(list, diagnostics);
    return list;
  });

  statementEnd = this.rule("statementEnd", () => {
    this.OR(
      this.cached<unknown>(1) ??
        this.cache<unknown>(1, [
          { ALT: () => this.CONSUME(t.Newline) },
          { ALT: () => this.CONSUME(t.Semicolon) },
          { GATE: () => this.LA(1).tokenType === t.RBrace || this.LA(1).tokenType === EOF, ALT: () => {} },
        ]),
    );
    return true;
  });

  statement = this.rule<ast.Statement>("statement", () =>
    this.OR(
      this.cached<Part<ast.Statement>>(2) ??
        this.cache<Part<ast.Statement>>(2, [
          { ALT: () => this.SUBRULE(this.importStatement) },
          { ALT: () => this.SUBRULE(this.clusterBlock) },
          { ALT: () => this.SUBRULE(this.namespaceBlock) },
          { ALT: () => this.SUBRULE(this.workload) },
          { ALT: () => this.SUBRULE(this.group) },
          { ALT: () => this.SUBRULE(this.profile) },
          { ALT: () => this.SUBRULE(this.psp) },
          { ALT: () => this.SUBRULE(this.grant) },
          { GATE: () => isNetworkRule(this.lookahead), ALT: () => this.SUBRULE(this.networkRule) },
          { ALT: () => this.SUBRULE(this.securityRule) },
          { ALT: () => this.SUBRULE(this.assertStatement) },
          { ALT: () => this.SUBRULE(this.defaultStatement) },
          { ALT: () => this.SUBRULE(this.pss) },
          { ALT: () => this.SUBRULE(this.labels) },
          { ALT: () => this.SUBRULE(this.apply) },
        ]),
    ),
  );

  importStatement = this.rule<ast.ImportStatement>("importStatement", () => {
    const first = this.CONSUME(Kw.import);
    const path = real(this.CONSUME(t.StringToken));
    if (this.RECORDING_PHASE) return undefined;
    return path ? { kind: "Import", path: this.word(path), span: this.spanFrom(first) } : undefined;
  });

  clusterBlock = this.rule<ast.ClusterBlock>("clusterBlock", () => {
    const first = this.CONSUME(Kw.cluster);
    const settings = this.SUBRULE(this.settingsBlock);
    if (this.RECORDING_PHASE) return undefined;
    return settings ? { kind: "Cluster", settings, span: this.spanFrom(first) } : undefined;
  });

  settingsBlock = this.rule<ast.Setting[]>("settingsBlock", () => {
    const settings: ast.Setting[] = [];
    this.CONSUME(t.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Newline) },
        { ALT: () => this.CONSUME(t.Semicolon) },
        {
          ALT: () => {
            // a setting without its name is left out
            const setting = this.SUBRULE(this.setting);
            this.ACTION(() => setting && settings.push(setting));
          },
        },
      ]);
    });
    this.CONSUME(t.RBrace);
    return settings;
  });

  setting = this.rule<ast.Setting>("setting", () => {
    const name = real(this.CONSUME(t.Name));
    const values = [this.SUBRULE(this.value)];
    this.MANY(() => {
      this.OPTION(() => this.CONSUME(t.Comma));
      values.push(this.SUBRULE2(this.value));
    });
    if (this.RECORDING_PHASE) return undefined;
    return name
      ? { kind: "Setting", name: this.word(name), values: values.filter((v) => v != null), span: this.spanFrom(name) }
      : undefined;
  });

  /** A setting's or security item's value; `undefined` (left out) when recovery invented all its tokens. */
  value = this.rule<ast.Value>("value", () =>
    this.OR(
      this.cached<Part<ast.Value>>(3) ??
        this.cache<Part<ast.Value>>(3, [
          {
            ALT: () => {
              const from = this.CONSUME(t.NumberToken);
              const rest = this.OPTION(() => [this.CONSUME(t.DotDot), this.CONSUME2(t.NumberToken)] as const);
              if (this.RECORDING_PHASE) return undefined;
              const numbers = reals(from, rest?.[1]);
              if (numbers.length === 2) return this.range(numbers[0], numbers[1]);
              if (numbers.length === 1) return this.number(numbers[0]);
              return this.wordValue(reals(rest?.[0]));
            },
          },
          { ALT: () => this.wordValue(reals(this.CONSUME(t.Cidr))) },
          { ALT: () => this.wordValue(reals(this.CONSUME(t.Address))) },
          { ALT: () => this.wordValue(reals(this.CONSUME(t.StringToken))) },
          { ALT: () => this.wordValue(reals(this.CONSUME(t.Star))) }, // `volumes *`, `allowedCapabilities *` in psp blocks
          {
            GATE: () => !targetKeywords.has(this.LA(1).tokenType),
            ALT: () => {
              const tokens = [this.CONSUME(t.Name)];
              this.MANY(() => {
                tokens.push(this.CONSUME(t.Slash), this.CONSUME2(t.Name));
              });
              if (this.RECORDING_PHASE) return undefined;
              return this.wordValue(reals(...tokens));
            },
          },
        ]),
    ),
  );

  /** A value written as `tokens`, one string or words joined as written (`runtime/default`). */
  private wordValue(tokens: IToken[]): ast.Value | undefined {
    if (this.RECORDING_PHASE || tokens.length === 0) return undefined;
    const quoted = tokens[0].tokenType === t.StringToken;
    const text = quoted ? unquote(tokens[0].image) : tokens.map((x) => x.image).join("");
    return { kind: "Word", text, quoted, span: this.span(tokens[0], tokens[tokens.length - 1]) };
  }

  namespaceBlock = this.rule<ast.NamespaceBlock>("namespaceBlock", () => {
    const first = this.CONSUME(Kw.namespace);
    const name = real(this.CONSUME(t.Name));
    this.CONSUME(t.LBrace);
    const statements = this.SUBRULE(this.statements);
    const close = real(this.CONSUME(t.RBrace));
    if (this.RECORDING_PHASE) return undefined;
    if (!name || !close) return undefined;
    const block: ast.NamespaceBlock = {
      kind: "Namespace",
      name: this.word(name),
      statements: statements ?? [],
      span: this.spanFrom(first),
    };
    return this.withDiagnostics(block, this.diagnosticsOf(statements));
  });

  workload = this.rule<ast.WorkloadDeclaration>("workload", () => {
    const first = this.CONSUME(Kw.workload);
    const name = this.SUBRULE(this.qualifiedName);
    const selector = this.SUBRULE(this.workloadSelector);
    const ports: Part<ast.PortDeclaration>[] = (this.lists.workloadPorts = []);
    const services: Part<ast.ServicePortDeclaration>[] = (this.lists.workloadServices = []);
    const clauses: { keyword: TokenType; names: IToken[] }[] = (this.lists.clauses = []);
    this.MANY(this.workloadClause);
    if (this.RECORDING_PHASE) return undefined;
    const portList = items(ports);
    const serviceList = items(services);
    if (!selector || !name || !portList || !serviceList) return undefined;
    const result: ast.WorkloadDeclaration = {
      kind: "Workload",
      name,
      selector,
      // (its exact size: a list built by `push` keeps 16 spare slots)
      ports: portList.length === 0 ? NONE : portList.slice(),
      services: serviceList.length === 0 ? NONE : serviceList,
      containers: clauses.length === 0 ? NONE : [],
      initContainers: clauses.length === 0 ? NONE : [],
      span: this.spanFrom(first),
    };
    if (clauses.length === 0) return result;
    const diagnostics: Diagnostic[] = [];
    addClauseNames(result, clauses, (token) => this.word(token), diagnostics);
    return this.withDiagnostics(result, diagnostics);
  });

  // The alternatives of a workload's clauses: made once

  private clause(keyword: IToken, name: IToken): IToken[] {
    const names = [name];
    this.lists.clauses.push({ keyword: keyword.tokenType, names });
    return names;
  }

  private readonly workloadClause = () => {
    this.OR(
      this.cached<void>(24) ??
        this.cache<void>(24, [
          { ALT: () => void this.lists.workloadPorts.push(this.SUBRULE(this.portDeclaration)) },
          { ALT: () => void this.lists.workloadServices.push(this.SUBRULE(this.serviceDeclaration)) },
          { ALT: () => void this.clause(this.CONSUME(Kw.serviceAccount), this.CONSUME(t.Name)) },
          {
            ALT: () => {
              const names = this.clause(this.CONSUME(Kw.containers), this.CONSUME2(t.Name));
              this.MANY2(() => {
                this.CONSUME(t.Comma);
                names.push(this.CONSUME3(t.Name));
              });
            },
          },
          {
            ALT: () => {
              const names = this.clause(this.CONSUME(Kw.initContainers), this.CONSUME5(t.Name));
              this.MANY3(() => {
                this.CONSUME2(t.Comma);
                names.push(this.CONSUME6(t.Name));
              });
            },
          },
          { ALT: () => void this.clause(this.CONSUME(Kw.kind), this.CONSUME4(t.Name)) },
        ]),
    );
  };

  /** A workload's selector: required; it starts with a clause keyword only where that is a label key. */
  workloadSelector = this.rule<ast.Selector>("workloadSelector", () =>
    this.OR(
      this.cached<Part<ast.Selector>>(4) ??
        this.cache<Part<ast.Selector>>(4, [
          {
            GATE: () => startsWorkloadSelector(this.typeAhead),
            ALT: () => this.SUBRULE(this.selector),
          },
        ]),
    ),
  );

  portDeclaration = this.rule<ast.PortDeclaration>("portDeclaration", () => {
    const first = this.CONSUME(Kw.port);
    const name = this.CONSUME(t.Name);
    const port = real(this.CONSUME(t.NumberToken));
    const protocol = this.OPTION(this.slashName);
    if (this.RECORDING_PHASE) return undefined;
    // a name that recovery invented leaves its place to the protocol's
    const [portName, protocolName] = reals(name, protocol);
    if (!portName || !port) return undefined;
    return {
      kind: "PortDeclaration",
      name: this.word(portName),
      port: this.number(port),
      ...(protocolName ? { protocol: this.word(protocolName) } : {}),
      span: this.spanFrom(first),
    };
  });

  serviceDeclaration = this.rule<ast.ServicePortDeclaration>("serviceDeclaration", () => {
    const first = this.CONSUME(Kw.service);
    const port = this.CONSUME(t.NumberToken);
    this.CONSUME(t.Arrow);
    const target = this.OR(
      this.cached<IToken>(5) ??
        this.cache<IToken>(5, [{ ALT: () => this.CONSUME2(t.NumberToken) }, { ALT: () => this.CONSUME(t.Name) }]),
    );
    if (this.RECORDING_PHASE) return undefined;
    if (!real(port)) return undefined;
    const to = target.tokenType === t.NumberToken ? this.number(target) : this.word(target);
    return { kind: "ServicePort", port: this.number(port), target: to, span: this.spanFrom(first) };
  });

  group = this.rule<ast.GroupDeclaration>("group", () => {
    const first = this.CONSUME(Kw.group);
    const name = real(this.CONSUME(t.Name));
    this.CONSUME(t.Equals);
    const peers = this.SUBRULE(this.peerList);
    const ports = this.OPTION(() => {
      this.CONSUME(t.Colon);
      return { list: this.SUBRULE(this.portList) };
    });
    if (this.RECORDING_PHASE) return undefined;
    // a port list that recovery re-synchronised counts as none
    if (!peers || !name || (ports && ports.list === undefined)) return undefined;
    return { kind: "Group", name: this.word(name), peers, ports: ports?.list ?? [], span: this.spanFrom(first) };
  });

  profile = this.rule<ast.ProfileDeclaration>("profile", () => {
    const first = this.CONSUME(Kw.profile);
    const name = real(this.CONSUME(t.Name));
    this.CONSUME(t.LBrace);
    const statements = this.SUBRULE(this.statements);
    this.CONSUME(t.RBrace);
    if (this.RECORDING_PHASE) return undefined;
    const own: Diagnostic[] = [];
    const rules = profileRules(statements ?? [], own);
    const diagnostics = [...this.diagnosticsOf(statements), ...own];
    if (name)
      return this.withDiagnostics<ast.ProfileDeclaration>(
        { kind: "Profile", name: this.word(name), rules, span: this.spanFrom(first) },
        diagnostics,
      );
    this.dropped = diagnostics;
    return undefined;
  });

  psp = this.rule<ast.PspDeclaration>("psp", () => {
    const first = this.CONSUME(Kw.psp);
    const name = real(this.CONSUME(t.Name));
    const fields = this.SUBRULE(this.settingsBlock);
    if (this.RECORDING_PHASE) return undefined;
    return name && fields ? { kind: "Psp", name: this.word(name), fields, span: this.spanFrom(first) } : undefined;
  });

  grant = this.rule<ast.GrantStatement>("grant", () => {
    const first = this.CONSUME(Kw.grant);
    this.CONSUME(Kw.psp);
    // the psp's name, then the subject's namespace and name
    const names = [this.CONSUME(t.Name)];
    this.CONSUME(Kw.to);
    const subject = this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.user);
          return { kind: "User" as const, name: this.SUBRULE(this.subjectName) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.group);
          return { kind: "Group" as const, name: this.SUBRULE2(this.subjectName) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.serviceaccount);
          names.push(this.CONSUME2(t.Name));
          this.CONSUME(t.Slash);
          names.push(this.CONSUME3(t.Name));
          return { kind: "ServiceAccount" as const };
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.serviceaccounts);
          this.CONSUME(Kw.in);
          this.CONSUME(Kw.ns);
          names.push(this.CONSUME4(t.Name));
          return { kind: "ServiceAccounts" as const };
        },
      },
    ]);
    if (this.RECORDING_PHASE) return undefined;
    const [psp, namespace, name] = reals(...names);
    if (!psp) return undefined;
    const span = this.spanFrom(first);
    if (subject.kind === "User" || subject.kind === "Group") {
      return subject.name
        ? {
            kind: "Grant",
            psp: this.word(psp),
            subject: { kind: subject.kind, name: subject.name, span: subject.name.span },
            span,
          }
        : undefined;
    }
    if (!namespace) return undefined;
    if (subject.kind === "ServiceAccounts")
      return {
        kind: "Grant",
        psp: this.word(psp),
        subject: { kind: "ServiceAccounts", namespace: this.word(namespace), span },
        span,
      };
    return name
      ? {
          kind: "Grant",
          psp: this.word(psp),
          subject: { kind: "ServiceAccount", namespace: this.word(namespace), name: this.word(name), span },
          span,
        }
      : undefined;
  });

  /**
   * `system:authenticated`, `b`, or `"jane@example.com"`. Where names and colons lex as an IPv6
   * address (`:abc:def` of `system:serviceaccount:abc:def`, or `dead:beef:cafe` whole), the address
   * is taken when it is names joined by `:` (`isSubjectName`).
   */
  subjectName = this.rule<ast.Word>("subjectName", () =>
    this.OR([
      { ALT: () => this.subject(reals(this.CONSUME(t.StringToken))) },
      {
        ALT: () => {
          const tokens = [
            this.OR2([
              { ALT: () => this.CONSUME(t.Name) },
              { GATE: () => t.isSubjectName(this.LA(1).image), ALT: () => this.CONSUME(t.Address) },
            ]),
          ];
          this.MANY({
            GATE: () =>
              this.LA(1).tokenType === t.Colon ||
              (this.LA(1).tokenType === t.Address &&
                this.LA(1).image.startsWith(":") &&
                t.isSubjectName(this.LA(1).image.slice(1))),
            DEF: () => {
              this.OR3([
                { ALT: () => tokens.push(this.CONSUME(t.Colon), this.CONSUME2(t.Name)) },
                { ALT: () => tokens.push(this.CONSUME2(t.Address)) },
              ]);
            },
          });
          return this.subject(reals(...tokens));
        },
      },
    ]),
  );

  private subject(tokens: IToken[]): ast.Word | undefined {
    if (this.RECORDING_PHASE || tokens.length === 0) return undefined;
    if (tokens[0].tokenType === t.StringToken) return this.word(tokens[0]);
    return { text: tokens.map((x) => x.image).join(""), span: this.span(tokens[0], tokens[tokens.length - 1]) };
  }

  networkRule = this.rule<ast.NetworkRule>("networkRule", () => {
    const first = this.LA(1);
    const action = this.OR(
      this.cached<ast.NetworkRule["action"]>(6) ??
        this.cache<ast.NetworkRule["action"]>(6, [
          { ALT: () => (this.CONSUME(Kw.allow), "allow" as const) },
          { ALT: () => (this.CONSUME(Kw.deny), "deny" as const) },
        ]),
    );
    const sources = this.SUBRULE(this.peerList);
    const arrow = real(this.CONSUME(t.Arrow));
    const destinations = this.SUBRULE2(this.peerList);
    const lists = (this.lists.portLists = []);
    this.MANY(this.morePortLists);
    if (this.RECORDING_PHASE) return undefined;
    const portLists = items(lists);
    if (!sources || !destinations || !portLists || !arrow) return undefined;
    return {
      kind: "NetworkRule",
      action,
      sources,
      destinations,
      ports: portLists[0] ?? NONE,
      extraPortLists: portLists.length > 1 ? portLists.slice(1) : NONE,
      span: this.spanFrom(first),
    };
  });

  assertStatement = this.rule<ast.AssertStatement>("assertStatement", () => {
    const first = this.CONSUME(Kw.assert);
    const sources = this.SUBRULE(this.peerList);
    const negated = this.OR(
      this.cached<boolean>(7) ??
        this.cache<boolean>(7, [
          { ALT: () => (this.CONSUME(t.Arrow), false) },
          { ALT: () => (this.CONSUME(t.NotArrow), true) },
        ]),
    );
    const destinations = this.SUBRULE2(this.peerList);
    const ports = this.OPTION(() => {
      this.CONSUME(t.Colon);
      return { list: this.SUBRULE(this.portList) };
    });
    if (this.RECORDING_PHASE) return undefined;
    // a port list that recovery re-synchronised counts as none
    if (!sources || !destinations || (ports && ports.list === undefined)) return undefined;
    return { kind: "Assert", negated, sources, destinations, ports: ports?.list ?? [], span: this.spanFrom(first) };
  });

  defaultStatement = this.rule<ast.DefaultStatement>("defaultStatement", () => {
    const first = this.CONSUME(Kw.default);
    const posture = this.OR(
      this.cached<ast.DefaultStatement["posture"]>(8) ??
        this.cache<ast.DefaultStatement["posture"]>(8, [
          { ALT: () => (this.CONSUME(Kw.deny), "deny" as const) },
          { ALT: () => (this.CONSUME(Kw.allow), "allow" as const) },
        ]),
    );
    const direction = this.OPTION(() =>
      this.OR2(
        this.cached<NonNullable<ast.DefaultStatement["direction"]>>(9) ??
          this.cache<NonNullable<ast.DefaultStatement["direction"]>>(9, [
            { ALT: () => (this.CONSUME(Kw.ingress), "ingress" as const) },
            { ALT: () => (this.CONSUME(Kw.egress), "egress" as const) },
          ]),
      ),
    );
    const workload = this.OPTION2(() => {
      this.CONSUME(Kw.for);
      return { name: this.SUBRULE(this.qualifiedName) };
    });
    if (this.RECORDING_PHASE) return undefined;
    if (workload && !workload.name) return undefined;
    const result: ast.DefaultStatement = { kind: "Default", posture, span: this.spanFrom(first) };
    if (direction) result.direction = direction;
    if (workload?.name) result.workload = workload.name;
    return result;
  });

  /** Peers: those recovery re-synchronised are left out, and at least one must be left. */
  peerList = this.rule<ast.Peer[]>("peerList", () => {
    const peers = (this.lists.peers = [this.SUBRULE(this.peer)]);
    this.MANY(this.morePeers);
    if (this.RECORDING_PHASE) return undefined;
    return nonEmpty(items(peers));
  });

  peer = this.rule<ast.Peer>("peer", () => {
    const notQualified = this.notQualified;
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF:
        this.cached<Part<ast.Peer>>(13) ??
        this.cache<Part<ast.Peer>>(13, [
          {
            GATE: notQualified,
            ALT: () => {
              const first = this.CONSUME(Kw.pods);
              this.CONSUME(t.LParen);
              const selector = this.SUBRULE(this.selector);
              this.CONSUME(t.RParen);
              const within = this.OPTION(() => {
                this.CONSUME(Kw.in);
                return { ref: this.SUBRULE(this.namespaceRef) };
              });
              if (this.RECORDING_PHASE) return undefined;
              if (!selector || (within && !within.ref)) return undefined;
              const result: ast.PodsPeer = { kind: "PodsPeer", selector, span: this.spanFrom(first) };
              if (within?.ref) result.within = within.ref;
              return result;
            },
          },
          { GATE: notQualified, ALT: () => this.SUBRULE2(this.namespaceRef) ?? undefined },
          {
            GATE: notQualified,
            ALT: () => {
              const first = this.CONSUME(Kw.cidr);
              const blocks = [
                this.OR2(
                  this.cached<IToken>(10) ??
                    this.cache<IToken>(10, [
                      { ALT: () => this.CONSUME(t.Cidr) },
                      { ALT: () => this.CONSUME(t.Address) },
                    ]),
                ),
              ];
              this.OPTION2(() => {
                this.CONSUME(Kw.except);
                blocks.push(
                  this.OR3(
                    this.cached<IToken>(11) ??
                      this.cache<IToken>(11, [
                        { ALT: () => this.CONSUME2(t.Cidr) },
                        { ALT: () => this.CONSUME2(t.Address) },
                      ]),
                  ),
                );
                this.MANY({
                  GATE: () => this.LA(1).tokenType === t.Comma && addressTokens.has(this.LA(2).tokenType),
                  DEF: () => {
                    this.CONSUME(t.Comma);
                    blocks.push(
                      this.OR4(
                        this.cached<IToken>(12) ??
                          this.cache<IToken>(12, [
                            { ALT: () => this.CONSUME3(t.Cidr) },
                            { ALT: () => this.CONSUME3(t.Address) },
                          ]),
                      ),
                    );
                  },
                });
              });
              if (this.RECORDING_PHASE) return undefined;
              const [cidr, ...except] = reals(...blocks);
              return cidr
                ? {
                    kind: "CidrPeer",
                    cidr: this.word(cidr),
                    except: except.map((b) => this.word(b)),
                    span: this.spanFrom(first),
                  }
                : undefined;
            },
          },
          { GATE: notQualified, ALT: () => this.keywordPeer(this.CONSUME(Kw.world), "world") },
          { GATE: notQualified, ALT: () => this.keywordPeer(this.CONSUME(Kw.cluster), "cluster") },
          { GATE: notQualified, ALT: () => this.keywordPeer(this.CONSUME(Kw.any), "any") },
          {
            ALT: () => {
              const name = this.CONSUME(t.Name);
              const rest = this.OPTION3(this.slashNameOrStar);
              const slash = rest?.[0];
              const after = rest?.[1];
              if (this.RECORDING_PHASE) return undefined;
              if (after?.tokenType === t.Star && real(after))
                return { kind: "NamespacePeer", namespace: this.word(name), star: true, span: this.spanFrom(name) };
              const second = after && after.tokenType !== t.Star ? real(after) : undefined;
              if (slash && real(slash) && !second) return undefined;
              // (the words first: the span of a name alone is its word, `Spans.word`)
              const ref: ast.QualifiedName = second
                ? this.spans.qualified(this.word(name), this.word(second), name, this.LA(0))
                : { kind: "QualifiedName", name: this.word(name), span: this.spanFrom(name) };
              return { kind: "Reference", ref, span: ref.span };
            },
          },
        ]),
    });
  });

  private readonly notQualified = () => this.LA(2).tokenType !== t.Slash;

  private keywordPeer(token: IToken, keyword: ast.KeywordPeer["keyword"]): ast.KeywordPeer | undefined {
    return this.RECORDING_PHASE ? undefined : { kind: "KeywordPeer", keyword, span: this.span(token) };
  }

  /** `ns NAME` or `ns(SELECTOR)` */
  namespaceRef = this.rule<ast.NamespacePeer | ast.NamespaceSelectorPeer>("namespaceRef", () => {
    const ns = this.CONSUME(Kw.ns);
    const ref = this.OR(
      this.cached<NamespaceRefParts>(15) ??
        this.cache<NamespaceRefParts>(15, [
          {
            ALT: () => {
              const first = this.CONSUME(t.LParen);
              const selector = this.SUBRULE(this.selector);
              this.CONSUME(t.RParen);
              return { first, selector };
            },
          },
          { ALT: () => ({ first: this.CONSUME(t.Name), name: this.LA(0) }) },
        ]),
    );
    if (this.RECORDING_PHASE) return undefined;
    const span = this.spanFrom(real(ns) ?? ref.first);
    if (ref.name) return { kind: "NamespacePeer", namespace: this.word(ref.name), star: false, span };
    return ref.selector ? { kind: "NamespaceSelectorPeer", selector: ref.selector, span } : undefined;
  });

  portList = this.rule<ast.PortSpec[]>("portList", () => {
    const ports = (this.lists.ports = [this.SUBRULE(this.portItem)]);
    this.MANY(this.morePorts);
    if (this.RECORDING_PHASE) return undefined;
    return items(ports);
  });

  portItem = this.rule<ast.PortSpec>("portItem", () => {
    const first = this.LA(1);
    const port = this.OR(
      this.cached<PortParts>(16) ??
        this.cache<PortParts>(16, [
          {
            ALT: () => {
              const from = this.CONSUME(t.NumberToken);
              const to = this.OPTION(this.rangeEnd);
              return { from, to };
            },
          },
          { ALT: () => ({ name: this.CONSUME(t.Name) }) },
        ]),
    );
    const protocol = this.OPTION2(this.slashName);
    if (this.RECORDING_PHASE) return undefined;
    // (a named port's word first: the span of a port of that word alone is the word, `Spans.word`)
    const name = "name" in port ? this.word(port.name) : undefined;
    const spec: ast.PortSpec = { kind: "PortSpec", span: this.spanFrom(first) };
    if ("name" in port) spec.port = name!;
    else if (port.to && !real(port.to)) return undefined;
    else if (port.to) spec.range = this.range(port.from, port.to);
    else spec.port = this.number(port.from);
    if (protocol && !real(protocol)) return undefined;
    if (protocol) spec.protocol = this.word(protocol);
    return spec;
  });

  qualifiedName = this.rule<ast.QualifiedName>("qualifiedName", () => {
    const names = [this.CONSUME(t.Name)];
    const slash = this.OPTION(() => {
      const token = this.CONSUME(t.Slash);
      names.push(this.CONSUME2(t.Name));
      return token;
    });
    if (this.RECORDING_PHASE) return undefined;
    // a name that recovery invented leaves its place to the next one
    const [a, b] = names.length === 1 ? [real(names[0])] : reals(names[0], names[1]);
    if (!a) return undefined;
    // (the words first: the span of a name alone is its word, `Spans.word`)
    const from = real(names[0]) ?? slash!;
    return b
      ? this.spans.qualified(this.word(a), this.word(b), from, this.LA(0))
      : { kind: "QualifiedName", name: this.word(a), span: this.spanFrom(from) };
  });

  selector = this.rule<ast.Selector>("selector", () => {
    const first = this.LA(1);
    const requirements = (this.lists.requirements = [this.SUBRULE(this.requirement)]);
    this.MANY(this.moreRequirements);
    if (this.RECORDING_PHASE) return undefined;
    const list = nonEmpty(items(requirements));
    return list && { kind: "Selector", requirements: list, span: this.spanFrom(first) };
  });

  requirement = this.rule<ast.Requirement>("requirement", () =>
    this.OR(
      this.cached<Part<ast.Requirement>>(20) ??
        this.cache<Part<ast.Requirement>>(20, [
          {
            ALT: () => {
              const first = this.CONSUME(t.Bang);
              const key = this.SUBRULE(this.labelKey);
              if (this.RECORDING_PHASE) return undefined;
              return this.requirementOf(first, key, "!exists", []);
            },
          },
          {
            ALT: () => {
              const first = this.LA(1);
              const key = this.SUBRULE2(this.labelKey);
              const test = this.OPTION(() =>
                this.OR2(
                  this.cached<{ operator: ast.Requirement["operator"]; values: Part<ast.Word>[]; closed: boolean }>(
                    21,
                  ) ??
                    this.cache<{ operator: ast.Requirement["operator"]; values: Part<ast.Word>[]; closed: boolean }>(
                      21,
                      [
                        {
                          ALT: () => {
                            const operator = this.OR3(
                              this.cached<ast.Requirement["operator"]>(22) ??
                                this.cache<ast.Requirement["operator"]>(22, [
                                  { ALT: () => (this.CONSUME(t.Equals), "=" as const) },
                                  { ALT: () => (this.CONSUME(t.DoubleEquals), "=" as const) },
                                  { ALT: () => (this.CONSUME(t.NotEquals), "!=" as const) },
                                ]),
                            );
                            const values: Part<ast.Word>[] = [this.SUBRULE(this.labelValue)];
                            return { operator, values, closed: true };
                          },
                        },
                        {
                          ALT: () => {
                            const operator = this.OR4(
                              this.cached<ast.Requirement["operator"]>(23) ??
                                this.cache<ast.Requirement["operator"]>(23, [
                                  { ALT: () => (this.CONSUME(Kw.in), "in" as const) },
                                  { ALT: () => (this.CONSUME(Kw.notin), "notin" as const) },
                                ]),
                            );
                            this.CONSUME(t.LParen);
                            const values: Part<ast.Word>[] = [this.SUBRULE2(this.labelValue)];
                            this.MANY(() => {
                              this.CONSUME(t.Comma);
                              values.push(this.SUBRULE3(this.labelValue));
                            });
                            const close = this.CONSUME(t.RParen);
                            return { operator, values, closed: !close.isInsertedInRecovery };
                          },
                        },
                      ],
                    ),
                ),
              );
              if (this.RECORDING_PHASE) return undefined;
              if (!test) return this.requirementOf(first, key, "exists", []);
              const values = items(test.values);
              // `=` takes one value; `in (...)` at least one, and its `)`
              if (
                !values ||
                !test.closed ||
                (test.operator === "in" || test.operator === "notin" ? values.length === 0 : values.length !== 1)
              )
                return undefined;
              return this.requirementOf(first, key, test.operator, values);
            },
          },
        ]),
    ),
  );

  private requirementOf(
    first: IToken,
    key: Part<ast.LabelKey>,
    operator: ast.Requirement["operator"],
    values: ast.Word[],
  ): Part<ast.Requirement> {
    return key ? { kind: "Requirement", key, operator, values, span: this.spanFrom(first) } : undefined;
  }

  labelKey = this.rule<ast.LabelKey>("labelKey", () => {
    const first = this.CONSUME(t.Name);
    const second = this.OPTION(this.slashName);
    if (this.RECORDING_PHASE) return undefined;
    if (!real(first) || (second && !real(second))) return undefined;
    if (!second) {
      // (the word first: the span of a key of one name is its word, `Spans.word`)
      const name = this.word(first);
      return { name, text: name.text, span: this.spanFrom(first) };
    }
    return {
      prefix: this.word(first),
      name: this.word(second),
      text: this.shared(`${first.image}/${second.image}`),
      span: this.spanFrom(first),
    };
  });

  labelValue = this.rule<ast.Word>("labelValue", () => {
    const token = this.OR(
      this.cached<IToken>(17) ??
        this.cache<IToken>(17, [
          { ALT: () => this.CONSUME(t.Name) },
          { ALT: () => this.CONSUME(t.NumberToken) },
          { ALT: () => this.CONSUME(t.StringToken) },
        ]),
    );
    if (this.RECORDING_PHASE) return undefined;
    return this.word(token);
  });

  pss = this.rule<ast.PssStatement>("pss", () => {
    const first = this.CONSUME(Kw.pss);
    const modes = [this.SUBRULE(this.pssMode)];
    this.MANY(() => {
      this.CONSUME(t.Comma);
      modes.push(this.SUBRULE2(this.pssMode));
    });
    if (this.RECORDING_PHASE) return undefined;
    const list = nonEmpty(items(modes));
    return list && { kind: "Pss", modes: list, span: this.spanFrom(first) };
  });

  pssMode = this.rule<ast.PssMode>("pssMode", () => {
    const names = [this.CONSUME(t.Name), this.CONSUME2(t.Name)];
    const version = this.OPTION(() => {
      this.CONSUME(t.At);
      return this.OR(
        this.cached<IToken>(18) ??
          this.cache<IToken>(18, [{ ALT: () => this.CONSUME3(t.Name) }, { ALT: () => this.CONSUME(t.NumberToken) }]),
      );
    });
    if (this.RECORDING_PHASE) return undefined;
    // a name that recovery invented leaves its place to the next one
    const [mode, level, versionName] = reals(...names, version?.tokenType === t.NumberToken ? undefined : version);
    const at = versionName ?? (version?.tokenType === t.NumberToken ? version : undefined);
    if (!mode || !level || (version && !at)) return undefined;
    const result: ast.PssMode = {
      kind: "PssMode",
      mode: this.word(mode),
      level: this.word(level),
      span: this.spanFrom(mode),
    };
    if (at) result.version = this.word(at);
    return result;
  });

  labels = this.rule<ast.LabelsStatement>("labels", () => {
    const first = this.CONSUME(Kw.labels);
    const pairs = [this.SUBRULE(this.labelPair)];
    this.MANY(() => {
      this.CONSUME(t.Comma);
      pairs.push(this.SUBRULE2(this.labelPair));
    });
    if (this.RECORDING_PHASE) return undefined;
    const list = nonEmpty(items(pairs));
    return list && { kind: "Labels", labels: list, span: this.spanFrom(first) };
  });

  labelPair = this.rule<ast.LabelsStatement["labels"][number]>("labelPair", () => {
    const key = this.SUBRULE(this.labelKey);
    this.CONSUME(t.Equals);
    const value = this.SUBRULE(this.labelValue);
    if (this.RECORDING_PHASE) return undefined;
    return key && value ? { key, value, span: this.spans.spanTo(key.span.start, this.LA(0)) } : undefined;
  });

  securityRule = this.rule<ast.SecurityRule>("securityRule", () => {
    const first = this.LA(1);
    const action = this.OR(
      this.cached<ast.SecurityRule["action"]>(19) ??
        this.cache<ast.SecurityRule["action"]>(19, [
          { ALT: () => (this.CONSUME(Kw.deny), "deny" as const) },
          { ALT: () => (this.CONSUME(Kw.allow), "allow" as const) },
          { ALT: () => (this.CONSUME(Kw.require), "require" as const) },
          { ALT: () => (this.CONSUME(Kw.set), "set" as const) },
        ]),
    );
    const parts = [this.SUBRULE(this.securityItem)];
    this.MANY(() => {
      this.CONSUME(t.Comma);
      parts.push(this.SUBRULE2(this.securityItem));
    });
    const target = this.OPTION(() => ({ target: this.SUBRULE(this.securityTarget) }));
    if (this.RECORDING_PHASE) return undefined;
    const list = nonEmpty(items(parts));
    // a target that recovery re-synchronised counts as none
    if (!list || (target && target.target === undefined)) return undefined;
    const rule: ast.SecurityRule = { kind: "SecurityRule", action, items: list, span: this.spanFrom(first) };
    if (target?.target) rule.target = target.target;
    return rule;
  });

  securityItem = this.rule<ast.SecurityItem>("securityItem", () => {
    const name = this.CONSUME(t.Name);
    const args: Part<ast.Value>[] = [];
    this.MANY({
      GATE: () => !targetKeywords.has(this.LA(1).tokenType),
      DEF: () => void args.push(this.SUBRULE(this.value)),
    });
    if (this.RECORDING_PHASE) return undefined;
    return real(name)
      ? {
          kind: "SecurityItem",
          name: this.word(name),
          args: args.filter((v) => v != null),
          span: this.spanFrom(name),
        }
      : undefined;
  });

  securityTarget = this.rule<ast.SecurityTarget>("securityTarget", () => {
    const first = this.LA(1);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.for);
          const workload = this.SUBRULE(this.qualifiedName);
          return this.ACTION(
            (): Part<ast.SecurityTarget> => workload && { kind: "ForWorkload", workload, span: this.spanFrom(first) },
          );
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.in);
          return this.OR2([
            {
              ALT: () => (
                this.CONSUME(Kw.all),
                this.ACTION((): ast.SecurityTarget => ({ kind: "InAll", span: this.spanFrom(first) }))
              ),
            },
            {
              ALT: () => {
                const ref = this.SUBRULE(this.namespaceRef);
                if (this.RECORDING_PHASE) return undefined;
                return ref && namespaceTarget(ref, this.spanFrom(first));
              },
            },
          ]);
        },
      },
    ]);
  });

  apply = this.rule<ast.ApplyStatement>("apply", () => {
    const first = this.CONSUME(Kw.apply);
    const profile = this.CONSUME(t.Name);
    this.CONSUME(Kw.to);
    const target = this.OR<Part<ast.SecurityTarget>>({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.LA(2).tokenType !== t.Slash,
          ALT: () => {
            const ref = this.SUBRULE(this.namespaceRef);
            if (this.RECORDING_PHASE) return undefined;
            return ref && namespaceTarget(ref, ref.span);
          },
        },
        {
          GATE: () => this.LA(2).tokenType !== t.Slash,
          ALT: () => {
            const all = this.CONSUME(Kw.all);
            if (this.RECORDING_PHASE) return undefined;
            return { kind: "InAll", span: this.span(all) };
          },
        },
        {
          ALT: () => {
            const workload = this.SUBRULE(this.qualifiedName);
            return this.ACTION(
              (): Part<ast.SecurityTarget> => workload && { kind: "ForWorkload", workload, span: workload.span },
            );
          },
        },
      ],
    });
    if (this.RECORDING_PHASE) return undefined;
    return target && real(profile)
      ? { kind: "Apply", profile: this.word(profile), target, span: this.spanFrom(first) }
      : undefined;
  });
}

/** What `namespaceRef` reads: `ns(SELECTOR)` or `ns NAME`. */
type NamespaceRefParts = { first: IToken; selector?: Part<ast.Selector>; name?: IToken };

/** What `portItem` reads: a number or a range, or a name. */
type PortParts = { from: IToken; to?: IToken } | { name: IToken };

/** A non-empty list, or `undefined`. */
const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list && list.length > 0 ? list : undefined);

/** `in ns NAME` or `in ns(LABELS)` as a security target. */
const namespaceTarget = (ref: ast.NamespacePeer | ast.NamespaceSelectorPeer, span: Span): ast.SecurityTarget =>
  ref.kind === "NamespacePeer"
    ? { kind: "InNamespace", namespace: ref.namespace, span }
    : { kind: "InNamespaceSelector", selector: ref.selector, span };

/**
 * Gives a workload the names of its `serviceAccount`, `containers` and `kind` clauses: `clauses`
 * are each clause's keyword followed by its names, in source order (a name may be spelled like a
 * keyword, a container called `kind`: what the parser read as a name is a name). A second
 * `serviceAccount` or `kind` is reported: the tree keeps one, and the other would be lost without a
 * word (also by the formatter).
 */
function addClauseNames(
  workload: ast.WorkloadDeclaration,
  clauses: readonly { keyword: TokenType; names: IToken[] }[],
  word: (token: IToken) => ast.Word,
  diagnostics: Diagnostic[],
): void {
  for (const { keyword, names } of clauses) {
    for (const token of names) {
      if (token.isInsertedInRecovery) continue;
      const name = word(token);
      const repeated = (text: string) =>
        diagnostics.push(diagnostic(m.clauseRepeated, name.span, [text], { help: `keep one \`${text}\` clause` }));
      if (keyword === Kw.serviceAccount) {
        if (workload.serviceAccount) repeated("serviceAccount");
        workload.serviceAccount = name;
      } else if (keyword === Kw.kind) {
        if (workload.workloadKind) repeated("kind");
        workload.workloadKind = name;
      } else if (keyword === Kw.containers) workload.containers.push(name);
      else workload.initContainers.push(name);
    }
  }
}

/** The statements of a profile's block that it keeps, its rules without a target; it reports the others. */
function profileRules(statements: ast.Statement[], diagnostics: Diagnostic[]): ast.SecurityRule[] {
  const rules: ast.SecurityRule[] = [];
  for (const s of statements) {
    if (s.kind === "SecurityRule" && !s.target) rules.push(s);
    else {
      const what =
        s.kind === "SecurityRule"
          ? "a rule with a target"
          : `a \`${s.kind === "NetworkRule" ? s.action : s.kind.toLowerCase()}\` statement`;
      diagnostics.push(diagnostic(m.notAllowedInProfile, s.span, [what]));
    }
  }
  return rules;
}

/**
 * The generated tables (`lookahead-table.ts`) as they must be: worked out from the grammar as a
 * parser records it, not restored (for `scripts/gen-grammar.js`, the build's check and the tests).
 */
export function recordedTables(): { lookahead: LookaheadTable; snapshot: GrammarSnapshot; parser: SecpolParser } {
  const parser = new SecpolParser({ snapshot: null });
  const rules = Object.values(parser.getGAstProductions());
  const follows = (parser as unknown as SelfAnalysis).resyncFollows;
  return {
    lookahead: computeLookaheadTable(rules, t.allTokens, MAX_LOOKAHEAD),
    snapshot: snapshotGrammar(rules, follows, t.allTokens),
    parser,
  };
}

/** Whether the generated tables are the grammar's (`npm run build` checks it before bundling). */
export function tablesAreCurrent(): boolean {
  const { lookahead, snapshot } = recordedTables();
  return (
    JSON.stringify(lookahead) === JSON.stringify(lookaheadTable) &&
    JSON.stringify(snapshot) === JSON.stringify(grammarSnapshot)
  );
}

/** The one parser instance: building it analyses the grammar, which is done once per process. */
let instance: SecpolParser | undefined;

/** The one parser instance, built on first use. */
export function chevrotainParser(): SecpolParser {
  return (instance ??= new SecpolParser());
}
