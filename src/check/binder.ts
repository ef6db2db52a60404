/**
 * The binder: one walk over every file of a program (the standard library included) that collects
 * its declarations and statements, reports statements in the wrong place and names declared twice,
 * and records, for every name reference, the declarations it denotes. The checker, the language
 * server (definition, references, hover, rename, completion) and `explain` (through the checker)
 * read names from here only: nothing resolves a name a second way.
 *
 * What a name denotes: a qualified name `ns/name` the workload or group of that namespace; an
 * unqualified one the workload or group of the enclosing namespace block, else the one workload or
 * group of that name anywhere (two or more: ambiguous). A program's own group or profile shadows a
 * standard-library one of the same name. A posture's workload is one of its own namespace; a
 * pod-security target's the one workload of that name (in the enclosing or written namespace).
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { Diagnostics } from "../diagnostics/catalogue.js";
import { names as m } from "../diagnostics/messages/names.js";
import type * as ast from "../syntax/ast.js";
import { isStandardModule } from "../stdlib/standard.js";
import * as valid from "./values.js";
import { sameItems } from "../arrays.js";

export type SymbolKind = "workload" | "group" | "profile" | "namespace" | "psp";

export interface Declaration {
  kind: SymbolKind;
  /** `ns/name` for workloads, `ns/name` or `/name` (top level) for groups, the bare name otherwise. */
  key: string;
  name: string;
  /** The declared name. */
  span: Span;
  /** The declaring statement. */
  node: ast.Node;
  /** The namespace of a workload, or of a group declared in a namespace block. */
  namespace?: string;
}

/** Where a name is written, which decides what it may denote. */
export type ReferenceUse =
  | "peer" // a rule's, assertion's or group's peer: a workload or group
  | "posture" // `default ... for NAME`: a workload of the posture's namespace
  | "target" // `... for NAME` of a pod-security statement: a workload
  | "profile" // `apply NAME`
  | "psp" // `grant NAME`
  | "namespace"; // `ns NAME`, `NAME/*`, `NAME/...`, `in ns NAME`, `serviceaccount NAME/...`

/**
 * (Every reference has each of these properties, `undefined` where it has no value, and in this
 * order: made with some and given the others later, references took six shapes, and the binder's
 * and checker's reads of them went megamorphic.)
 */
export interface Reference {
  use: ReferenceUse;
  name: string;
  qualifier: string | undefined;
  /** The namespace block the reference is written in. */
  enclosing: string | undefined;
  /** The name as written (for a qualified name, its last part). */
  span: Span;
  /** What it denotes: one declaration (a namespace: each of its blocks); several when ambiguous; none when unknown. */
  declarations: Declaration[];
  ambiguous: true | undefined;
}

/** A statement with the namespace block it appears in. */
export interface Scoped<T> {
  node: T;
  namespace?: string;
}

export interface Binding {
  declarations: Declaration[];
  references: Reference[];
  /** The reference a name makes: a QualifiedName (peers, postures, targets) or a Word (profiles, PSPs, namespaces). */
  referenceOf(node: ast.QualifiedName | ast.Word): Reference | undefined;
  /**
   * What a peer's name (written in the namespace block `enclosing`) denotes: its reference's
   * declarations (one; several when it is ambiguous, as a peer's reference is exactly then; none
   * when unknown), or, where the binding made no reference for peers (`CheckOptions.peerReferences`),
   * the same worked out when asked, as the binder resolves a reference, with no object made.
   */
  peerDeclarations(ref: ast.QualifiedName, enclosing: string | undefined): readonly Declaration[];
  /** The workloads that take effect, by `ns/name`, in the order written (files by path). */
  workloads: ReadonlyMap<string, Declaration>;
  /** The groups that take effect, by `ns/name` or `/name`. */
  groups: ReadonlyMap<string, Declaration>;
  profiles: ReadonlyMap<string, ast.ProfileDeclaration>;
  /** The PSPs by name (the first of a name). */
  psps: ReadonlyMap<string, ast.PspDeclaration>;
  /** Every namespace block, by name, in the order written. */
  namespaceBlocks: ReadonlyMap<string, ast.NamespaceBlock[]>;
  /** The statements the checker reads, each where it is allowed, in the order written (files by path). */
  statements: {
    clusterBlocks: ast.ClusterBlock[];
    workloads: Scoped<ast.WorkloadDeclaration>[];
    rules: Scoped<ast.NetworkRule>[];
    assertions: Scoped<ast.AssertStatement>[];
    postures: Scoped<ast.DefaultStatement>[];
    security: Scoped<ast.SecurityRule | ast.ApplyStatement>[];
    psps: ast.PspDeclaration[];
    grants: ast.GrantStatement[];
  };
  /** The rule statements of each file (`statements.rules`, file by file): one list per file, the same while its syntax tree is. */
  ruleFiles: readonly (readonly Scoped<ast.NetworkRule>[])[];
}

