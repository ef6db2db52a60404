/**
 * Warnings about programs that compile but probably do not say what their author meant.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import { intersectEndpoints, isEmptyEndpoints, termKey } from "../semantics/endpoints.js";
import { formatCidr } from "../semantics/ip.js";
import {
  conjunctionMatches,
  conjunctionSubset,
  describeConjunction,
  everything,
  intersect,
  MAX_SELECTORS,
  meets,
  setMatches,
  witness,
  type Conjunction,
  type LabelSet,
} from "../semantics/labels.js";
import {
  evaluateSide,
  inEndpointSet,
  ownedNamespaceLabels,
  type Endpoint,
  type NamespaceLabels,
} from "../semantics/meaning.js";
import {
  NAMESPACE_NAME_LABEL,
  otherEnd,
  type Clause,
  type Direction,
  type EndpointSet,
  type Model,
  type NetworkRule,
  type OwnedNamespace,
  type PodTerm,
} from "../semantics/model.js";
import { intersectPorts, isNoPorts, portSetContains, portsKey, type PortSet } from "../semantics/ports.js";
import { clauseReach, managedRegions, type Reach, type Region } from "../semantics/regions.js";
import { groupBy } from "../arrays.js";
import { Numbered } from "../canonical.js";
import { clausesByNamespace, clausesNear, namespacesMatching, peerIndex, workloadsIn } from "../semantics/lookup.js";
import { ownedPodRegions } from "../semantics/universe.js";
import { podRegionName } from "./diff.js";
import { subtractRect, type Rect } from "../semantics/rects.js";

const otherRect = (c: Clause, direction: Direction): Rect => ({ peers: otherEnd(c, direction), ports: c.ports });

const overlaps = (a: Rect, b: Rect): boolean => {
  // the peers first: most pairs of rectangles that are asked about hold different peers
  if (isEmptyEndpoints(intersectEndpoints(a.peers, b.peers))) return false;
  const ports = intersectPorts(a.ports, b.ports);
  return ports === undefined || !isNoPorts(ports);
};

/** Up to this many reaches of a clause, `reaches` looks through them all rather than grouping them by namespace. */
export const FEW_REACHES = 8;

type Reached = { rule: NetworkRule; clause: Clause; reach: Reach };

/**
 * Per namespace and direction, the clauses of the rules of `action` that reach it, with each reach,
 * in program order: worked out once per namespace asked about (from the clauses near it), rather
 * than by scanning the clauses near a namespace for every rule (which grew with the product of
 * rules and clauses near their namespaces), nor for every namespace when few are asked about (the
 * language server's lints ask about the namespaces near the rules an edit changed). Exported for
 * the tests.
 */
export function reaches(
  model: Model,
  action: NetworkRule["action"],
): (namespace: string, direction: Direction, peers?: EndpointSet) => readonly Reached[] {
  // each clause's reaches by namespace, grouped once (a clause near many namespaces is asked about
  // in each: scanning all its reaches every time would grow with the square of their number)
  const byNamespace = new Map<Clause, Map<string, Reach[]>>();
  // and by their other ends: only those whose other end may meet `peers` (a sandbox namespace's
  // egress meets a deny from every other namespace, each about that namespace's pods); all of
  // them without `peers` (by namespace, then direction: no key text made per question)
  type Found = { all: readonly Reached[]; find: (peers: EndpointSet) => readonly Reached[] };
  const meeting = new Map<string, { ingress?: Found; egress?: Found }>();
  return (namespace, direction, peers) => {
    let here = meeting.get(namespace);
    if (!here) meeting.set(namespace, (here = {}));
    let found = here[direction];
    if (!found) {
      const all = reachedIn(model, action, byNamespace, namespace, direction);
      here[direction] = found = { all, find: peerIndex(all, (r) => otherEnd(r.clause, direction)) };
    }
    return peers ? found.find(peers) : found.all;
  };
}

/**
 * The clauses of the rules of `action` near `namespace` that reach it in `direction`, with each
 * reach, in program order. (Functions of the module, not closures of each `reaches`: the lints ask
 * for allows and denies alike, and optimized code calling one closure would be thrown away at the
 * other's first call.)
 */
