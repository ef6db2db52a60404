/**
 * The fast path of parsing, for input without syntax errors (nearly all input): a hand-written
 * recursive-descent reader of the grammar of `SecpolParser` (parser.ts) that builds the AST
 * directly, the very AST that the Chevrotain parser and to-ast.ts would build, with no CST and at
 * a fraction of the cost. It takes every decision as Chevrotain's LL(3) lookahead and gates do, and
 * gives up at the first token Chevrotain would report: the input then goes through Chevrotain,
 * with its error recovery and messages. test/syntax/fast-parser.test.ts checks that the two agree.
 */
import { createTokenInstance, EOF, tokenMatcher, type IToken, type TokenType } from "chevrotain";
import type { Diagnostic, Position, Span } from "../diagnostics/diagnostic.js";
import type * as ast from "./ast.js";
import { addressTokens, isNetworkRule, startsWorkloadSelector, targetKeywords } from "./parser.js";
import { addClauseNames, profileRules, unquote } from "./to-ast.js";
import * as t from "./tokens.js";

const { Kw } = t;

/**
 * The AST of `tokens` and the diagnostics of building it (as to-ast.ts reports them), or undefined
 * if the Chevrotain parser would report an error in them.
 */
export function parseValid(tokens: IToken[], path: string, comments: IToken[]): { file: ast.SourceFileNode; diagnostics: Diagnostic[] } | undefined {
  // without tokens, the span of the file is to-ast.ts's to make (from a CST without a location)
  if (tokens.length === 0) return undefined;
  const reader = new Reader(tokens, path);
  try {
    return { file: reader.file(comments), diagnostics: reader.diagnostics };
  } catch (e) {
    if (e instanceof Mismatch) return undefined;
    throw e;
  }
}

/** Thrown where the Chevrotain parser would report an error. */
class Mismatch extends Error {}

const valueStarts: ReadonlySet<TokenType> = new Set([t.NumberToken, t.Cidr, t.Address, t.StringToken, t.Star]);
const keywordPeers = new Map<TokenType, ast.KeywordPeer["keyword"]>([[Kw.world, "world"], [Kw.cluster, "cluster"], [Kw.any, "any"]]);
const securityActions = new Map<TokenType, ast.SecurityRule["action"]>([[Kw.deny, "deny"], [Kw.allow, "allow"], [Kw.require, "require"], [Kw.set, "set"]]);
const endOfFile = createTokenInstance(EOF, "", NaN, NaN, NaN, NaN, NaN, NaN);

class Reader {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;

  constructor(
    private readonly tokens: IToken[],
    private readonly path: string,
  ) {}

  /** The type of the token `ahead` tokens after the next one; undefined past the end. */
  private type(ahead = 0): TokenType | undefined {
    return this.tokens[this.pos + ahead]?.tokenType;
  }

  /** Is the token `ahead` tokens after the next one a `type` (a `Name`: any keyword or identifier)? */
  private at(type: TokenType, ahead = 0): boolean {
    const token = this.tokens[this.pos + ahead];
    return token !== undefined && tokenMatcher(token, type);
  }

  /** Reads the next token, which must be a `type`. */
  private take(type: TokenType): IToken {
    const token = this.tokens[this.pos];
    if (token === undefined || !tokenMatcher(token, type)) throw new Mismatch();
    this.pos++;
    return token;
  }

  /** Steps over the next token if it is a `type`. */
  private skip(type: TokenType): boolean {
    if (this.type() !== type) return false;
    this.pos++;
    return true;
  }

  /** For `isNetworkRule`: the i-th token ahead (1: the next one), EOF past the end. */
  private readonly lookahead = (i: number): IToken => this.tokens[this.pos + i - 1] ?? endOfFile;

  /**
   * Spans share their objects: a token's start and end positions are made once, so is the span of
   * one token, and nested nodes over the same tokens (a reference and its name) get one span. The
   * AST is the compiler's largest structure and spans were most of it. Nothing changes a span.
   */
  private readonly starts: Position[] = [];
  private readonly ends: Position[] = [];
  private readonly single: Span[] = [];
  private last?: { i: number; j: number; span: Span };

  private span(first: IToken, last: IToken): Span {
    return this.spanOf(this.indexOf(first), this.indexOf(last));
  }

  /** The span from the token at `start` to the last token read. */
  private spanFrom(start: number): Span {
    return this.spanOf(start, this.pos - 1);
  }