/**
 * What one file says, collected without reading other files: its statements, the declarations of
 * namespaces, groups, profiles and PSPs in order (which of them take effect is decided across the
 * files), its references (resolved once every file is collected) and the diagnostics of statements
 * in the wrong place. A file's is worked out again only when its syntax tree changes (`CheckReuse`).
 */
export interface CollectedFile {
  statements: Binding["statements"];
  declared: (
    | { node: ast.NamespaceBlock | ast.ProfileDeclaration | ast.PspDeclaration }
    | { node: ast.GroupDeclaration; namespace?: string }
  )[];
  references: Reference[];
  byNode: Map<ast.Node, Reference>;
  diagnostics: Diagnostics;
}

const noStatements = (): Binding["statements"] => ({
  clusterBlocks: [],
  workloads: [],
  rules: [],
  assertions: [],
  postures: [],
  security: [],
  psps: [],
  grants: [],
});

/** Diagnostics reported again, as an earlier check of the same statements reported them. */
export function replay(into: Diagnostics, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    into.items.push(d);
    if (d.severity === "error") into.errors++;
  }
}

export function bind(
  files: readonly ast.SourceFileNode[],
  d: Diagnostics,
  /** Each file's collected, by syntax tree, kept from earlier versions. */
  collected?: WeakMap<ast.SourceFileNode, CollectedFile>,
  /** What the last version bound (the language server's). */
  memo?: BindMemo,
  /** `false`: no reference for a namespace's name (`CheckOptions.namespaceReferences`). */
  namespaceReferences = true,
  /** `false`: no reference for a peer's name (`CheckOptions.peerReferences`). */
  peerReferences = true,
): Binding {
  return new Binder(d, collected, memo, namespaceReferences, peerReferences).run(files);
}

/**
 * What the binder keeps of the last version it bound (the language server's checker keeps one: the
 * command line binds once): each declaration object, kept while a statement at the same place (file
 * and offset of its name) declares the same key, and then given that statement (a file parsed again
 * for an edit elsewhere declares with the objects it did); and the files the last version bound,
 * with what took effect (`declared`: every workload, group, profile, PSP and namespace block, by key,
 * as objects). When a version declares what the last one did, the references of the files it bound
 * too are not resolved again: each denotes what it denoted (the same objects, whose statements are
 * this version's); only those of the files parsed anew are resolved.
 */
export class BindMemo {
  /** Each declaring statement's declaration. */
  readonly declarations = new WeakMap<ast.Node, Declaration>();
  /** The declarations made, by kind, key and place (`declarationPlace`). */
  byPlace = new Map<string, Declaration>();
  last?: { files: ReadonlySet<CollectedFile>; declared: readonly unknown[] };

  /**
   * A declaration kept for one of the same kind, key and place made by this version: given this
   * version's statement (a test gives a broken one to show the property test notices).
   */
  adopt(kept: Declaration, made: Declaration): void {
    kept.node = made.node;
    kept.span = made.span;
  }

  /** Whether two versions declare the same (a test gives a broken one to show the property test notices). */
  sameDeclared(a: readonly unknown[], b: readonly unknown[]): boolean {
    return sameItems(a, b);
  }
}

const declarationPlace = (d: Declaration) => `${d.kind}\u0000${d.key}\u0000${d.span.file}\u0000${d.span.start.offset}`;

/** One file's statements collected (`CollectedFile`). */
export function collectFile(
  file: ast.SourceFileNode,
  namespaceReferences = true,
  peerReferences = true,
): CollectedFile {
  const collector = new Collector(namespaceReferences, peerReferences);
  for (const s of file.statements) collector.collect(s, undefined);
  return collector.file;
}

/** What a reference denotes until it is resolved: one frozen empty list for all (`denotes` makes a reference's own). */
const NO_DECLARATIONS: Declaration[] = Object.freeze([]) as unknown as Declaration[];

