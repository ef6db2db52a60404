/**
 * Completion that knows where it is: what the grammar allows at the cursor, read from the tokens
 * of the statement around it. Statement keywords at a statement start (those of the block it is
 * in); workloads, groups and namespaces where a peer goes (after `allow`/`deny`, `->`, `,`); a
 * namespace's workloads and groups after `NAME/`; the destination's named ports after `:`;
 * features, requirements and fields after `deny`/`allow`, `require` and `set` of pod-security
 * statements; levels after `pss enforce`; profiles after `apply`; PSPs after `grant psp`. Names
 * come from the binder (what the checker sees), so a name offered resolves where it is written.
 */
import type { IToken, TokenType } from "chevrotain";
import { CompletionItemKind, type CompletionItem } from "vscode-languageserver/node";
import type { Binding, Declaration } from "../check/binder.js";
import { tokenize } from "../syntax/parse.js";
import * as t from "../syntax/tokens.js";
import { Kw } from "../syntax/tokens.js";
import { capabilities, features, requirements, settable } from "../semantics/security.js";
import { importableStandardModules, isStandardModule } from "../stdlib/standard.js";
import { WORKLOAD_KINDS } from "../semantics/model.js";

export type CompletionKind =
  | "keyword"
  | "workload"
  | "group"
  | "namespace"
  | "profile"
  | "psp"
  | "feature"
  | "requirement"
  | "field"
  | "level"
  | "mode"
  | "capability"
  | "port"
  | "value";

export interface Completion {
  label: string;
  kind: CompletionKind;
  detail: string;
  /** The text to insert, when not the label; what the typed prefix is matched against, when not the label. */
  insertText?: string;
  filterText?: string;
}

/** The tokens of a text, with the line breaks that end statements (the one place completion lexes: the parser's own lexer). */
const tokensOf = (text: string): IToken[] => tokenize(text, "").tokens;

const ends: ReadonlySet<TokenType> = new Set([t.Newline, t.Semicolon, t.LBrace, t.RBrace]);
const isName = (tok: IToken | undefined) =>
  tok !== undefined &&
  (tok.tokenType === t.Identifier ||
    tok.tokenType === t.NumberToken ||
    Object.values(Kw).includes(tok.tokenType as never));

interface Block {
  kind: "namespace" | "profile" | "psp" | "cluster" | "other";
  name?: string;
}

const keywords = (words: readonly string[], detail = "keyword"): Completion[] =>
  words.map((label) => ({ label, kind: "keyword", detail }));
const values = (words: Iterable<string>, kind: CompletionKind, detail: string): Completion[] =>
  [...words].map((label) => ({ label, kind, detail }));

const STATEMENTS: Record<Block["kind"] | "top", readonly string[]> = {
  top: [
    "import",
    "cluster",
    "namespace",
    "workload",
    "group",
    "profile",
    "psp",
    "grant",
    "allow",
    "deny",
    "assert",
    "require",
    "set",
    "apply",
  ],
  namespace: ["workload", "group", "default", "labels", "pss", "allow", "deny", "assert", "require", "set", "apply"],
  profile: ["deny", "require", "set", "allow"],
  cluster: ["version", "podCIDR", "serviceCIDR"],
  psp: [],
  other: [],
};
const PEER_KEYWORDS = ["ns", "pods", "cidr", "world", "cluster", "any"];
const WORKLOAD_CLAUSES = ["port", "service", "serviceAccount", "containers", "initContainers", "kind"];
const PSS_MODES = ["enforce", "warn", "audit"];
const PSS_LEVELS = ["privileged", "baseline", "restricted"];
const TARGETS = ["for", "in"];
const SUBJECTS = ["user", "group", "serviceaccount", "serviceaccounts"];

/**
 * What may be written at `offset` of `text`. `bind` binds the program with this file's text
 * replaced: it is given the text with the statement at the cursor left out (a statement being
 * written rarely parses), or, after `:`, cut to a complete rule (`allow a -> b: x`), so that its
 * destinations resolve as the checker resolves them.
 */
