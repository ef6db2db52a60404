/**
 * What the checker keeps of a program's earlier versions, to reuse what an edit did not change (the
 * language server's: src/lsp/incremental.ts; the command line checks once and keeps nothing): each
 * workload's model per declaring statement, and each rule's result (its clauses, diagnostics and
 * the namespaces it names) per rule statement. A statement object is the same only while its file's
 * parse is (a file's parse is kept while its text is the same), so what a statement says is what
 * it said; what a result read elsewhere is stamped with the version it last changed in:
 * - a name (`web`): the workloads and groups of that name (their keys, statements, and whether
 *   their selectors are valid), which a reference of that name resolves to and reads the ports of;
 * - every name: the keys the did-you-mean of an unknown name chooses from, in order;
 * - the cluster's pod and service ranges, which address blocks and `world` leave out.
 * A result is reused while nothing it read changed after the version it was worked out (or last
 * reused) in. A rule that names a group is checked again in every version: a group's resolution,
 * and where its cycles are reported, follow the order the rules first name it in.
 * test/lsp/incremental.test.ts compares the language server's check with a fresh one after every
 * edit of random edit sequences (names, selectors, labels, groups, cluster settings, files).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatCidr } from "../semantics/ip.js";
import type { Conjunction } from "../semantics/labels.js";
import type { Cluster, EndpointSet, NetworkRule, OwnedNamespace, Workload } from "../semantics/model.js";
import type * as ast from "../syntax/ast.js";
import { BindMemo, type Binding, type CollectedFile, type Scoped } from "./binder.js";
import { sameValue } from "../canonical.js";
import { sameItems } from "../arrays.js";

/** A workload's model (none when its selector is invalid) and the diagnostics of its statement. */
export interface CheckedWorkload {
  key: string;
  workload?: Workload;
  diagnostics: readonly Diagnostic[];
}

/** What a rule's check read outside its statement. */
export interface RuleReads {
  /** The names of its references. */
  names: readonly string[];
  /** Every name (a did-you-mean was chosen among them). */
  allNames: boolean;
  /** The cluster's ranges. */
  cluster: boolean;
}

/** A rule's check: its clauses, the diagnostics it reported and the namespaces it named, in order. */
export interface CheckedRule {
  rules: readonly NetworkRule[];
  diagnostics: readonly Diagnostic[];
  namespaceUses: readonly ast.Word[];
  reads: RuleReads;
  /** The version it was worked out or last reused in. */
  checkedAt: number;
}

/**
 * The check of every rule statement of a file, in parts: each run of statements whose checks are
 * kept (their rules, diagnostics and namespaces named), and each statement checked in every
 * version (one naming a group).
 */
export type CheckedFile = (
  Pick<CheckedRule, "rules" | "diagnostics" | "namespaceUses"> | { again: Scoped<ast.NetworkRule> }
)[];

interface Stamped<T> {
  value: T;
  changed: number;
}

export class CheckReuse {
  private version = 0;
  /** The last version in which anything a rule's check may read changed. */
  private lastChange = 0;
  private readonly names = new Map<string, Stamped<readonly unknown[]>>();
  private allNames: Stamped<string> = { value: "", changed: 0 };
  private cluster: Stamped<string> = { value: "", changed: 0 };
  /** What the last version declared: each workload's and group's key, name and model or statement, in order. */
  private declared?: unknown[];
  /** Each file's statements, declarations and references, by syntax tree (the binder's). */
  readonly files = new WeakMap<ast.SourceFileNode, CollectedFile>();
  private readonly workloads = new WeakMap<ast.Node, CheckedWorkload>();
  private readonly rules = new WeakMap<ast.Node, CheckedRule>();
  /** The check of every rule statement of a file, by its list of them (the same while the file's syntax tree is), with the version it was worked out or last reused in. */
  private readonly ruleFiles = new WeakMap<readonly unknown[], { parts: CheckedFile; checkedAt: number }>();
  /** The rules of each statement checked in every version (one naming a group), in the last version it was checked in. */
  private readonly againRules = new WeakMap<ast.Node, readonly NetworkRule[]>();
  /** The syntax tree of each file in the last version, and its statements by their text (with the namespace block they are in). */
  private readonly trees = new Map<string, { tree: ast.SourceFileNode; statements: Map<string, ast.Node> }>();
  /** A statement's first syntax node among those of the same text in the versions of its file (`statements`). */
  private readonly representatives = new WeakMap<ast.Node, ast.Node>();
  /** A workload's pods as an endpoint set, one object per workload model (kept from version to version with it). */
  readonly workloadSets = new WeakMap<Workload, EndpointSet>();
  /** `kubernetes.io/metadata.name=NAME`, one object per name. */
  readonly nameSelectors = new Map<string, Conjunction>();
  /** The owned namespaces of the last version, and each one's text (as JSON). */
  private namespaces?: OwnedNamespace[];
  private readonly namespaceTexts = new Map<string, { text: string; namespace: OwnedNamespace }>();
  /** Rules checked and reused, in all versions (for the tests). */
  checked = 0;
  reused = 0;