class Collector {
  readonly file: CollectedFile = {
    statements: noStatements(),
    declared: [],
    references: [],
    byNode: new Map(),
    diagnostics: new Diagnostics(),
  };

  constructor(
    private readonly namespaceReferences: boolean,
    private readonly peerReferences: boolean,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Collecting declarations, statements and references

  collect(s: ast.Statement, namespace: string | undefined): void {
    const topLevelOnly = (what: string) =>
      this.file.diagnostics.report(m.misplacedStatement, s.span, [
        what,
        "is only allowed at top level, not inside a namespace block",
      ]);
    const blockOnly = (what: string) =>
      this.file.diagnostics.report(m.misplacedStatement, s.span, [
        what,
        "is only allowed inside a `namespace NAME { }` block",
      ]);
    switch (s.kind) {
      case "Import":
        if (namespace !== undefined) topLevelOnly("`import`");
        return; // loaded by the pipeline
      case "Cluster":
        if (namespace !== undefined) return topLevelOnly("`cluster`");
        this.file.statements.clusterBlocks.push(s);
        return;
      case "Namespace": {
        if (namespace !== undefined) return topLevelOnly("a namespace block");
        this.file.declared.push({ node: s });
        for (const inner of s.statements) this.collect(inner, s.name.text);
        return;
      }
      case "Workload":
        if (s.name.namespace) this.namespaceReference(s.name.namespace);
        this.file.statements.workloads.push({ node: s, namespace });
        return;
      case "Group": {
        const problem = valid.groupName(s.name.text);
        if (problem) this.file.diagnostics.report(m.invalidName, s.name.span, ["group name", s.name.text, problem]);
        for (const p of s.peers) this.peer(p, namespace);
        this.file.declared.push({ node: s, namespace });
        return;
      }
      case "NetworkRule":
        // (loops over indexes: every rule's, mostly before V8 optimizes this)
        for (let i = 0; i < s.sources.length; i++) this.peer(s.sources[i], namespace);
        for (let i = 0; i < s.destinations.length; i++) this.peer(s.destinations[i], namespace);
        this.file.statements.rules.push({ node: s, namespace });
        return;
      case "Default":
        if (namespace === undefined) return blockOnly("`default`");
        if (s.workload) this.qualified(s.workload, "posture", namespace);
        this.file.statements.postures.push({ node: s, namespace });
        return;
      case "Labels":
        if (namespace === undefined) return blockOnly("`labels`");
        return; // read with the namespace block
      case "Profile":
        this.file.declared.push({ node: s });
        return; // profiles take effect only through `apply`
      case "Assert":
        for (const p of s.sources) this.peer(p, namespace);
        for (const p of s.destinations) this.peer(p, namespace);
        this.file.statements.assertions.push({ node: s, namespace });
        return;
      case "Pss":
        if (namespace === undefined) return blockOnly("`pss`");
        return; // read with the namespace block
      case "SecurityRule":
      case "Apply":
        if (s.kind === "Apply") this.word(s.profile, "profile");
        if (s.target?.kind === "ForWorkload") this.qualified(s.target.workload, "target", namespace);
        else if (s.target?.kind === "InNamespace") this.namespaceReference(s.target.namespace);
        this.file.statements.security.push({ node: s, namespace });
        return;
      case "Psp":
        if (namespace !== undefined) return topLevelOnly("`psp`");
        this.file.declared.push({ node: s });
        this.file.statements.psps.push(s);
        return;
      case "Grant":
        if (namespace !== undefined) return topLevelOnly("`grant`");
        this.word(s.psp, "psp");
        if (s.subject.kind === "ServiceAccount" || s.subject.kind === "ServiceAccounts")
          this.namespaceReference(s.subject.namespace);
        this.file.statements.grants.push(s);
        return;
    }
  }

  private peer(p: ast.Peer, enclosing: string | undefined): void {
    if (p.kind === "Reference") {
      if (this.peerReferences) this.qualified(p.ref, "peer", enclosing);
      else if (p.ref.namespace) this.namespaceReference(p.ref.namespace);
    } else if (p.kind === "NamespacePeer") this.namespaceReference(p.namespace);
    else if (p.kind === "PodsPeer" && p.within?.kind === "NamespacePeer") this.namespaceReference(p.within.namespace);
  }

  private qualified(q: ast.QualifiedName, use: "peer" | "posture" | "target", enclosing: string | undefined): void {
    if (q.namespace) this.namespaceReference(q.namespace);
    this.add(q, {
      use,
      name: q.name.text,
      qualifier: q.namespace?.text,
      enclosing,
      span: q.name.span,
      declarations: NO_DECLARATIONS,
      ambiguous: undefined,
    });
  }

  private word(w: ast.Word, use: "profile" | "psp" | "namespace"): void {
    this.add(w, {
      use,
      name: w.text,
      qualifier: undefined,
      enclosing: undefined,
      span: w.span,
      declarations: NO_DECLARATIONS,
      ambiguous: undefined,
    });
  }

  private add(node: ast.Node, reference: Reference): void {
    this.file.references.push(reference);
    this.file.byNode.set(node, reference);
  }

  private namespaceReference(w: ast.Word): void {
    if (this.namespaceReferences) this.word(w, "namespace");
  }
}

/**
 * The lists of one declaration the binder made for one reference (others, such as a namespace's
 * blocks, are shared and never changed), when its file's collection is kept for later versions
 * (`bind`'s `collected`): a one-shot check resolves each reference once and records none.
 */
const ownLists = new WeakSet<Declaration[]>();

/** Whether the binder made `list` for one reference, to change in place in later versions (for the tests). */
export function isOwnList(list: Declaration[]): boolean {
  return ownLists.has(list);
}

/** Declarations by namespace, then name: a qualified or enclosed name is looked up without making its `ns/name` text. */
type ByNamespace = Map<string, Map<string, Declaration>>;

function setIn(byNamespace: ByNamespace, namespace: string, name: string, declaration: Declaration): void {
  const names = byNamespace.get(namespace);
  if (names) names.set(name, declaration);
  else byNamespace.set(namespace, new Map([[name, declaration]]));
}

class Binder {
  private readonly declarations: Declaration[] = [];
  /** The references, resolved once every declaration is known. */
  private readonly references: Reference[] = [];
  /** The references of each file, by the node that makes them. */
  private readonly byFile = new Map<string, Map<ast.Node, Reference>>();
  private readonly workloads = new Map<string, Declaration>();
  private readonly groups = new Map<string, Declaration>();
  /** `workloads` and the groups of namespace blocks by namespace, then name (a top-level group is found by its bare name only). */
  private readonly workloadsIn: ByNamespace = new Map();
  private readonly groupsIn: ByNamespace = new Map();
  private readonly profiles = new Map<string, ast.ProfileDeclaration>();
  private readonly profileDeclarations = new Map<string, Declaration>();
  private readonly psps = new Map<string, ast.PspDeclaration>();
  private readonly pspDeclarations = new Map<string, Declaration>();
  private readonly namespaceBlocks = new Map<string, ast.NamespaceBlock[]>();
  private readonly ruleFiles: (readonly Scoped<ast.NetworkRule>[])[] = [];
  private readonly namespaceDeclarations = new Map<string, Declaration[]>();
  private readonly statements = noStatements();
  /** Workloads and groups by their unqualified name, for names written without a namespace. */
  private readonly byName = new Map<string, Declaration[]>();
  /**
   * A binder whose collections are not kept (a one-shot check): the list of one declaration that
   * every reference denoting it alone shares (frozen), not a list per reference (`denotes`).
   */
  private readonly listsOfOne = new Map<Declaration, Declaration[]>();

