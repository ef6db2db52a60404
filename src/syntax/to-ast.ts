/**
 * CST → AST. Defensive by design: after error recovery a CST node may miss children; such a node is
 * dropped (its error is already reported) instead of producing a half-built AST node.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { syntax as m } from "../diagnostics/messages/syntax.js";
import type * as ast from "./ast.js";
import { STRING_ESCAPES } from "./tokens.js";

type Element = CstElement;

const isToken = (e: Element): e is IToken => "image" in e;

/** The children of a node in source order, without tokens invented by error recovery. */
function items(node: CstNode): Element[] {
  const all: Element[] = [];
  for (const list of Object.values(node.children)) for (const e of list) if (isToken(e) ? !e.isInsertedInRecovery : !e.recoveredNode) all.push(e);
  return all.sort((a, b) => startOffset(a) - startOffset(b));
}

const startOffset = (e: Element): number => (isToken(e) ? e.startOffset : (e.location?.startOffset ?? Number.MAX_SAFE_INTEGER));

const child = (node: CstNode, rule: string, index = 0): CstNode | undefined => {
  const c = node.children[rule]?.[index];
  return c && !isToken(c) && !c.recoveredNode ? c : undefined;
};
const children = (node: CstNode, rule: string): CstNode[] =>
  (node.children[rule] ?? []).filter((c): c is CstNode => !isToken(c) && !c.recoveredNode);
const tokens = (node: CstNode, name: string): IToken[] =>
  (node.children[name] ?? []).filter((c): c is IToken => isToken(c) && !c.isInsertedInRecovery);
const token = (node: CstNode, name: string, index = 0): IToken | undefined => tokens(node, name)[index];
const hasToken = (node: CstNode, name: string) => tokens(node, name).length > 0;

