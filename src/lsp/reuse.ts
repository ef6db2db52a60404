/**
 * What the language server keeps of a program's checked versions per owned namespace and per rule,
 * to reuse in a new version what an edit did not change (src/lsp/incremental.ts): the compiler's
 * diagnostics per namespace and the lints' per rule or namespace, each under a key that is the text
 * of everything it reads but its positions (`ModelKeys`, `lintKey`; docs/decisions.md lists them).
 * A namespace's compile inputs: the cluster settings (pod and service ranges, version), the
 * namespace (name, labels, postures), its workloads and every rule with a clause near it
 * (`clausesNear`: the clauses whose ends can hold its pods, found by the names and labels of every
 * owned namespace), each rule whole — action, clauses (their ends and ports by the identities the
 * compiler merges them by). The spans a key reads are listed apart (`namespaceSpans`,
 * `lintSpans`): a result found under a key, from whichever version computed it, is placed at this
 * version's spans (statements moved by an edit above them are not worked out again); a namespace
 * whose key is new is compiled on its own (`compileNamespace`). That the
 * compiler's diagnostics are the union of the namespaces' (SP9004 once per statement) and the lints'
 * the same as a fresh run is what the property test (test/lsp/incremental.test.ts) checks against
 * `check` after every edit.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { names as nm } from "../diagnostics/messages/names.js";
import type { Clause, EndpointSet, Model, NetworkRule, OwnedNamespace, Workload } from "../semantics/model.js";
import { endpointsKey } from "../semantics/endpoints.js";
import { portsKey } from "../semantics/ports.js";
import {
  candidateNamespaces,
  changedIn,
  clausesNear,
  compareRuleSpans,
  mergedInProgramOrder,
  nearFrom,
  workloadsIn,
} from "../semantics/lookup.js";
import type { LintPart, LintReuse } from "../analysis/lints.js";
import { compileNetworkPolicies } from "../targets/network-policy/compile.js";
import { sameItems } from "../arrays.js";
import { canonical, Numbered } from "../canonical.js";

/**
 * A value as text without its spans (each `span` field written as its number in `spans`, where it is
 * appended): two values of equal texts are the same but for where they are written.
 */
export function placeless(value: unknown, spans: Span[]): string {
  return (
    JSON.stringify(value, (key, v: unknown) =>
      key === "span" ? spans.push(v as Span) - 1 : typeof v === "bigint" ? `${v}n` : v,
    ) ?? "undefined"
  );
}

/** Which of a list of spans are the same (for each, the first equal one's position when not its own). */
function samePlaces(spans: readonly Span[]): string {
  const first = new Map<string, number>();
  let pattern = "";
  spans.forEach((s, i) => {
    const text = spanText(s);
    const known = first.get(text);
    if (known === undefined) first.set(text, i);
    else pattern += ` ${i}=${known}`;
  });
  return pattern;
}

export const spanText = (s: Span) =>
  `${s.file}\u0000${s.start.offset}:${s.start.line}:${s.start.column}-${s.end.offset}:${s.end.line}:${s.end.column}`;

/** A text without its spans (`placeless`), and the spans taken out of it, in order. */
interface Placeless {
  text: string;
  spans: Span[];
}

/** The lints run per rule. */
export type RulePart = Exclude<LintPart, "dns">;

/**
 * What a rule lint (`part`) read of the owned namespaces in the last model it ran on (`serial`):
 * the cluster settings, every owned namespace's name and labels, and per namespace its regions'
 * key and (for `allow` and `deny`) the rules of the other action near it, as objects (a rule object
 * is kept only while its statement says the same in the same place: its span is the same).
 */
interface PassRead {
  serial: number;
  cluster: string;
  labels: number;
  namespaces: Map<string, { regions: number; near?: readonly NetworkRule[] }>;
}

/** A rule lint's result for a rule object, in the last model it ran on for it, with the namespaces near it there. */
interface LastResult {
  serial: number;
  near: readonly OwnedNamespace[];
  diagnostics: Diagnostic[];
}

/** What is kept of a rule object (the checker keeps it while its statement says the same). */
interface RuleMemo {
  /** Its key without its place. */
  text: number;
  /** The owned namespaces near it, for the list of owned namespaces they were found in. */
  near?: { among: readonly OwnedNamespace[]; near: readonly OwnedNamespace[] };
  /** Each lint's last key, with what it was made of: the rule's key, the namespaces near it and their keys, the labels' key. */
  lints: Partial<
    Record<
      LintPart,
      { token: number; near: readonly OwnedNamespace[]; keys: readonly number[]; labels: number; key: string }
    >
  >;
  /** Each rule lint's result in the last model it ran on for this rule (`Reused.unchangedSince`). */
  last: Partial<Record<RulePart, LastResult>>;
}