function reachedIn(
  model: Model,
  action: NetworkRule["action"],
  byNamespace: Map<Clause, Map<string, Reach[]>>,
  namespace: string,
  direction: Direction,
): Reached[] {
  const found: Reached[] = [];
  const near = clausesNear(model, namespace);
  for (let i = 0; i < near.length; i++) {
    const { rule, clause } = near[i];
    if (rule.action !== action) continue;
    const here = reachesIn(model, byNamespace, clause, namespace);
    for (let j = 0; j < here.length; j++) {
      const reach = here[j];
      if (reach.direction === direction && reach.namespace.name === namespace) found.push({ rule, clause, reach });
    }
  }
  return found;
}

/**
 * A clause's reaches, those in `namespace` among them: up to FEW_REACHES (most clauses reach a
 * namespace or two, a direction each) all of them as they are, with no map made per clause; past
 * it, those in `namespace`, grouped by namespace once (`byNamespace`).
 */
function reachesIn(
  model: Model,
  byNamespace: Map<Clause, Map<string, Reach[]>>,
  clause: Clause,
  namespace: string,
): readonly Reach[] {
  const all = clauseReach(model, clause);
  if (all.length <= FEW_REACHES) return all;
  let grouped = byNamespace.get(clause);
  if (!grouped) byNamespace.set(clause, (grouped = groupBy(all, (r) => r.namespace.name)));
  return grouped.get(namespace) ?? [];
}

/** Those of `near` whose reach's subjects meet `subjects`: `near` itself when all of them do (most often). Exported for the tests. */
export function meetingSubjects<T extends { reach: Pick<Reach, "subjects"> }>(
  near: readonly T[],
  subjects: LabelSet,
): readonly T[] {
  for (let i = 0; i < near.length; i++) {
    if (meets(near[i].reach.subjects, subjects)) continue;
    const found = near.slice(0, i);
    for (let j = i + 1; j < near.length; j++) if (meets(near[j].reach.subjects, subjects)) found.push(near[j]);
    return found;
  }
  return near;
}

/**
 * Whether a pod of `peers` (one of its terms' witnesses: the fewest labels) lies at the other end of
 * none of `near`'s clauses, for `direction`: then every deny of `near` leaves it, and the rectangle
 * of `peers` is not wholly removed. `witnessOf` gives a term's witness (the lint keeps them per
 * term: most peers are a workload's, asked about at every rule naming it). Exported for the tests.
 */
export function peerOutside(
  peers: EndpointSet,
  near: readonly { clause: Clause }[],
  direction: Direction,
  witnessOf: (t: PodTerm) => Witness | undefined = termWitness,
): boolean {
  for (let i = 0; i < peers.pods.length; i++) {
    const found = witnessOf(peers.pods[i]);
    // (a term no label map satisfies has no witness)
    if (!found) continue;
    let outside = true;
    for (let j = 0; j < near.length && outside; j++)
      outside = !inEndpointSet(otherEnd(near[j].clause, direction), found.pod, found.namespaceLabels);
    if (outside) return true;
  }
  return false;
}

/** A pod of a term with the fewest labels, and the labels of its namespace, for `inEndpointSet`. */
export interface Witness {
  pod: Endpoint;
  namespaceLabels: NamespaceLabels;
}

/** A term's witness, if a label map satisfies it. Exported for the tests. */
export function termWitness(t: PodTerm): Witness | undefined {
  const namespaceLabels = witness(t.namespaces);
  const podLabels = witness(t.pods);
  if (!conjunctionMatches(t.namespaces, namespaceLabels) || !conjunctionMatches(t.pods, podLabels)) return undefined;
  return { pod: { pod: { namespace: "", labels: podLabels, ports: [] } }, namespaceLabels: () => namespaceLabels };
}

/**
 * A rule's identity for the duplicate-rule lint, equal for rules of the same action whose clauses'
 * ends and ports are equal (`endpointsKey`, `portsKey`): a rule of one clause (most) as a number of
 * its action and its ends' and ports' numbers, others as a short text of those numbers, so that the
 * rules' keys are not long texts to hash. An end's number is worked out once per set (most are
 * shared by many clauses: a workload's pods are one set), from its terms' numbers (`termKey`, which
 * the compiler asks of the same terms) and its blocks: equal exactly when `endpointsKey` is, without
 * writing that JSON text of every set. (The bounds are for the tests: below them, numbers do not
 * collide.) Exported for the tests.
 */