  constructor(
    private readonly d: Diagnostics,
    private readonly collected?: WeakMap<ast.SourceFileNode, CollectedFile>,
    private readonly memo?: BindMemo,
    private readonly namespaceReferences = true,
    private readonly peerReferences = true,
  ) {}

  /** The declaration a statement makes under `key`: the object of an earlier version while it makes the same (`BindMemo`). */
  private declaration(node: ast.Node, key: string, make: () => Declaration): Declaration {
    const memo = this.memo;
    if (!memo) return make();
    const known = memo.declarations.get(node);
    if (known?.key === key) return known;
    const made = make();
    const place = declarationPlace(made);
    const same = memo.byPlace.get(place);
    if (same) memo.adopt(same, made);
    else memo.byPlace.set(place, made);
    memo.declarations.set(node, same ?? made);
    return same ?? made;
  }

  /** What took effect, as a list of keys and declaration objects in order (`BindMemo`). */
  private declared(): unknown[] {
    const list: unknown[] = [];
    for (const map of [this.workloads, this.groups, this.profileDeclarations, this.pspDeclarations])
      for (const [key, d] of map) list.push(key, d);
    list.push(0);
    for (const [name, blocks] of this.namespaceDeclarations) list.push(name, ...blocks, 1);
    return list;
  }