/**
 * What the keys of every version share (until they are begun again): texts numbered, and the keys
 * of the model's parts worked out once per object — a rule, an endpoint set or a workload kept by
 * the checker from one version to the next (src/check/reuse.ts) is keyed once — and the names of
 * the namespaces each clause is near, kept while every owned namespace's name and labels (all that
 * decides them) stay the same.
 */
export class KeyMemo {
  readonly numbered = new Numbered();
  /** The models keyed so far (each `ModelKeys` is numbered). */
  serials = 0;
  /** What each rule lint read of the namespaces in the last model it ran on. */
  readonly passes: Partial<Record<RulePart, PassRead>> = {};
  /** The rules of a list of clauses near a namespace (`clausesNear`'s, kept from model to model while no rule near it changes), each once, and those of each action. */
  readonly rulesNear = new WeakMap<
    readonly { rule: NetworkRule }[],
    { all: readonly NetworkRule[]; allow?: readonly NetworkRule[]; deny?: readonly NetworkRule[] }
  >();
  /** Per rule: its key without its place, the namespaces near it, its lints' last keys. */
  readonly rules = new WeakMap<NetworkRule, RuleMemo>();
  readonly sets = new WeakMap<EndpointSet, number>();
  readonly workloads = new WeakMap<Workload, { key: number; spans: Span[] }>();
  /** A namespace's regions' key, with the workloads it was worked out from. */
  readonly regions = new WeakMap<OwnedNamespace, { workloads: readonly Workload[]; key: number }>();
  /** The labels' key of a list of owned namespaces. */
  readonly labels = new WeakMap<readonly OwnedNamespace[], number>();
  /** A namespace's text without its places, per object (the checker keeps a namespace's object while it says the same). */
  readonly namespaceTexts = new WeakMap<OwnedNamespace, Placeless>();
  /**
   * The last key of each namespace's side for the allow or deny lints (by action and name: the
   * rules of that action near it), with the namespace's key it was worked out from.
   */
  readonly sides = new Map<string, { whole: number; key: number }>();
  /** The last key of each namespace, with what it was worked out from (objects, compared as such). */
  readonly namespaces = new Map<
    string,
    {
      cluster: string;
      namespace: OwnedNamespace;
      workloads: readonly Workload[];
      rules: readonly NetworkRule[];
      tokens: readonly number[];
      key: number;
    }
  >();
}

/**
 * The keys of one model's rules and owned namespaces (each worked out once, on first use), texts
 * numbered by `memo`. A key says what a result reads but not where it is written: the spans it
 * reads are listed apart (`namespaceSpans`, a rule's own), in an order its text fixes, so that a
 * result found under the key is the result for the spans of this version at the same positions of
 * the list (`Reused`: statements moved by an edit above them are not worked out again).
 * - a rule: its action and clauses (and, for a rule that says what another says, which of them it is);
 * - a namespace's regions: the namespace and its workloads, and which of their spans are the same;
 * - a namespace (what compiling it reads): the cluster settings, its regions' key, the rules near it
 *   (whose spans are never the same: a rule is a statement of its own);
 * - the owned namespaces' names and labels (what `ns(...)` peers and the DNS lint's peers read of
 *   the namespaces they are not near), and the assertions (whose terms tell pods apart too).
 */
export class ModelKeys {
  private readonly namespaces = new Map<OwnedNamespace, number>();
  private readonly spansOf = new Map<OwnedNamespace, Span[]>();
  private readonly regionKeys = new Map<OwnedNamespace, number>();
  private readonly sideKeys = { allow: new Map<OwnedNamespace, number>(), deny: new Map<OwnedNamespace, number>() };
  private cluster?: string;
  private assertionsKey?: number;

  /** This model's number among those keyed with `memo`. */
  readonly serial: number;
  /** Per rule lint, the namespaces whose reads changed since the last model it ran on (`changedSince`). */
  private readonly changes: Partial<Record<RulePart, { since: number; names: ReadonlySet<string> } | null>> = {};

  constructor(
    readonly model: Model,
    private readonly memo: KeyMemo,
    /** The model's rules by their keys without place (`RuleTexts`; the language server keeps them from version to version). */
    private readonly texts: () => RuleTexts,
  ) {
    this.serial = ++memo.serials;
  }

  /** What a rule lint reads of the owned namespaces of this model (`PassRead`). */
  passRead(part: RulePart): PassRead {
    this.cluster ??= canonical(this.model.cluster);
    const other = part === "deny" ? "allow" : part === "allow" ? "deny" : undefined;
    const namespaces = new Map<string, { regions: number; near?: readonly NetworkRule[] }>();
    for (const n of this.model.namespaces)
      namespaces.set(n.name, { regions: this.regions(n), ...(other ? { near: this.rulesNearOf(n, other) } : {}) });
    return { serial: this.serial, cluster: this.cluster, labels: this.labels(), namespaces };
  }