export function completionsAt(text: string, offset: number, bind: (text: string) => Binding): Completion[] {
  const tokens = tokensOf(text);
  // the word being typed is what the editor filters by: the place is before it
  const end = (tok: IToken) => tok.startOffset + tok.image.length;
  const before = tokens.filter((tok) => end(tok) < offset || (end(tok) === offset && !isName(tok)));
  const blocks: Block[] = [];
  let start = 0;
  before.forEach((tok, i) => {
    if (tok.tokenType === t.LBrace) {
      const head = before.slice(start, i);
      const first = head[0]?.tokenType;
      const kind =
        first === Kw.namespace
          ? "namespace"
          : first === Kw.profile
            ? "profile"
            : first === Kw.psp
              ? "psp"
              : first === Kw.cluster
                ? "cluster"
                : "other";
      blocks.push({ kind, name: head[1]?.image });
    } else if (tok.tokenType === t.RBrace) blocks.pop();
    if (ends.has(tok.tokenType)) start = i + 1;
  });
  const statement = before.slice(start);
  const rest = tokens.slice(before.length, nextEnd(tokens, before.length));
  const block = blocks.at(-1);
  if (statement.length === 0) return keywords(STATEMENTS[block?.kind ?? "top"]);
  const from = statement[0].startOffset;
  const to = Math.max(offset, ...rest.map(end));
  const colon = statement.find((tok) => tok.tokenType === t.Colon);
  const kept = colon && statement[0].tokenType !== Kw.group ? `${text.slice(from, colon.startOffset + 1)} x` : "";
  const blank = (piece: string) => piece.replace(/[^\n]/g, " ");
  const binding = bind(`${text.slice(0, from)}${kept}${blank(text.slice(from + kept.length, to))}${text.slice(to)}`);
  const names = new Names(binding, block?.kind === "namespace" ? block.name : undefined);
  return new Place(statement, rest, block, names).completions();
}

/** The index of the token that ends the statement going on at `from`. */
function nextEnd(tokens: IToken[], from: number): number {
  for (let i = from; i < tokens.length; i++) if (ends.has(tokens[i].tokenType)) return i;
  return tokens.length;
}

/** The program's names, as the binder declares them, written as they resolve from a namespace block (`enclosing`). */
class Names {
  constructor(
    private readonly binding: Binding,
    private readonly enclosing: string | undefined,
  ) {}

  /** Workloads and groups: `ns/name` always; the bare name where it denotes that one (its own block, or unique). */
  peers(kinds: readonly ("workload" | "group")[] = ["workload", "group"]): Completion[] {
    const all = [...this.binding.workloads.values(), ...this.binding.groups.values()];
    const counts = new Map<string, number>();
    for (const d of all) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
    return all
      .filter((d) => kinds.includes(d.kind as "workload" | "group"))
      .flatMap((d) => {
        const qualified = d.namespace !== undefined ? `${d.namespace}/${d.name}` : d.name;
        const bare =
          d.namespace === this.enclosing || counts.get(d.name) === 1
            ? [{ label: d.name, kind: d.kind, detail: `${d.kind} ${qualified}` }]
            : [];
        return [
          ...(qualified !== d.name ? [{ label: qualified, kind: d.kind, detail: d.kind }] : []),
          ...bare,
        ] as Completion[];
      });
  }

  /** The workloads and groups of one namespace, by their bare names (after `NAME/`). */
  inNamespace(namespace: string, kinds: readonly ("workload" | "group")[] = ["workload", "group"]): Completion[] {
    return [...this.binding.workloads.values(), ...this.binding.groups.values()]
      .filter((d) => d.namespace === namespace && kinds.includes(d.kind as "workload" | "group"))
      .map((d) => ({ label: d.name, kind: d.kind, detail: `${d.kind} ${namespace}/${d.name}` }));
  }

  namespaces(): string[] {
    return [...this.binding.namespaceBlocks.keys()];
  }

  /** Namespaces as peers: `ns NAME`, matched by the name. */
  namespacePeers(): Completion[] {
    return this.namespaces().map((n) => ({
      label: `ns ${n}`,
      kind: "namespace",
      detail: `every pod of namespace ${n}`,
      filterText: n,
    }));
  }

  profiles(): Completion[] {
    return [...this.binding.profiles.values()].map((p) => ({
      label: p.name.text,
      kind: "profile",
      detail: source("profile", p.span.file),
    }));
  }

  psps(): Completion[] {
    return [...this.binding.psps.keys()].map((label) => ({ label, kind: "psp", detail: "psp" }));
  }

  /** The named ports of the workload a peer reference at `at` denotes. */
  portsOf(at: IToken): Completion[] {
    const reference = this.binding.references.find(
      (r) => r.use === "peer" && r.span.start.offset === at.startOffset && !r.ambiguous,
    );
    const workload = reference?.declarations.find((d: Declaration) => d.kind === "workload");
    const node = workload?.node as { ports?: { name: { text: string }; port: { text: string } }[] } | undefined;
    return (node?.ports ?? []).map((p) => ({
      label: p.name.text,
      kind: "port",
      detail: `port ${p.port.text} of ${workload!.key}`,
    }));
  }
}