  run(files: readonly ast.SourceFileNode[]): Binding {
    const ordered = [...files].sort((a, b) => compareStrings(a.path, b.path));
    const bound: CollectedFile[] = [];
    for (const file of ordered) {
      const known = this.collected?.get(file);
      const collected = known ?? collectFile(file, this.namespaceReferences, this.peerReferences);
      if (!known) this.collected?.set(file, collected);
      this.add(file, collected);
      bound.push(collected);
    }
    this.declareWorkloads();
    for (const g of this.groups.values()) this.declarations.push(g);
    this.declarations.push(...this.profileDeclarations.values(), ...this.pspDeclarations.values());
    for (const blocks of this.namespaceDeclarations.values()) this.declarations.push(...blocks);
    for (const decl of [...this.workloads.values(), ...this.groups.values()]) {
      const same = this.byName.get(decl.name);
      if (same) same.push(decl);
      else this.byName.set(decl.name, [decl]);
    }
    const memo = this.memo;
    if (memo) {
      // a version declaring what the last one did: the references of the files it bound denote what they did
      const declared = this.declared();
      const last = memo.last;
      const same = last !== undefined && memo.sameDeclared(last.declared, declared);
      for (const collected of bound)
        if (!same || !last.files.has(collected)) for (const reference of collected.references) this.resolve(reference);
      memo.last = { files: new Set(bound), declared };
      // (the places of earlier versions pile up: past a bound, begun again)
      if (memo.byPlace.size > 2 * declared.length + 1000) memo.byPlace = new Map();
    } else for (let i = 0; i < this.references.length; i++) this.resolve(this.references[i]);
    const byFile = this.byFile;
    const peerReferences = this.peerReferences;
    return {
      declarations: this.declarations,
      references: this.references,
      referenceOf: (node) => byFile.get(node.span.file)?.get(node),
      // (a binding with peers' references answers by them alone, as `referenceOf` does: no reference, no answer)
      peerDeclarations: (ref, enclosing) =>
        peerReferences ? byFile.get(ref.span.file)!.get(ref)!.declarations : this.peerDeclarations(ref, enclosing),
      workloads: this.workloads,
      groups: this.groups,
      profiles: this.profiles,
      psps: this.psps,
      namespaceBlocks: this.namespaceBlocks,
      statements: this.statements,
      ruleFiles: this.ruleFiles,
    };
  }

  /** A file's statements, references and diagnostics, and the declarations of it that take effect. */
  private add(file: ast.SourceFileNode, collected: CollectedFile): void {
    replay(this.d, collected.diagnostics.items);
    this.ruleFiles.push(collected.statements.rules);
    for (const key of Object.keys(this.statements) as (keyof Binding["statements"])[])
      (this.statements[key] as unknown[]).push(...collected.statements[key]);
    this.references.push(...collected.references);
    this.byFile.set(file.path, collected.byNode);
    for (const { node, namespace } of collected.declared as { node: ast.Statement; namespace?: string }[])
      this.declare(node, namespace);
  }