  /**
   * The last model a rule lint ran on before this one, and the owned namespaces whose reads
   * (`PassRead`) differ between the two (by name); null when the cluster settings or the owned
   * namespaces' labels differ, or it never ran. Worked out once per model and lint, on its first
   * rule: the lint then runs on every rule of this model, which makes this model the last one.
   */
  changedSince(part: RulePart): { since: number; names: ReadonlySet<string> } | null {
    let known = this.changes[part];
    if (known !== undefined) return known;
    const now = this.passRead(part);
    const last = this.memo.passes[part];
    known =
      last && last.cluster === now.cluster && last.labels === now.labels
        ? { since: last.serial, names: changedNamespaces(last, now) }
        : null;
    this.memo.passes[part] = now;
    this.changes[part] = known;
    return known;
  }

  private get numbered(): Numbered {
    return this.memo.numbered;
  }

  /** A rule's key: its action and clauses, and for the N-th of rules saying the same, N. */
  rule(r: NetworkRule, memo = this.ruleMemo(r)): number {
    const key = memo.text;
    const { byText, repeated } = this.texts();
    return repeated.has(key) ? this.numbered.of(`${key}#${byText.get(key)!.indexOf(r)}`) : key;
  }

  private ruleText(r: NetworkRule): number {
    return this.ruleMemo(r).text;
  }

  /** What is kept of a rule object. */
  ruleMemo(r: NetworkRule): RuleMemo {
    let memo = this.memo.rules.get(r);
    if (memo === undefined)
      this.memo.rules.set(
        r,
        (memo = {
          text: this.numbered.of(`${r.action} ${r.clauses.map((c) => this.clause(c)).join(";")}`),
          lints: {},
          last: {},
        }),
      );
    return memo;
  }

  /**
   * A clause as text: its ends' and ports' identities as the compiler tells sets apart (each worked
   * out once per set object, and shared with the lints, which ask for the same), numbered.
   */
  clause(c: Clause): string {
    const set = (s: EndpointSet) => {
      let n = this.memo.sets.get(s);
      if (n === undefined) this.memo.sets.set(s, (n = this.numbered.of(endpointsKey(s))));
      return n;
    };
    return `${set(c.sources)}>${set(c.destinations)}:${this.numbered.of(portsKey(c.ports))}`;
  }

  /** The rules near a namespace (a clause of theirs can hold its pods), each once, in program order (`clausesNear`'s, whose index the lints share). */
  rulesNear(namespace: OwnedNamespace): readonly NetworkRule[] {
    return this.nearOf(namespace.name).all;
  }

  /** `rulesNear` of the owned namespace of that name (none when there is none). */
  rulesNearNamed(name: string): readonly NetworkRule[] {
    return this.nearOf(name).all;
  }

  /** The rules of one action near a namespace, in program order. */
  rulesNearOf(namespace: OwnedNamespace, action: NetworkRule["action"]): readonly NetworkRule[] {
    const near = this.nearOf(namespace.name);
    return (near[action] ??= near.all.filter((r) => r.action === action));
  }

  /** The rules near a namespace, kept with its list of clauses near it. */
  private nearOf(name: string) {
    const clauses = clausesNear(this.model, name);
    let near = this.memo.rulesNear.get(clauses);
    if (!near) {
      const all: NetworkRule[] = [];
      for (const { rule } of clauses) if (all.at(-1) !== rule) all.push(rule);
      this.memo.rulesNear.set(clauses, (near = { all }));
    }
    return near;
  }

  /**
   * A namespace as the lints of rules of the other action read it: the cluster settings, its
   * regions' key and the rules of `action` near it (a deny's lint meets the allows there, an
   * allow's the denies; a new allow changes no allow's key). The last version's key when it read
   * the same namespace key.
   */
  side(namespace: OwnedNamespace, action: NetworkRule["action"]): number {
    let key = this.sideKeys[action].get(namespace);
    if (key !== undefined) return key;
    // the namespace's key (its regions and every rule near it) the same, the side is the same:
    // most namespaces are as they were, and then no list is made nor text hashed
    const whole = this.namespace(namespace);
    const name = `${action} ${namespace.name}`;
    const last = this.memo.sides.get(name);
    if (last?.whole === whole) key = last.key;
    else {
      const tokens = this.rulesNearOf(namespace, action).map((r) => this.rule(r));
      key = this.numbered.of(`${this.cluster}\n${this.regions(namespace)}\n${action} ${tokens.join(",")}`);
      this.memo.sides.set(name, { whole, key });
    }
    this.sideKeys[action].set(namespace, key);
    return key;
  }

  /** A workload's key and spans. */
  private workload(w: Workload): { key: number; spans: Span[] } {
    let known = this.memo.workloads.get(w);
    if (known === undefined) {
      const spans: Span[] = [];
      this.memo.workloads.set(w, (known = { key: this.numbered.of(placeless(w, spans)), spans }));
    }
    return known;
  }