  constructor(
    /** What the binder keeps of the last version (each declaration object, what the last version declared). */
    readonly binder = new BindMemo(),
  ) {}

  /**
   * A new version's files: a statement of a file parsed again (an edit elsewhere in it) that says
   * what a statement of its last version said, in the same place and namespace block, stands for
   * that one (`same`): its check is reused as if it had not been parsed again.
   */
  statements(files: readonly ast.SourceFileNode[]): void {
    for (const tree of files) {
      const last = this.trees.get(tree.path);
      if (last?.tree === tree) continue;
      const statements = new Map<string, ast.Node>();
      const add = (s: ast.Statement, namespace: string) => {
        if (s.kind !== "Workload" && s.kind !== "NetworkRule" && s.kind !== "Group") return;
        const text = `${namespace}\u0000${JSON.stringify(s)}`;
        const known = last?.statements.get(text);
        if (known) this.representatives.set(s, known);
        statements.set(text, known ?? s);
      };
      for (const s of tree.statements) {
        if (s.kind === "Namespace") for (const inner of s.statements) add(inner, s.name.text);
        else add(s, "");
      }
      this.trees.set(tree.path, { tree, statements });
    }
    // a file deleted since the last version: its tree is let go of
    if (this.trees.size > files.length) {
      const paths = new Set(files.map((f) => f.path));
      for (const path of this.trees.keys()) if (!paths.has(path)) this.trees.delete(path);
    }
  }

  /** The statement that stands for a syntax node (`statements`). */
  private same(node: ast.Node): ast.Node {
    return this.representatives.get(node) ?? node;
  }

  /** A workload statement's model and diagnostics in an earlier version. */
  workload(node: ast.WorkloadDeclaration): CheckedWorkload | undefined {
    return this.workloads.get(this.same(node));
  }

  keepWorkload(node: ast.WorkloadDeclaration, checked: CheckedWorkload): void {
    this.workloads.set(this.same(node), checked);
  }

  /**
   * A new version, once its workloads are bound: stamps what changed since the last one — each name
   * whose workloads or groups changed, the list of every name, the cluster's ranges.
   */
  begin(binding: Binding, workloads: ReadonlyMap<string, Workload>, cluster: Cluster): void {
    const version = ++this.version;
    const stamp = <T>(s: Stamped<T>, value: T, same: (a: T, b: T) => boolean) => {
      if (!same(s.value, value)) {
        s.value = value;
        s.changed = this.lastChange = version;
      }
    };
    // (most versions declare what the last one did: one comparison of the lists, no stamps worked out)
    const declared: unknown[] = [];
    for (const [key, d] of binding.workloads) declared.push(key, d.name, workloads.get(key));
    for (const [key, d] of binding.groups) declared.push(key, d.name, this.same(d.node), d.span.file);
    const same = this.declared !== undefined && this.sameDeclarations(this.declared, declared);
    this.declared = declared;
    const ranges = [...cluster.podCIDRs, ...cluster.serviceCIDRs].map(formatCidr).join(" ");
    stamp(this.cluster, `${cluster.podCIDRs.length} ${ranges}`, (a, b) => a === b);
    if (same) return;
    const byName = new Map<string, unknown[]>();
    const add = (name: string, ...what: unknown[]) => {
      const known = byName.get(name);
      if (known) known.push(...what);
      else byName.set(name, what);
    };
    const keys: string[] = [];
    for (const [key, d] of binding.workloads) {
      const workload = workloads.get(key);
      add(d.name, key, workload);
      if (workload) keys.push(key);
    }
    for (const [key, d] of binding.groups) {
      add(d.name, key, this.same(d.node), d.span.file);
      keys.push(`${key} ${d.span.file}`);
    }
    for (const [name, what] of byName) {
      const known = this.names.get(name);
      if (known) stamp(known, what, sameItems);
      else this.names.set(name, { value: what, changed: (this.lastChange = version) });
    }
    for (const [name, known] of this.names) if (!byName.has(name)) stamp(known, [], sameItems);
    stamp(this.allNames, keys.join("\n"), (a, b) => a === b);
  }