  /** A namespace block, group, profile or PSP declared: which of those of one name take effect, in the order of files. */
  private declare(s: ast.Statement, namespace: string | undefined): void {
    switch (s.kind) {
      case "Namespace": {
        const name = s.name.text;
        const blocks = this.namespaceBlocks.get(name) ?? [];
        blocks.push(s);
        this.namespaceBlocks.set(name, blocks);
        const declaration = this.declaration(s, name, () => ({
          kind: "namespace",
          key: name,
          name,
          span: s.name.span,
          node: s,
        }));
        const declarations = this.namespaceDeclarations.get(name);
        if (declarations) declarations.push(declaration);
        else this.namespaceDeclarations.set(name, [declaration]);
        return;
      }
      case "Group": {
        const key = `${namespace ?? ""}/${s.name.text}`;
        const existing = this.groups.get(key);
        if (existing && !isStandardModule(existing.span.file)) {
          this.d.report(m.duplicateDeclaration, s.name.span, ["group", s.name.text], {
            related: [{ span: existing.span, message: "first declared here" }],
          });
          return;
        }
        // a program's own group shadows a standard-library group of the same name
        if (!existing || !isStandardModule(s.span.file)) {
          const declaration = this.declaration(s, key, () => ({
            kind: "group",
            key,
            name: s.name.text,
            span: s.name.span,
            node: s,
            ...(namespace !== undefined ? { namespace } : {}),
          }));
          this.groups.set(key, declaration);
          if (namespace !== undefined) setIn(this.groupsIn, namespace, s.name.text, declaration);
        }
        return;
      }
      case "Profile": {
        const existing = this.profiles.get(s.name.text);
        if (existing && !isStandardModule(existing.span.file)) {
          this.d.report(m.duplicateDeclaration, s.name.span, ["profile", s.name.text], {
            related: [{ span: existing.name.span, message: "first declared here" }],
          });
          return;
        }
        if (!existing || !isStandardModule(s.span.file)) {
          this.profiles.set(s.name.text, s);
          this.profileDeclarations.set(
            s.name.text,
            this.declaration(s, s.name.text, () => ({
              kind: "profile",
              key: s.name.text,
              name: s.name.text,
              span: s.name.span,
              node: s,
            })),
          );
        }
        return;
      }
      case "Psp":
        if (!this.psps.has(s.name.text)) {
          this.psps.set(s.name.text, s);
          this.pspDeclarations.set(
            s.name.text,
            this.declaration(s, s.name.text, () => ({
              kind: "psp",
              key: s.name.text,
              name: s.name.text,
              span: s.name.span,
              node: s,
            })),
          );
        }
        return;
    }
  }