  private namespaceItself(namespace: OwnedNamespace): Placeless {
    let known = this.memo.namespaceTexts.get(namespace);
    if (known === undefined) {
      const spans: Span[] = [];
      this.memo.namespaceTexts.set(namespace, (known = { text: placeless(namespace, spans), spans }));
    }
    return known;
  }

  /** The spans a namespace's regions' key reads, in its order: the namespace's, its workloads'. */
  private regionSpans(namespace: OwnedNamespace): Span[] {
    const spans = [...this.namespaceItself(namespace).spans];
    for (const w of workloadsIn(this.model, namespace.name)) spans.push(...this.workload(w).spans);
    return spans;
  }

  /** The spans a namespace's key reads, in its order: its regions', the rules near it. */
  namespaceSpans(namespace: OwnedNamespace): Span[] {
    let spans = this.spansOf.get(namespace);
    if (!spans) {
      spans = this.regionSpans(namespace);
      for (const r of this.rulesNear(namespace)) spans.push(r.span);
      this.spansOf.set(namespace, spans);
    }
    return spans;
  }

  /** A namespace's regions' key (without places): the namespace and its workloads (not the rules near it). */
  regions(namespace: OwnedNamespace): number {
    let key = this.regionKeys.get(namespace);
    if (key === undefined) {
      const last = this.memo.regions.get(namespace);
      const workloads = workloadsIn(this.model, namespace.name);
      if (last && sameItems(last.workloads, workloads)) key = last.key;
      else {
        const spans = this.regionSpans(namespace);
        const text = `${this.namespaceItself(namespace).text}\n${workloads.map((w) => this.workload(w).key).join(",")}`;
        key = this.numbered.of(`${text}\n${samePlaces(spans)}`);
        this.memo.regions.set(namespace, { workloads, key });
      }
      this.regionKeys.set(namespace, key);
    }
    return key;
  }

  /** The text of what compiling a namespace reads (without places). */
  namespaceText(namespace: OwnedNamespace): string {
    this.cluster ??= canonical(this.model.cluster);
    const rules = this.rulesNear(namespace).map((r) => this.rule(r));
    return `${this.cluster}\n${this.regions(namespace)}\n${rules.join(",")}`;
  }

  /** A namespace's key: the last version's when it read the same objects (the checker keeps those that say the same). */
  namespace(namespace: OwnedNamespace): number {
    let key = this.namespaces.get(namespace);
    if (key !== undefined) return key;
    this.cluster ??= canonical(this.model.cluster);
    const workloads = workloadsIn(this.model, namespace.name);
    const rules = this.rulesNear(namespace);
    const tokens = rules.map((r) => this.rule(r));
    const last = this.memo.namespaces.get(namespace.name);
    if (
      last &&
      last.cluster === this.cluster &&
      last.namespace === namespace &&
      sameItems(last.workloads, workloads) &&
      sameItems(last.rules, rules) &&
      sameItems(last.tokens, tokens)
    )
      key = last.key;
    else {
      key = this.numbered.of(this.namespaceText(namespace));
      this.memo.namespaces.set(namespace.name, { cluster: this.cluster, namespace, workloads, rules, tokens, key });
    }
    this.namespaces.set(namespace, key);
    return key;
  }

  /** The owned namespaces a rule's clauses can hold pods of (the namespaces its lints read), each once, in order. */
  namespacesNear(r: NetworkRule, memo = this.ruleMemo(r)): readonly OwnedNamespace[] {
    const among = this.model.namespaces;
    let known = memo.near;
    if (known?.among !== among) {
      const near =
        r.clauses.length === 1
          ? candidateNamespaces(this.model, r.clauses[0])
          : [...new Set(r.clauses.flatMap((c) => candidateNamespaces(this.model, c)))];
      memo.near = known = { among, near };
    }
    return known.near;
  }

  /** Every owned namespace's name and labels. */
  labels(): number {
    const among = this.model.namespaces;
    let key = this.memo.labels.get(among);
    if (key === undefined)
      this.memo.labels.set(among, (key = this.numbered.of(canonical(among.map((n) => [n.name, n.labels])))));
    return key;
  }

  assertions(): number {
    return (this.assertionsKey ??= this.numbered.of(
      this.model.assertions
        .map((a) => `${a.negated} ${spanText(a.span)} ${a.clauses.map((c) => this.clause(c)).join(";")}`)
        .join("\n"),
    ));
  }
}

/** The owned namespaces (by name) whose reads differ between two models (`PassRead`): a namespace added or removed among them. */
export function changedNamespaces(last: PassRead, now: PassRead): Set<string> {
  const names = new Set<string>();
  for (const [name, read] of now.namespaces) {
    const was = last.namespaces.get(name);
    if (!was || was.regions !== read.regions || (read.near !== undefined && !sameItems(was.near ?? [], read.near)))
      names.add(name);
  }
  for (const name of last.namespaces.keys()) if (!now.namespaces.has(name)) names.add(name);
  return names;
}