class Converter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly path: string) {}

  span(from: Element, to: Element = from): Span {
    const start = isToken(from)
      ? { line: from.startLine ?? 1, column: from.startColumn ?? 1, offset: from.startOffset }
      : { line: from.location?.startLine ?? 1, column: from.location?.startColumn ?? 1, offset: from.location?.startOffset ?? 0 };
    const end = isToken(to)
      ? { line: to.endLine ?? start.line, column: (to.endColumn ?? start.column) + 1, offset: (to.endOffset ?? start.offset) + 1 }
      : {
          line: to.location?.endLine ?? start.line,
          column: (to.location?.endColumn ?? start.column) + 1,
          offset: (to.location?.endOffset ?? start.offset) + 1,
        };
    return { file: this.path, start, end };
  }

  nodeSpan(node: CstNode): Span {
    // the parser tracks each node's location; it is NaN where recovery invented a token
    const l = node.location;
    if (l && Number.isFinite(l.startOffset) && Number.isFinite(l.endOffset) && Number.isFinite(l.startLine) && Number.isFinite(l.endColumn)) return this.span(node);
    const all = items(node);
    return all.length > 0 ? this.span(all[0], all[all.length - 1]) : this.span(node);
  }

  word(tok: IToken): ast.Word {
    return { text: tok.tokenType.name === "String" ? unquote(tok.image) : tok.image, span: this.span(tok) };
  }

  file(node: CstNode, comments: IToken[]): ast.SourceFileNode {
    const statements = this.statements(child(node, "statements"));
    const all = items(node);
    return {
      kind: "File",
      path: this.path,
      statements,
      comments: comments.map((c) => ({ text: c.image, span: this.span(c) })),
      span: all.length > 0 ? this.span(all[0], all[all.length - 1]) : { file: this.path, start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
    };
  }

  statements(node: CstNode | undefined): ast.Statement[] {
    if (!node) return [];
    const result: ast.Statement[] = [];
    for (const s of children(node, "statement")) {
      const statement = this.statement(s);
      if (statement) result.push(statement);
    }
    return result;
  }

  statement(node: CstNode): ast.Statement | undefined {
    const [inner] = items(node);
    if (!inner || isToken(inner)) return undefined;
    try {
      switch (inner.name) {
        case "importStatement":
          return this.importStatement(inner);
        case "clusterBlock":
          return this.clusterBlock(inner);
        case "namespaceBlock":
          return this.namespaceBlock(inner);
        case "workload":
          return this.workload(inner);
        case "group":
          return this.group(inner);
        case "profile":
          return this.profile(inner);
        case "psp":
          return this.psp(inner);
        case "grant":
          return this.grant(inner);
        case "networkRule":
          return this.networkRule(inner);
        case "securityRule":
          return this.securityRule(inner);
        case "assertStatement":
          return this.assertStatement(inner);
        case "defaultStatement":
          return this.defaultStatement(inner);
        case "pss":
          return this.pss(inner);
        case "labels":
          return this.labels(inner);
        case "apply":
          return this.apply(inner);
      }
    } catch (e) {
      if (e instanceof Incomplete) return undefined;
      throw e;
    }
    return undefined;
  }

  importStatement(node: CstNode): ast.ImportStatement {
    return { kind: "Import", path: this.word(need(token(node, "String"))), span: this.nodeSpan(node) };
  }

  clusterBlock(node: CstNode): ast.ClusterBlock {
    return { kind: "Cluster", settings: this.settings(need(child(node, "settingsBlock"))), span: this.nodeSpan(node) };
  }

  settings(node: CstNode): ast.Setting[] {
    const result: ast.Setting[] = [];
    for (const s of children(node, "setting")) {
      const name = token(s, "Name");
      if (!name) continue;
      const values = children(s, "value").flatMap((v) => this.value(v) ?? []);
      result.push({ kind: "Setting", name: this.word(name), values, span: this.nodeSpan(s) });
    }
    return result;
  }

  value(node: CstNode): ast.Value | undefined {
    const numbers = tokens(node, "Number");
    if (numbers.length === 2) return this.range(numbers[0], numbers[1]);
    if (numbers.length === 1) return this.number(numbers[0]);
    const all = items(node).filter(isToken);
    if (all.length === 0) return undefined;
    const quoted = all[0].tokenType.name === "String";
    const text = quoted ? unquote(all[0].image) : all.map((t) => t.image).join("");
    return { kind: "Word", text, quoted, span: this.span(all[0], all[all.length - 1]) };
  }

  number(tok: IToken): ast.NumberLiteral {
    return { kind: "Number", text: tok.image, span: this.span(tok) };
  }

  range(from: IToken, to: IToken): ast.RangeLiteral {
    return { kind: "Range", from: this.number(from), to: this.number(to), span: this.span(from, to) };
  }

  namespaceBlock(node: CstNode): ast.NamespaceBlock {
    need(token(node, "RBrace"));
    return { kind: "Namespace", name: this.word(need(token(node, "Name"))), statements: this.statements(child(node, "statements")), span: this.nodeSpan(node) };
  }

  qualifiedName(node: CstNode): ast.QualifiedName {
    const names = tokens(node, "Name");
    need(names[0]);
    const result: ast.QualifiedName = names.length === 2
      ? { kind: "QualifiedName", namespace: this.word(names[0]), name: this.word(names[1]), span: this.nodeSpan(node) }
      : { kind: "QualifiedName", name: this.word(names[0]), span: this.nodeSpan(node) };
    return result;
  }

  workload(node: CstNode): ast.WorkloadDeclaration {
    const selector = this.selector(need(child(need(child(node, "workloadSelector")), "selector")));
    const names = tokens(node, "Name");
    const result: ast.WorkloadDeclaration = {
      kind: "Workload",
      name: this.qualifiedName(need(child(node, "qualifiedName"))),
      selector,
      ports: children(node, "portDeclaration").map((p) => {
        const [name, protocol] = tokens(p, "Name");
        return {
          kind: "PortDeclaration" as const,
          name: this.word(need(name)),
          port: this.number(need(token(p, "Number"))),
          ...(protocol ? { protocol: this.word(protocol) } : {}),
          span: this.nodeSpan(p),
        };
      }),
      services: children(node, "serviceDeclaration").map((s) => {
        const [port, target] = tokens(s, "Number");
        const name = token(s, "Name");
        return {
          kind: "ServicePort" as const,
          port: this.number(need(port)),
          target: target ? this.number(target) : this.word(need(name)),
          span: this.nodeSpan(s),
        };
      }),
      containers: [],
      initContainers: [],
      span: this.nodeSpan(node),
    };
    addClauseNames(result, items(node).filter(isToken), names, (tok) => this.word(tok), this.diagnostics);
    return result;
  }

  group(node: CstNode): ast.GroupDeclaration {
    const portList = child(node, "portList");
    return {
      kind: "Group",
      name: this.word(need(token(node, "Name"))),
      peers: this.peers(need(child(node, "peerList"))),
      ports: portList ? this.ports(portList) : [],
      span: this.nodeSpan(node),
    };
  }

  profile(node: CstNode): ast.ProfileDeclaration {
    const rules = profileRules(this.statements(child(node, "statements")), this.diagnostics);
    return { kind: "Profile", name: this.word(need(token(node, "Name"))), rules, span: this.nodeSpan(node) };
  }

  psp(node: CstNode): ast.PspDeclaration {
    return { kind: "Psp", name: this.word(need(token(node, "Name"))), fields: this.settings(need(child(node, "settingsBlock"))), span: this.nodeSpan(node) };
  }

  grant(node: CstNode): ast.GrantStatement {
    const names = tokens(node, "Name");
    const psp = this.word(need(names[0]));
    const span = this.nodeSpan(node);
    let subject: ast.GrantSubject;
    const subjectNode = child(node, "subjectName");
    if (hasToken(node, "Kw_user") || hasToken(node, "Kw_group")) {
      const name = this.subjectName(need(subjectNode));
      subject = { kind: hasToken(node, "Kw_user") ? "User" : "Group", name, span: name.span };
    } else if (hasToken(node, "Kw_serviceaccount")) {
      subject = { kind: "ServiceAccount", namespace: this.word(need(names[1])), name: this.word(need(names[2])), span };
    } else {
      subject = { kind: "ServiceAccounts", namespace: this.word(need(names[1])), span };
    }
    return { kind: "Grant", psp, subject, span };
  }

  subjectName(node: CstNode): ast.Word {
    const all = items(node).filter(isToken);
    need(all[0]);
    if (all[0].tokenType.name === "String") return this.word(all[0]);
    return { text: all.map((t) => t.image).join(""), span: this.span(all[0], all[all.length - 1]) };
  }

  networkRule(node: CstNode): ast.NetworkRule {
    const [sources, destinations] = children(node, "peerList");
    const lists = children(node, "portList").map((p) => this.ports(p));
    need(token(node, "Arrow"));
    return {
      kind: "NetworkRule",
      action: hasToken(node, "Kw_allow") ? "allow" : "deny",
      sources: this.peers(need(sources)),
      destinations: this.peers(need(destinations)),
      ports: lists[0] ?? [],
      extraPortLists: lists.slice(1),
      span: this.nodeSpan(node),
    };
  }

  assertStatement(node: CstNode): ast.AssertStatement {
    const [sources, destinations] = children(node, "peerList");
    const portList = child(node, "portList");
    return {
      kind: "Assert",
      negated: hasToken(node, "NotArrow"),
      sources: this.peers(need(sources)),
      destinations: this.peers(need(destinations)),
      ports: portList ? this.ports(portList) : [],
      span: this.nodeSpan(node),
    };
  }

  defaultStatement(node: CstNode): ast.DefaultStatement {
    const result: ast.DefaultStatement = {
      kind: "Default",
      posture: hasToken(node, "Kw_deny") ? "deny" : need(hasToken(node, "Kw_allow") ? "allow" : undefined),
      span: this.nodeSpan(node),
    };
    if (hasToken(node, "Kw_ingress")) result.direction = "ingress";
    if (hasToken(node, "Kw_egress")) result.direction = "egress";
    const workload = child(node, "qualifiedName");
    if (workload) result.workload = this.qualifiedName(workload);
    else if (hasToken(node, "Kw_for")) throw new Incomplete();
    return result;
  }

  peers(node: CstNode): ast.Peer[] {
    const result = children(node, "peer").map((p) => this.peer(p));
    if (result.length === 0) throw new Incomplete();
    return result;
  }

  peer(node: CstNode): ast.Peer {
    const span = this.nodeSpan(node);
    if (hasToken(node, "Kw_pods")) {
      const within = child(node, "namespaceRef");
      const result: ast.PodsPeer = { kind: "PodsPeer", selector: this.selector(need(child(node, "selector"))), span };
      if (within) result.within = this.namespaceRef(within);
      else if (hasToken(node, "Kw_in")) throw new Incomplete();
      return result;
    }
    const ref = child(node, "namespaceRef");
    if (ref) return this.namespaceRef(ref);
    if (hasToken(node, "Kw_cidr")) {
      const blocks = [...tokens(node, "Cidr"), ...tokens(node, "Address")].sort((a, b) => a.startOffset - b.startOffset);
      return { kind: "CidrPeer", cidr: this.word(need(blocks[0])), except: blocks.slice(1).map((b) => this.word(b)), span };
    }
    for (const keyword of ["world", "cluster", "any"] as const) {
      if (hasToken(node, `Kw_${keyword}`)) return { kind: "KeywordPeer", keyword, span };
    }
    const names = tokens(node, "Name");
    need(names[0]);
    if (hasToken(node, "Star")) return { kind: "NamespacePeer", namespace: this.word(names[0]), star: true, span };
    if (hasToken(node, "Slash") && !names[1]) throw new Incomplete();
    const ref2: ast.QualifiedName = names[1]
      ? { kind: "QualifiedName", namespace: this.word(names[0]), name: this.word(names[1]), span }
      : { kind: "QualifiedName", name: this.word(names[0]), span };
    return { kind: "Reference", ref: ref2, span };
  }

  namespaceRef(node: CstNode): ast.NamespacePeer | ast.NamespaceSelectorPeer {
    const span = this.nodeSpan(node);
    const selector = child(node, "selector");
    if (selector) return { kind: "NamespaceSelectorPeer", selector: this.selector(selector), span };
    if (hasToken(node, "LParen")) throw new Incomplete();
    return { kind: "NamespacePeer", namespace: this.word(need(token(node, "Name"))), star: false, span };
  }

  ports(node: CstNode): ast.PortSpec[] {
    return children(node, "portItem").map((p) => {
      const numbers = tokens(p, "Number");
      const names = tokens(p, "Name");
      const spec: ast.PortSpec = { kind: "PortSpec", span: this.nodeSpan(p) };
      if (numbers.length === 2) spec.range = this.range(numbers[0], numbers[1]);
      else if (numbers.length === 1) spec.port = this.number(numbers[0]);
      else spec.port = this.word(need(names.shift()));
      if (hasToken(p, "DotDot") && numbers.length < 2) throw new Incomplete();
      if (names.length > 0) spec.protocol = this.word(names[names.length - 1]);
      else if (hasToken(p, "Slash")) throw new Incomplete();
      return spec;
    });
  }

  selector(node: CstNode): ast.Selector {
    const requirements = children(node, "requirement").map((r) => this.requirement(r));
    if (requirements.length === 0) throw new Incomplete();
    return { kind: "Selector", requirements, span: this.nodeSpan(node) };
  }

  labelKey(node: CstNode): ast.LabelKey {
    const names = tokens(node, "Name");
    need(names[0]);
    if (hasToken(node, "Slash") && !names[1]) throw new Incomplete();
    const span = this.nodeSpan(node);
    return names[1]
      ? { prefix: this.word(names[0]), name: this.word(names[1]), text: `${names[0].image}/${names[1].image}`, span }
      : { name: this.word(names[0]), text: names[0].image, span };
  }

  labelValue(node: CstNode): ast.Word {
    const [tok] = items(node).filter(isToken);
    return this.word(need(tok));
  }

  requirement(node: CstNode): ast.Requirement {
    const key = this.labelKey(need(child(node, "labelKey")));
    const values = children(node, "labelValue").map((v) => this.labelValue(v));
    const span = this.nodeSpan(node);
    const make = (operator: ast.Requirement["operator"]): ast.Requirement => ({ kind: "Requirement", key, operator, values, span });
    if (hasToken(node, "Bang")) return make("!exists");
    if (hasToken(node, "Equals") || hasToken(node, "DoubleEquals")) return values.length === 1 ? make("=") : incomplete();
    if (hasToken(node, "NotEquals")) return values.length === 1 ? make("!=") : incomplete();
    if (hasToken(node, "Kw_in")) return values.length > 0 && hasToken(node, "RParen") ? make("in") : incomplete();
    if (hasToken(node, "Kw_notin")) return values.length > 0 && hasToken(node, "RParen") ? make("notin") : incomplete();
    return make("exists");
  }

  pss(node: CstNode): ast.PssStatement {
    const modes = children(node, "pssMode").map((m): ast.PssMode => {
      const [mode, level, versionName] = tokens(m, "Name");
      const version = versionName ?? token(m, "Number");
      const result: ast.PssMode = { kind: "PssMode", mode: this.word(need(mode)), level: this.word(need(level)), span: this.nodeSpan(m) };
      if (version) result.version = this.word(version);
      else if (hasToken(m, "At")) throw new Incomplete();
      return result;
    });
    if (modes.length === 0) throw new Incomplete();
    return { kind: "Pss", modes, span: this.nodeSpan(node) };
  }

  labels(node: CstNode): ast.LabelsStatement {
    const labels = children(node, "labelPair").map((p) => ({
      key: this.labelKey(need(child(p, "labelKey"))),
      value: this.labelValue(need(child(p, "labelValue"))),
      span: this.nodeSpan(p),
    }));
    if (labels.length === 0) throw new Incomplete();
    return { kind: "Labels", labels, span: this.nodeSpan(node) };
  }

  securityRule(node: CstNode): ast.SecurityRule {
    const action = (["deny", "allow", "require", "set"] as const).find((a) => hasToken(node, `Kw_${a}`));
    const items = children(node, "securityItem").map((i): ast.SecurityItem => ({
      kind: "SecurityItem",
      name: this.word(need(token(i, "Name"))),
      args: children(i, "value").flatMap((v) => this.value(v) ?? []),
      span: this.nodeSpan(i),
    }));
    if (items.length === 0) throw new Incomplete();
    const rule: ast.SecurityRule = { kind: "SecurityRule", action: need(action), items, span: this.nodeSpan(node) };
    const target = child(node, "securityTarget");
    if (target) rule.target = this.securityTarget(target);
    return rule;
  }

  securityTarget(node: CstNode): ast.SecurityTarget {
    const span = this.nodeSpan(node);
    const workload = child(node, "qualifiedName");
    if (workload) return { kind: "ForWorkload", workload: this.qualifiedName(workload), span };
    if (hasToken(node, "Kw_all")) return { kind: "InAll", span };
    const ref = this.namespaceRef(need(child(node, "namespaceRef")));
    return ref.kind === "NamespacePeer" ? { kind: "InNamespace", namespace: ref.namespace, span } : { kind: "InNamespaceSelector", selector: ref.selector, span };
  }

  apply(node: CstNode): ast.ApplyStatement {
    const span = this.nodeSpan(node);
    const profile = this.word(need(token(node, "Name")));
    const workload = child(node, "qualifiedName");
    const ref = child(node, "namespaceRef");
    let target: ast.SecurityTarget;
    if (workload) target = { kind: "ForWorkload", workload: this.qualifiedName(workload), span: this.nodeSpan(workload) };
    else if (ref) {
      const ns = this.namespaceRef(ref);
      target = ns.kind === "NamespacePeer" ? { kind: "InNamespace", namespace: ns.namespace, span: ns.span } : { kind: "InNamespaceSelector", selector: ns.selector, span: ns.span };
    } else if (hasToken(node, "Kw_all")) target = { kind: "InAll", span: this.span(need(token(node, "Kw_all"))) };
    else throw new Incomplete();
    return { kind: "Apply", profile, target, span };
  }
}