  /** The span from the i-th token to the j-th. */
  private spanOf(i: number, j: number): Span {
    if (i === j) return (this.single[i] ??= this.newSpan(i, j));
    if (this.last?.i !== i || this.last.j !== j) this.last = { i, j, span: this.newSpan(i, j) };
    return this.last.span;
  }

  /** A token's place in the stream: spans are made of tokens read already, most often the last one. */
  private indexOf(token: IToken): number {
    const last = this.pos - 1;
    const i = this.tokens[last] === token ? last : this.tokens.lastIndexOf(token, last);
    if (i < 0) throw new Error("a span of a token not read");
    return i;
  }

  private newSpan(i: number, j: number): Span {
    const first = this.tokens[i];
    const last = this.tokens[j];
    const start = (this.starts[i] ??= { line: first.startLine!, column: first.startColumn!, offset: first.startOffset });
    const end = (this.ends[j] ??= { line: last.endLine!, column: last.endColumn! + 1, offset: last.endOffset! + 1 });
    return { file: this.path, start, end };
  }

  private word(token: IToken): ast.Word {
    return { text: token.tokenType === t.StringToken ? unquote(token.image) : token.image, span: this.span(token, token) };
  }

  private number(token: IToken): ast.NumberLiteral {
    return { kind: "Number", text: token.image, span: this.span(token, token) };
  }

  file(comments: IToken[]): ast.SourceFileNode {
    const statements = this.statements();
    if (this.pos !== this.tokens.length) throw new Mismatch();
    return {
      kind: "File",
      path: this.path,
      statements,
      // comments are not in the token stream: each gets a span of its own
      comments: comments.map((c) => ({ text: c.image, span: t.tokenSpan(this.path, c) })),
      span: this.spanFrom(0),
    };
  }

  private statements(): ast.Statement[] {
    const result: ast.Statement[] = [];
    for (;;) {
      if (this.skip(t.Newline) || this.skip(t.Semicolon)) continue;
      const type = this.type();
      if (type === undefined || !t.statementKeywords.has(type)) return result;
      result.push(this.statement());
      this.statementEnd();
    }
  }

  /** A line break or `;`, or nothing before the `}` of the block or at the end. */
  private statementEnd(): void {
    if (this.skip(t.Newline) || this.skip(t.Semicolon)) return;
    const type = this.type();
    if (type !== t.RBrace && type !== undefined) throw new Mismatch();
  }

  private statement(): ast.Statement {
    switch (this.type()) {
      case Kw.import:
        return this.importStatement();
      case Kw.cluster:
        return this.clusterBlock();
      case Kw.namespace:
        return this.namespaceBlock();
      case Kw.workload:
        return this.workload();
      case Kw.group:
        return this.group();
      case Kw.profile:
        return this.profile();
      case Kw.psp:
        return this.psp();
      case Kw.grant:
        return this.grant();
      case Kw.allow:
      case Kw.deny:
        // no security rule has an arrow: with one, only a network rule can parse
        return isNetworkRule(this.lookahead) ? this.networkRule() : this.securityRule();
      case Kw.require:
      case Kw.set:
        return this.securityRule();
      case Kw.assert:
        return this.assertStatement();
      case Kw.default:
        return this.defaultStatement();
      case Kw.pss:
        return this.pss();
      case Kw.labels:
        return this.labels();
      case Kw.apply:
        return this.apply();
      default:
        throw new Mismatch();
    }
  }

  private importStatement(): ast.ImportStatement {
    const start = this.pos;
    this.take(Kw.import);
    const path = this.word(this.take(t.StringToken));
    return { kind: "Import", path, span: this.spanFrom(start) };
  }

  private clusterBlock(): ast.ClusterBlock {
    const start = this.pos;
    this.take(Kw.cluster);
    const settings = this.settingsBlock();
    return { kind: "Cluster", settings, span: this.spanFrom(start) };
  }

  private settingsBlock(): ast.Setting[] {
    const settings: ast.Setting[] = [];
    this.take(t.LBrace);
    for (;;) {
      if (this.skip(t.Newline) || this.skip(t.Semicolon)) continue;
      if (!this.at(t.Name)) break;
      settings.push(this.setting());
    }
    this.take(t.RBrace);
    return settings;
  }

  private startsValue(): boolean {
    const type = this.type();
    return type !== undefined && (valueStarts.has(type) || this.at(t.Name));
  }