/**
 * The key of a lint's result for one rule or namespace (`LintReuse`), by what it reads:
 * - `deny` (a deny that removes nothing) and `allow` (an allow every deny removes): the rule and the
 *   namespaces near it as the rules of the other action read them (`side`: the cluster, their
 *   regions and the rules of the other action near them, the allows a deny meets or the denies an
 *   allow meets): a new allow keys no allow's lint anew, nor a new deny a deny's;
 * - `reach` (a rule that reaches no managed direction, or only `default allow` ones): the rule, the
 *   regions of the namespaces near it (not the rules near them) and every owned namespace's labels
 *   (its help names the namespaces its peers' labels select);
 * - `unowned` (a rule selecting namespaces by labels no owned namespace carries): the rule and every
 *   owned namespace's labels;
 * - `dns` (egress closed without DNS, per namespace): the namespace, every owned namespace's labels
 *   (the DNS peer is matched against them) and the assertions (the pod regions the lint names are
 *   told apart by every term, assertions' included).
 * The spans it reads are `lintSpans`'.
 */
export function lintKey(keys: ModelKeys, part: LintPart, of: NetworkRule | OwnedNamespace): string {
  if (part === "dns") return `dns ${keys.namespace(of as OwnedNamespace)} ${keys.labels()} ${keys.assertions()}`;
  const rule = of as NetworkRule;
  const memo = keys.ruleMemo(rule);
  if (part === "unowned") return `unowned ${keys.rule(rule, memo)} ${keys.labels()}`;
  const near = keys.namespacesNear(rule, memo);
  const token = keys.rule(rule, memo);
  const other = part === "deny" ? "allow" : "deny";
  const keyOf = (n: OwnedNamespace) => (part === "reach" ? keys.regions(n) : keys.side(n, other));
  // (the key of the last version, while made of the same parts: no text made and hashed again)
  const lints = memo.lints;
  const last = lints[part];
  if (last && last.token === token && last.near === near && (part !== "reach" || last.labels === keys.labels())) {
    let same = true;
    for (let i = 0; i < near.length && same; i++) same = last.keys[i] === keyOf(near[i]);
    if (same) return last.key;
  }
  const nearKeys = near.map(keyOf);
  const key =
    part === "reach"
      ? `reach ${token} ${nearKeys.join(",")} ${keys.labels()}`
      : `${part} ${token} ${nearKeys.join(",")}`;
  lints[part] = { token, near, keys: nearKeys, labels: keys.labels(), key };
  return key;
}

/**
 * The spans a lint's result may be at, in the order `lintKey` fixes: the rule's, then (but for
 * `reach`, which says where a rule is on that rule only) those of the rules of the other action
 * near each namespace near it (a deny that removes an allow is where the allow's lint points).
 */
export function lintSpans(keys: ModelKeys, part: LintPart, of: NetworkRule | OwnedNamespace): Span[] {
  if (part === "dns") return keys.namespaceSpans(of as OwnedNamespace);
  const rule = of as NetworkRule;
  if (part === "reach" || part === "unowned") return [rule.span];
  const other = part === "deny" ? "allow" : "deny";
  const spans = [rule.span];
  for (const n of keys.namespacesNear(rule)) for (const r of keys.rulesNearOf(n, other)) spans.push(r.span);
  return spans;
}

/** A model's rules by their keys without place, each list in program order, and the keys of more than one rule. */
export interface RuleTexts {
  byText: ReadonlyMap<number, readonly NetworkRule[]>;
  repeated: ReadonlySet<number>;
}

/**
 * A result kept without its places: each diagnostic's span, and its related spans, as positions in
 * the list of spans its key reads; or, when one of them is not in that list, the results by places.
 */
export type Kept = Placed | { placeless: false; byPlace: Map<string, Diagnostic[]> };
export interface Placed {
  placeless: true;
  diagnostics: readonly { d: Diagnostic; at: number; related?: number[] }[];
}

const noDiagnostics: Diagnostic[] = [];

/**
 * The diagnostics of the compiler (per owned namespace) and of the lints (per rule or namespace)
 * in the versions checked, by key: a key names everything its result reads but its places, so a
 * result found under a key is reused in any later version, at the spans this version's key reads.
 * Kept until they outgrow the program (then begun again).
 */