/**
 * Gives a workload the names of its `serviceAccount`, `containers` and `kind` clauses: `tokens` are
 * its own tokens in source order, and each of `names` among them belongs to the clause keyword
 * before it. A name may be spelled like a keyword (a container called `kind`): what the parser
 * consumed as a name is a name. A second `serviceAccount` or `kind` is reported: the tree keeps one,
 * and the other would be lost without a word (also by the formatter).
 */
export function addClauseNames(workload: ast.WorkloadDeclaration, tokens: readonly IToken[], names: readonly IToken[], word: (tok: IToken) => ast.Word, diagnostics: Diagnostic[]): void {
  let clause: string | undefined;
  for (const tok of tokens) {
    const type = tok.tokenType.name;
    if (names.includes(tok)) {
      const name = word(tok);
      const repeated = (keyword: string) => diagnostics.push(diagnostic(m.clauseRepeated, name.span, [keyword], { help: `keep one \`${keyword}\` clause` }));
      if (clause === "Kw_serviceAccount") {
        if (workload.serviceAccount) repeated("serviceAccount");
        workload.serviceAccount = name;
      } else if (clause === "Kw_kind") {
        if (workload.workloadKind) repeated("kind");
        workload.workloadKind = name;
      } else if (clause === "Kw_containers") workload.containers.push(name);
      else if (clause === "Kw_initContainers") workload.initContainers.push(name);
    } else if (type === "Kw_serviceAccount" || type === "Kw_containers" || type === "Kw_initContainers" || type === "Kw_kind") clause = type;
  }
}