  /** Which workloads take effect: each at most once, in a namespace, under valid names. */
  private declareWorkloads(): void {
    for (const { node, namespace: block } of this.statements.workloads) {
      const name = node.name.name.text;
      const qualifier = node.name.namespace?.text;
      if (block !== undefined && qualifier !== undefined && qualifier !== block) {
        this.d.report(m.misplacedStatement, node.name.span, [
          `workload \`${qualifier}/${name}\``,
          `cannot be declared inside \`namespace ${block} { }\``,
        ]);
        continue;
      }
      const namespace = qualifier ?? block;
      if (namespace === undefined) {
        this.d.report(m.unqualifiedTopLevelWorkload, node.name.span, [name], {
          help: `declare it inside \`namespace NAME { }\`, or write \`workload NAMESPACE/${name} ...\``,
        });
        continue;
      }
      // (a block's name is checked with the block's: only a qualifier written here is checked here)
      const namespaceProblem = qualifier !== undefined ? valid.dns1123Label(namespace) : undefined;
      const nameProblem = valid.dns1123Label(name);
      if (namespaceProblem)
        this.d.report(m.invalidName, node.name.namespace!.span, ["namespace name", namespace, namespaceProblem]);
      if (nameProblem) this.d.report(m.invalidName, node.name.name.span, ["workload name", name, nameProblem]);
      if (namespaceProblem || nameProblem) continue;
      const key = `${namespace}/${name}`;
      const existing = this.workloads.get(key);
      if (existing) {
        this.d.report(m.duplicateDeclaration, node.name.span, ["workload", key], {
          related: [{ span: (existing.node as ast.WorkloadDeclaration).name.span, message: "first declared here" }],
        });
        continue;
      }
      const declaration = this.declaration(node, key, () => ({
        kind: "workload",
        key,
        name,
        span: node.name.name.span,
        node,
        namespace,
      }));
      this.workloads.set(key, declaration);
      setIn(this.workloadsIn, namespace, name, declaration);
      this.declarations.push(declaration);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Resolving references

  /**
   * Sets what `ref` denotes (its declarations, and whether it is ambiguous). A kept file's
   * references are resolved again in each version (what they denote may change), most of them to
   * one declaration or none: a reference keeps its list of one from version to version (no list
   * made per reference).
   */
  private resolve(ref: Reference): void {
    switch (ref.use) {
      case "namespace": {
        // (each block of the namespace: the binding's list, shared)
        const blocks = this.namespaceDeclarations.get(ref.name);
        if (blocks) ref.declarations = blocks;
        else if (ref.declarations.length !== 0) ref.declarations = [];
        return;
      }
      case "profile":
        return this.denotes(ref, this.profileDeclarations.get(ref.name));
      case "psp":
        return this.denotes(ref, this.pspDeclarations.get(ref.name));
      case "posture": {
        const key = ref.qualifier ?? ref.enclosing;
        return this.denotes(ref, key === ref.enclosing ? this.inNamespace(this.workloadsIn, ref) : undefined);
      }
      case "peer": {
        const found = this.peerIn(ref.qualifier ?? ref.enclosing, ref.name);
        if (found || ref.qualifier !== undefined) return this.denotes(ref, found);
        break;
      }
    }
    const { declarations, ambiguous } = this.denoted(ref);
    ref.declarations = declarations;
    ref.ambiguous = ambiguous;
  }

  /**
   * What a peer's name denotes where the collectors made no reference for it (`peerDeclarations`):
   * `resolve`'s answer for a reference of use "peer", without the reference (a list of one is the
   * one every reference to that declaration shares; candidates of one name are `byName`'s list).
   */
  private peerDeclarations(q: ast.QualifiedName, enclosing: string | undefined): readonly Declaration[] {
    const name = q.name.text;
    const qualifier = q.namespace?.text;
    const found = this.peerIn(qualifier ?? enclosing, name);
    if (found) return this.listOfOne(found);
    if (qualifier !== undefined) return NO_DECLARATIONS;
    // the one workload or group of that name anywhere (two or more: ambiguous), as `denoted`
    return this.byName.get(name) ?? NO_DECLARATIONS;
  }

  /** The workload, else the group, of that name declared in the namespace (a peer's qualifier's or enclosing block's). */
  private peerIn(namespace: string | undefined, name: string): Declaration | undefined {
    return namespace === undefined
      ? undefined
      : (this.workloadsIn.get(namespace)?.get(name) ?? this.groupsIn.get(namespace)?.get(name));
  }

  /** The workload or group `ref` names in its qualifier's or enclosing block's namespace. */
  private inNamespace(declared: ByNamespace, ref: Reference): Declaration | undefined {
    const namespace = ref.qualifier ?? ref.enclosing;
    return namespace === undefined ? undefined : declared.get(namespace)?.get(ref.name);
  }

  /**
   * Sets `ref` to denote `declaration` alone (none when undefined): in the list of one that an
   * earlier version made for it (the declaration objects are each version's own), or its empty one.
   * Only a binder whose files' collections are kept records the lists it makes (`ownLists`); one
   * whose are not gives every reference to a declaration the same frozen list (`listsOfOne`: at
   * 20,000 services 80,000 lists fewer, each living from the binding to the model, which the young
   * generation's collections copied).
   */
  private denotes(ref: Reference, declaration: Declaration | undefined): void {
    const list = ref.declarations;
    if (declaration === undefined) {
      if (list.length !== 0) ref.declarations = [];
    } else if (!this.collected) ref.declarations = this.listOfOne(declaration);
    else if (list.length === 1 && ownLists.has(list)) list[0] = declaration;
    else {
      const own = [declaration];
      ownLists.add(own);
      ref.declarations = own;
    }
    ref.ambiguous = undefined;
  }

  /** The one frozen list of `declaration` alone that the references denoting it share (`denotes`). */
  private listOfOne(declaration: Declaration): Declaration[] {
    let list = this.listsOfOne.get(declaration);
    if (list === undefined) this.listsOfOne.set(declaration, (list = Object.freeze([declaration]) as Declaration[]));
    return list;
  }

  /** What a pod-security target, or a bare peer name no enclosing block declares, denotes. */
  private denoted(ref: Reference): { declarations: Declaration[]; ambiguous?: true } {
    if (ref.use === "target") {
      const namespace = ref.qualifier ?? ref.enclosing;
      const candidates = (this.byName.get(ref.name) ?? []).filter(
        (w) => w.kind === "workload" && (namespace === undefined || w.namespace === namespace),
      );
      return candidates.length > 1
        ? { declarations: candidates.sort((a, b) => compareStrings(a.namespace!, b.namespace!)), ambiguous: true }
        : { declarations: candidates };
    }
    // the one workload or group of that name anywhere (two or more: ambiguous)
    const candidates = this.byName.get(ref.name) ?? [];
    return candidates.length > 1 ? { declarations: candidates, ambiguous: true } : { declarations: candidates };
  }
}