export function ruleKeys(endNumbers = END_NUMBERS, portNumbers = PORT_NUMBERS): (rule: NetworkRule) => string | number {
  const ends = new Numbered();
  const terms = new Numbered();
  const term = (t: PodTerm) => terms.of(termKey(t));
  const sets = new Map<EndpointSet, number>();
  const set = (s: EndpointSet) => {
    let n = sets.get(s);
    if (n === undefined) sets.set(s, (n = ends.of(endsText(s, term))));
    return n;
  };
  const portTexts = new Numbered();
  const portSets = new Map<PortSet, number>();
  const ports = (p: PortSet) => {
    let n = portSets.get(p);
    if (n === undefined) portSets.set(p, (n = portTexts.of(portsKey(p))));
    return n;
  };
  const clauseKey = (c: Clause) => `${set(c.sources)}>${set(c.destinations)}:${ports(c.ports)}`;
  return (rule) => {
    const clauses = rule.clauses;
    if (clauses.length === 1) {
      const c = clauses[0];
      const from = set(c.sources);
      const to = set(c.destinations);
      const on = ports(c.ports);
      if (from < endNumbers && to < endNumbers && on < portNumbers)
        return ((on * endNumbers + from) * endNumbers + to) * 2 + (rule.action === "allow" ? 1 : 0);
    }
    return `${rule.action}:${clauses.map(clauseKey).join(";")}`;
  };
}

/** Ends and port sets numbered below these make a one-clause rule's key a number below 2^53 (2^21 · 2^21 · 2^10 · 2). */
export const END_NUMBERS = 2 ** 21;
export const PORT_NUMBERS = 2 ** 10;

/**
 * An endpoint set's terms' numbers, then its blocks (a block's text holds no space, `,`, `|` or
 * `;`): equal for sets whose `endpointsKey` is equal, and only for them. Exported for the tests.
 */
export function endsText(s: EndpointSet, term: (t: PodTerm) => number): string {
  let text = "";
  for (let i = 0; i < s.pods.length; i++) text += i === 0 ? `${term(s.pods[i])}` : `,${term(s.pods[i])}`;
  if (s.ips.length === 0) return text;
  text += "|";
  for (let i = 0; i < s.ips.length; i++) {
    const b = s.ips[i];
    text += `${i === 0 ? "" : ";"}${formatCidr(b.cidr)}`;
    for (let j = 0; j < b.except.length; j++) text += ` ${formatCidr(b.except[j])}`;
  }
  return text;
}

/**
 * What a lint may take from an earlier version of the program: the language server's per-rule and
 * per-namespace results (src/lsp/reuse.ts says what each depends on); by default, nothing.
 */
export interface LintReuse {
  /**
   * The diagnostics of one lint (`part`) of one rule or owned namespace: `compute(of)`'s, or the
   * same from before (one `compute` per lint, not a closure per rule).
   */
  reuse<T extends NetworkRule | OwnedNamespace>(
    model: Model,
    part: LintPart,
    of: T,
    compute: (of: T) => Diagnostic[],
  ): Diagnostic[];
  /**
   * A rule's identity for the duplicate-rule lint, when the reuse keeps one: equal for rules of
   * the same action whose clauses' ends and ports the compiler tells apart by the same keys (the
   * lint's own `ruleKeys` otherwise, worked out for every rule of every version).
   */
  ruleKey?(model: Model, rule: NetworkRule): number;
  /** The rules saying what an earlier rule says, each with the first of them, in program order (by `ruleKey`), when the reuse keeps them. */
  duplicates?(model: Model): readonly { rule: NetworkRule; first: NetworkRule }[];
  /**
   * The diagnostics of one rule lint (`part`) of each of `rules` (the model's, or those of one
   * action, in program order), in that order: `reuse`'s of each, or (when the reuse keeps the last
   * run of the lint) the last run's for the rules its changes leave as they were.
   */
  rules?(
    model: Model,
    part: Exclude<LintPart, "dns">,
    rules: readonly NetworkRule[],
    compute: (rule: NetworkRule) => Diagnostic[],
  ): Diagnostic[];
}

/** The lints done per rule (`deny`, `allow`, `reach`, `unowned`) or per owned namespace (`dns`). */
export type LintPart = "deny" | "allow" | "reach" | "unowned" | "dns";

const computed: LintReuse = { reuse: (_model, _part, of, compute) => compute(of) };