  private setting(): ast.Setting {
    const start = this.pos;
    const name = this.word(this.take(t.Name));
    const values = [this.value()];
    while (this.skip(t.Comma) || this.startsValue()) values.push(this.value());
    return { kind: "Setting", name, values, span: this.spanFrom(start) };
  }

  private value(): ast.Value {
    const start = this.pos;
    const type = this.type();
    if (type === t.NumberToken) {
      const from = this.take(t.NumberToken);
      if (!this.skip(t.DotDot)) return this.number(from);
      const to = this.take(t.NumberToken);
      return { kind: "Range", from: this.number(from), to: this.number(to), span: this.span(from, to) };
    }
    if (type !== undefined && valueStarts.has(type)) {
      const token = this.take(type);
      const quoted = type === t.StringToken;
      return { kind: "Word", text: quoted ? unquote(token.image) : token.image, quoted, span: this.span(token, token) };
    }
    if (!this.at(t.Name) || targetKeywords.has(type!)) throw new Mismatch();
    let text = this.take(t.Name).image;
    while (this.skip(t.Slash)) text += `/${this.take(t.Name).image}`;
    return { kind: "Word", text, quoted: false, span: this.spanFrom(start) };
  }

  private namespaceBlock(): ast.NamespaceBlock {
    const start = this.pos;
    this.take(Kw.namespace);
    const name = this.word(this.take(t.Name));
    this.take(t.LBrace);
    const statements = this.statements();
    this.take(t.RBrace);
    return { kind: "Namespace", name, statements, span: this.spanFrom(start) };
  }

  private workload(): ast.WorkloadDeclaration {
    const start = this.pos;
    this.take(Kw.workload);
    const name = this.qualifiedName();
    // a workload's selector starts with a clause keyword only where that keyword is a label key
    if (!startsWorkloadSelector((k) => this.type(k))) throw new Mismatch();
    const selector = this.selector();
    const ports: ast.PortDeclaration[] = [];
    const services: ast.ServicePortDeclaration[] = [];
    // the keywords and names of the `serviceAccount`, `containers` and `kind` clauses
    const clauses: IToken[] = [];
    const names: IToken[] = [];
    for (;;) {
      const type = this.type();
      if (type === Kw.port) ports.push(this.portDeclaration());
      else if (type === Kw.service) services.push(this.serviceDeclaration());
      else if (type === Kw.serviceAccount || type === Kw.kind || type === Kw.containers || type === Kw.initContainers) {
        clauses.push(this.take(type));
        do {
          const name = this.take(t.Name);
          clauses.push(name);
          names.push(name);
        } while ((type === Kw.containers || type === Kw.initContainers) && this.skip(t.Comma));
      } else break;
    }
    const result: ast.WorkloadDeclaration = { kind: "Workload", name, selector, ports, services, containers: [], initContainers: [], span: this.spanFrom(start) };
    addClauseNames(result, clauses, names, (token) => this.word(token), this.diagnostics);
    return result;
  }

  private portDeclaration(): ast.PortDeclaration {
    const start = this.pos;
    this.take(Kw.port);
    const name = this.word(this.take(t.Name));
    const port = this.number(this.take(t.NumberToken));
    const protocol = this.skip(t.Slash) ? this.word(this.take(t.Name)) : undefined;
    return { kind: "PortDeclaration", name, port, ...(protocol ? { protocol } : {}), span: this.spanFrom(start) };
  }

  private serviceDeclaration(): ast.ServicePortDeclaration {
    const start = this.pos;
    this.take(Kw.service);
    const port = this.number(this.take(t.NumberToken));
    this.take(t.Arrow);
    const target = this.type() === t.NumberToken ? this.number(this.take(t.NumberToken)) : this.word(this.take(t.Name));
    return { kind: "ServicePort", port, target, span: this.spanFrom(start) };
  }

  private group(): ast.GroupDeclaration {
    const start = this.pos;
    this.take(Kw.group);
    const name = this.word(this.take(t.Name));
    this.take(t.Equals);
    const peers = this.peerList();
    const ports = this.skip(t.Colon) ? this.portList() : [];
    return { kind: "Group", name, peers, ports, span: this.spanFrom(start) };
  }

  private profile(): ast.ProfileDeclaration {
    const start = this.pos;
    this.take(Kw.profile);
    const name = this.word(this.take(t.Name));
    this.take(t.LBrace);
    const rules = profileRules(this.statements(), this.diagnostics);
    this.take(t.RBrace);
    return { kind: "Profile", name, rules, span: this.spanFrom(start) };
  }