const source = (what: string, file: string) => (isStandardModule(file) ? `${what} (${file})` : what);

/** A place inside a statement: `statement` its tokens before the cursor, `rest` those after it. */
class Place {
  private readonly last: IToken;
  private readonly action: TokenType;

  constructor(
    private readonly statement: IToken[],
    private readonly rest: IToken[],
    private readonly block: Block | undefined,
    private readonly names: Names,
  ) {
    this.last = statement[statement.length - 1];
    this.action = statement[0].tokenType;
  }

  private lastIs(...types: TokenType[]): boolean {
    return types.includes(this.last.tokenType);
  }

  completions(): Completion[] {
    const a = this.action;
    if (this.block?.kind === "profile") return this.security();
    if (a === Kw.allow || a === Kw.deny) {
      const network = this.isNetwork();
      if (network === true) return this.network();
      if (network === false) return this.security();
      // either, until an arrow, a target or a feature tells: both at the first item, else what fits
      if (this.lastIs(Kw.allow, Kw.deny, t.Comma)) return [...this.network(), ...this.security()];
      const peers = this.network();
      return peers.length > 0 ? peers : this.security();
    }
    if (a === Kw.assert) return this.network();
    if (a === Kw.require || a === Kw.set) return this.security();
    if (a === Kw.group)
      return this.lastIs(t.Equals) || this.statement.some((tok) => tok.tokenType === t.Equals) ? this.network() : [];
    if (a === Kw.pss)
      return this.lastIs(Kw.pss, t.Comma)
        ? values(PSS_MODES, "mode", "Pod Security mode")
        : PSS_MODES.includes(this.last.image)
          ? values(PSS_LEVELS, "level", "Pod Security level")
          : [];
    if (a === Kw.apply) {
      if (this.lastIs(Kw.apply)) return this.names.profiles();
      if (this.statement.length === 2) return keywords(["to"]);
      return this.lastIs(Kw.to)
        ? [...this.names.peers(["workload"]), ...keywords(["ns", "all"]), ...this.names.namespacePeers()]
        : this.target();
    }
    if (a === Kw.default) {
      if (this.lastIs(Kw.default)) return keywords(["deny", "allow"]);
      if (this.lastIs(Kw.for)) return this.block?.name ? this.names.inNamespace(this.block.name, ["workload"]) : [];
      return keywords(this.lastIs(Kw.deny, Kw.allow) ? ["ingress", "egress", "for"] : ["for"]);
    }
    if (a === Kw.grant) {
      if (this.lastIs(Kw.grant)) return keywords(["psp"]);
      if (this.lastIs(Kw.psp)) return this.names.psps();
      if (this.statement.length === 3) return keywords(["to"]);
      if (this.lastIs(Kw.to)) return keywords(SUBJECTS);
      if (this.lastIs(Kw.in)) return keywords(["ns"]);
      return this.lastIs(Kw.ns) ? values(this.names.namespaces(), "namespace", "namespace") : [];
    }
    if (a === Kw.workload) {
      if (this.lastIs(Kw.kind)) return values(WORKLOAD_KINDS, "value", "workload kind");
      return this.statement.length >= 3 ? keywords(WORKLOAD_CLAUSES) : [];
    }
    if (a === Kw.import)
      return this.lastIs(Kw.import)
        ? values(
            importableStandardModules().map((name) => `"${name}"`),
            "value",
            "standard module",
          )
        : [];
    return [];
  }

  /** Whether an `allow`/`deny` statement is a network rule: it has an arrow; or a pod-security statement: a target or a feature; unknown yet. */
  private isNetwork(): boolean | undefined {
    let depth = 0;
    const all = [...this.statement, ...this.rest];
    for (const tok of all) {
      if (tok.tokenType === t.LParen) depth++;
      else if (tok.tokenType === t.RParen) depth--;
      else if (depth === 0 && (tok.tokenType === t.Arrow || tok.tokenType === t.NotArrow)) return true;
    }
    if (all.slice(1).some((tok) => tok.tokenType === Kw.for || Object.hasOwn(features, tok.image))) return false;
    return undefined;
  }