export class Reused implements LintReuse {
  private memo = new KeyMemo();
  private results = new Map<string, Kept>();
  private readonly keysOf = new WeakMap<Model, ModelKeys>();
  /** Each rule lint's last run (`rules`): its model's serial, the model, the rules it ran on and those with diagnostics, in program order. */
  private lastRuns: Partial<
    Record<
      RulePart,
      {
        serial: number;
        model: Model;
        rules: readonly NetworkRule[];
        found: readonly { rule: NetworkRule; diagnostics: Diagnostic[] }[];
      }
    >
  > = {};
  /** The rules of the last model asked about by their keys without place (`ruleTexts`). */
  private lastTexts?: TextIndex & { model: Model };
  /** The last model keyed: the next model's `clausesNear` index is made from its (`clausesNearFrom`). */
  private lastModel?: Model;
  /** Results worked out, and results reused, so far (for the tests). */
  computed = 0;
  reused = 0;

  reuse<T extends NetworkRule | OwnedNamespace>(
    model: Model,
    part: LintPart,
    of: T,
    compute: (of: T) => Diagnostic[],
  ): Diagnostic[] {
    const keys = this.keys(model);
    if (part === "dns") return this.result(this.lintKey(keys, part, of), keys, part, of, compute);
    // a rule whose result in the last model the lint ran on was worked out (or kept) near the
    // same namespaces, none of which changed what the lint reads there: that result (no key made)
    const rule = of as NetworkRule;
    const changed = keys.changedSince(part); // (on the first rule: this model becomes the lint's last)
    const memo = keys.ruleMemo(rule);
    const near = keys.namespacesNear(rule, memo);
    const last = memo.last[part];
    if (last && last.near === near && this.unchangedSince(changed, last.serial, near)) {
      last.serial = keys.serial;
      this.reused++;
      return last.diagnostics;
    }
    const diagnostics = this.result(this.lintKey(keys, part, of), keys, part, of, compute);
    memo.last[part] = { serial: keys.serial, near, diagnostics };
    return diagnostics;
  }

  /**
   * Whether what a rule lint reads of the namespaces near a rule is as it was in the model of
   * `serial`, the last one it ran on (a test gives a broken one to show the property test notices).
   */
  protected unchangedSince(
    changed: { since: number; names: ReadonlySet<string> } | null,
    serial: number,
    near: readonly OwnedNamespace[],
  ): boolean {
    if (changed === null || changed.since !== serial) return false;
    if (changed.names.size === 0) return true;
    for (const n of near) if (changed.names.has(n.name)) return false;
    return true;
  }

  /**
   * A rule lint's diagnostics for each of `rules`, in their order: when the lint's last run was on
   * the model before this one (`changedSince`) with the same owned namespaces, the last run's for
   * every rule but those added since and those near a namespace whose reads changed (`recheck`),
   * which `reuse` gives; otherwise `reuse`'s of every rule. (An edit of one file then looks at the
   * rules it added and those near what it changed, not at every rule of the program.)
   */
  rules(
    model: Model,
    part: RulePart,
    rules: readonly NetworkRule[],
    compute: (rule: NetworkRule) => Diagnostic[],
  ): Diagnostic[] {
    const keys = this.keys(model);
    const changed = keys.changedSince(part);
    const last = this.lastRuns[part];
    const again =
      last && changed && changed.since === last.serial && last.model.namespaces === model.namespaces
        ? this.recheck(keys, last.rules, rules, changed.names)
        : undefined;
    let found: { rule: NetworkRule; diagnostics: Diagnostic[] }[] = [];
    for (const rule of again?.rules ?? rules) {
      const diagnostics = this.reuse(model, part, rule, compute);
      if (diagnostics.length > 0) found.push({ rule, diagnostics });
    }
    if (again)
      found = mergedInProgramOrder(
        last!.found.filter((f) => !again.removed.has(f.rule) && !again.set.has(f.rule)),
        found,
      );
    this.lastRuns[part] = { serial: keys.serial, model, rules, found };
    const diagnostics: Diagnostic[] = [];
    for (const f of found) diagnostics.push(...f.diagnostics);
    return diagnostics;
  }

  /**
   * The rules of `rules` whose lint is worked out again (`reuse`), in program order, given those
   * the lint last ran on (`before`, of the last model) and the namespaces whose reads changed
   * since: the rules added and those near a changed namespace; and the rules removed. Undefined
   * when the two lists cannot be compared (`changedIn`). A test gives a broken one to show the
   * property test notices.
   */
  protected recheck(
    keys: ModelKeys,
    before: readonly NetworkRule[],
    rules: readonly NetworkRule[],
    names: ReadonlySet<string>,
  ): { rules: NetworkRule[]; set: ReadonlySet<NetworkRule>; removed: ReadonlySet<NetworkRule> } | undefined {
    const diff = changedIn(before, rules);
    if (!diff) return undefined;
    const set = new Set(diff.added);
    for (const name of names)
      for (const rule of keys.rulesNearNamed(name)) if (!set.has(rule) && holds(rules, rule)) set.add(rule);
    const again = set.size === diff.added.length ? diff.added : [...set].sort(compareRuleSpans);
    return { rules: again, set, removed: new Set(diff.removed) };
  }