  private psp(): ast.PspDeclaration {
    const start = this.pos;
    this.take(Kw.psp);
    const name = this.word(this.take(t.Name));
    const fields = this.settingsBlock();
    return { kind: "Psp", name, fields, span: this.spanFrom(start) };
  }

  private grant(): ast.GrantStatement {
    const start = this.pos;
    this.take(Kw.grant);
    this.take(Kw.psp);
    const psp = this.word(this.take(t.Name));
    this.take(Kw.to);
    if (this.skip(Kw.user) || this.skip(Kw.group)) {
      const kind = this.tokens[this.pos - 1].tokenType === Kw.user ? "User" : "Group";
      const name = this.subjectName();
      return { kind: "Grant", psp, subject: { kind, name, span: name.span }, span: this.spanFrom(start) };
    }
    if (this.skip(Kw.serviceaccount)) {
      const namespace = this.word(this.take(t.Name));
      this.take(t.Slash);
      const name = this.word(this.take(t.Name));
      const span = this.spanFrom(start);
      return { kind: "Grant", psp, subject: { kind: "ServiceAccount", namespace, name, span }, span };
    }
    this.take(Kw.serviceaccounts);
    this.take(Kw.in);
    this.take(Kw.ns);
    const namespace = this.word(this.take(t.Name));
    const span = this.spanFrom(start);
    return { kind: "Grant", psp, subject: { kind: "ServiceAccounts", namespace, span }, span };
  }

  /** `system:authenticated`, `b`, or `"jane@example.com"`. */
  private subjectName(): ast.Word {
    if (this.type() === t.StringToken) return this.word(this.take(t.StringToken));
    const start = this.pos;
    let text = this.take(t.Name).image;
    while (this.skip(t.Colon)) text += `:${this.take(t.Name).image}`;
    return { text, span: this.spanFrom(start) };
  }

  private networkRule(): ast.NetworkRule {
    const start = this.pos;
    const action = this.skip(Kw.allow) ? "allow" : (this.take(Kw.deny), "deny");
    const sources = this.peerList();
    this.take(t.Arrow);
    const destinations = this.peerList();
    const lists: ast.PortSpec[][] = [];
    while (this.skip(t.Colon)) lists.push(this.portList());
    return { kind: "NetworkRule", action, sources, destinations, ports: lists[0] ?? [], extraPortLists: lists.slice(1), span: this.spanFrom(start) };
  }

  private assertStatement(): ast.AssertStatement {
    const start = this.pos;
    this.take(Kw.assert);
    const sources = this.peerList();
    const negated = this.skip(t.NotArrow);
    if (!negated) this.take(t.Arrow);
    const destinations = this.peerList();
    const ports = this.skip(t.Colon) ? this.portList() : [];
    return { kind: "Assert", negated, sources, destinations, ports, span: this.spanFrom(start) };
  }

  private defaultStatement(): ast.DefaultStatement {
    const start = this.pos;
    this.take(Kw.default);
    const posture = this.skip(Kw.allow) ? "allow" : (this.take(Kw.deny), "deny");
    const direction = this.skip(Kw.ingress) ? "ingress" : this.skip(Kw.egress) ? "egress" : undefined;
    const workload = this.skip(Kw.for) ? this.qualifiedName() : undefined;
    const result: ast.DefaultStatement = { kind: "Default", posture, span: this.spanFrom(start) };
    if (direction) result.direction = direction;
    if (workload) result.workload = workload;
    return result;
  }

  /** `item ( "," item )*` */
  private list<T>(item: (this: Reader) => T): T[] {
    const items = [item.call(this)];
    while (this.skip(t.Comma)) items.push(item.call(this));
    return items;
  }

  private peerList(): ast.Peer[] {
    return this.list(this.peer);
  }