  /** Inside a network rule, an assertion or a group's peers. */
  private network(): Completion[] {
    const depth = this.statement.reduce(
      (n, tok) => n + (tok.tokenType === t.LParen ? 1 : tok.tokenType === t.RParen ? -1 : 0),
      0,
    );
    if (depth > 0) return []; // a selector's labels
    const colon = this.statement.findIndex((tok) => tok.tokenType === t.Colon);
    if (colon >= 0) return this.lastIs(t.Colon, t.Comma) ? this.ports(colon) : [];
    if (this.lastIs(t.Slash)) {
      const namespace = this.statement[this.statement.length - 2];
      return isName(namespace) ? [...this.names.inNamespace(namespace.image), ...keywords(["*"])] : [];
    }
    if (this.lastIs(Kw.ns)) return values(this.names.namespaces(), "namespace", "namespace");
    if (this.lastIs(Kw.in)) return keywords(["ns"]);
    const peerStart = this.lastIs(Kw.allow, Kw.deny, Kw.assert, t.Arrow, t.NotArrow, t.Comma, t.Equals);
    return peerStart ? [...this.names.peers(), ...this.names.namespacePeers(), ...keywords(PEER_KEYWORDS)] : [];
  }

  /** After `:` (or a `,` of the port list): the named ports of the destinations. */
  private ports(colon: number): Completion[] {
    const arrow = this.statement.findIndex(
      (tok) => tok.tokenType === t.Arrow || tok.tokenType === t.NotArrow || tok.tokenType === t.Equals,
    );
    const destinations = this.statement.slice(arrow + 1, colon);
    // each destination's name: its first token (a qualified name's namespace is a reference of its own)
    const starts = destinations.filter(
      (tok, i) => isName(tok) && (i === 0 || destinations[i - 1].tokenType === t.Comma),
    );
    const seen = new Set<string>();
    return starts
      .flatMap((tok) => this.names.portsOf(nameToken(destinations, tok)))
      .filter((c) => !seen.has(c.label) && seen.add(c.label));
  }

  /** Inside a pod-security statement (`deny`/`allow`/`require`/`set`). */
  private security(): Completion[] {
    const a = this.action;
    const targeted = this.statement.findIndex((tok) => tok.tokenType === Kw.for || tok.tokenType === Kw.in);
    if (targeted > 0) return this.target();
    if (this.lastIs(Kw.allow, Kw.deny, Kw.require, Kw.set, t.Comma)) {
      if (a === Kw.require) return values(Object.keys(requirements), "requirement", "requirement");
      if (a === Kw.set) return values(settable, "field", "field");
      return values(Object.keys(features), "feature", "feature");
    }
    if (this.last.image === "capability" || this.last.image === "drop")
      return values([...capabilities].sort(), "capability", "capability");
    return this.block?.kind === "profile" ? [] : keywords(TARGETS);
  }

  /** After `for`, `in`, `in ns` or `to` of a pod-security statement. */
  private target(): Completion[] {
    if (this.lastIs(Kw.for)) return this.names.peers(["workload"]);
    if (this.lastIs(Kw.in)) return [...keywords(["ns", "all"]), ...this.names.namespacePeers()];
    if (this.lastIs(Kw.ns)) return values(this.names.namespaces(), "namespace", "namespace");
    if (this.lastIs(t.Slash))
      return this.names.inNamespace(this.statement[this.statement.length - 2].image, ["workload"]);
    return [];
  }
}

/** The token that names a destination: the name after `NAMESPACE/`, or the name itself. */
function nameToken(tokens: IToken[], first: IToken): IToken {
  const i = tokens.indexOf(first);
  return tokens[i + 1]?.tokenType === t.Slash && isName(tokens[i + 2]) ? tokens[i + 2] : first;
}

const itemKinds: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  workload: CompletionItemKind.Class,
  group: CompletionItemKind.Variable,
  namespace: CompletionItemKind.Folder,
  profile: CompletionItemKind.Module,
  psp: CompletionItemKind.Struct,
  feature: CompletionItemKind.Property,
  requirement: CompletionItemKind.Property,
  field: CompletionItemKind.Field,
  level: CompletionItemKind.EnumMember,
  mode: CompletionItemKind.EnumMember,
  capability: CompletionItemKind.Constant,
  port: CompletionItemKind.Value,
  value: CompletionItemKind.Value,
};

/** A completion as the protocol sends it, each label once. */
export function completionItems(completions: readonly Completion[]): CompletionItem[] {
  const seen = new Set<string>();
  return completions.flatMap(({ kind, ...rest }) =>
    seen.has(rest.label) || !seen.add(rest.label) ? [] : [{ ...rest, kind: itemKinds[kind] }],
  );
}