/** The statements of a profile's block that it keeps, its rules without a target; it reports the others. */
export function profileRules(statements: ast.Statement[], diagnostics: Diagnostic[]): ast.SecurityRule[] {
  const rules: ast.SecurityRule[] = [];
  for (const s of statements) {
    if (s.kind === "SecurityRule" && !s.target) rules.push(s);
    else {
      const what = s.kind === "SecurityRule" ? "a rule with a target" : `a \`${s.kind === "NetworkRule" ? s.action : s.kind.toLowerCase()}\` statement`;
      diagnostics.push(diagnostic(m.notAllowedInProfile, s.span, [what]));
    }
  }
  return rules;
}

/** Thrown inside the converter when a CST node lacks a part; the statement is then dropped. */
class Incomplete extends Error {}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Incomplete();
  return value;
}

function incomplete(): never {
  throw new Incomplete();
}

/** A string token's text: its escapes replaced, an unknown one (an error, reported by `tokenize`) kept as written. */
export function unquote(image: string): string {
  const body = image.endsWith('"') && image.length >= 2 ? image.slice(1, -1) : image.slice(1);
  return body.replace(/\\(.)/g, (escape, c: string) => STRING_ESCAPES.get(c) ?? escape);
}

export function toAst(cst: CstNode, path: string, comments: IToken[]): { file: ast.SourceFileNode; diagnostics: Diagnostic[] } {
  const converter = new Converter(path);
  return { file: converter.file(cst, comments), diagnostics: converter.diagnostics };
}