  /**
   * A model's rules by their keys without place (`ruleKey`): those of the last model asked about
   * (the lists changed, not made again) with the rules removed since taken out and those added
   * put in at their places (`changedIn`); made from every rule when the two lists cannot be
   * compared.
   */
  protected ruleTexts(model: Model): RuleTexts {
    let texts = this.lastTexts;
    if (texts?.model === model) return texts;
    const diff = texts && this.rulesChanged(texts.model.rules, model.rules);
    if (!texts || !diff) {
      texts = { model, ...ruleTextsOf(model.rules, (rule) => this.ruleKey(model, rule)) };
    } else {
      texts.model = model;
      for (const rule of diff.removed) {
        const text = texts.textOf.get(rule)!;
        texts.textOf.delete(rule);
        const list = texts.byText.get(text)!;
        list.splice(list.indexOf(rule), 1);
        if (list.length === 0) texts.byText.delete(text);
        if (list.length < 2) texts.repeated.delete(text);
      }
      placeTexts(texts, diff.added, (rule) => this.ruleKey(model, rule));
    }
    this.lastTexts = texts;
    return texts;
  }

  /** `changedIn`, for `ruleTexts`: a test gives a broken one to show the property test notices. */
  protected rulesChanged(before: readonly NetworkRule[], rules: readonly NetworkRule[]) {
    return changedIn(before, rules);
  }

  /** The rules saying what an earlier rule says (the duplicate-rule lint), each with the first of them, in program order. */
  duplicates(model: Model): { rule: NetworkRule; first: NetworkRule }[] {
    const { byText, repeated } = this.ruleTexts(model);
    const found: { rule: NetworkRule; first: NetworkRule }[] = [];
    for (const text of repeated) {
      const [first, ...others] = byText.get(text)!;
      for (const rule of others) found.push({ rule, first });
    }
    return found.sort((a, b) => compareRuleSpans(a.rule, b.rule));
  }

  /** A rule's key without its place (without the `#N` of rules saying the same: the duplicate-rule lint looks for those). */
  ruleKey(model: Model, rule: NetworkRule): number {
    return this.keys(model).ruleMemo(rule).text;
  }

  /** `compileNetworkPolicies(model).diagnostics`, each namespace's reused while its key stays the same. */
  compiled(model: Model): Diagnostic[] {
    const keys = this.keys(model);
    const compile = (namespace: OwnedNamespace) => compileNamespace(model, namespace, keys.rulesNear(namespace));
    const all = model.namespaces.flatMap((namespace) =>
      this.result(`compile ${this.namespaceKey(keys, namespace)}`, keys, "compile", namespace, compile),
    );
    // SP9004 (an ipBlock without the pod range) is said once per statement, and only when nothing
    // compiled with an error
    const said = new Set<string>();
    const failed = hasErrors(all);
    return all.filter((d) => {
      if (d.code !== nm.noPodCidr.code) return true;
      const at = `${d.span.file}\u0000${d.span.start.offset}`;
      if (failed || said.has(at)) return false;
      said.add(at);
      return true;
    });
  }

  /**
   * The `clausesNear` index of a new model to be made, when first asked for, from that of the last
   * model keyed (`nearFrom`); a test gives a broken one to show the property test notices.
   */
  protected nearFrom(model: Model, last: Model): void {
    nearFrom(model, last);
  }

  /** `lintKey`: a test gives a broken one to show the property test notices. */
  protected lintKey(keys: ModelKeys, part: LintPart, of: NetworkRule | OwnedNamespace): string {
    return lintKey(keys, part, of);
  }

  /** The key of a namespace's compile diagnostics: a test gives a broken one to show the property test notices. */
  protected namespaceKey(keys: ModelKeys, namespace: OwnedNamespace): string | number {
    return keys.namespace(namespace);
  }

  /** A result kept at the places of `spans` (a test gives a broken one to show the property test notices). */
  protected placed(kept: Placed, spans: readonly Span[]): Diagnostic[] {
    return kept.diagnostics.map(({ d, at, related }) => ({
      ...d,
      span: spans[at],
      ...(related ? { related: d.related!.map((r, i) => ({ ...r, span: spans[related[i]] })) } : {}),
    }));
  }