/** A rule lint's diagnostics for each of `rules`, in their order. */
function eachRule(
  reuse: LintReuse,
  model: Model,
  part: Exclude<LintPart, "dns">,
  rules: readonly NetworkRule[],
  compute: (rule: NetworkRule) => Diagnostic[],
): Diagnostic[] {
  if (reuse.rules) return reuse.rules(model, part, rules, compute);
  const found: Diagnostic[] = [];
  for (let i = 0; i < rules.length; i++) {
    const diagnostics = reuse.reuse(model, part, rules[i], compute);
    if (diagnostics.length > 0) found.push(...diagnostics);
  }
  return found;
}

export function lint(model: Model, reuse: LintReuse = computed): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const allows = model.rules.filter((r) => r.action === "allow");
  const denies = model.rules.filter((r) => r.action === "deny");

  const allowsAt = reaches(model, "allow");
  // each term's witness, once (`peerOutside`)
  const witnesses = new Map<PodTerm, Witness | null>();
  const witnessOf = (t: PodTerm): Witness | undefined => {
    let found = witnesses.get(t);
    if (found === undefined) witnesses.set(t, (found = termWitness(t) ?? null));
    return found ?? undefined;
  };
  const deniesAt = reaches(model, "deny");
  // per namespace and direction, the reaches there of the allow clauses some deny there may cut:
  // those whose other end may meet a deny's (`peerIndex`, a superset of those meeting it), found
  // from the denies' side once per side asked about. An allow's reach not among them survives
  // (`survives` cuts a rectangle only by a deny whose peers meet its own), so most allows are
  // answered without asking about their denies at all (the realistic shape's `deny ns(env=sandbox)
  // -> NS/*` meets the allows into NS, and those out of each sandbox namespace into NS only).
  const cuttable = new Map<string, { ingress?: Set<Reach>; egress?: Set<Reach> }>();
  const mayBeCut = (reach: Reach): boolean => {
    const namespace = reach.namespace.name;
    const direction = reach.direction;
    let here = cuttable.get(namespace);
    if (!here) cuttable.set(namespace, (here = {}));
    let found = here[direction];
    if (!found) {
      here[direction] = found = new Set();
      const near = deniesAt(namespace, direction);
      for (let i = 0; i < near.length; i++) {
        const cut = allowsAt(namespace, direction, otherEnd(near[i].clause, direction));
        for (let j = 0; j < cut.length; j++) found.add(cut[j].reach);
      }
    }
    return found.has(reach);
  };
  // a deny that removes nothing: under `default deny`, no allow it reaches overlaps it
  diagnostics.push(...eachRule(reuse, model, "deny", denies, removesNothing));
  function removesNothing(deny: NetworkRule): Diagnostic[] {
    const removes = deny.clauses.some((clause) =>
      clauseReach(model, clause).some((reach) => {
        if (reach.region.posture.posture === "allow") return true;
        const cut = otherRect(clause, reach.direction);
        return allowsAt(reach.namespace.name, reach.direction, cut.peers).some(
          ({ clause: a, reach: r }) =>
            r.namespace === reach.namespace &&
            meets(r.subjects, reach.subjects) &&
            overlaps(otherRect(a, reach.direction), cut),
        );
      }),
    );
    return !removes && deny.clauses.some((c) => clauseReach(model, c).length > 0)
      ? [diagnostic(cm.denyRemovesNothing, deny.span, [])]
      : [];
  }

  // an allow wholly removed by denies, on every side it reaches (none, without denies)
  diagnostics.push(...eachRule(reuse, model, "allow", denies.length > 0 ? allows : [], removedByDenies));
  function removedByDenies(allow: NetworkRule): Diagnostic[] {
    // (loops over the clauses' reaches, no list of them made: asked of every allow, most of which
    // survive on their first side, where no deny meets their peers)
    const clauses = allow.clauses;
    let reached = false;
    for (let i = 0; i < clauses.length; i++) {
      const reach = clauseReach(model, clauses[i]);
      for (let j = 0; j < reach.length; j++) if (reach[j].region.posture.posture === "allow") return [];
      if (reach.length > 0) reached = true;
    }
    if (!reached) return [];
    // a side no deny may cut: the allow survives there
    for (let i = 0; i < clauses.length; i++) {
      const reach = clauseReach(model, clauses[i]);
      for (let j = 0; j < reach.length; j++) if (!mayBeCut(reach[j])) return [];
    }
    const culprits = new Set<NetworkRule>();
    for (let i = 0; i < clauses.length; i++) {
      const reach = clauseReach(model, clauses[i]);
      for (let j = 0; j < reach.length; j++) if (survives(clauses[i], reach[j], culprits)) return [];
    }
    return [
      diagnostic(cm.allowRemovedByDenies, allow.span, [], {
        related: [...culprits].map((d) => ({ span: d.span, message: "removed by this deny" })),
      }),
    ];
  }
  /** Whether some of an allow clause's rectangle survives the denies at one side it reaches (their rules added to `culprits` as they cut it). */
  function survives(clause: Clause, reach: Reach, culprits: Set<NetworkRule>): boolean {
    const peers = otherEnd(clause, reach.direction);
    // the deny clauses on this side of these pods (once per reach of theirs that meets them) whose
    // other end may meet the allow's: the others would leave the rectangle as it is (all of them are
    // asked when the allow's own peers exceed the bound below, which they would then trip)
    const near = meetingSubjects(
      deniesAt(
        reach.namespace.name,
        reach.direction,
        peers.pods.length > MAX_SELECTORS
          ? { pods: [{ namespaces: everything, pods: everything }], ips: peers.ips }
          : peers,
      ),
      reach.subjects,
    );
    if (near.length === 0) return true;
    // a peer of the allow's at the other end of none of these denies is in what every cut leaves
    // (`subtractRect` keeps what lies outside a cut, or the whole rectangle): nothing to subtract
    if (peerOutside(peers, near, reach.direction, witnessOf)) return true;
    let left: Rect[] = [{ peers, ports: clause.ports }];
    for (const { rule, clause: d } of near) {
      // only a deny that covers every pod the allow reaches there can remove it for all of them
      if (
        !clauseReach(model, d).some(
          (r) =>
            r.direction === reach.direction &&
            r.namespace === reach.namespace &&
            intersect(reach.subjects, r.subjects).length === reach.subjects.length,
        )
      )
        continue;
      const cut = otherRect(d, reach.direction);
      left = left.flatMap((rect) => {
        if (!overlaps(rect, cut)) return [rect];
        culprits.add(rule);
        // a port difference with no exact form keeps the whole rectangle: in doubt, the allow survives
        return subtractRect(rect, cut) ?? [rect];
      });
      // what is left can take exponentially many selectors to write (compiling reports it): no warning then
      if (left.length > MAX_SELECTORS || left.some((r) => r.peers.pods.length > MAX_SELECTORS)) return true;
    }
    return left.length > 0;
  }

  // duplicate rules: the same action on the same flows
  for (const { rule, first } of reuse.duplicates?.(model) ?? duplicates(model, reuse))
    diagnostics.push(
      diagnostic(cm.duplicateRule, rule.span, [], {
        related: [{ span: first.span, message: "the same rule is here" }],
      }),
    );

  // owned pods whose egress is closed without DNS: every region of pods under an egress `default
  // deny`, the namespace's or a workload's own, named (`foo/w`, `other pods of foo`)
  const dns = { pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ports: [] } };
  const namespaceLabels = ownedNamespaceLabels(model, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
  const closed = model.namespaces.flatMap((namespace) =>
    managedRegions(model, namespace, "egress")
      .filter((r) => r.posture.posture === "deny")
      .map((region) => ({ namespace, region })),
  );
  const closedIn = groupBy(closed, (c) => c.namespace.name);
  // per owned namespace, the clauses near it on UDP 53 toward DNS, the only ones `dnsOpenToRegion`
  // answers by: found once, in one pass over the rules (a few of the program's clauses), rather than
  // by scanning the clauses near each namespace for each region closed there
  let toDns: ReadonlyMap<string, readonly { rule: NetworkRule; clause: Clause }[]> | undefined;
  const dnsClausesNear = (namespace: string) =>
    (toDns ??= clausesToward(model, dns, namespaceLabels)).get(namespace) ?? [];
  for (const regions of closedIn.values())
    diagnostics.push(...reuse.reuse(model, "dns", regions[0].namespace, withoutDns));
  function withoutDns(namespace: OwnedNamespace): Diagnostic[] {
    const closed = closedIn.get(namespace.name)!;
    const found: Diagnostic[] = [];
    let pods: ReturnType<typeof ownedPodRegions> | undefined;
    for (const { region } of closed)
      found.push(...stuckWithoutDns(namespace, region, () => (pods ??= ownedPodRegions(model, namespace.name))));
    return found;
  }
  function stuckWithoutDns(
    namespace: OwnedNamespace,
    region: Region,
    podRegions: () => ReturnType<typeof ownedPodRegions>,
  ): Diagnostic[] {
    // the common case, decided without telling the namespace's pods apart: none is stuck
    if (dnsOpenToRegion(namespace, region.pods, dnsClausesNear(namespace.name))) return [];
    const pods = podRegions();
    const candidates = !("tooMany" in pods)
      ? pods.filter((p) => setMatches(region.pods, p.labels)).map((p) => ({ name: podRegionName(p), labels: p.labels }))
      : region.pods.map((c) => ({
          name: `pods(${describeConjunction(c)}) in ns ${namespace.name}`,
          labels: witness(c),
        }));
    const stuck = candidates.filter(
      (c) =>
        !evaluateSide(
          model,
          {
            src: { pod: { namespace: namespace.name, labels: c.labels, ports: [] } },
            dst: dns,
            protocol: "UDP",
            port: 53,
          },
          "egress",
          namespaceLabels,
        ).permitted,
    );
    if (stuck.length === 0) return [];
    const workload = workloadsIn(model, namespace.name).find((w) => w.postures.egress === region.posture);
    // every pod the namespace's own posture holds: the namespace, not a list of its regions
    const shown =
      !workload &&
      stuck.length === candidates.length &&
      workloadsIn(model, namespace.name).every((w) => !w.postures.egress)
        ? `the pods of \`${namespace.name}\``
        : stuck
            .slice(0, 5)
            .map((s) => `\`${s.name}\``)
            .join(", ") + (stuck.length > 5 ? ` and ${stuck.length - 5} more` : "");
    return [
      diagnostic(cm.egressWithoutDns, region.posture.span, [shown], {
        help: `add \`allow ${workload ? `${namespace.name}/${workload.name}` : `${namespace.name}/*`} -> dns\``,
      }),
    ];
  }

  // ns(labels) that no owned namespace carries: the selector relies on labels set elsewhere
  diagnostics.push(...eachRule(reuse, model, "unowned", model.rules, (rule) => unownedLabels(model, rule)));
  return diagnostics;
}

/** The rules saying what an earlier rule says (the same action on the same flows), each with the first of them, in program order. */
function duplicates(model: Model, reuse: LintReuse): { rule: NetworkRule; first: NetworkRule }[] {
  const found: { rule: NetworkRule; first: NetworkRule }[] = [];
  const seen = new Map<string | number, NetworkRule>();
  const ruleKey = reuse.ruleKey ? undefined : ruleKeys();
  // (loops over indexes: asked of every rule, mostly before it is optimized)
  for (let i = 0; i < model.rules.length; i++) {
    const rule = model.rules[i];
    const key = ruleKey ? ruleKey(rule) : reuse.ruleKey!(model, rule);
    const first = seen.get(key);
    if (first) found.push({ rule, first });
    else seen.set(key, rule);
  }
  return found;
}

/** SP9106 at a rule selecting namespaces by labels no owned namespace carries. */
function unownedLabels(model: Model, rule: NetworkRule): Diagnostic[] {
  const term = namespaceLabelsUnowned(model, rule);
  if (!term) return [];
  const labels = Object.entries(witness(term.namespaces))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return [diagnostic(cm.namespaceLabelsUnowned, rule.span, [labels || "these labels"])];
}

/** The first term of a rule's ends (sources, then destinations, clause by clause) selecting namespaces by labels no owned namespace carries. */
function namespaceLabelsUnowned(model: Model, rule: NetworkRule): PodTerm | undefined {
  // (loops over indexes: asked of every rule, mostly before it is optimized)
  for (let i = 0; i < rule.clauses.length; i++) {
    const c = rule.clauses[i];
    const found = unownedTerm(model, c.sources.pods) ?? unownedTerm(model, c.destinations.pods);
    if (found) return found;
  }
  return undefined;
}

/** The first of `terms` selecting namespaces by labels no owned namespace carries. */
function unownedTerm(model: Model, terms: readonly PodTerm[]): PodTerm | undefined {
  for (let i = 0; i < terms.length; i++) {
    const namespaces = terms[i].namespaces;
    if (namespaces.length === 0 || namesNamespace(namespaces)) continue;
    if (namespacesMatching(model, namespaces).length === 0) return terms[i];
  }
  return undefined;
}

/** Whether a namespace selector constrains the namespace's name label (no closure made per term: asked of every term of every rule). */
function namesNamespace(namespaces: Conjunction): boolean {
  for (let i = 0; i < namespaces.length; i++) if (namespaces[i][0] === NAMESPACE_NAME_LABEL) return true;
  return false;
}

/**
 * Per owned namespace, the clauses near it (`clausesByNamespace`, as `clausesNear` lists them)
 * whose ports hold UDP 53 and whose destinations hold `dns`, with their rules, in program order.
 * Each port set and destination set is asked about once (most clauses share them).
 */
function clausesToward(
  model: Model,
  dns: Endpoint,
  namespaceLabels: NamespaceLabels,
): Map<string, { rule: NetworkRule; clause: Clause }[]> {
  const udp53 = new Map<PortSet, boolean>();
  const holdsDns = new Map<EndpointSet, boolean>();
  return clausesByNamespace(model, model.rules, (clause) => {
    let open = udp53.get(clause.ports);
    if (open === undefined) udp53.set(clause.ports, (open = portSetContains(clause.ports, "UDP", 53, [])));
    if (!open) return false;
    let holds = holdsDns.get(clause.destinations);
    if (holds === undefined)
      holdsDns.set(clause.destinations, (holds = inEndpointSet(clause.destinations, dns, namespaceLabels)));
    return holds;
  });
}

/**
 * Whether `toDns` (the clauses near `namespace` on UDP 53 toward DNS: `clausesToward`) let every pod
 * of `pods` there reach DNS on the egress side, decided on the selectors: an allow whose sources
 * there contain all of `pods` (one selector containing each conjunction: a sufficient test, no
 * complement taken), and no deny whose sources there meet them (the answer does not depend on the
 * clauses' order). False when in doubt: the caller then asks about each pod region, which decides
 * exactly (`evaluateSide` over the clauses near the namespace: `clausesNear`).
 */
function dnsOpenToRegion(
  namespace: OwnedNamespace,
  pods: LabelSet,
  toDns: readonly { rule: NetworkRule; clause: Clause }[],
): boolean {
  let allowed = false;
  for (const { rule, clause } of toDns) {
    const sources: Conjunction[] = [];
    for (const t of clause.sources.pods) if (conjunctionMatches(t.namespaces, namespace.labels)) sources.push(t.pods);
    if (rule.action === "deny") {
      if (intersect(pods, sources).length > 0) return false;
    } else if (!allowed) allowed = pods.every((p) => sources.some((s) => conjunctionSubset(p, s)));
  }
  return allowed;
}

/**
 * A rule must reach a managed direction (SP3002, an error); under `default allow` only, it is
 * redundant (SP9101). Run by the check on every model whose regions can be written.
 */
export function reachLints(model: Model, reuse: LintReuse = computed): Diagnostic[] {
  return eachRule(reuse, model, "reach", model.rules, (rule) => reachLint(model, rule));
}

function reachLint(model: Model, rule: NetworkRule): Diagnostic[] {
  // (one clause, most rules': its reach as it is)
  const reach =
    rule.clauses.length === 1
      ? clauseReach(model, rule.clauses[0])
      : rule.clauses.flatMap((c) => clauseReach(model, c));
  if (reach.length === 0) {
    const owned = namespacesTouched(model, rule);
    return [
      diagnostic(cm.ruleHasNoEffect, rule.span, [], {
        help:
          owned.length > 0
            ? `give ${owned.map((n) => `\`namespace ${n}\``).join(" or ")} a posture: \`default deny\` (zero trust: only allowed flows) or \`default allow\` (everything but denied flows), for the direction this rule should act on`
            : "its pods are all in namespaces this program does not own: declare one of them with `namespace NAME { default deny ingress }` (or egress) to manage it",
      }),
    ];
  }
  return rule.action === "allow" && reach.every((r) => r.region.posture.posture === "allow")
    ? [diagnostic(cm.redundantUnderDefaultAllow, rule.span, [])]
    : [];
}

function namespacesTouched(model: Model, rule: NetworkRule): string[] {
  const touched = new Set<string>();
  for (const clause of rule.clauses) {
    for (const t of [...clause.sources.pods, ...clause.destinations.pods]) {
      for (const n of model.namespaces) if (conjunctionMatches(t.namespaces, n.labels)) touched.add(n.name);
    }
  }
  return [...touched].sort();
}