  /** The keyword forms only where no `/` follows (`pods/web` names a workload), else a name. */
  private peer(): ast.Peer {
    const start = this.pos;
    const type = this.type();
    const next = this.type(1);
    const keyword = next !== t.Slash;
    if (keyword && type === Kw.pods && next === t.LParen) {
      this.pos += 2;
      const selector = this.selector();
      this.take(t.RParen);
      const within = this.skip(Kw.in) ? this.namespaceRef() : undefined;
      const result: ast.PodsPeer = { kind: "PodsPeer", selector, span: this.spanFrom(start) };
      if (within) result.within = within;
      return result;
    }
    if (keyword && type === Kw.ns && (next === t.LParen || this.at(t.Name, 1))) return this.namespaceRef();
    if (keyword && type === Kw.cidr && addressTokens.has(next!)) {
      this.pos++;
      const cidr = this.address();
      const except: ast.Word[] = [];
      if (this.skip(Kw.except)) {
        except.push(this.address());
        // a `,` and no block or address after it ends the peer: the peer list goes on
        while (this.type() === t.Comma && addressTokens.has(this.type(1)!)) {
          this.pos++;
          except.push(this.address());
        }
      }
      return { kind: "CidrPeer", cidr, except, span: this.spanFrom(start) };
    }
    const peerKeyword = keyword ? keywordPeers.get(type!) : undefined;
    if (peerKeyword) {
      this.pos++;
      return { kind: "KeywordPeer", keyword: peerKeyword, span: this.spanFrom(start) };
    }
    const first = this.word(this.take(t.Name));
    if (!this.skip(t.Slash)) {
      const span = this.spanFrom(start);
      return { kind: "Reference", ref: { kind: "QualifiedName", name: first, span }, span };
    }
    if (this.skip(t.Star)) return { kind: "NamespacePeer", namespace: first, star: true, span: this.spanFrom(start) };
    const name = this.word(this.take(t.Name));
    const span = this.spanFrom(start);
    return { kind: "Reference", ref: { kind: "QualifiedName", namespace: first, name, span }, span };
  }

  /** A CIDR block or an IP address. */
  private address(): ast.Word {
    return this.word(this.take(this.type() === t.Cidr ? t.Cidr : t.Address));
  }

  private namespaceRef(): ast.NamespacePeer | ast.NamespaceSelectorPeer {
    const start = this.pos;
    this.take(Kw.ns);
    if (!this.skip(t.LParen)) return { kind: "NamespacePeer", namespace: this.word(this.take(t.Name)), star: false, span: this.spanFrom(start) };
    const selector = this.selector();
    this.take(t.RParen);
    return { kind: "NamespaceSelectorPeer", selector, span: this.spanFrom(start) };
  }

  private portList(): ast.PortSpec[] {
    return this.list(this.portItem);
  }

  private portItem(): ast.PortSpec {
    const start = this.pos;
    let port: ast.NumberLiteral | ast.Word | undefined;
    let range: ast.RangeLiteral | undefined;
    if (this.type() === t.NumberToken) {
      const from = this.take(t.NumberToken);
      if (this.skip(t.DotDot)) {
        const to = this.take(t.NumberToken);
        range = { kind: "Range", from: this.number(from), to: this.number(to), span: this.span(from, to) };
      } else port = this.number(from);
    } else port = this.word(this.take(t.Name));
    const protocol = this.skip(t.Slash) ? this.word(this.take(t.Name)) : undefined;
    const spec: ast.PortSpec = { kind: "PortSpec", span: this.spanFrom(start) };
    if (range) spec.range = range;
    else spec.port = port;
    if (protocol) spec.protocol = protocol;
    return spec;
  }

  private qualifiedName(): ast.QualifiedName {
    const start = this.pos;
    const first = this.word(this.take(t.Name));
    if (!this.skip(t.Slash)) return { kind: "QualifiedName", name: first, span: this.spanFrom(start) };
    const name = this.word(this.take(t.Name));
    return { kind: "QualifiedName", namespace: first, name, span: this.spanFrom(start) };
  }

  private selector(): ast.Selector {
    const start = this.pos;
    const requirements = this.list(this.requirement);
    return { kind: "Selector", requirements, span: this.spanFrom(start) };
  }

  private requirement(): ast.Requirement {
    const start = this.pos;
    const negated = this.skip(t.Bang);
    const key = this.labelKey();
    let operator: ast.Requirement["operator"] = negated ? "!exists" : "exists";
    let values: ast.Word[] = [];
    // nothing follows `!key`
    const type = negated ? undefined : this.type();
    if (type === t.Equals || type === t.DoubleEquals || type === t.NotEquals) {
      this.pos++;
      operator = type === t.NotEquals ? "!=" : "=";
      values = [this.labelValue()];
    } else if (type === Kw.in || type === Kw.notin) {
      this.pos++;
      operator = type === Kw.in ? "in" : "notin";
      this.take(t.LParen);
      values = this.list(this.labelValue);
      this.take(t.RParen);
    }
    return { kind: "Requirement", key, operator, values, span: this.spanFrom(start) };
  }