  /**
   * The owned namespaces of this version, each the object of an earlier version that says the
   * same (and the list of the last version when all are): what is worked out from the owned
   * namespaces alone (semantics/lookup.ts) is then kept from version to version.
   */
  sameNamespaces(namespaces: OwnedNamespace[]): OwnedNamespace[] {
    const same = namespaces.map((namespace) => {
      const text = JSON.stringify(namespace);
      const known = this.namespaceTexts.get(namespace.name);
      if (known?.text === text) return known.namespace;
      this.namespaceTexts.set(namespace.name, { text, namespace });
      return namespace;
    });
    const last = this.namespaces;
    if (last && sameItems(last, same)) return last;
    return (this.namespaces = same);
  }

  /** A rule statement's check in an earlier version, when nothing it read changed since. */
  reusable(node: ast.NetworkRule): CheckedRule | undefined {
    const known = this.rules.get(this.same(node));
    if (!known || !this.unchanged(known)) return undefined;
    known.checkedAt = this.version;
    this.reused++;
    return known;
  }

  /**
   * The check of a file's rule statements (`statements`, the binder's list of them) in an earlier
   * version, when nothing any rule's check may read changed since (each statement's check would be
   * reused: `reusable`); its statements naming a group are parts to check again.
   */
  reusableFile(statements: readonly unknown[]): CheckedFile | undefined {
    const known = this.ruleFiles.get(statements);
    if (!known || !this.unchangedSince(known.checkedAt)) return undefined;
    known.checkedAt = this.version;
    this.reused += statements.length;
    return known.parts;
  }

  /** The check of a file's rule statements in this version. */
  keepFile(statements: readonly unknown[], parts: CheckedFile): void {
    this.ruleFiles.set(statements, { parts, checkedAt: this.version });
  }

  /**
   * The rules of a statement checked in every version (one naming a group): those of the last
   * version it was checked in when they say the same (`sameValue`: every field, spans too), so that what later
   * passes keep per rule object is kept for them too; else `rules`. A test gives a broken one to
   * show the property test notices.
   */
  sameRules(node: ast.NetworkRule, rules: readonly NetworkRule[]): readonly NetworkRule[] {
    const statement = this.same(node);
    const last = this.againRules.get(statement);
    if (last && sameValue(last, rules)) return last;
    this.againRules.set(statement, rules);
    return rules;
  }

  /** Whether nothing a rule's check may read changed after version `checkedAt` (a test gives a broken one to show the property test notices). */
  protected unchangedSince(checkedAt: number): boolean {
    return checkedAt >= this.lastChange;
  }

  /** A rule statement's check in this version. */
  keep(node: ast.NetworkRule, checked: Omit<CheckedRule, "checkedAt">): void {
    this.rules.set(this.same(node), { ...checked, checkedAt: this.version });
    this.checked++;
  }

  /** Whether two versions declare the same (a test gives a broken comparison to show the property test notices). */
  protected sameDeclarations(a: readonly unknown[], b: readonly unknown[]): boolean {
    return sameItems(a, b);
  }

  /** Whether nothing a rule's check read changed after it was worked out (a test gives a broken one to show the property test notices). */
  protected unchanged({ reads, checkedAt }: CheckedRule): boolean {
    if (checkedAt >= this.lastChange) return true;
    if (reads.cluster && this.cluster.changed > checkedAt) return false;
    if (reads.allNames && this.allNames.changed > checkedAt) return false;
    // (a name never declared is stamped when first declared)
    for (const name of reads.names) if ((this.names.get(name)?.changed ?? 0) > checkedAt) return false;
    return true;
  }
}