  /** The result under `key`, or `compute(of)`'s; placed at the spans it reads (`part` of `of`: a lint's, or the namespace's compile diagnostics). */
  private result<T extends NetworkRule | OwnedNamespace>(
    key: string,
    keys: ModelKeys,
    part: LintPart | "compile",
    of: T,
    compute: (of: T) => Diagnostic[],
  ): Diagnostic[] {
    const found = this.results.get(key);
    if (found?.placeless) {
      this.reused++;
      return found.diagnostics.length === 0 ? noDiagnostics : this.placed(found, this.spansRead(keys, part, of));
    }
    if (found) {
      const place = this.spansRead(keys, part, of).map(spanText).join("\u0001");
      const known = found.byPlace.get(place);
      if (known) {
        this.reused++;
        return known;
      }
      const diagnostics = compute(of);
      this.computed++;
      found.byPlace.set(place, diagnostics);
      return diagnostics;
    }
    const diagnostics = compute(of);
    this.computed++;
    this.results.set(key, this.kept(diagnostics, diagnostics.length === 0 ? [] : this.spansRead(keys, part, of)));
    return diagnostics;
  }

  private spansRead(keys: ModelKeys, part: LintPart | "compile", of: NetworkRule | OwnedNamespace): Span[] {
    return part === "compile" ? keys.namespaceSpans(of as OwnedNamespace) : lintSpans(keys, part, of);
  }

  /** Diagnostics kept by their spans' positions in `spans` (the first equal one), or by places when one is not there. */
  private kept(diagnostics: Diagnostic[], spans: readonly Span[]): Kept {
    if (diagnostics.length === 0) return { placeless: true, diagnostics: [] };
    const positions = new Map<string, number>();
    spans.forEach((s, i) => {
      const text = spanText(s);
      if (!positions.has(text)) positions.set(text, i);
    });
    const kept: { d: Diagnostic; at: number; related?: number[] }[] = [];
    for (const d of diagnostics) {
      const at = positions.get(spanText(d.span));
      const related = d.related?.map((r) => positions.get(spanText(r.span)));
      if (at === undefined || related?.some((r) => r === undefined))
        return { placeless: false, byPlace: new Map([[spans.map(spanText).join("\u0001"), diagnostics]]) };
      kept.push({ d, at, ...(related ? { related: related as number[] } : {}) });
    }
    return { placeless: true, diagnostics: kept };
  }

  private keys(model: Model): ModelKeys {
    let keys = this.keysOf.get(model);
    if (!keys) {
      // the texts and results of earlier versions pile up: past a bound, they are begun again
      const bound = 4 * (model.rules.length + model.workloads.length + model.namespaces.length) + 1000;
      if (this.memo.numbered.size > bound || this.results.size > bound) {
        this.memo = new KeyMemo();
        this.results = new Map(); // (their keys name texts by the old numbers)
        this.lastRuns = {};
        this.lastTexts = undefined;
      }
      this.keysOf.set(model, (keys = new ModelKeys(model, this.memo, () => this.ruleTexts(model))));
      if (this.lastModel) this.nearFrom(model, this.lastModel);
      this.lastModel = model;
    }
    return keys;
  }
}

/** A model's rules by their keys without place, with each rule's key (`RuleTexts`, kept up to date by `placeTexts`). */
export interface TextIndex extends RuleTexts {
  byText: Map<number, NetworkRule[]>;
  repeated: Set<number>;
  textOf: Map<NetworkRule, number>;
}

/** The rules (in program order) by their keys without place (`keyOf`). */
export function ruleTextsOf(rules: readonly NetworkRule[], keyOf: (rule: NetworkRule) => number): TextIndex {
  const texts: TextIndex = { byText: new Map(), repeated: new Set(), textOf: new Map() };
  placeTexts(texts, rules, keyOf);
  return texts;
}

/** Rules (in program order) put in their texts' lists, at their places. */
function placeTexts(texts: TextIndex, rules: readonly NetworkRule[], keyOf: (rule: NetworkRule) => number): void {
  for (const rule of rules) {
    const text = keyOf(rule);
    texts.textOf.set(rule, text);
    const list = texts.byText.get(text);
    if (!list) {
      texts.byText.set(text, [rule]);
      continue;
    }
    let at = list.length;
    while (at > 0 && compareRuleSpans(list[at - 1], rule) > 0) at--;
    list.splice(at, 0, rule);
    texts.repeated.add(text);
  }
}

/** Whether a list of rules in program order holds `rule` (found by its place). */
function holds(rules: readonly NetworkRule[], rule: NetworkRule): boolean {
  let low = 0;
  let high = rules.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareRuleSpans(rules[middle], rule) < 0) low = middle + 1;
    else high = middle;
  }
  return rules[low] === rule;
}

/**
 * The NetworkPolicy compiler's diagnostics of one owned namespace: the compiler run on the model
 * holding that namespace only and the rules near it, whose clauses are copies (what is worked out
 * per clause, its reach, is kept per clause object and holds the namespaces of the model it was
 * worked out in).
 */
export function compileNamespace(model: Model, namespace: OwnedNamespace, near: readonly NetworkRule[]): Diagnostic[] {
  const rules = near.map((r) => ({ ...r, clauses: r.clauses.map((c) => ({ ...c })) }));
  return compileNetworkPolicies({ ...model, namespaces: [namespace], rules }).diagnostics;
}
