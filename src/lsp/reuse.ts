/**
 * What the language server keeps of a program's checked versions per owned namespace, to reuse in
 * the next version what an edit did not change (src/lsp/incremental.ts).
 *
 * A namespace's *inputs* are everything the NetworkPolicy compiler reads when it compiles that
 * namespace: the cluster settings (pod and service ranges, version), the namespace (name, labels,
 * postures, with their positions), its workloads (selectors, postures, ports, positions) and every
 * rule with a clause near it (`clausesNear`: the clauses whose ends can hold its pods, found by the
 * names and labels of every owned namespace), each rule whole — action, position, clauses (their
 * ends and ports by the identities the compiler merges them by). Their text (`canonical`: values
 * written out in full, nothing left out) is the key of the namespace's
 * compile diagnostics: a namespace whose key is the last version's gets the last version's
 * diagnostics, the others are compiled again, each on its own (`compileNamespace`). That the
 * compiler's diagnostics are the union of the namespaces' (SP9004 once per statement) is what the
 * property test (test/lsp/incremental.test.ts) checks against a fresh `check`.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { names as nm } from "../diagnostics/messages/names.js";
import type { Clause, Model, NetworkRule, OwnedNamespace } from "../semantics/model.js";
import { endpointsKey } from "../semantics/endpoints.js";
import { portsKey } from "../semantics/ports.js";
import { clausesNear, workloadsIn } from "../semantics/lookup.js";
import { compileNetworkPolicies } from "../targets/network-policy/compile.js";

/** A value as text, every field of every object written out (bigints as numbers with an `n`): equal texts, equal values. */
export function canonical(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    // (only the cluster's ranges hold bigints: the replacer, which costs, is for them)
    return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined";
  }
}

const spanText = (s: Span) =>
  `${s.file}\u0000${s.start.offset}:${s.start.line}:${s.start.column}-${s.end.offset}:${s.end.line}:${s.end.column}`;

/**
 * A clause as text: its ends' and ports' identities as the compiler tells sets apart (each worked
 * out once per set object, and shared with the lints, which ask for the same).
 */
const clauseKey = (c: Clause) => `${endpointsKey(c.sources)}>${endpointsKey(c.destinations)}:${portsKey(c.ports)}`;

/** Texts numbered, so that a key names a long text by a short number (kept across versions: equal texts, equal numbers). */
export class Numbered {
  private readonly numbers = new Map<string, number>();
  of(text: string): number {
    let n = this.numbers.get(text);
    if (n === undefined) this.numbers.set(text, (n = this.numbers.size));
    return n;
  }
  get size(): number {
    return this.numbers.size;
  }
}

/** The inputs of each owned namespace's compilation in one model, as keys (each rule and workload written once, as its number in `numbered`). */
export function namespaceKeys(model: Model, numbered = new Numbered()): Map<OwnedNamespace, string> {
  const rules = new Map<NetworkRule, number>();
  const ruleKey = (r: NetworkRule) => {
    let key = rules.get(r);
    if (key === undefined)
      rules.set(r, (key = numbered.of(`${r.action} ${spanText(r.span)} ${r.clauses.map(clauseKey).join(";")}`)));
    return key;
  };
  const cluster = canonical(model.cluster);
  const keys = new Map<OwnedNamespace, string>();
  for (const namespace of model.namespaces) {
    const near = [...new Set(clausesNear(model, namespace.name).map((n) => n.rule))];
    const workloads = workloadsIn(model, namespace.name).map((w) => numbered.of(canonical(w)));
    keys.set(namespace, `${cluster}\n${canonical(namespace)}\n${workloads.join(",")}\n${near.map(ruleKey).join(",")}`);
  }
  return keys;
}

/**
 * The NetworkPolicy compiler's diagnostics of one owned namespace: the compiler run on the model
 * holding that namespace only and the rules near it, whose clauses are copies (what is worked out
 * per clause, its reach, is kept per clause object and holds the namespaces of the model it was
 * worked out in).
 */
export function compileNamespace(model: Model, namespace: OwnedNamespace): Diagnostic[] {
  const near = [...new Set(clausesNear(model, namespace.name).map((n) => n.rule))];
  const rules = near.map((r) => ({ ...r, clauses: r.clauses.map((c) => ({ ...c })) }));
  return compileNetworkPolicies({ ...model, namespaces: [namespace], rules }).diagnostics;
}

/** Per owned namespace, its compile diagnostics in the last version, with their key. */
export class NamespaceCompiles {
  private kept = new Map<string, { key: string; diagnostics: Diagnostic[] }>();
  /** The rules' and workloads' texts of the keys, numbered (begun again when it outgrows what the keys hold). */
  private numbered = new Numbered();
  /** Namespaces compiled, and namespaces whose diagnostics were reused, so far (for the tests). */
  compiled = 0;
  reused = 0;

  /** `compileNetworkPolicies(model).diagnostics`, each namespace's reused while its key stays the same. */
  diagnostics(model: Model): Diagnostic[] {
    const keys = this.keys(model);
    const next = new Map<string, { key: string; diagnostics: Diagnostic[] }>();
    const all: Diagnostic[] = [];
    for (const namespace of model.namespaces) {
      const key = keys.get(namespace)!;
      let known = this.kept.get(namespace.name);
      if (known?.key !== key) {
        known = { key, diagnostics: compileNamespace(model, namespace) };
        this.compiled++;
      } else this.reused++;
      next.set(namespace.name, known);
      all.push(...known.diagnostics);
    }
    this.kept = next;
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

  /** `namespaceKeys`: a test gives broken ones to show the property test notices. */
  protected keys(model: Model): Map<OwnedNamespace, string> {
    // texts of earlier versions pile up in the numbering: past a bound, it begins again (and every
    // namespace is compiled again, once)
    if (this.numbered.size > 4 * (model.rules.length + model.workloads.length) + 1000) {
      this.numbered = new Numbered();
      this.kept.clear(); // (the keys kept name texts by the old numbers)
    }
    return namespaceKeys(model, this.numbered);
  }
}
