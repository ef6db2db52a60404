/**
 * Declarations and references of a program's names, for go-to-definition, find-references, hover
 * and completion. Workloads and groups resolve as the checker resolves them: qualified names
 * exactly; unqualified ones in the enclosing namespace first, then by a unique name anywhere.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import type * as ast from "../syntax/ast.js";

export type SymbolKind = "workload" | "group" | "profile" | "namespace" | "psp";

export interface Declaration {
  kind: SymbolKind;
  /** `ns/name` for workloads and namespaced groups, the bare name otherwise. */
  key: string;
  name: string;
  span: Span;
  node: ast.Node;
}

export interface Reference {
  /** What the name may denote, in the order tried. */
  kinds: readonly SymbolKind[];
  name: string;
  qualifier?: string;
  /** The namespace block the reference is written in. */
  enclosing?: string;
  span: Span;
}

export interface SymbolTable {
  declarations: Declaration[];
  references: Reference[];
}

export function collectSymbols(files: readonly ast.SourceFileNode[]): SymbolTable {
  const declarations: Declaration[] = [];
  const references: Reference[] = [];
  const declare = (kind: SymbolKind, key: string, word: ast.Word, node: ast.Node) => declarations.push({ kind, key, name: word.text, span: word.span, node });
  const namespaceRef = (word: ast.Word) => references.push({ kinds: ["namespace"], name: word.text, span: word.span });
  const qualified = (q: ast.QualifiedName, enclosing: string | undefined, kinds: readonly SymbolKind[] = ["workload", "group"]) => {
    if (q.namespace) namespaceRef(q.namespace);
    references.push({ kinds, name: q.name.text, qualifier: q.namespace?.text, enclosing, span: q.name.span });
  };
  const selectorNamespace = (p: ast.NamespacePeer | ast.NamespaceSelectorPeer) => p.kind === "NamespacePeer" && namespaceRef(p.namespace);
  const peer = (p: ast.Peer, enclosing: string | undefined) => {
    if (p.kind === "Reference") qualified(p.ref, enclosing);
    else if (p.kind === "NamespacePeer") namespaceRef(p.namespace);
    else if (p.kind === "PodsPeer" && p.within) selectorNamespace(p.within);
  };
  const target = (t: ast.SecurityTarget | undefined, enclosing: string | undefined) => {
    if (t?.kind === "ForWorkload") qualified(t.workload, enclosing, ["workload"]);
    else if (t?.kind === "InNamespace") namespaceRef(t.namespace);
  };
  const statement = (s: ast.Statement, enclosing: string | undefined) => {
    switch (s.kind) {
      case "Namespace":
        declare("namespace", s.name.text, s.name, s);
        s.statements.forEach((inner) => statement(inner, s.name.text));
        break;
      case "Workload": {
        const ns = s.name.namespace?.text ?? enclosing ?? "default";
        if (s.name.namespace) namespaceRef(s.name.namespace);
        declare("workload", `${ns}/${s.name.name.text}`, s.name.name, s);
        break;
      }
      case "Group":
        declare("group", `${enclosing ?? ""}/${s.name.text}`, s.name, s);
        s.peers.forEach((p) => peer(p, enclosing));
        break;
      case "Profile":
        declare("profile", s.name.text, s.name, s);
        break;
      case "Psp":
        declare("psp", s.name.text, s.name, s);
        break;
      case "Grant":
        references.push({ kinds: ["psp"], name: s.psp.text, span: s.psp.span });
        if (s.subject.kind === "ServiceAccount" || s.subject.kind === "ServiceAccounts") namespaceRef(s.subject.namespace);
        break;
      case "NetworkRule":
      case "Assert":
        [...s.sources, ...s.destinations].forEach((p) => peer(p, enclosing));
        break;
      case "Default":
        if (s.workload) qualified(s.workload, enclosing, ["workload"]);
        break;
      case "SecurityRule":
        target(s.target, enclosing);
        break;
      case "Apply":
        references.push({ kinds: ["profile"], name: s.profile.text, span: s.profile.span });
        target(s.target, enclosing);
        break;
    }
  };
  for (const file of files) file.statements.forEach((s) => statement(s, undefined));
  return { declarations, references };
}

/** The declarations a reference denotes (several when it is ambiguous, none when unknown). */
export function resolve(table: SymbolTable, ref: Reference): Declaration[] {
  for (const kind of ref.kinds) {
    const ofKind = table.declarations.filter((d) => d.kind === kind);
    if (kind !== "workload" && kind !== "group") {
      const found = ofKind.filter((d) => d.key === ref.name);
      if (found.length > 0) return found;
      continue;
    }
    const exact = (ns: string) => ofKind.filter((d) => d.key === `${ns}/${ref.name}`);
    if (ref.qualifier !== undefined) {
      const found = exact(ref.qualifier);
      if (found.length > 0) return found;
      continue;
    }
    const local = ref.enclosing !== undefined ? exact(ref.enclosing) : [];
    if (local.length > 0) return local;
  }
  if (ref.qualifier !== undefined) return [];
  const anywhere = table.declarations.filter((d) => ref.kinds.includes(d.kind) && d.name === ref.name);
  return anywhere;
}

const within = (span: Span, offset: number) => span.start.offset <= offset && offset <= span.end.offset;

/** The declaration at or referred to at `offset` of `file`. */
export function symbolAt(table: SymbolTable, file: string, offset: number): Declaration[] {
  const declared = table.declarations.find((d) => d.span.file === file && within(d.span, offset));
  if (declared) return [declared];
  const ref = table.references.find((r) => r.span.file === file && within(r.span, offset));
  return ref ? resolve(table, ref) : [];
}

/** Every reference that resolves to `declaration`, and the declaration itself. */
export function referencesTo(table: SymbolTable, declaration: Declaration): Span[] {
  const refs = table.references.filter((r) => resolve(table, r).includes(declaration)).map((r) => r.span);
  return [declaration.span, ...refs];
}