  private labelKey(): ast.LabelKey {
    const start = this.pos;
    const first = this.take(t.Name);
    if (!this.skip(t.Slash)) return { name: this.word(first), text: first.image, span: this.spanFrom(start) };
    const name = this.take(t.Name);
    return { prefix: this.word(first), name: this.word(name), text: `${first.image}/${name.image}`, span: this.spanFrom(start) };
  }

  private labelValue(): ast.Word {
    const type = this.type();
    return this.word(this.take(type === t.NumberToken || type === t.StringToken ? type : t.Name));
  }

  private pss(): ast.PssStatement {
    const start = this.pos;
    this.take(Kw.pss);
    const modes = this.list(this.pssMode);
    return { kind: "Pss", modes, span: this.spanFrom(start) };
  }

  private pssMode(): ast.PssMode {
    const start = this.pos;
    const mode = this.word(this.take(t.Name));
    const level = this.word(this.take(t.Name));
    const version = this.skip(t.At) ? this.word(this.take(this.type() === t.NumberToken ? t.NumberToken : t.Name)) : undefined;
    const result: ast.PssMode = { kind: "PssMode", mode, level, span: this.spanFrom(start) };
    if (version) result.version = version;
    return result;
  }

  private labels(): ast.LabelsStatement {
    const start = this.pos;
    this.take(Kw.labels);
    const labels = this.list(this.labelPair);
    return { kind: "Labels", labels, span: this.spanFrom(start) };
  }

  private labelPair(): ast.LabelsStatement["labels"][number] {
    const start = this.pos;
    const key = this.labelKey();
    this.take(t.Equals);
    const value = this.labelValue();
    return { key, value, span: this.spanFrom(start) };
  }

  private securityRule(): ast.SecurityRule {
    const start = this.pos;
    const action = securityActions.get(this.type()!)!;
    this.pos++;
    const items = this.list(this.securityItem);
    const target = targetKeywords.has(this.type()!) ? this.securityTarget() : undefined;
    const rule: ast.SecurityRule = { kind: "SecurityRule", action, items, span: this.spanFrom(start) };
    if (target) rule.target = target;
    return rule;
  }

  private securityItem(): ast.SecurityItem {
    const start = this.pos;
    const name = this.word(this.take(t.Name));
    const args: ast.Value[] = [];
    while (!targetKeywords.has(this.type()!) && this.startsValue()) args.push(this.value());
    return { kind: "SecurityItem", name, args, span: this.spanFrom(start) };
  }

  private securityTarget(): ast.SecurityTarget {
    const start = this.pos;
    if (this.skip(Kw.for)) {
      const workload = this.qualifiedName();
      return { kind: "ForWorkload", workload, span: this.spanFrom(start) };
    }
    this.take(Kw.in);
    if (this.skip(Kw.all)) return { kind: "InAll", span: this.spanFrom(start) };
    const ref = this.namespaceRef();
    const span = this.spanFrom(start);
    return ref.kind === "NamespacePeer" ? { kind: "InNamespace", namespace: ref.namespace, span } : { kind: "InNamespaceSelector", selector: ref.selector, span };
  }

  /** As `peer`: `ns` and `all` are keywords only where no `/` follows. */
  private apply(): ast.ApplyStatement {
    const start = this.pos;
    this.take(Kw.apply);
    const profile = this.word(this.take(t.Name));
    this.take(Kw.to);
    const type = this.type();
    const keyword = this.type(1) !== t.Slash;
    let target: ast.SecurityTarget;
    if (keyword && type === Kw.ns && (this.type(1) === t.LParen || this.at(t.Name, 1))) {
      const ref = this.namespaceRef();
      target = ref.kind === "NamespacePeer" ? { kind: "InNamespace", namespace: ref.namespace, span: ref.span } : { kind: "InNamespaceSelector", selector: ref.selector, span: ref.span };
    } else if (keyword && type === Kw.all) {
      const all = this.take(Kw.all);
      target = { kind: "InAll", span: this.span(all, all) };
    } else {
      const workload = this.qualifiedName();
      target = { kind: "ForWorkload", workload, span: workload.span };
    }
    return { kind: "Apply", profile, target, span: this.spanFrom(start) };
  }
}
