/**
 * The grammar of `.secpol` as one Chevrotain CstParser, built once and reused for every input
 * (`parser.input = tokens`). Error recovery is on, so a broken file still yields a tree.
 * Input without syntax errors takes the fast path instead, fast-parser.ts, which reads this grammar
 * and takes its decisions by hand: a change here goes there too (its tests compare the two).
 */
import { CstParser, EOF, getLookaheadPaths, NoViableAltException, type IParserErrorMessageProvider, type IToken, type LookaheadSequence, type TokenType } from "chevrotain";
import * as t from "./tokens.js";
import { errorMessages } from "./parse-errors.js";

const { Kw } = t;

/** The tokens of a statement end: a line break, `;`, the `}` of its block, or the end of the file. */
const isStatementEnd = (token: IToken) =>
  token.tokenType === t.Newline || token.tokenType === t.Semicolon || token.tokenType === t.RBrace || token.tokenType === EOF;

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

// also the fast path's (fast-parser.ts)
export const targetKeywords: ReadonlySet<TokenType> = new Set([Kw.in, Kw.for]);
export const addressTokens: ReadonlySet<TokenType> = new Set([t.Cidr, t.Address]);
const clauseKeywords: ReadonlySet<TokenType> = new Set([Kw.port, Kw.service, Kw.serviceAccount, Kw.containers, Kw.initContainers, Kw.kind]);
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

export class SecpolParser extends CstParser {
  /**
   * `validate`: also check the grammar for ambiguities and other definition errors, which costs
   * more than building the parser does; test/syntax/fast-parser.test.ts does, the instance below
   * does not.
   */
  constructor({ validate = false } = {}) {
    super(t.allTokens, { recoveryEnabled: true, nodeLocationTracking: "full", maxLookahead: 3, errorMessageProvider: errorMessages, skipValidations: !validate });
    this.performSelfAnalysis();
  }

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

  /**
   * Chevrotain's own `raiseNoAltException` (the error when no alternative of an `OR` matches), with
   * the expected paths worked out once per alternation: Chevrotain works them out at every such
   * error (its source notes the cost), which made a file with a few hundred bad lines take seconds.
   * The message and the exception are the same.
   */
  raiseNoAltException(occurrence: number, errMsgTypes: string | undefined): never {
    const internals = this.internals;
    const ruleName = internals.getCurrRuleFullName();
    const key = `${ruleName}#${occurrence}`;
    let paths = this.expectedPaths.get(key);
    if (!paths) {
      paths = getLookaheadPaths({ occurrence, rule: this.getGAstProductions()[ruleName], prodType: "Alternation", maxLookahead: internals.maxLookahead });
      this.expectedPaths.set(key, paths);
    }
    const actual: IToken[] = [];
    for (let i = 1; i <= internals.maxLookahead; i++) actual.push(this.LA(i));
    const previous = this.LA(0);
    const message = internals.errorMessageProvider.buildNoViableAltMessage({ expectedPathsPerAlt: paths, actual, previous, customUserDescription: errMsgTypes as string, ruleName });
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

  file = this.RULE("file", () => {
    this.SUBRULE(this.statements);
  });

  statements = this.RULE("statements", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Newline) },
        { ALT: () => this.CONSUME(t.Semicolon) },
        {
          ALT: () => {
            this.SUBRULE(this.statement);
            this.SUBRULE(this.statementEnd);
          },
        },
      ]);
    });
  });

  statementEnd = this.RULE("statementEnd", () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Newline) },
      { ALT: () => this.CONSUME(t.Semicolon) },
      { GATE: () => this.LA(1).tokenType === t.RBrace || this.LA(1).tokenType === EOF, ALT: () => {} },
    ]);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importStatement) },
      { ALT: () => this.SUBRULE(this.clusterBlock) },
      { ALT: () => this.SUBRULE(this.namespaceBlock) },
      { ALT: () => this.SUBRULE(this.workload) },
      { ALT: () => this.SUBRULE(this.group) },
      { ALT: () => this.SUBRULE(this.profile) },
      { ALT: () => this.SUBRULE(this.psp) },
      { ALT: () => this.SUBRULE(this.grant) },
      { GATE: () => isNetworkRule((i) => this.LA(i)), ALT: () => this.SUBRULE(this.networkRule) },
      { ALT: () => this.SUBRULE(this.securityRule) },
      { ALT: () => this.SUBRULE(this.assertStatement) },
      { ALT: () => this.SUBRULE(this.defaultStatement) },
      { ALT: () => this.SUBRULE(this.pss) },
      { ALT: () => this.SUBRULE(this.labels) },
      { ALT: () => this.SUBRULE(this.apply) },
    ]);
  });

  importStatement = this.RULE("importStatement", () => {
    this.CONSUME(Kw.import);
    this.CONSUME(t.StringToken);
  });

  clusterBlock = this.RULE("clusterBlock", () => {
    this.CONSUME(Kw.cluster);
    this.SUBRULE(this.settingsBlock);
  });

  settingsBlock = this.RULE("settingsBlock", () => {
    this.CONSUME(t.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Newline) },
        { ALT: () => this.CONSUME(t.Semicolon) },
        { ALT: () => this.SUBRULE(this.setting) },
      ]);
    });
    this.CONSUME(t.RBrace);
  });

  setting = this.RULE("setting", () => {
    this.CONSUME(t.Name);
    this.SUBRULE(this.value);
    this.MANY(() => {
      this.OPTION(() => this.CONSUME(t.Comma));
      this.SUBRULE2(this.value);
    });
  });

  value = this.RULE("value", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.NumberToken);
          this.OPTION(() => {
            this.CONSUME(t.DotDot);
            this.CONSUME2(t.NumberToken);
          });
        },
      },
      { ALT: () => this.CONSUME(t.Cidr) },
      { ALT: () => this.CONSUME(t.Address) },
      { ALT: () => this.CONSUME(t.StringToken) },
      { ALT: () => this.CONSUME(t.Star) }, // `volumes *`, `allowedCapabilities *` in psp blocks
      {
        GATE: () => !targetKeywords.has(this.LA(1).tokenType),
        ALT: () => {
          this.CONSUME(t.Name);
          this.MANY(() => {
            this.CONSUME(t.Slash);
            this.CONSUME2(t.Name);
          });
        },
      },
    ]);
  });

  namespaceBlock = this.RULE("namespaceBlock", () => {
    this.CONSUME(Kw.namespace);
    this.CONSUME(t.Name);
    this.CONSUME(t.LBrace);
    this.SUBRULE(this.statements);
    this.CONSUME(t.RBrace);
  });

  workload = this.RULE("workload", () => {
    this.CONSUME(Kw.workload);
    this.SUBRULE(this.qualifiedName);
    this.SUBRULE(this.workloadSelector);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.portDeclaration) },
        { ALT: () => this.SUBRULE(this.serviceDeclaration) },
        {
          ALT: () => {
            this.CONSUME(Kw.serviceAccount);
            this.CONSUME(t.Name);
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.containers);
            this.CONSUME2(t.Name);
            this.MANY2(() => {
              this.CONSUME(t.Comma);
              this.CONSUME3(t.Name);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.initContainers);
            this.CONSUME5(t.Name);
            this.MANY3(() => {
              this.CONSUME2(t.Comma);
              this.CONSUME6(t.Name);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.kind);
            this.CONSUME4(t.Name);
          },
        },
      ]);
    });
  });

  /** A workload's selector: required; it starts with a clause keyword only where that is a label key. */
  workloadSelector = this.RULE("workloadSelector", () => {
    this.OR([{ GATE: () => startsWorkloadSelector((k) => this.LA(k + 1).tokenType), ALT: () => this.SUBRULE(this.selector) }]);
  });

  portDeclaration = this.RULE("portDeclaration", () => {
    this.CONSUME(Kw.port);
    this.CONSUME(t.Name);
    this.CONSUME(t.NumberToken);
    this.OPTION(() => {
      this.CONSUME(t.Slash);
      this.CONSUME2(t.Name);
    });
  });

  serviceDeclaration = this.RULE("serviceDeclaration", () => {
    this.CONSUME(Kw.service);
    this.CONSUME(t.NumberToken);
    this.CONSUME(t.Arrow);
    this.OR([{ ALT: () => this.CONSUME2(t.NumberToken) }, { ALT: () => this.CONSUME(t.Name) }]);
  });

  group = this.RULE("group", () => {
    this.CONSUME(Kw.group);
    this.CONSUME(t.Name);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.peerList);
    this.OPTION(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE(this.portList);
    });
  });

  profile = this.RULE("profile", () => {
    this.CONSUME(Kw.profile);
    this.CONSUME(t.Name);
    this.CONSUME(t.LBrace);
    this.SUBRULE(this.statements);
    this.CONSUME(t.RBrace);
  });

  psp = this.RULE("psp", () => {
    this.CONSUME(Kw.psp);
    this.CONSUME(t.Name);
    this.SUBRULE(this.settingsBlock);
  });

  grant = this.RULE("grant", () => {
    this.CONSUME(Kw.grant);
    this.CONSUME(Kw.psp);
    this.CONSUME(t.Name);
    this.CONSUME(Kw.to);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.user);
          this.SUBRULE(this.subjectName);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.group);
          this.SUBRULE2(this.subjectName);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.serviceaccount);
          this.CONSUME2(t.Name);
          this.CONSUME(t.Slash);
          this.CONSUME3(t.Name);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.serviceaccounts);
          this.CONSUME(Kw.in);
          this.CONSUME(Kw.ns);
          this.CONSUME4(t.Name);
        },
      },
    ]);
  });

  /** `system:authenticated`, `b`, or `"jane@example.com"`. */
  subjectName = this.RULE("subjectName", () => {
    this.OR([
      { ALT: () => this.CONSUME(t.StringToken) },
      {
        ALT: () => {
          this.CONSUME(t.Name);
          this.MANY(() => {
            this.CONSUME(t.Colon);
            this.CONSUME2(t.Name);
          });
        },
      },
    ]);
  });

  networkRule = this.RULE("networkRule", () => {
    this.OR([{ ALT: () => this.CONSUME(Kw.allow) }, { ALT: () => this.CONSUME(Kw.deny) }]);
    this.SUBRULE(this.peerList);
    this.CONSUME(t.Arrow);
    this.SUBRULE2(this.peerList);
    this.MANY(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE(this.portList);
    });
  });

  assertStatement = this.RULE("assertStatement", () => {
    this.CONSUME(Kw.assert);
    this.SUBRULE(this.peerList);
    this.OR([{ ALT: () => this.CONSUME(t.Arrow) }, { ALT: () => this.CONSUME(t.NotArrow) }]);
    this.SUBRULE2(this.peerList);
    this.OPTION(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE(this.portList);
    });
  });

  defaultStatement = this.RULE("defaultStatement", () => {
    this.CONSUME(Kw.default);
    this.OR([{ ALT: () => this.CONSUME(Kw.deny) }, { ALT: () => this.CONSUME(Kw.allow) }]);
    this.OPTION(() => {
      this.OR2([{ ALT: () => this.CONSUME(Kw.ingress) }, { ALT: () => this.CONSUME(Kw.egress) }]);
    });
    this.OPTION2(() => {
      this.CONSUME(Kw.for);
      this.SUBRULE(this.qualifiedName);
    });
  });

  peerList = this.RULE("peerList", () => {
    this.SUBRULE(this.peer);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.peer);
    });
  });

  peer = this.RULE("peer", () => {
    const notQualified = () => this.LA(2).tokenType !== t.Slash;
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: notQualified,
          ALT: () => {
            this.CONSUME(Kw.pods);
            this.CONSUME(t.LParen);
            this.SUBRULE(this.selector);
            this.CONSUME(t.RParen);
            this.OPTION(() => {
              this.CONSUME(Kw.in);
              this.SUBRULE(this.namespaceRef);
            });
          },
        },
        { GATE: notQualified, ALT: () => this.SUBRULE2(this.namespaceRef) },
        {
          GATE: notQualified,
          ALT: () => {
            this.CONSUME(Kw.cidr);
            this.OR2([{ ALT: () => this.CONSUME(t.Cidr) }, { ALT: () => this.CONSUME(t.Address) }]);
            this.OPTION2(() => {
              this.CONSUME(Kw.except);
              this.OR3([{ ALT: () => this.CONSUME2(t.Cidr) }, { ALT: () => this.CONSUME2(t.Address) }]);
              this.MANY({
                GATE: () => this.LA(1).tokenType === t.Comma && addressTokens.has(this.LA(2).tokenType),
                DEF: () => {
                  this.CONSUME(t.Comma);
                  this.OR4([{ ALT: () => this.CONSUME3(t.Cidr) }, { ALT: () => this.CONSUME3(t.Address) }]);
                },
              });
            });
          },
        },
        { GATE: notQualified, ALT: () => this.CONSUME(Kw.world) },
        { GATE: notQualified, ALT: () => this.CONSUME(Kw.cluster) },
        { GATE: notQualified, ALT: () => this.CONSUME(Kw.any) },
        {
          ALT: () => {
            this.CONSUME(t.Name);
            this.OPTION3(() => {
              this.CONSUME(t.Slash);
              this.OR5([{ ALT: () => this.CONSUME(t.Star) }, { ALT: () => this.CONSUME2(t.Name) }]);
            });
          },
        },
      ],
    });
  });

  /** `ns NAME` or `ns(SELECTOR)` */
  namespaceRef = this.RULE("namespaceRef", () => {
    this.CONSUME(Kw.ns);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.LParen);
          this.SUBRULE(this.selector);
          this.CONSUME(t.RParen);
        },
      },
      { ALT: () => this.CONSUME(t.Name) },
    ]);
  });

  portList = this.RULE("portList", () => {
    this.SUBRULE(this.portItem);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.portItem);
    });
  });

  portItem = this.RULE("portItem", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.NumberToken);
          this.OPTION(() => {
            this.CONSUME(t.DotDot);
            this.CONSUME2(t.NumberToken);
          });
        },
      },
      { ALT: () => this.CONSUME(t.Name) },
    ]);
    this.OPTION2(() => {
      this.CONSUME(t.Slash);
      this.CONSUME2(t.Name);
    });
  });

  qualifiedName = this.RULE("qualifiedName", () => {
    this.CONSUME(t.Name);
    this.OPTION(() => {
      this.CONSUME(t.Slash);
      this.CONSUME2(t.Name);
    });
  });

  selector = this.RULE("selector", () => {
    this.SUBRULE(this.requirement);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.requirement);
    });
  });

  requirement = this.RULE("requirement", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Bang);
          this.SUBRULE(this.labelKey);
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.labelKey);
          this.OPTION(() => {
            this.OR2([
              {
                ALT: () => {
                  this.OR3([{ ALT: () => this.CONSUME(t.Equals) }, { ALT: () => this.CONSUME(t.DoubleEquals) }, { ALT: () => this.CONSUME(t.NotEquals) }]);
                  this.SUBRULE(this.labelValue);
                },
              },
              {
                ALT: () => {
                  this.OR4([{ ALT: () => this.CONSUME(Kw.in) }, { ALT: () => this.CONSUME(Kw.notin) }]);
                  this.CONSUME(t.LParen);
                  this.SUBRULE2(this.labelValue);
                  this.MANY(() => {
                    this.CONSUME(t.Comma);
                    this.SUBRULE3(this.labelValue);
                  });
                  this.CONSUME(t.RParen);
                },
              },
            ]);
          });
        },
      },
    ]);
  });

  labelKey = this.RULE("labelKey", () => {
    this.CONSUME(t.Name);
    this.OPTION(() => {
      this.CONSUME(t.Slash);
      this.CONSUME2(t.Name);
    });
  });

  labelValue = this.RULE("labelValue", () => {
    this.OR([{ ALT: () => this.CONSUME(t.Name) }, { ALT: () => this.CONSUME(t.NumberToken) }, { ALT: () => this.CONSUME(t.StringToken) }]);
  });

  pss = this.RULE("pss", () => {
    this.CONSUME(Kw.pss);
    this.SUBRULE(this.pssMode);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.pssMode);
    });
  });

  pssMode = this.RULE("pssMode", () => {
    this.CONSUME(t.Name);
    this.CONSUME2(t.Name);
    this.OPTION(() => {
      this.CONSUME(t.At);
      this.OR([{ ALT: () => this.CONSUME3(t.Name) }, { ALT: () => this.CONSUME(t.NumberToken) }]);
    });
  });

  labels = this.RULE("labels", () => {
    this.CONSUME(Kw.labels);
    this.SUBRULE(this.labelPair);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.labelPair);
    });
  });

  labelPair = this.RULE("labelPair", () => {
    this.SUBRULE(this.labelKey);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.labelValue);
  });

  securityRule = this.RULE("securityRule", () => {
    this.OR([
      { ALT: () => this.CONSUME(Kw.deny) },
      { ALT: () => this.CONSUME(Kw.allow) },
      { ALT: () => this.CONSUME(Kw.require) },
      { ALT: () => this.CONSUME(Kw.set) },
    ]);
    this.SUBRULE(this.securityItem);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.securityItem);
    });
    this.OPTION(() => this.SUBRULE(this.securityTarget));
  });

  securityItem = this.RULE("securityItem", () => {
    this.CONSUME(t.Name);
    this.MANY({ GATE: () => !targetKeywords.has(this.LA(1).tokenType), DEF: () => this.SUBRULE(this.value) });
  });

  securityTarget = this.RULE("securityTarget", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.for);
          this.SUBRULE(this.qualifiedName);
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.in);
          this.OR2([{ ALT: () => this.CONSUME(Kw.all) }, { ALT: () => this.SUBRULE(this.namespaceRef) }]);
        },
      },
    ]);
  });

  apply = this.RULE("apply", () => {
    this.CONSUME(Kw.apply);
    this.CONSUME(t.Name);
    this.CONSUME(Kw.to);
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => this.LA(2).tokenType !== t.Slash, ALT: () => this.SUBRULE(this.namespaceRef) },
        { GATE: () => this.LA(2).tokenType !== t.Slash, ALT: () => this.CONSUME(Kw.all) },
        { ALT: () => this.SUBRULE(this.qualifiedName) },
      ],
    });
  });
}

/** The one parser instance: building it analyses the grammar, which is done once per process. */
let instance: SecpolParser | undefined;

/** The one parser instance, built on first use: input without syntax errors never needs it (fast-parser.ts). */
export function chevrotainParser(): SecpolParser {
  return (instance ??= new SecpolParser());
}
