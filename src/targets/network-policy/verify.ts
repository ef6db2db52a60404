/**
 * Translation validation: after compiling, the emitted NetworkPolicies (the objects written)
 * are evaluated against the program's meaning, side by side (the destination's ingress, the source's
 * egress), on representatives of every region that matters. The regions are those of
 * src/semantics/universe.ts, which `diff`, `explain`, `assert` and the matrix use too, over the
 * selectors of the program and of the emitted policies: a namespace per region of namespaces, and
 * in a namespace, a pod per region of the pod selectors in question there.
 *
 * The check is local, so it scales with the program rather than with its square. For an owned
 * namespace and a direction, the subjects are pods standing for every region of the selectors that
 * can reach the namespace (from the program and from the emitted policies); subjects that match the
 * same clauses, policies and posture are one case. For a subject, the peers that matter are those
 * its clauses and its policies' rules can name: pods in the namespaces those selectors reach (one per
 * region of the selectors that reach it), one namespace they do not reach, and an address in every
 * interval that the address blocks involved cut. Peers matching the same clauses and rules are one
 * case, checked on a port of every interval that the clauses' and rules' ports cut
 * (src/semantics/boundaries.ts).
 *
 * What a side needs of a selector, a clause or an emitted rule (the namespaces it reaches, its
 * representatives, its port boundaries) is worked out once per distinct one, not once per side.
 * Label maps are interned as small integers and port boundaries are numbers, so that a side gathers
 * its peers and ports without building keys of text.
 *
 * Most sides are proven symbolically before any peer is enumerated (`Symbolic`); a side the proof
 * does not apply to is enumerated as above, and only the enumeration reports a counterexample.
 * Where the subject's posture is deny and its policies isolate it, the meaning is the union of its
 * allows' terms, each on its clause's ports, less the denies; when no allow's other end holds an
 * address, every deny holding pods holds every pod of the namespaces one requirement names (on
 * every port), no port has a name, and no emitted rule has an ipBlock or lacks peers, both sides
 * are unions of (namespace conjunction, pod conjunction) pairs on numeric ports: the allow terms with
 * each deny's complement intersected into their namespaces (exact: one key constraint's complement
 * is one constraint), and the emitted peers read as conjunctions (`selectorConjunction`, only for
 * selectors it reads exactly as `selectorMatches` matches; a peer without namespaceSelector as
 * `kubernetes.io/metadata.name=<its namespace>`, which holds exactly that owned namespace).
 * Conjunctions of one content share one id, and ports are merged ranges per protocol: when the
 * two maps from pair to ports are equal, every pod and every address (held by neither) is admitted
 * on the same ports by both, for every label map, not only the regions' representatives. Sides
 * without posture, or allowing without denies, and not isolated, admit everything on both. Where
 * allows' other ends or emitted rules have address blocks, the same maps of their pod terms and
 * selectors prove the side's pods alike (a pod is held by terms and selectors only, an address by
 * blocks only, unless an ipBlock holds pod addresses: then pods are enumerated too), and only its
 * addresses are enumerated. The proof is sufficient, not necessary (equal sides written otherwise
 * are enumerated). A proven side adds no check (`sides` counts it; `--stats` shows both); tests
 * observing sides enumerate every one.
 */
import type { Span } from "../../diagnostics/diagnostic.js";
import { formatAddress, formatCidr, type IpBlock } from "../../semantics/ip.js";
import {
  addressStarts,
  cidrRange,
  codePort,
  combinations,
  codeProtocol,
  FIRST_PORTS,
  portSetCuts,
  rangeAddresses,
  rangeCuts,
  type Address,
  type AddressRange,
  type RangeBlock,
} from "../../semantics/boundaries.js";
import {
  soleValue,
  conjunctionKey,
  conjunctionMatches,
  conjunctionOf,
  complementConstraint,
  everything,
  intersectConjunctions,
  labelsEqual,
  witness,
  type Conjunction,
  type KeyConstraint,
  type Labels,
  type Requirement,
} from "../../semantics/labels.js";
import {
  apart,
  labelRegions,
  namespaceRegions,
  SelectorRegions,
  needsCombinations,
  soleKey,
  selectorRepresentatives,
  type NamespaceRegion,
} from "../../semantics/universe.js";
import {
  evaluateSide,
  ownedNamespaceLabels,
  podsInNamespace,
  postureOf,
  sideOf,
  workloadStatesPosture,
  type ConcreteFlow,
  type Endpoint,
  type PodInstance,
} from "../../semantics/meaning.js";
import {
  NAMESPACE_NAME_LABEL,
  otherEnd,
  ownEnd,
  type Clause,
  type Direction,
  type EndpointSet,
  type Model,
  type OwnedNamespace,
  type PodTerm,
  type PostureSetting,
} from "../../semantics/model.js";
import { clausesNear, ownedNamespace, workloadsIn } from "../../semantics/lookup.js";
import {
  isAllPorts,
  MAX_PORT,
  MIN_PORT,
  mergeRanges,
  portsKey,
  protocols,
  unionPorts,
  type ContainerPort,
  type PortRange,
  type PortSet,
  type Protocol,
} from "../../semantics/ports.js";
import {
  addressInCidrText,
  admits,
  admittedBy,
  emittedSideOf,
  indexPolicies,
  isolatingRulesInto,
  selectorMatches,
  type EmittedRule,
  type PolicyIndex,
} from "../../analysis/netpol.js";
import type { Json } from "../../kubernetes.js";
import { objectList, toSize } from "../../arrays.js";

export interface Counterexample {
  flow: ConcreteFlow;
  direction: Direction;
  /** What the program means on that side, and what the emitted policies do. */
  meant: boolean;
  emitted: boolean;
  /** The statement whose side it is: the posture or rule that decides the meaning. */
  span: Span;
  description: string;
}

export interface VerifyResult {
  counterexample?: Counterexample;
  checks: number;
  /** Sets of selectors telling apart more regions than are enumerated (src/semantics/universe.ts), checked on each one's witness and near misses only. */
  partial?: number;
  /** Cases of subject proven symbolically (their flows are not among `checks`) and enumerated (of these, `podsProven` for their addresses only), when the proof was tried. */
  sides?: { proven: number; enumerated: number; podsProven: number };
}

/** An emitted label selector as a conjunction (undefined when contradictory), to draw representatives from (matching uses netpol.ts). */
function selectorConjunction(selector: Json): Conjunction | undefined {
  const requirements = objectList<Requirement>();
  for (const [key, value] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>))
    requirements.push({ key, operator: "In", values: [value] });
  for (const e of (selector.matchExpressions ?? []) as Json[]) {
    if (e.operator === "In" || e.operator === "NotIn")
      requirements.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
    else if (e.operator === "Exists" || e.operator === "DoesNotExist")
      requirements.push({ key: e.key, operator: e.operator });
  }
  return conjunctionOf(requirements);
}

const NO_IDS: readonly number[] = [];

/**
 * What verification knows of a selector: its conjunction (undefined when an emitted one is
 * contradictory), its witness and near misses (label ids, worked out once asked: a namespace
 * selector's are never asked, and where selectors need their regions only the witness is), and the
 * namespaces it reaches once asked.
 */
class SelectorFacts {
  reach?: ReadonlySet<string>;
  private ids?: readonly number[];
  private witnessId?: number;

  constructor(
    /** Interns the representatives (undefined: an emitted selector's, which `same` has). */
    private readonly selectors: Selectors | undefined,
    readonly conjunction: Conjunction | undefined,
    /** The representatives' id: equal conjunctions share it (0: none, a contradictory selector's). */
    readonly podsId: number,
    /** The conjunction's `soleKey` (undefined when contradictory). */
    readonly key: string | undefined | null,
    /** The facts of the first conjunction of this content (an emitted selector's: the program's, or its own). */
    private readonly same?: SelectorFacts,
  ) {}

  /** The witness and near misses, as label ids (`selectorRepresentatives`). */
  get representatives(): readonly number[] {
    if (this.same) return this.same.representatives;
    if (!this.conjunction || !this.selectors) return NO_IDS;
    const selectors = this.selectors;
    return (this.ids ??= selectorRepresentatives(this.conjunction).map((labels) => selectors.intern(labels)));
  }

  /** The first representative, the witness (`selectorRepresentatives`), without the others. */
  get witness(): number {
    if (this.same) return this.same.witness;
    if (this.ids) return this.ids[0];
    return (this.witnessId ??= this.selectors!.intern(witness(this.conjunction!)));
  }
}

/** The labels an emitted selector asks for when that is all it says, `{matchLabels: {...}}` (most are). */
function onlyMatchLabels(selector: Json): Record<string, unknown> | undefined {
  let matchLabels: unknown;
  for (const key in selector) {
    if (key !== "matchLabels" || matchLabels !== undefined) return undefined;
    matchLabels = selector[key];
  }
  if (typeof matchLabels !== "object" || matchLabels === null) return undefined;
  for (const key in matchLabels) if (typeof (matchLabels as Json)[key] !== "string") return undefined;
  return matchLabels as Record<string, unknown>;
}

/**
 * Facts by labels, one key and value after the other: a key's node, then its value's. A path is a
 * list of labels, so two selectors reach one node only if they ask for the same labels. (A class with
 * every field set when made: nodes filled in different orders keep one shape.)
 */
class LabelNode {
  next: Map<string, LabelNode> | undefined = undefined;
  /** The facts of the conjunctions asking for these labels (keys ascending, as a conjunction has them) and nothing else. */
  facts: SelectorFacts | undefined = undefined;
  /** The facts of the emitted selectors whose `matchLabels` are these labels (keys in the selector's order) and nothing else. */
  emitted: SelectorFacts | undefined = undefined;
  /** The id of the label map of these labels (keys ascending) and no other (`Selectors.intern`). */
  labelsId: number | undefined = undefined;
}

function labelNode(node: LabelNode, text: string): LabelNode {
  const next = (node.next ??= new Map());
  let found = next.get(text);
  if (!found) next.set(text, (found = new LabelNode()));
  return found;
}

/** Whether a key constraint asks for one label: the key, with one value. */
const isLabel = (constraint: readonly [string, KeyConstraint]): boolean => soleValue(constraint[1]) !== undefined;

/**
 * The selectors of one verification and their representatives. Label maps are interned: equal maps
 * get one id (and keep the first object seen), found by their labels, keys ascending, in the tree of
 * `LabelNode`s (no text made per map). Facts are kept per distinct conjunction (by the
 * labels it asks for when each requirement is one label, else by its canonical text, which labels.ts
 * caches per object) and per distinct emitted selector (by the labels it asks for when that is all
 * it says, else by its JSON).
 */
class Selectors {
  /** The interned label maps, by id. */
  readonly labels: Labels[] = [];
  /** By object first: the program shares its pod conjunctions (a workload's, in every term naming it). */
  private readonly byConjunction = new Map<Conjunction, SelectorFacts>();
  private readonly byConjunctionKey = new Map<string, SelectorFacts>();
  private readonly byLabels = new LabelNode();
  private readonly emittedByText = new Map<string, SelectorFacts>();
  private readonly emittedByObject = new WeakMap<Json, SelectorFacts>();
  private readonly regionIds = new Map<string, readonly number[] | undefined>();
  private podsIds = 0;

  /** Above every representatives' id given so far. */
  get podsBound(): number {
    return this.podsIds + 1;
  }
  /** The id of the empty label map. */
  readonly none = this.intern({});

  /** The id of a label map (equal maps, whatever the order of their keys, have one). */
  intern(labels: Labels): number {
    const keys = Object.keys(labels);
    if (keys.length > 1) keys.sort();
    let node = this.byLabels;
    for (let i = 0; i < keys.length; i++) node = labelNode(labelNode(node, keys[i]), labels[keys[i]]);
    let id = node.labelsId;
    if (id === undefined) {
      node.labelsId = id = this.labels.length;
      this.labels.push(labels);
    }
    return id;
  }

  /** The facts of a conjunction. */
  of(c: Conjunction): SelectorFacts {
    let found = this.byConjunction.get(c);
    if (!found) this.byConjunction.set(c, (found = this.ofContent(c)));
    return found;
  }

  /** The same, for a conjunction not looked up again by object. */
  ofContent(c: Conjunction): SelectorFacts {
    // most ask for labels of one value each (a namespace's name, a workload's name and tier): found
    // by them, without their text
    if (!c.every(isLabel)) return this.byKey(c);
    let node = this.byLabels;
    for (let i = 0; i < c.length; i++) node = labelNode(labelNode(node, c[i][0]), c[i][1].values.values[0]);
    return (node.facts ??= this.facts(c));
  }

  private byKey(c: Conjunction): SelectorFacts {
    const key = conjunctionKey(c);
    let found = this.byConjunctionKey.get(key);
    if (!found) this.byConjunctionKey.set(key, (found = this.facts(c)));
    return found;
  }

  private facts(c: Conjunction): SelectorFacts {
    return new SelectorFacts(this, c, ++this.podsIds, soleKey(c));
  }

  /** The facts of a conjunction of this content when some were made (none is made here: the ids of later ones stay as they were). */
  known(c: Conjunction): SelectorFacts | undefined {
    if (!c.every(isLabel)) return this.byConjunctionKey.get(conjunctionKey(c));
    let node: LabelNode | undefined = this.byLabels;
    for (let i = 0; i < c.length && node; i++) node = node.next?.get(c[i][0])?.next?.get(c[i][1].values.values[0]);
    return node?.facts;
  }

  /** The facts of an emitted selector (by object first: a selector is met once per rule using it, and per namespace it reaches). */
  ofEmitted(selector: Json): SelectorFacts {
    let found = this.emittedByObject.get(selector);
    if (!found) this.emittedByObject.set(selector, (found = this.readEmitted(selector)));
    return found;
  }

  /** The facts of an emitted selector, by its content. */
  private readEmitted(selector: Json): SelectorFacts {
    let found: SelectorFacts | undefined;
    const labels = onlyMatchLabels(selector);
    if (labels) {
      let node = this.byLabels;
      for (const key in labels) node = labelNode(labelNode(node, key), labels[key] as string);
      // a conjunction asking for these labels and nothing else has the selector's content
      found = node.emitted ??= node.facts ? this.emittedOf(node.facts) : this.emittedFacts(selector);
    } else {
      const text = JSON.stringify(selector);
      found = this.emittedByText.get(text);
      if (!found) this.emittedByText.set(text, (found = this.emittedFacts(selector)));
    }
    return found;
  }

  private emittedFacts(selector: Json): SelectorFacts {
    const conjunction = selectorConjunction(selector);
    if (!conjunction) return new SelectorFacts(undefined, undefined, 0, undefined);
    return this.emittedOf(this.ofContent(conjunction));
  }

  /** An emitted selector's facts, given those of the first conjunction of its content (which stands for it: what is worked out per conjunction object is then shared). */
  private emittedOf(same: SelectorFacts): SelectorFacts {
    return new SelectorFacts(undefined, same.conjunction, same.podsId, same.key, same);
  }

  /** The facts of an emitted pod selector; no selector selects every pod. */
  ofPodSelector(selector: Json | undefined): SelectorFacts {
    return selector ? this.ofEmitted(selector) : this.of(everything);
  }

  /** `labelRegions`, as ids: a label map in each region the conjunctions tell apart (undefined past the limit). */
  regions(conjunctions: readonly Conjunction[]): readonly number[] | undefined {
    const memo = conjunctions.map(conjunctionKey).sort().join("\n");
    if (this.regionIds.has(memo)) return this.regionIds.get(memo);
    const result = labelRegions(conjunctions)?.map((labels) => this.intern(labels));
    this.regionIds.set(memo, result);
    return result;
  }
}

/** A peer of an emitted rule: the namespaces it can reach (undefined: the policy's own) and its pods. */
interface EmittedPeer {
  namespaceSelector?: Json;
  podSelector?: Json;
  ipBlock?: Json;
}

/**
 * Every peer of an emitted policy's rules: its ingress rules' then its egress rules', each rule's
 * `from` then `to` (indexed loops, no array or iterator per rule: verification's setup meets every
 * peer of the output, twice).
 */
function forEachPeer(policy: Json, visit: (peer: EmittedPeer) => void): void {
  const spec = policy.spec;
  peersOfRules(spec?.ingress, visit);
  peersOfRules(spec?.egress, visit);
}

function peersOfRules(rules: Json[] | undefined, visit: (peer: EmittedPeer) => void): void {
  if (!rules) return;
  for (let i = 0; i < rules.length; i++) {
    const { from, to } = rules[i] as { from?: EmittedPeer[]; to?: EmittedPeer[] };
    if (from) for (let k = 0; k < from.length; k++) visit(from[k]);
    if (to) for (let k = 0; k < to.length; k++) visit(to[k]);
  }
}

/** The namespaces of the universe, and which of them each selector reaches (worked out once all are known). */
class Namespaces {
  /** By the name pods and policies know a namespace by: its own, or, for a second namespace of the same name label, an alias. */
  readonly labels = new Map<string, Labels>();
  /** The names in the order they were added, and each one's place there. */
  readonly names: string[] = [];
  private readonly places = new Map<string, number>();
  /** The names (aliases too) by name label. */
  private readonly byName = new Map<string, string[]>();
  private readonly singletons = new Map<string, ReadonlySet<string>>();
  private readonly placesOf = new WeakMap<ReadonlySet<string>, Int32Array>();
  private readonly bitsOfSet = new WeakMap<ReadonlySet<string>, Uint32Array>();

  constructor(private readonly selectors: Selectors) {}

  /**
   * Adds a namespace standing for a region (src/semantics/universe.ts) under its name there: its own,
   * or for a second region of the same name label, an alias (`monitoring~1`).
   */
  add(region: NamespaceRegion): void {
    const labels = region.labels[0];
    const nameLabel = labels[NAMESPACE_NAME_LABEL];
    this.labels.set(region.name, labels);
    this.places.set(region.name, this.names.length);
    this.names.push(region.name);
    const same = this.byName.get(nameLabel);
    if (same) same.push(region.name);
    else this.byName.set(nameLabel, [region.name]);
  }

  /** A namespace's place among the names. */
  place(name: string): number {
    return this.places.get(name)!;
  }

  /** The places of the namespaces of a reach (worked out once per set; a name not among them, none). */
  placesIn(set: ReadonlySet<string>): Int32Array {
    let found = this.placesOf.get(set);
    if (!found) {
      const places: number[] = [];
      for (const n of set) {
        const place = this.places.get(n);
        if (place !== undefined) places.push(place);
      }
      this.placesOf.set(set, (found = Int32Array.from(places)));
    }
    return found;
  }

  /** The words of a bit set over the namespaces' places (once all are added). */
  get words(): number {
    return (this.names.length + 31) >>> 5;
  }

  /** The namespaces of a reach as a bit set over their places (worked out once per set). */
  bitsOf(set: ReadonlySet<string>): Uint32Array {
    let found = this.bitsOfSet.get(set);
    if (!found) {
      found = new Uint32Array(this.words);
      for (const i of this.placesIn(set)) found[i >>> 5] |= 1 << (i & 31);
      this.bitsOfSet.set(set, found);
    }
    return found;
  }

  /** The set holding just this namespace (the reach of an emitted peer without a namespaceSelector). */
  just(name: string): ReadonlySet<string> {
    let set = this.singletons.get(name);
    if (!set) this.singletons.set(name, (set = new Set([name])));
    return set;
  }

  /** The namespaces a conjunction (with its facts) reaches; a conjunction naming namespaces is looked up, not scanned. */
  reachedBy(c: Conjunction, facts: SelectorFacts): ReadonlySet<string> {
    if (!facts.reach) {
      const named = c.find(([k]) => k === NAMESPACE_NAME_LABEL)?.[1];
      const names = named && !named.absentOk && named.values.kind === "only" ? named.values.values : undefined;
      facts.reach = this.matching(names, (l) => conjunctionMatches(c, l));
    }
    return facts.reach;
  }

  /** The same for an emitted namespaceSelector (matched by netpol.ts, independently of the model). */
  reachedBySelector(selector: Json): ReadonlySet<string> {
    const facts = this.selectors.ofEmitted(selector);
    if (!facts.reach) {
      const named: unknown =
        selector.matchLabels?.[NAMESPACE_NAME_LABEL] ??
        selector.matchExpressions?.find((e: Json) => e.key === NAMESPACE_NAME_LABEL && e.operator === "In")?.values;
      const names = typeof named === "string" ? [named] : Array.isArray(named) ? (named as string[]) : undefined;
      facts.reach = this.matching(names, (l) => selectorMatches(selector, l));
    }
    return facts.reach;
  }

  /** The namespaces named `names` (all when undefined) whose labels pass `test`. */
  private matching(names: readonly string[] | undefined, test: (labels: Labels) => boolean): ReadonlySet<string> {
    return new Set(
      (names ? names.flatMap((n) => this.byName.get(n) ?? []) : [...this.labels.keys()]).filter((n) =>
        test(this.labels.get(n)!),
      ),
    );
  }
}

type Port = { protocol: Protocol; port: number };

/** `needsCombinations` false for these selections' conjunctions (from each one's `soleKey`, worked out once per conjunction). */
function representativesSuffice(selections: readonly Selection[]): boolean {
  let key: string | undefined;
  for (let i = 0; i < selections.length; i++) {
    const own = selections[i].key;
    if (own === null) return false;
    if (own === undefined) continue;
    if (key !== undefined && own !== key) return false;
    key = own;
  }
  return true;
}

const hasBit = (bits: Uint32Array, i: number): boolean => (bits[i >>> 5] & (1 << (i & 31))) !== 0;

/** The addresses standing for every interval of addresses that these blocks and emitted ipBlocks cut (src/semantics/boundaries.ts). */
function addressCuts(model: Model, blocks: readonly IpBlock[], emitted: readonly Json[]): Address[] {
  const ranges: AddressRange[] = blocks.flatMap((b) => [b.cidr, ...b.except]).map(cidrRange);
  for (const block of emitted) {
    for (const text of [block.cidr, ...(block.except ?? [])] as string[]) {
      const range = addressInCidrText(text);
      if (range) ranges.push(range);
    }
  }
  return addressStarts(ranges, [...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs]);
}

/**
 * Where the pods may sit, as far as these emitted ipBlocks can tell, when the CNI matches ipBlocks
 * against pod addresses: every combination of an address per family in each region the blocks make
 * of the pod ranges (src/semantics/boundaries.ts). None when no block holds a pod address (the
 * compiler excepts the pod ranges from every block): the pods then match no block, as on a CNI that
 * matches addresses outside them.
 */
function podAddressWorlds(podRanges: readonly AddressRange[], blocks: readonly RangeBlock[]): Address[][] {
  // most sides have no ipBlock at all
  if (blocks.length === 0) return [];
  const { byFamily, held } = rangeAddresses(podRanges, blocks);
  return held ? combinations(byFamily) : [];
}

/** An emitted ipBlock as ranges (undefined when its CIDR does not parse: it holds nothing). */
function emittedRanges(block: Json): RangeBlock | undefined {
  const range = addressInCidrText(block.cidr as string);
  return range && { range, except: ((block.except ?? []) as string[]).flatMap((e) => addressInCidrText(e) ?? []) };
}

const describeEndpoint = (e: Endpoint): string =>
  "pod" in e
    ? `a pod in \`${e.pod.namespace}\` with labels {${Object.entries(e.pod.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}}`
    : formatAddress(e.ip.family, e.ip.value);

type RuleClause = ReturnType<typeof clausesNear>[number];

/**
 * Pods picked by one selector: the namespaces it reaches, its pods' conjunction (undefined: none) and
 * representatives (label ids). One class, every field set when made: the hot loops over selections
 * (clause ends', emitted peers', subjects') then meet one shape of object, not one per place that
 * makes them and per field added later.
 */
class Selection {
  /** The reach as a bit set (`Verification.bitsOf`), and as places (`Namespaces.placesIn`), once asked. */
  bits: Uint32Array | undefined = undefined;
  places: Int32Array | undefined = undefined;
  /** The id of the representatives (`SelectorFacts.podsId`). */
  readonly podsId: number;
  /** The conjunction's `soleKey` (`SelectorFacts.key`). */
  readonly key: string | undefined | null;

  constructor(
    public reach: ReadonlySet<string>,
    readonly conjunction: Conjunction | undefined,
    /** The facts of the pods' conjunction: their representatives. */
    readonly pods: SelectorFacts,
    /** A clause end's: its pod term, and the facts of the term's namespaces' conjunction. */
    readonly term: PodTerm | undefined = undefined,
    readonly facts: SelectorFacts | undefined = undefined,
  ) {
    this.podsId = pods.podsId;
    this.key = pods.key;
  }
}

/** A selection from a pod term. */
type TermSelection = Selection & { term: PodTerm; facts: SelectorFacts };

/** The reach of a selection not yet worked out. */
const NOWHERE: ReadonlySet<string> = new Set();

/** An emitted rule as the sides using it need it: its pod peers, address blocks and port boundaries. */
interface RuleParts {
  pods: readonly Selection[];
  blocks: readonly Json[];
  /** The blocks as ranges. */
  ranges: readonly RangeBlock[];
  cuts: readonly number[];
  /** The class of its ports (`Verification.ruleClass`). */
  class: number;
}

/** A clause as the sides holding it need it: its ports' class and boundaries, and its ends' selections. */
interface ClauseFacts {
  class: number;
  cuts: readonly number[];
  sources: readonly Selection[];
  destinations: readonly Selection[];
}

const ids = new WeakMap<object, number>();
let nextId = 0;
const objectId = (o: object): number => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
};

/** One verification: the universe (namespaces, selectors) and what is worked out once per clause end, rule or pod. */
class Verification {
  readonly selectors = new Selectors();
  readonly namespaces = new Namespaces(this.selectors);
  readonly namespaceLabels: (n: string) => Labels;
  readonly index: PolicyIndex;
  readonly podPorts: ContainerPort[];
  /** The pod ranges: where a CNI matching ipBlocks against pod addresses puts the pods. */
  readonly podRanges: readonly AddressRange[];
  /** The addresses checked where no address block is involved. */
  readonly farAddresses: Endpoint[];
  /** The cuts every side has (each protocol's first port, the pods' port numbers), as codes. */
  private readonly baseCuts: readonly number[];
  /** The pod terms of every clause end, as selections. */
  private readonly ends = new Map<EndpointSet, readonly TermSelection[]>();
  private readonly ruleParts = new Map<EmittedRule, RuleParts>();
  private readonly clauses = new Map<Clause, ClauseFacts>();
  private readonly classIds = new Map<string, number>();
  /** The boundaries by code (one object each). */
  private readonly ports: Port[] = [];
  /** The port codes a list of boundaries took (`boundaries`), the label ids a namespace's peers took (`podPeers`). */
  private readonly codesTaken = new Marks();
  private readonly labelsTaken = new Marks();
  /** The contents (`podsId`) of the selections a namespace's subjects are drawn from (`subjectLabels`). */
  readonly subjectsTaken = new Marks();
  /** The namespaces a side's small reaches hold (`peerNamespaces`), and each one's place in their lists. */
  private readonly touchedNamespaces = new Marks();
  private kind = new Int32Array(0);
  private readonly cells = new Map<string, { mask: number; members: number[] }[]>();
  /** Per namespace (by place), its pod regions once worked out (`podRegions`). */
  private readonly namespacePods: ((SelectorRegions & { ids: readonly number[] }) | null | undefined)[] = [];
  private reachingPods?: Set<Conjunction>[];
  /** How many sets of selectors had too many regions, and were checked on their representatives only. */
  partial = 0;
  observe?: (side: ObservedSide) => void;
  /** The symbolic proof of sides, when it is tried (`verifyNetworkPolicies`). */
  symbolic?: Symbolic;
  private readonly addressPeers = new Map<string, Endpoint[]>();
  /** Reused by every side. */
  readonly classTable = new ClassTable();
  /** Reused by every side (cleared first). */
  readonly cases = new Cases();
  /** The signatures of a namespace's sides in one direction (`verifyNamespace`). */
  readonly signatures = new NumberLists();
  private readonly postureIds = new Map<string, number>();
  /** The lists of port codes `portsWith` was asked for, and its answers by their numbers. */
  private readonly portLists = new NumberLists();
  private readonly portsOfList: Port[][] = [];
  private readonly kinds = new NumberLists();
  /** The lists of distinct conjunctions `apartRegions` was asked about, and its answers by their numbers (null: not apart). */
  private readonly apartLists = new NumberLists();
  private readonly apartAnswers: (readonly number[] | null)[] = [];
  /** By label id and namespace place (`pod`). */
  private readonly pods = new Map<number, { pod: PodInstance }>();
  /** The sides the proof left their addresses only, checked without a counterexample, by what decides them (`addressCase`). */
  readonly addressSides = new Set<string>();
  /** `addressCase`'s parts, worked out once per object: a clause end's blocks, an emitted rule's ports and ipBlock peers (undefined: no peers). */
  readonly endBlocksText = new Map<EndpointSet, string>();
  readonly ruleBlocksText = new Map<EmittedRule, string | undefined>();

  constructor(
    readonly model: Model,
    objects: readonly unknown[],
  ) {
    this.index = indexPolicies(objects);
    const { selectors, namespaces } = this;

    // the namespaces: a namespace per region that the namespace selectors, the program's and the
    // emitted policies', tell apart (src/semantics/universe.ts), owned ones with their own labels
    const namespaceConjunctions: Conjunction[] = [];
    // one of each content (`podsId`), in first-seen order: a few distinct ones, each named by many
    // clause ends and emitted peers
    const seenNamespaces = new Marks().next();
    const addNamespaces = (facts: SelectorFacts) => {
      if (facts.conjunction && seenNamespaces.take(facts.podsId)) namespaceConjunctions.push(facts.conjunction);
    };
    // the selections of every clause end, each with the facts of its namespaces: its reach is worked
    // out once all namespaces are known, below
    const ends = this.ends;
    const addEnd = (end: EndpointSet) => {
      if (ends.has(end)) return;
      // (kept to the end, `toSize`; not `map`, whose lists made in optimized code have another kind:
      // see `objectList`)
      const selections = objectList<TermSelection>();
      for (let i = 0; i < end.pods.length; i++) {
        const term = end.pods[i];
        const s = new Selection(NOWHERE, term.pods, selectors.of(term.pods), term, selectors.of(term.namespaces));
        selections.push(s as TermSelection);
        addNamespaces(s.facts!);
      }
      ends.set(end, toSize(selections));
    };
    // (indexed loops here and below: this runs once, mostly before V8 optimizes it, where `for of`
    // makes an object per step)
    const rules = model.rules;
    for (let i = 0; i < rules.length; i++) {
      const clauses = rules[i].clauses;
      for (let k = 0; k < clauses.length; k++) {
        addEnd(clauses[k].sources);
        addEnd(clauses[k].destinations);
      }
    }
    for (const policies of this.index.byNamespace.values()) {
      for (let k = 0; k < policies.length; k++) {
        forEachPeer(policies[k], (peer) => {
          // a contradictory selector selects no namespace: it tells none apart
          if (peer.namespaceSelector) addNamespaces(selectors.ofEmitted(peer.namespaceSelector));
        });
      }
    }
    const regions = namespaceRegions([model], namespaceConjunctions);
    if (regions.partial) this.partial++;
    for (let i = 0; i < regions.namespaces.length; i++) namespaces.add(regions.namespaces[i]);
    for (const selections of ends.values())
      for (let i = 0; i < selections.length; i++)
        selections[i].reach = namespaces.reachedBy(selections[i].term.namespaces, selections[i].facts);
    // looked up for every pod matched: memoised (the namespaces are all known by now)
    const labelsOf = ownedNamespaceLabels(model, (n) => namespaces.labels.get(n) ?? { [NAMESPACE_NAME_LABEL]: n });
    const known = new Map<string, Labels>();
    // asked again and again for the namespace of the peer at hand: the last answer first
    let lastName: string | undefined;
    let lastLabels: Labels = {};
    this.namespaceLabels = (n) => {
      if (n === lastName) return lastLabels;
      let labels = known.get(n);
      if (!labels) known.set(n, (labels = labelsOf(n)));
      lastName = n;
      return (lastLabels = labels);
    };

    // a pod gives every port name the program uses a number that some rule may also name
    const named = new Map<string, { name: string; protocol: Protocol }>();
    for (let i = 0; i < rules.length; i++) {
      const clauses = rules[i].clauses;
      for (let k = 0; k < clauses.length; k++)
        for (const n of clauses[k].ports.named) named.set(`${n.name}/${n.protocol}`, n);
    }
    const namedPorts = [...named.values()];
    const portCuts = (codes: number[], ports: readonly ContainerPort[]) => {
      for (const p of ports) rangeCuts(codes, p.protocol, p.port, p.port);
      return codes;
    };
    // the boundaries of every clause's ports and every workload's: only needed when some port has a name
    const allPortNumbers: Port[] = [];
    if (namedPorts.length > 0) {
      const codes = [...FIRST_PORTS];
      for (const r of model.rules) for (const c of r.clauses) portSetCuts(codes, c.ports);
      for (const w of model.workloads) portCuts(codes, w.ports);
      allPortNumbers.push(...this.boundaries(codes));
    }
    this.podPorts = namedPorts.map((n, i) => ({
      name: n.name,
      protocol: n.protocol,
      port: allPortNumbers[i % allPortNumbers.length].port,
    }));
    this.baseCuts = portCuts([...FIRST_PORTS], this.podPorts);

    this.podRanges = model.cluster.podCIDRs.map(cidrRange);
    this.farAddresses = addressCuts(model, [], []).map((ip): Endpoint => ({ ip }));
  }

  /** A pod of the namespace at that place with the labels of that id (one object per pair, shared by every side). */
  pod(place: number, id: number): { pod: PodInstance } {
    const key = id * this.namespaces.names.length + place;
    let found = this.pods.get(key);
    if (!found)
      this.pods.set(
        key,
        (found = {
          pod: { namespace: this.namespaces.names[place], labels: this.selectors.labels[id], ports: this.podPorts },
        }),
      );
    return found;
  }

  /** The pod terms of a clause's end, as selections (the constructor took every clause's). */
  selections(end: EndpointSet): readonly Selection[] {
    return this.ends.get(end)!;
  }

  /** An emitted rule's parts, worked out on first use. */
  partsOf(rule: EmittedRule): RuleParts {
    let found = this.ruleParts.get(rule);
    if (!found) {
      const pods: Selection[] = [];
      const blocks: Json[] = [];
      for (const p of rule.peers as EmittedPeer[]) {
        if (p.ipBlock) blocks.push(p.ipBlock);
        // a peer without a namespaceSelector is in the policy's namespace
        else {
          const facts = this.selectors.ofPodSelector(p.podSelector);
          const reach = p.namespaceSelector
            ? this.namespaces.reachedBySelector(p.namespaceSelector)
            : this.namespaces.just(rule.namespace);
          pods.push(new Selection(reach, facts.conjunction, facts));
        }
      }
      const cuts: number[] = [];
      for (const e of rule.ports ?? []) {
        const protocol = e.protocol ?? "TCP";
        if (protocols.includes(protocol) && typeof e.port === "number")
          rangeCuts(cuts, protocol, e.port, e.endPort ?? e.port);
      }
      const ranges: RangeBlock[] = [];
      for (const b of blocks) {
        const range = emittedRanges(b);
        if (range) ranges.push(range);
      }
      this.ruleParts.set(rule, (found = { pods, blocks, ranges, cuts, class: this.ruleClass(rule) }));
    }
    return found;
  }

  /**
   * A clause's facts, worked out on first use: the class of its ports (clauses of one class admit the
   * same flows wherever they hold both ends; as ids: equal port sets, one id), their boundaries, and
   * its ends' selections.
   */
  clauseFacts(clause: Clause): ClauseFacts {
    let found = this.clauses.get(clause);
    if (!found) {
      const ports = clause.ports;
      let key = "";
      for (const protocol of protocols) {
        for (const r of ports.numeric[protocol]) key += `${r.from}-${r.to},`;
        key += ";";
      }
      for (const n of ports.named) key += `${n.name}/${n.protocol},`;
      const cuts: number[] = [];
      portSetCuts(cuts, ports);
      this.clauses.set(
        clause,
        (found = {
          class: this.classId(key),
          cuts,
          sources: this.selections(clause.sources),
          destinations: this.selections(clause.destinations),
        }),
      );
    }
    return found;
  }

  /** The class of an emitted rule's ports: rules of one class admit the same flows wherever they hold the peer. */
  private ruleClass(rule: EmittedRule): number {
    let key = rule.ports === undefined ? "*" : "";
    for (const e of rule.ports ?? [])
      key += `${e.protocol ?? "TCP"}:${typeof e.port}:${e.port}:${typeof e.endPort}:${e.endPort},`;
    return this.classId(key);
  }

  private classId(key: string): number {
    let id = this.classIds.get(key);
    if (id === undefined) this.classIds.set(key, (id = this.classIds.size));
    return id;
  }

  /** The port boundaries among these codes and those every side has, in order (worked out once per list of codes). */
  portsWith(codes: readonly number[]): Port[] {
    const lists = this.portLists.start();
    for (let i = 0; i < codes.length; i++) lists.push(codes[i]);
    const number = lists.numberOf();
    return (this.portsOfList[number] ??= this.boundaries(
      codes.length === 0 ? this.baseCuts : [...this.baseCuts, ...codes],
    ));
  }

  /** The distinct boundaries among these codes, in order (one object per boundary). */
  private boundaries(codes: readonly number[]): Port[] {
    const taken = this.codesTaken.next();
    const sorted: number[] = [];
    for (const code of codes) {
      if (!taken.take(code)) continue;
      // kept sorted by insertion: there are a few distinct boundaries
      let at = sorted.length;
      for (; at > 0 && sorted[at - 1] > code; at--) sorted[at] = sorted[at - 1];
      sorted[at] = code;
    }
    return sorted.map(
      (code) =>
        (this.ports[code] ??= {
          protocol: codeProtocol(code),
          port: codePort(code),
        }),
    );
  }

  /**
   * The pods standing for every region the selectors tell apart, in the namespaces at `places`
   * (`peerNamespaces`): in each, a pod per region of the selections `reaching` it (`regionsIn`), or,
   * past the limit, the representatives of each, and a pod without labels.
   */
  podPeers(places: readonly number[], reaching: (place: number) => readonly Selection[]): Endpoint[] {
    const peers: Endpoint[] = [];
    for (const i of places) {
      const here = reaching(i);
      const taken = this.labelsTaken.next();
      if (representativesSuffice(here)) {
        // `regionsIn`'s first case, without a list of ids
        for (const s of here) for (const id of s.pods.representatives) if (taken.take(id)) peers.push(this.pod(i, id));
      } else for (const id of this.regionsIn(i, here)) if (taken.take(id)) peers.push(this.pod(i, id));
      if (taken.take(this.selectors.none)) peers.push(this.pod(i, this.selectors.none));
    }
    return peers;
  }

  /**
   * The namespaces (by place) standing for every kind of namespace these items tell apart, the owned
   * one first. An item's key is its class (`verifySide`): a class holds a pod of a namespace when one
   * of its selections whose conjunction holds the pod reaches that namespace, so namespaces reached
   * by the same unions of reaches (per class and conjunction) are alike, and one of each kind stands
   * for all of it (a union reaching every namespace tells none apart).
   */
  peerNamespaces(owned: OwnedNamespace, items: readonly { key: number; selections: readonly Selection[] }[]): number[] {
    const { namespaces } = this;
    const all = namespaces.names.length;
    // the unions: the selections of one class and one conjunction (by its representatives' id), in
    // first-seen order; null where one of them reaches every namespace
    // (a map by key and representatives' id; made per side, not kept: long-lived tables holding
    // short-lived entries get them promoted to the old generation, which grew the peak heap)
    const unionOf = new Map<number, number>();
    const bound = this.selectors.podsBound;
    const members: (Selection[] | null)[] = [];
    for (const { key, selections } of items) {
      for (const s of selections) {
        const at = key * bound + s.podsId;
        const u = unionOf.get(at);
        const everywhere = s.reach.size >= all;
        if (u === undefined) {
          unionOf.set(at, members.length);
          members.push(everywhere ? null : [s]);
        } else if (members[u]) {
          if (everywhere) members[u] = null;
          else members[u]!.push(s);
        }
      }
    }
    // a namespace's kind is which unions hold it: for the few namespaces small reaches hold, worked
    // out one by one; the others are held by large reaches only, and those of one cell of the
    // large reaches' partition (`cellsOf`) are alike
    if (this.kind.length < all) this.kind = new Int32Array(all);
    const kind = this.kind;
    const touchedMarks = this.touchedNamespaces.next();
    const touched: number[] = [];
    const held: number[][] = [];
    const large: ReadonlySet<string>[] = [];
    /** Per union with large reaches, its place among the unions and those reaches' places in `large`. */
    const largeOf: { union: number; reaches: number[] }[] = [];
    let union = 0;
    for (const selections of members) {
      if (!selections) continue;
      let reaches: number[] | undefined;
      for (const s of selections) {
        let j = s.reach.size > SMALL_REACH ? large.indexOf(s.reach) : -1;
        if (s.reach.size > SMALL_REACH && j < 0 && large.length < MAX_LARGE) j = large.push(s.reach) - 1;
        if (j >= 0) {
          if (!reaches) largeOf.push({ union, reaches: (reaches = []) });
          if (!reaches.includes(j)) reaches.push(j);
          continue;
        }
        const places = (s.places ??= namespaces.placesIn(s.reach));
        for (let p = 0; p < places.length; p++) {
          const i = places[p];
          if (touchedMarks.take(i)) {
            kind[i] = touched.length;
            touched.push(i);
            held.push([union]);
          } else {
            const unions = held[kind[i]];
            if (unions[unions.length - 1] !== union) unions.push(union);
          }
        }
      }
      union++;
    }
    const bits = large.map((r) => namespaces.bitsOf(r));
    // one namespace of each kind (the unions holding it, written out, both lists ascending): the owned
    // one, those small reaches hold, and in each cell of the large reaches the first one they do not;
    // `mask` says which large reaches hold it (-1: ask their bits)
    const places: number[] = [];
    const kinds = this.kinds.clear();
    const take = (i: number, mask: number) => {
      kinds.start();
      const small = touchedMarks.has(i) ? held[kind[i]] : NO_UNIONS;
      let k = 0;
      for (const { union, reaches } of largeOf) {
        let holds = false;
        for (let r = 0; r < reaches.length && !holds; r++)
          holds = mask === -1 ? hasBit(bits[reaches[r]], i) : (mask & (1 << reaches[r])) !== 0;
        if (!holds) continue;
        for (; k < small.length && small[k] < union; k++) kinds.push(small[k]);
        if (small[k] === union) k++;
        kinds.push(union);
      }
      for (; k < small.length; k++) kinds.push(small[k]);
      if (kinds.isNew()) places.push(i);
    };
    take(namespaces.place(owned.name), -1);
    for (const i of touched) take(i, -1);
    for (const { mask, members } of this.cellsOf(large)) {
      for (const i of members) {
        if (touchedMarks.has(i)) continue;
        take(i, mask);
        break;
      }
    }
    return places;
  }

  /**
   * The namespaces (by place) split by which of these reaches hold them: each cell's mask has bit j
   * for the j-th reach. Worked out once per list of reaches.
   */
  private cellsOf(reaches: readonly ReadonlySet<string>[]): { mask: number; members: number[] }[] {
    let key = "";
    for (const r of reaches) key += `${objectId(r)},`;
    let found = this.cells.get(key);
    if (!found) {
      const masks = new Int32Array(this.namespaces.names.length);
      reaches.forEach((r, j) => {
        for (const i of this.namespaces.placesIn(r)) masks[i] |= 1 << j;
      });
      const byMask = new Map<number, number[]>();
      masks.forEach((mask, i) => {
        const members = byMask.get(mask);
        if (members) members.push(i);
        else byMask.set(mask, [i]);
      });
      found = [...byMask].map(([mask, members]) => ({ mask, members }));
      // a program whose sides meet many lists of large reaches keeps the last few
      if (this.cells.size >= 256) this.cells.clear();
      this.cells.set(key, found);
    }
    return found;
  }

  /** A selection's reach as a bit set over the namespaces' places. */
  bitsOf(s: Selection): Uint32Array {
    return (s.bits ??= this.namespaces.bitsOf(s.reach));
  }

  /**
   * A label id per region of these selections' pods in the namespace at `place` (each of them one
   * that can reach it): their representatives where those stand for every region
   * (`needsCombinations`), else the namespace's pod regions split by them (`SelectorRegions`), or, where the
   * namespace's regions are too many, the regions of these selections alone (`regionsOf`) or, past
   * the limit, the representatives of each.
   */
  regionsIn(place: number, selections: readonly Selection[]): readonly number[] {
    // their representatives stand for every region (one label key, one value each): nothing to split
    if (representativesSuffice(selections)) {
      const ids: number[] = [];
      for (let i = 0; i < selections.length; i++) {
        const representatives = selections[i].pods.representatives;
        for (let k = 0; k < representatives.length; k++) ids.push(representatives[k]);
      }
      return ids;
    }
    const apart = this.apartRegions(selections);
    if (apart) return apart;
    const conjunctions: Conjunction[] = [];
    for (const s of selections) if (s.conjunction) conjunctions.push(s.conjunction);
    const regions = this.podRegions(place);
    if (!regions) return this.regionsOf(conjunctions) ?? selections.flatMap((s) => s.pods.representatives);
    return regions.split(conjunctions).map((r) => regions.ids[r]);
  }

  /**
   * A label id per region these selections' pods tell apart when their conjunctions are `apart`
   * (src/semantics/universe.ts): each one's witness and the empty label map. Undefined otherwise.
   */
  private apartRegions(selections: readonly Selection[]): readonly number[] | undefined {
    const distinct = objectList<Selection>();
    const lists = this.apartLists.start();
    for (const s of selections) {
      // a conjunction holding every label map tells nothing apart; equal ones share their representatives' id
      if (!s.conjunction || s.conjunction.length === 0 || distinct.some((d) => d.podsId === s.podsId)) continue;
      distinct.push(s);
      lists.push(s.podsId);
    }
    // answered once per list of distinct conjunctions (their representatives' ids, in order)
    const number = lists.numberOf();
    let found = this.apartAnswers[number];
    if (found === undefined) {
      found = null;
      const conjunctions = objectList<Conjunction>();
      for (let i = 0; i < distinct.length; i++) conjunctions.push(distinct[i].conjunction!);
      if (apart(conjunctions)) {
        // a selection's first representative is its witness (`selectorRepresentatives`)
        const ids: number[] = [];
        for (let i = 0; i < distinct.length; i++) ids.push(distinct[i].pods.witness);
        ids.push(this.selectors.none);
        found = ids;
      }
      this.apartAnswers[number] = found;
    }
    return found ?? undefined;
  }

  /**
   * The regions of pods of the namespace at `place` that every selection able to reach it tells
   * apart (the program's clause ends and the emitted policies' peers reaching it, its workloads, its
   * policies' pod selectors), with their label ids, worked out on first use (null past the limit).
   */
  private podRegions(place: number): (SelectorRegions & { ids: readonly number[] }) | null {
    let found = this.namespacePods[place];
    if (found === undefined) {
      const reaching = (this.reachingPods ??= this.podSelectorsByNamespace())[place];
      const name = this.namespaces.names[place];
      const workloads = workloadsIn(this.model, name);
      const labels = labelRegions([...reaching, ...workloads.map((w) => w.pods)], everything, [
        {},
        ...workloads.map((w) => witness(w.pods)),
      ]);
      found = labels
        ? Object.assign(new SelectorRegions(labels), { ids: labels.map((l) => this.selectors.intern(l)) })
        : null;
      this.namespacePods[place] = found;
    }
    return found;
  }

  /** Per namespace (by place), the pod conjunctions of every selection that can reach it, and of its policies' pod selectors. */
  private podSelectorsByNamespace(): Set<Conjunction>[] {
    const { namespaces, selectors } = this;
    const result = namespaces.names.map(() => new Set<Conjunction>());
    const add = (reach: ReadonlySet<string>, conjunction: Conjunction | undefined) => {
      if (conjunction) for (const i of namespaces.placesIn(reach)) result[i].add(conjunction);
    };
    for (const selections of this.ends.values()) for (const s of selections) add(s.reach, s.conjunction);
    for (const [namespace, policies] of this.index.byNamespace) {
      for (let k = 0; k < policies.length; k++) {
        add(namespaces.just(namespace), selectors.ofPodSelector(policies[k].spec?.podSelector).conjunction);
        forEachPeer(policies[k], (peer) => {
          if (peer.ipBlock) return;
          const reach = peer.namespaceSelector
            ? namespaces.reachedBySelector(peer.namespaceSelector)
            : namespaces.just(namespace);
          add(reach, selectors.ofPodSelector(peer.podSelector).conjunction);
        });
      }
    }
    return result;
  }

  /**
   * A label id per region of these pod conjunctions (those of selections that select any pod); undefined
   * when their representatives stand for as much (`needsCombinations`), or past the region limit.
   */
  private regionsOf(conjunctions: readonly Conjunction[]): readonly number[] | undefined {
    if (!needsCombinations(conjunctions)) return undefined;
    const found = this.selectors.regions(conjunctions);
    if (!found) this.partial++;
    return found;
  }

  /** The addresses standing for every region of these blocks (the far-away ones when there are none). */
  addressesOf(blocks: readonly IpBlock[], emitted: readonly Json[]): Endpoint[] {
    if (blocks.length === 0 && emitted.length === 0) return this.farAddresses;
    const key = `${blocks.map(objectId).join(",")}/${emitted.map(objectId).join(",")}`;
    let found = this.addressPeers.get(key);
    if (!found)
      this.addressPeers.set(key, (found = addressCuts(this.model, blocks, emitted).map((ip): Endpoint => ({ ip }))));
    return found;
  }

  /** A number per posture as `postureKey` tells them apart. */
  postureId(posture: PostureSetting | undefined): number {
    const key = postureKey(posture);
    let id = this.postureIds.get(key);
    if (id === undefined) this.postureIds.set(key, (id = this.postureIds.size));
    return id;
  }
}

/**
 * A side as verification checked it, for tests of its projection: the subject, each peer it stood
 * for every endpoint by, and the ports checked for that peer's case; the labels of the namespaces it
 * made up.
 */
export interface ObservedSide {
  subject: PodInstance;
  direction: Direction;
  peers: readonly { peer: Endpoint; ports: readonly { protocol: Protocol; port: number }[] }[];
  namespaceLabels: (namespace: string) => Labels;
}

export function verifyNetworkPolicies(
  model: Model,
  objects: readonly unknown[],
  /** Told of every side checked (tests): then every side is enumerated, and none gives a counterexample. */
  observe?: (side: ObservedSide) => void,
  /** `symbolic: false` enumerates every side (tests: the proof against the enumeration). */
  options: { symbolic?: boolean } = {},
): VerifyResult {
  const v = new Verification(model, objects);
  v.observe = observe;
  if (options.symbolic !== false && !observe)
    v.symbolic = new Symbolic(
      v.selectors,
      (n) => ownedNamespace(model, n)?.labels,
      (end) => v.selections(end),
    );
  let checks = 0;
  const result = (found: VerifyResult): VerifyResult => {
    if (v.symbolic) {
      const { proven, enumerated, podsProven } = v.symbolic;
      found.sides = { proven, enumerated, podsProven };
    }
    return found;
  };
  for (const owned of model.namespaces) {
    const found = verifyNamespace(v, owned);
    checks += found.checks;
    if (found.counterexample) return result({ counterexample: found.counterexample, checks });
  }
  return result(v.partial > 0 ? { checks, partial: v.partial } : { checks });
}

/** Both directions of an owned namespace, for each case of subject. */
function verifyNamespace(v: Verification, owned: OwnedNamespace): VerifyResult {
  const candidates = clausesNear(v.model, owned.name);
  const policies = v.index.byNamespace.get(owned.name) ?? [];
  const place = v.namespaces.place(owned.name);
  // (lists of objects made as `objectList`s, loops rather than `map`: see `objectList`)
  const subjects = objectList<{ pod: PodInstance }>();
  // which ends of each candidate reach the namespace (1: its sources, 2: its destinations), found
  // while the subjects are drawn from them
  const reaches = new Uint8Array(candidates.length);
  // and their selections: the 2c-th the c-th candidate's sources', the next its destinations'
  const ends = objectList<readonly Selection[]>();
  for (const id of subjectLabels(v, owned, candidates, policies, reaches, ends)) subjects.push(v.pod(place, id));
  // the subjects by their labels: a selector or conjunction requiring a label is asked only of those carrying it
  const index = new SubjectIndex(subjects);
  // which policies select each subject: the same in both directions
  const selectedBy = index.selecting(policies);
  // the emitted side of a subject is read from the policies selecting it (which netpol.ts selects
  // by the same `selectorMatches`): not asked of every policy of the namespace again per direction
  const selected = objectList<Json[]>();
  for (let i = 0; i < subjects.length; i++) {
    const places = selectedBy[i];
    const list = objectList<Json>();
    for (let k = 0; k < places.length; k++) list.push(policies[places[k]]);
    selected.push(list);
  }
  const signatures = v.signatures;
  let checks = 0;
  // (indexed loops, no `filter` or `some` with closures: see `proveSide`)
  for (let d = 0; d < 2; d++) {
    const direction: Direction = d === 0 ? "ingress" : "egress";
    // the clauses some term of whose own end reaches the namespace
    const reaching = objectList<RuleClause>();
    const reachingEnds = objectList<readonly Selection[]>();
    const own = d === 0 ? 2 : 1;
    for (let c = 0; c < candidates.length; c++)
      if ((reaches[c] & own) !== 0) {
        reaching.push(candidates[c]);
        reachingEnds.push(ends[2 * c + own - 1]);
      }
    const groups = ownEndGroups(v, owned, reaching, reachingEnds, direction, subjects.length);
    index.holding(groups.pods, groups.held);
    // made for the first side enumerated (a namespace whose sides are all proven needs none)
    let near: NearIndex | undefined;
    const nearIndex = () => (near ??= new NearIndex(v, reaching, direction));
    // where no workload of the namespace states a posture of its own in this direction, every
    // subject has the namespace's (`postureOf`): looked up once, not per subject
    const shared = workloadStatesPosture(v.model, owned.name, direction)
      ? undefined
      : { posture: owned.postures[direction] };
    const sharedId = shared ? v.postureId(shared.posture) : -1;
    signatures.clear();
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[i];
      // what decides a subject's side: its posture, the clauses whose own end holds it (their places
      // among `reaching`), the policies selecting it (their places among the namespace's)
      signatures.start();
      const posture = shared ?? postureOf(v.model, owned, subject.pod, direction);
      signatures.push(shared ? sharedId : v.postureId(posture.posture));
      const holding = holdingClauses(i, reaching, groups, signatures);
      signatures.push(-1);
      const selecting = selectedBy[i];
      for (let k = 0; k < selecting.length; k++) signatures.push(selecting[k]);
      if (!signatures.isNew()) continue;
      // the clauses holding the subject are the only ones of `reaching` its meaning can use
      const proof = v.symbolic ? proveSide(v.symbolic, direction, posture, holding, selected[i]) : Proof.None;
      if (proof === Proof.Side) continue;
      // a side left its addresses only is checked at its addresses alone, which are decided by what
      // its clauses and rules say of addresses: one side of each such case is enumerated
      const alike = proof === Proof.Pods ? addressCase(v, direction, posture.posture!, holding) : undefined;
      if (alike !== undefined && v.addressSides.has(alike)) continue;
      const found = verifySide(
        v,
        owned,
        subject,
        direction,
        posture,
        holding,
        nearIndex,
        selected[i],
        proof === Proof.Pods,
      );
      checks += found.checks;
      if (found.counterexample) return { counterexample: found.counterexample, checks };
      if (alike !== undefined) v.addressSides.add(alike);
    }
  }
  return { checks };
}

/**
 * What decides the verdicts of a side whose pods the proof showed admitted alike (`Proof.Pods`:
 * posture deny, isolated), as text, when only its addresses are enumerated: its direction and
 * posture; the ports and address blocks of the clauses holding the subject whose other end has
 * blocks (the meaning holds an address by blocks only, `inEndpointSet`); the ports and ipBlock peers
 * of its rules that have some (netpol.ts holds an address by an ipBlock only, a pod by its
 * addresses only in an address world; a rule without peers is never proven). The subject is no part
 * of it: every pod made up has the same ports (`podPorts`), which `permits` and `admits` read for
 * named ports. Sides of one case have the same peers (`addressesOf`, of the blocks' contents), port
 * boundaries and verdicts. Undefined where an ipBlock holds pod addresses (`podAddressWorlds`): then
 * `verifySide` enumerates the pods too.
 */
function addressCase(
  v: Verification,
  direction: Direction,
  posture: PostureSetting,
  clauses: readonly RuleClause[],
): string | undefined {
  let key = `${direction} ${posture.posture}`;
  for (let i = 0; i < clauses.length; i++) {
    const blocks = endBlocksText(v, otherEnd(clauses[i].clause, direction));
    if (blocks !== "") key += `\n${clauses[i].rule.action} ${portsKey(clauses[i].clause.ports)}${blocks}`;
  }
  key += "\nrules";
  const { rulesOfSide: rules, ruleCount } = v.symbolic!;
  for (let i = 0; i < ruleCount; i++) {
    const blocks = ruleBlocksText(v, rules[i]);
    // (a rule without peers holds every address: the proof never leaves such a side, and were it
    // to, the side is enumerated in full)
    if (blocks === undefined) return undefined;
    key += blocks;
  }
  // a case checked already is one whose blocks hold no pod address: its key, which writes out every
  // ipBlock of its rules, was given (below), and these blocks are those
  if (v.addressSides.has(key)) return key;
  let ranges: RangeBlock[] | undefined;
  for (let i = 0; i < ruleCount; i++) {
    const peers: readonly EmittedPeer[] = rules[i].peers;
    for (let k = 0; k < peers.length; k++) {
      const range = peers[k].ipBlock ? emittedRanges(peers[k].ipBlock!) : undefined;
      if (range) (ranges ??= []).push(range);
    }
  }
  return ranges && podAddressWorlds(v.podRanges, ranges).length > 0 ? undefined : key;
}

/** A clause end's address blocks as `addressCase` writes them ("" without any), once per end. */
function endBlocksText(v: Verification, end: EndpointSet): string {
  let text = v.endBlocksText.get(end);
  if (text === undefined) {
    text = "";
    const ips = end.ips;
    for (let k = 0; k < ips.length; k++)
      text += ` ${formatCidr(ips[k].cidr)}-${ips[k].except.map(formatCidr).join("-")}`;
    v.endBlocksText.set(end, text);
  }
  return text;
}

/** An emitted rule's ports and ipBlock peers as `addressCase` writes them ("" without ipBlocks; undefined without peers), once per rule. */
function ruleBlocksText(v: Verification, rule: EmittedRule): string | undefined {
  if (v.ruleBlocksText.has(rule)) return v.ruleBlocksText.get(rule);
  const peers: readonly EmittedPeer[] = rule.peers;
  let text: string | undefined;
  if (peers.length > 0) {
    let blocks = "";
    for (let k = 0; k < peers.length; k++) if (peers[k].ipBlock) blocks += ` ${JSON.stringify(peers[k])}`;
    text = blocks === "" ? "" : `\n${JSON.stringify(rule.ports ?? null)}${blocks}`;
  }
  v.ruleBlocksText.set(rule, text);
  return text;
}

/**
 * The clauses of a namespace's direction (`candidates`) by the namespaces their other ends reach, to
 * find those of a side that can hold a peer in a given namespace without asking each of them: a
 * clause whose other end reaches few namespaces is listed under each, one reaching many is asked
 * (by a bit) whenever a namespace is looked up. A side marks its own clauses (`mark`) by their place
 * among the candidates. (The egress of a sandbox namespace's pods under `deny ns(env=sandbox) -> X/*`
 * in every X has as many clauses as there are namespaces X, each reaching one.)
 */
class NearIndex {
  private readonly position = new Map<Clause, number>();
  private readonly byPlace = new Map<number, number[]>();
  private readonly wide: number[] = [];
  /** Per candidate, the selections of its other end. */
  private readonly others: (readonly Selection[])[] = [];
  /** Per candidate, its list on the current side (0 allows, 1 denies) and place there, as `place * 2 + list`; -1 when not on it. */
  private readonly marks: Int32Array;

  constructor(
    private readonly v: Verification,
    readonly candidates: readonly RuleClause[],
    direction: Direction,
  ) {
    this.marks = new Int32Array(candidates.length).fill(-1);
    for (let c = 0; c < candidates.length; c++) {
      const clause = candidates[c].clause;
      this.position.set(clause, c);
      const selections = v.selections(otherEnd(clause, direction));
      this.others.push(selections);
      if (selections.some((s) => s.reach.size > NEAR_REACH)) {
        this.wide.push(c);
        continue;
      }
      for (const s of selections) {
        for (const place of (s.places ??= v.namespaces.placesIn(s.reach))) {
          const list = this.byPlace.get(place);
          if (!list) this.byPlace.set(place, [c]);
          else if (list[list.length - 1] !== c) list.push(c);
        }
      }
    }
  }

  /** Marks a side's allowing and denying clauses (each of them a candidate), unmarking the last side's. */
  mark(allows: readonly { clause: Clause }[], denies: readonly { clause: Clause }[]): void {
    this.marks.fill(-1);
    for (let i = 0; i < allows.length; i++) this.marks[this.position.get(allows[i].clause)!] = i * 2;
    for (let i = 0; i < denies.length; i++) this.marks[this.position.get(denies[i].clause)!] = i * 2 + 1;
  }

  /**
   * The places on the marked side's list (0 allows, 1 denies) of its clauses whose other end has a
   * term reaching the namespace at `place`. The meaning holds a pod at an end only through a term
   * whose namespace conjunction holds the pod's namespace, and a term's reach is exactly the
   * namespaces its conjunction holds (`Namespaces.reachedBy`, on the labels the meaning reads too),
   * so the clauses left out are ones the meaning would not hold a pod of that namespace by.
   */
  clausesAt(place: number, list: 0 | 1): number[] {
    const result: number[] = [];
    const add = (c: number) => {
      const mark = this.marks[c];
      if (mark >= 0 && (mark & 1) === list) result.push(mark >> 1);
    };
    for (const c of this.byPlace.get(place) ?? []) add(c);
    for (const c of this.wide) if (this.reaches(c, place)) add(c);
    return result;
  }

  /** The marked side's selections (at other ends of its clauses) reaching the namespace at `place`, added to `into`. */
  selectionsAt(place: number, into: Selection[]): void {
    const add = (c: number) => {
      if (this.marks[c] < 0) return;
      for (const s of this.others[c]) if (hasBit(this.v.bitsOf(s), place)) into.push(s);
    };
    for (const c of this.byPlace.get(place) ?? []) add(c);
    for (const c of this.wide) add(c);
  }

  private reaches(c: number, place: number): boolean {
    for (const s of this.others[c]) if (hasBit(this.v.bitsOf(s), place)) return true;
    return false;
  }
}

const NO_UNIONS: readonly number[] = [];

/** Reaches of more namespaces than this are large in `peerNamespaces`: the namespaces they hold are not looked at one by one. */
const SMALL_REACH = 16;
/** At most this many large reaches a side (a bit each in a cell's mask); past them, reaches are taken one by one. */
const MAX_LARGE = 30;

/** Clauses whose other end reaches at most this many namespaces are listed under each in `NearIndex`. */
const NEAR_REACH = 8;

/**
 * The subjects of an owned namespace, as label ids in first-seen order: every selector that can
 * reach it, from the program and the output. Marks in `reaches` which ends of each candidate have a
 * term reaching the namespace (1: its sources, 2: its destinations).
 */
function subjectLabels(
  v: Verification,
  owned: OwnedNamespace,
  candidates: readonly RuleClause[],
  policies: readonly Json[],
  reaches: Uint8Array,
  /** Given each candidate's sources' and destinations' selections. */
  ends: (readonly Selection[])[],
): ReadonlySet<number> {
  // one selection per content (`podsId`), the first: the regions are the same without the copies (a
  // workload's conjunction is met again in every clause end and policy naming it), and so is the
  // order in which their ids are first met
  const taken = v.subjectsTaken.next();
  const selections = objectList<Selection>();
  const workloads = workloadsIn(v.model, owned.name);
  for (let i = 0; i < workloads.length; i++) {
    const facts = v.selectors.of(workloads[i].pods);
    if (taken.take(facts.podsId)) selections.push(new Selection(NOWHERE, workloads[i].pods, facts));
  }
  const near = (ends: readonly Selection[], mark: number): number => {
    let found = 0;
    for (let i = 0; i < ends.length; i++)
      if (ends[i].reach.has(owned.name)) {
        found = mark;
        if (taken.take(ends[i].podsId)) selections.push(ends[i]);
      }
    return found;
  };
  for (let i = 0; i < candidates.length; i++) {
    const sources = v.selections(candidates[i].clause.sources);
    const destinations = v.selections(candidates[i].clause.destinations);
    ends.push(sources);
    ends.push(destinations);
    reaches[i] = near(sources, 1) | near(destinations, 2);
  }
  for (let i = 0; i < policies.length; i++) {
    const facts = v.selectors.ofPodSelector(policies[i].spec?.podSelector);
    if (taken.take(facts.podsId)) selections.push(new Selection(NOWHERE, facts.conjunction, facts));
  }
  const ids = new Set<number>([v.selectors.none]);
  const regions = v.regionsIn(v.namespaces.place(owned.name), selections);
  for (let i = 0; i < regions.length; i++) ids.add(regions[i]);
  return ids;
}

/**
 * Clauses grouped by their own ends: the i-th clause's own end holds the same pods as every end of
 * its group `group[i]`; `pods[g]` are the pod conjunctions of the terms of the g-th group's first end
 * that hold the namespace (`podsInNamespace`), which hold the namespace's pods the end holds.
 */
interface EndGroups {
  group: number[];
  pods: Conjunction[][];
  /** Per subject and group (the i-th subject's row at `i * pods.length`), whether it holds it (`SubjectIndex.holding`). */
  held: Uint8Array;
}

/**
 * Groups clauses whose own ends have the same selections, term by term (the same reach and the same
 * representatives, which equal conjunctions share): such ends hold the same pods (an end's address
 * blocks never hold a pod).
 */
function ownEndGroups(
  v: Verification,
  owned: OwnedNamespace,
  candidates: readonly RuleClause[],
  /** The selections of each candidate's own end. */
  ownEnds: readonly (readonly Selection[])[],
  direction: Direction,
  /** How many subjects the groups' `held` has rows for. */
  subjectCount: number,
): EndGroups {
  const group: number[] = [];
  const pods: Conjunction[][] = [];
  /** Per group, its first end's selections. */
  const selectionsOf: (readonly Selection[])[] = [];
  const namespaceLabels = v.namespaceLabels(owned.name);
  // the groups by their first term's representatives, to compare with few of them
  const byFirst = new Map<number | undefined, number[]>();
  for (let c = 0; c < candidates.length; c++) {
    const end = ownEnd(candidates[c].clause, direction);
    const selections = ownEnds[c];
    const first = selections[0]?.podsId;
    let bucket = byFirst.get(first);
    if (!bucket) byFirst.set(first, (bucket = []));
    let g = -1;
    for (let b = 0; b < bucket.length && g < 0; b++)
      if (sameSelections(selectionsOf[bucket[b]], selections)) g = bucket[b];
    if (g < 0) {
      bucket.push((g = pods.length));
      selectionsOf.push(selections);
      pods.push(podsInNamespace(end, namespaceLabels));
    }
    group.push(g);
  }
  return { group, pods, held: new Uint8Array(pods.length * subjectCount) };
}

/** Whether two ends' selections are alike term by term (one end's, the same list, are). */
function sameSelections(a: readonly Selection[], b: readonly Selection[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].reach !== b[i].reach || a[i].podsId !== b[i].podsId) return false;
  return true;
}

/**
 * The clauses whose own end holds the i-th subject (a pod of the groups' namespace), their places
 * among `candidates` pushed on `places`: read from its row of the groups' `held`
 * (`SubjectIndex.holding`, one test per group of alike ends and subject carrying what it requires).
 */
function holdingClauses(
  subject: number,
  candidates: readonly RuleClause[],
  groups: EndGroups,
  places: NumberLists,
): RuleClause[] {
  const { group, held } = groups;
  const row = subject * groups.pods.length;
  const holding = objectList<RuleClause>();
  for (let i = 0; i < candidates.length; i++) {
    if (held[row + group[i]] === 0) continue;
    holding.push(candidates[i]);
    places.push(i);
  }
  return holding;
}

/**
 * A namespace's subjects by their labels: for each own label key and value, the places of the
 * subjects carrying it. `selectorMatches` refuses a label map lacking one of its selector's own
 * `matchLabels` (`===`), and `conjunctionMatches` one lacking a value of a constraint that asks for
 * some of a few values (absent not allowed): each is asked only of the subjects carrying the rarest
 * such label (of every subject where there is none), which are all it can hold. (A `Map` finds
 * values by SameValueZero, which `===` and `includes` imply.)
 */
export class SubjectIndex {
  private readonly byKey = new Map<string, Map<unknown, number[]>>();
  private readonly labels: Labels[] = [];
  private readonly all: number[] = [];

  constructor(subjects: readonly { pod: { labels: Labels } }[]) {
    for (let i = 0; i < subjects.length; i++) {
      const labels = subjects[i].pod.labels;
      this.labels.push(labels);
      this.all.push(i);
      // every own key (as `hasOwnProperty` finds them, enumerable or not)
      const keys = Object.getOwnPropertyNames(labels);
      for (let k = 0; k < keys.length; k++) {
        let values = this.byKey.get(keys[k]);
        if (!values) this.byKey.set(keys[k], (values = new Map()));
        const value: unknown = labels[keys[k]];
        const places = values.get(value);
        if (places) places.push(i);
        else values.set(value, [i]);
      }
    }
  }

  /** The places of the subjects whose own label `key` has `value` (by SameValueZero). */
  private carrying(key: string, value: unknown): readonly number[] {
    return this.byKey.get(key)?.get(value) ?? NO_PLACES;
  }

  /** Per subject, the places of the policies whose podSelector selects it (`selectorMatches`), ascending. */
  selecting(policies: readonly Json[]): number[][] {
    const selected: number[][] = [];
    for (let i = 0; i < this.labels.length; i++) selected.push([]);
    for (let p = 0; p < policies.length; p++) {
      const selector: Json | undefined = policies[p].spec?.podSelector;
      // the own keys `selectorMatches` requires, read as it reads them
      const matchLabels: Record<string, unknown> | undefined = selector?.matchLabels;
      let candidates: readonly number[] = this.all;
      for (const key in matchLabels) {
        if (!hasOwnKey(matchLabels, key)) continue;
        const carrying = this.carrying(key, matchLabels[key]);
        if (carrying.length < candidates.length) candidates = carrying;
      }
      for (let k = 0; k < candidates.length; k++)
        if (selectorMatches(selector, this.labels[candidates[k]])) selected[candidates[k]].push(p);
    }
    return selected;
  }

  /**
   * Marks in `held` (the i-th subject's row at `i * groups.length`) the groups some of whose
   * conjunctions hold the subject (`conjunctionMatches`).
   */
  holding(groups: readonly (readonly Conjunction[])[], held: Uint8Array): void {
    const width = groups.length;
    for (let g = 0; g < width; g++) {
      for (let t = 0; t < groups[g].length; t++) {
        const conjunction = groups[g][t];
        // the constraint asking for the fewest subjects' values (absent not allowed); none: every subject
        let best = -1;
        let fewest = this.all.length;
        for (let c = 0; c < conjunction.length; c++) {
          const constraint = conjunction[c][1];
          if (constraint.absentOk || constraint.values.kind !== "only") continue;
          const values = constraint.values.values;
          let count = 0;
          for (let k = 0; k < values.length; k++) count += this.carrying(conjunction[c][0], values[k]).length;
          if (count < fewest || best < 0) {
            best = c;
            fewest = count;
          }
        }
        if (best < 0) {
          this.hold(conjunction, this.all, held, width, g);
          continue;
        }
        const values = conjunction[best][1].values.values;
        for (let k = 0; k < values.length; k++)
          this.hold(conjunction, this.carrying(conjunction[best][0], values[k]), held, width, g);
      }
    }
  }

  private hold(conjunction: Conjunction, candidates: readonly number[], held: Uint8Array, width: number, g: number) {
    for (let k = 0; k < candidates.length; k++) {
      const at = candidates[k] * width + g;
      if (held[at] === 0 && conjunctionMatches(conjunction, this.labels[candidates[k]])) held[at] = 1;
    }
  }
}

const postureKeys = new WeakMap<PostureSetting, string>();

/** What tells postures apart: where they are stated, and what they say. */
function postureKey(posture: PostureSetting | undefined): string {
  if (!posture) return "-";
  let key = postureKeys.get(posture);
  if (key === undefined)
    postureKeys.set(posture, (key = JSON.stringify([posture.span.start.offset, posture.span.file, posture.posture])));
  return key;
}

/**
 * The classes of a list of a side's items (its allowing clauses, its denying ones, or its emitted
 * rules): items of one class decide every flow alike wherever they hold its peer (the same list, and
 * the same ports), so a peer's case is which classes hold it, not which items. `of[i]` is the i-th
 * item's class (numbered from 0 in this list), `reps` an item of each class, `cuts` each class's
 * port boundaries.
 */
interface ItemClasses<T> {
  of: number[];
  reps: T[];
  cuts: (readonly number[])[];
}

/** Numbers classes (global ids, `Verification.classId`) from 0 per list, without a map per list. */
class ClassTable {
  /** Per global class taken by the list at hand, its number there. */
  private readonly local: number[] = [];
  private readonly taken = new Marks();

  /** The classes of `items`, whose facts (global class, port boundaries) are `facts`. */
  of<T>(items: readonly T[], facts: readonly { class: number; cuts: readonly number[] }[]): ItemClasses<T> {
    const of: number[] = [];
    const reps: T[] = [];
    const cuts: (readonly number[])[] = [];
    const taken = this.taken.next();
    for (let i = 0; i < items.length; i++) {
      const global = facts[i].class;
      let c: number;
      if (!taken.take(global)) c = this.local[global];
      else {
        this.local[global] = c = reps.length;
        reps.push(items[i]);
        cuts.push(facts[i].cuts);
      }
      of.push(c);
    }
    return { of, reps, cuts };
  }
}

/**
 * Marks on small numbers (port codes, label ids, namespace places, classes), all dropped at once by
 * the next pass: deduplication without a set per pass. A mark is the pass that set it.
 */
export class Marks {
  private marks = new Uint32Array(64);
  private pass = 0;

  /** The last pass, after which the marks are dropped by zeroing them (tests: a small one). */
  constructor(private readonly last = 0xffffffff) {}

  /** Drops every mark. */
  next(): this {
    if (++this.pass > this.last) {
      this.marks.fill(0);
      this.pass = 1;
    }
    return this;
  }

  has(n: number): boolean {
    return n < this.marks.length && this.marks[n] === this.pass;
  }

  /** Marks a number: whether it was not marked yet. */
  take(n: number): boolean {
    if (n >= this.marks.length) {
      const bigger = new Uint32Array(Math.max(n + 1, this.marks.length * 2));
      bigger.set(this.marks);
      this.marks = bigger;
    } else if (this.marks[n] === this.pass) return false;
    this.marks[n] = this.pass;
    return true;
  }
}

/**
 * The symbolic proof of a side (see the header): keys of pod terms and emitted peers, canonical port
 * sets, and the comparison of a side's two maps from keys to ports. A key is a namespace
 * conjunction's id and a pod conjunction's (their facts' `podsId`, one per content, shared by an
 * emitted selector of that content), as one number; 0 where a term holds no pod, -1 where no key
 * is known.
 */
class Symbolic {
  /** Sides proven, sides enumerated (the proof did not apply), and of these, sides whose pods were proven. */
  proven = 0;
  enumerated = 0;
  podsProven = 0;
  private readonly portIds = new Map<string, number>();
  private readonly portSets: PortSet[] = [];
  /** The ids of rules' ports of one entry, by `oneRangeKey`. */
  private readonly oneRange = new Map<number, number>();
  private readonly ofPortSet = new WeakMap<PortSet, number>();
  private readonly unions = new Map<number, number>();
  private readonly rules = new Map<EmittedRule, RuleKeys | null>();
  private readonly cuts = new Map<string, Cuts>();
  private readonly byDenyEnd = new Map<readonly Selection[], Cuts | null>();
  /** By deny clause, its cuts on a side of each direction (`clauseCuts`). */
  private readonly ingressCuts = new Map<Clause, Cuts | null>();
  private readonly egressCuts = new Map<Clause, Cuts | null>();
  private readonly own = new Map<string, number>();
  /** Reused by every side: the rules of the isolating policies selecting its subject (`isolatingRulesInto`, from the start). */
  readonly rulesOfSide = objectList<EmittedRule>();
  /** How many of `rulesOfSide` are the last side's (`proveSide`). */
  ruleCount = 0;
  /** Reused by every side: its meaning's and its policies' key → ports. */
  private readonly meant = new KeyPorts();
  private readonly emitted = new KeyPorts();
  /** The ids of no port and of every port. */
  readonly none: number;
  readonly all: number;

  constructor(
    private readonly selectors: Selectors,
    /** The namespaces a policy can be in, with their labels (owned ones); undefined for others. */
    private readonly ownedLabels: (namespace: string) => Labels | undefined,
    /** The selections of a clause end's pod terms. */
    private readonly ends: (end: EndpointSet) => readonly Selection[],
    /** Whether a conjunction without facts gets some (tests), or has no key (verification: ids stay as they were). */
    private readonly make = false,
  ) {
    this.none = this.portsOf({ TCP: [], UDP: [], SCTP: [] });
    this.all = this.portsOf({ TCP: FULL, UDP: FULL, SCTP: FULL });
  }

  /** A conjunction's id (0: none known). */
  conjunctionId(c: Conjunction): number {
    return (this.make ? this.selectors.ofContent(c) : this.selectors.known(c))?.podsId ?? 0;
  }

  /**
   * The cuts of these deny terms (the deny terms of a side; see `endCuts`), one object per list of
   * them; undefined when some term is not of that form.
   */
  cutsOf(terms: readonly { namespaces: Conjunction; pods: Conjunction; id: number }[]): Cuts | undefined {
    return this.endCuts(terms) ?? undefined;
  }

  /**
   * The complements of the namespaces of these deny terms, each one key constraint (a deny holding
   * every pod of the namespaces it names, on every port: then its terms cut namespaces off every
   * allow of the side), with their ids as text; null when some term is not of that form.
   */
  private endCuts(terms: readonly { namespaces: Conjunction; pods: Conjunction; id: number }[]): Cuts | null {
    const conjunctions: Conjunction[] = [];
    let key = "";
    for (const t of terms) {
      if (t.pods.length !== 0 || t.namespaces.length !== 1) return null;
      const [name, c] = t.namespaces[0];
      // (absent, or one of those values: two constraints; a deny of every namespace: none)
      const complement = complementConstraint(c);
      if (complement.length !== 1) return null;
      conjunctions.push([[name, complement[0]]]);
      key += `${t.id},`;
    }
    return this.cutsFor(key, conjunctions);
  }

  /** The cuts of a deny's other end (its selections), worked out once per end. */
  private denyCuts(ends: readonly Selection[]): Cuts | null {
    let found = this.byDenyEnd.get(ends);
    if (found === undefined) {
      found = this.endCuts(
        ends.map((s) => ({ namespaces: s.term!.namespaces, pods: s.term!.pods, id: s.facts!.podsId })),
      );
      this.byDenyEnd.set(ends, found);
    }
    return found;
  }

  /**
   * A deny clause's cuts on a side of this direction (`proves`): its other end's (`denyCuts`) when it
   * holds on every port, null when it cannot be read as cuts, `NO_CUTS` when that end has no pod
   * terms; worked out once per clause and direction (a sandbox namespace's sides each meet every one
   * of its many denies).
   */
  private clauseCuts(clause: Clause, direction: Direction): Cuts | null {
    const memo = direction === "ingress" ? this.ingressCuts : this.egressCuts;
    let found = memo.get(clause);
    if (found === undefined) {
      const ends = this.ends(otherEnd(clause, direction));
      found = ends.length === 0 ? NO_CUTS : isAllPorts(clause.ports) ? this.denyCuts(ends) : null;
      memo.set(clause, found);
    }
    return found;
  }

  /** One object per list of cuts (by their ids), holding what it cut. */
  private cutsFor(key: string, conjunctions: Conjunction[]): Cuts {
    let found = this.cuts.get(key);
    if (!found)
      this.cuts.set(key, (found = { key, conjunctions, results: new Map(), then: undefined, all: undefined }));
    return found;
  }

  /** The cuts of both lists, `a`'s then `b`'s (the object of their joined ids: looked up from `a`, without their text). */
  private joinCuts(a: Cuts | undefined, b: Cuts): Cuts {
    if (!a) return b;
    const then = (a.then ??= new Map());
    let found = then.get(b);
    if (!found) then.set(b, (found = this.cutsFor(a.key + b.key, [...a.conjunctions, ...b.conjunctions])));
    return found;
  }

  /** A pod term's key, its namespaces cut by `cuts`; `namespaces` and `pods` are the ids of its conjunctions. */
  termKey(term: PodTerm, namespaces: number, pods: number, cuts: Cuts | undefined): number {
    if (cuts && cuts.conjunctions.length > 0) {
      let found = cuts.results.get(namespaces);
      if (found === undefined) {
        // the term's namespaces less every cut: cut by their intersection, made once per list (a
        // sandbox namespace's sides meet a list of a hundred cuts); a conjunction's form is its
        // content's (sorted keys, values sorted or in the order of the first `In`), so the same id
        if (cuts.all === undefined) {
          let all: Conjunction | undefined = cuts.conjunctions[0];
          for (let i = 1; i < cuts.conjunctions.length && all; i++)
            all = intersectConjunctions(all, cuts.conjunctions[i]);
          cuts.all = all ?? null;
        }
        const c = cuts.all && intersectConjunctions(term.namespaces, cuts.all);
        // cut to nothing: the term holds no pod the denies leave
        found = c ? this.conjunctionId(c) || -1 : 0;
        cuts.results.set(namespaces, found);
      }
      if (found <= 0) return found;
      namespaces = found;
    }
    return keyOf(namespaces, pods);
  }

  /**
   * The keys of an emitted rule's peers and its ports' id (worked out once per rule), or null when
   * they do not say exactly what netpol.ts matches: a rule without peers (every endpoint), an
   * ipBlock, a selector `selectorMatches` and `selectorConjunction` might read apart, a named port.
   */
  ruleKeys(rule: EmittedRule): RuleKeys | null {
    let found = this.rules.get(rule);
    if (found === undefined) {
      found = this.readRule(rule);
      this.rules.set(rule, found);
    }
    return found;
  }

  private readRule(rule: EmittedRule): RuleKeys | null {
    const peers: unknown = rule.peers;
    if (!Array.isArray(peers) || peers.length === 0) return null;
    const ports = this.rulePorts(rule.ports);
    if (ports < 0) return null;
    const keys: number[] = [];
    let blocks = false;
    for (let k = 0; k < peers.length; k++) {
      // an ipBlock holds addresses only (pod addresses in the worlds the enumeration makes)
      if ((peers[k] as EmittedPeer | null)?.ipBlock) {
        blocks = true;
        continue;
      }
      const key = this.peerKey(peers[k], rule.namespace);
      if (key <= 0) return null;
      keys.push(key);
    }
    return { keys, ports, blocks };
  }

  /** An emitted peer's key, or -1 (an ipBlock's too). */
  peerKey(peer: unknown, policyNamespace: string): number {
    if (typeof peer !== "object" || peer === null) return -1;
    const { namespaceSelector, podSelector, ipBlock } = peer as EmittedPeer;
    if (ipBlock) return -1;
    // the facts `partsOf` takes (`ofPodSelector`), of an exact selector only
    let pods: number;
    if (podSelector === undefined || podSelector === null) pods = this.selectors.of(everything).podsId;
    else if (exactSelector(podSelector)) pods = this.selectors.ofEmitted(podSelector).podsId;
    else return -1;
    let namespaces: number;
    if (namespaceSelector === undefined || namespaceSelector === null) namespaces = this.ownId(policyNamespace);
    else if (exactSelector(namespaceSelector)) namespaces = this.selectors.ofEmitted(namespaceSelector).podsId;
    else return -1;
    return namespaces > 0 && pods > 0 ? keyOf(namespaces, pods) : -1;
  }

  /**
   * The id of `kubernetes.io/metadata.name=NAMESPACE`, which holds exactly the policy's own
   * namespace: it is owned (its labels, the program's, carry its name) and no other namespace
   * carries an owned namespace's name (universe.ts; Kubernetes sets the label to the name).
   */
  private ownId(namespace: string): number {
    let found = this.own.get(namespace);
    if (found === undefined) {
      const labels = this.ownedLabels(namespace);
      const named = labels !== undefined && labels[NAMESPACE_NAME_LABEL] === namespace;
      found = named ? this.conjunctionId(labelsEqual(NAMESPACE_NAME_LABEL, namespace)) : 0;
      this.own.set(namespace, found);
    }
    return found;
  }

  /** A clause's ports' id, or -1 with a named port (its number is the destination pod's). */
  clausePorts(ports: PortSet): number {
    let found = this.ofPortSet.get(ports);
    if (found === undefined) {
      found = ports.named.length > 0 ? -1 : this.numericPorts(ports.numeric);
      this.ofPortSet.set(ports, found);
    }
    return found;
  }

  /** `portsOf` these ranges, looked up by their numbers where they are one range of one protocol (most clauses'), as `rulePorts` looks up a rule's one entry. */
  private numericPorts(numeric: Readonly<Record<Protocol, readonly PortRange[]>>): number {
    let one = -1;
    for (let p = 0; p < protocols.length; p++) {
      const ranges = numeric[protocols[p]];
      if (ranges.length === 0) continue;
      if (ranges.length > 1 || one >= 0) return this.portsOf(numeric);
      one = rangeKey(p, ranges[0].from, ranges[0].to);
      if (one < 0) return this.portsOf(numeric);
    }
    if (one < 0) return this.portsOf(numeric);
    let found = this.oneRange.get(one);
    if (found === undefined) this.oneRange.set(one, (found = this.portsOf(numeric)));
    return found;
  }

  /** An emitted rule's ports' id (`portMatches`: absent or empty, every port; TCP by default; endPort), or -1 for a named port or anything unusual. */
  rulePorts(ports: unknown): number {
    if (ports === undefined || ports === null) return this.all;
    if (!Array.isArray(ports)) return -1;
    if (ports.length === 0) return this.all;
    // most rules have one entry, one port or range of one protocol: its id looked up by its numbers, without their text
    const one = ports.length === 1 ? oneRangeKey(ports[0]) : -1;
    if (one >= 0) {
      let found = this.oneRange.get(one);
      if (found === undefined) this.oneRange.set(one, (found = this.readPorts(ports)));
      return found;
    }
    return this.readPorts(ports);
  }

  private readPorts(ports: unknown[]): number {
    const ranges: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
    for (const e of ports as Json[]) {
      if (typeof e !== "object" || e === null) return -1;
      const protocol = e.protocol ?? "TCP";
      if (!protocols.includes(protocol)) return -1;
      if (e.port === undefined) {
        ranges[protocol as Protocol].push({ from: MIN_PORT, to: MAX_PORT });
        continue;
      }
      if (!Number.isInteger(e.port) || (e.endPort !== undefined && !Number.isInteger(e.endPort))) return -1;
      ranges[protocol as Protocol].push({ from: e.port, to: e.endPort ?? e.port });
    }
    return this.portsOf(ranges);
  }

  /** The id of a set of port ranges per protocol: equal sets of ports, one id (ranges clamped to the ports a flow has, merged); -1 for a bound that is no integer. */
  private portsOf(numeric: Readonly<Record<Protocol, readonly PortRange[]>>): number {
    const merged: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
    let text = "";
    for (const protocol of protocols) {
      const kept: PortRange[] = [];
      for (const r of numeric[protocol]) {
        if (!Number.isInteger(r.from) || !Number.isInteger(r.to)) return -1;
        const from = Math.max(r.from, MIN_PORT);
        const to = Math.min(r.to, MAX_PORT);
        if (from <= to) kept.push({ from, to });
      }
      merged[protocol] = mergeRanges(kept);
      for (const r of merged[protocol]) text += `${r.from}-${r.to},`;
      text += ";";
    }
    let id = this.portIds.get(text);
    if (id === undefined) {
      this.portIds.set(text, (id = this.portSets.length));
      this.portSets.push({ numeric: merged, named: [] });
    }
    return id;
  }

  /** The ports of an id (tests). */
  portSet(id: number): PortSet {
    return this.portSets[id];
  }

  private union(a: number, b: number): number {
    if (a === b) return a;
    if (a >= KEY_BOUND || b >= KEY_BOUND) return this.portsOf(unionPorts(this.portSets[a], this.portSets[b]).numeric);
    const memo = a < b ? a * KEY_BOUND + b : b * KEY_BOUND + a;
    let found = this.unions.get(memo);
    if (found === undefined) {
      found = this.portsOf(unionPorts(this.portSets[a], this.portSets[b]).numeric);
      this.unions.set(memo, found);
    }
    return found;
  }

  private add(map: KeyPorts, key: number, ports: number): void {
    if (ports === this.none) return;
    const at = map.find(key);
    if (at < 0) map.push(key, ports);
    else map.setPorts(at, this.union(map.portsAt(at), ports));
  }

  /**
   * Whether a side is proven equal without enumerating its peers: the meaning
   * (`sideOf`: permitted = (posture allow ? everything : allows) minus denies) and the emitted
   * policies (`emittedSideOf`) admit the same flows (`Proof.Side`), or the same pods where address
   * blocks are left (`Proof.Pods`: its addresses are enumerated, and its pods too where an ipBlock
   * holds pod addresses). `Proof.None` is no verdict: the side is enumerated.
   */
  proves(
    posture: PostureSetting | undefined,
    isolated: boolean,
    direction: Direction,
    /** The clauses holding the subject at their own end (`sideOf`'s candidates): its allows and its denies. */
    clauses: readonly { rule: { action: "allow" | "deny" }; clause: Clause }[],
    /** The rules of the isolating policies selecting the subject (`emittedSideOf`'s): the first `ruleCount` of `rules`. */
    rules: readonly EmittedRule[],
    ruleCount = rules.length,
  ): Proof {
    // both admit every flow (the meaning of a pod without posture, or allowing without denies; policies not isolating it)
    if (!posture) return isolated ? Proof.None : Proof.Side;
    if (posture.posture === "allow") {
      if (isolated) return Proof.None;
      for (let i = 0; i < clauses.length; i++) if (clauses[i].rule.action === "deny") return Proof.None;
      return Proof.Side;
    }
    if (!isolated) return Proof.None;
    // permitted: the pods of some allow's term on its ports, less the namespaces the denies cut off;
    // a pod is held by terms and selectors only, an address by blocks only (`inEndpointSet`,
    // netpol.ts without pod addresses), so blocks leave the pods' maps as they are, and the side's
    // addresses to enumerate (denies of addresses alone remove nothing from allows without any)
    let addresses = false;
    let cuts: Cuts | undefined;
    // a deny's cuts: the complements of its other end's terms (none without pod terms), when it
    // holds on every port (kept per clause and direction: `clauseCuts`); an allow's ports, its other
    // end's terms and whether that end has blocks (looked up per side, not kept per clause: most
    // allow clauses hold one subject a direction)
    for (let i = 0; i < clauses.length; i++) {
      if (clauses[i].rule.action !== "deny") continue;
      const found = this.clauseCuts(clauses[i].clause, direction);
      if (found === null) return Proof.None;
      if (found !== NO_CUTS) cuts = this.joinCuts(cuts, found);
    }
    const meant = this.meant.clear();
    const emitted = this.emitted.clear();
    for (let i = 0; i < clauses.length; i++) {
      if (clauses[i].rule.action !== "allow") continue;
      const clause = clauses[i].clause;
      const ports = this.clausePorts(clause.ports);
      if (ports < 0) return Proof.None;
      const end = otherEnd(clause, direction);
      if (end.ips.length > 0) addresses = true;
      const ends = this.ends(end);
      for (let k = 0; k < ends.length; k++) {
        const s = ends[k];
        const key = this.termKey(s.term!, s.facts!.podsId, s.podsId, cuts);
        if (key < 0) return Proof.None;
        if (key > 0) this.add(meant, key, ports);
      }
    }
    for (let i = 0; i < ruleCount; i++) {
      const found = this.ruleKeys(rules[i]);
      if (!found) return Proof.None;
      if (found.blocks) addresses = true;
      const keys = found.keys;
      for (let k = 0; k < keys.length; k++) this.add(emitted, keys[k], found.ports);
    }
    // no key is twice in either: equal sizes and each of the meaning's keys with its ports among the policies' make them equal
    if (meant.size !== emitted.size) return Proof.None;
    for (let i = 0; i < meant.size; i++) {
      const at = emitted.find(meant.keyAt(i));
      if (at < 0 || emitted.portsAt(at) !== meant.portsAt(i)) return Proof.None;
    }
    return addresses ? Proof.Pods : Proof.Side;
  }
}

const FULL: readonly PortRange[] = [{ from: MIN_PORT, to: MAX_PORT }];

/**
 * A number telling apart the port entries of one protocol whose port and end (`endPort`, else the
 * port) are integers within the ports a flow has (`rulePorts` keeps the id of each; it reads one
 * ending before it starts as no port); -1 for any other entry.
 */
function oneRangeKey(entry: unknown): number {
  if (typeof entry !== "object" || entry === null) return -1;
  const { protocol, port, endPort } = entry as Json;
  const p = protocols.indexOf(protocol ?? "TCP");
  return p < 0 ? -1 : rangeKey(p, port, endPort === undefined ? port : endPort);
}

/**
 * The number of the ports from `from` to `to` of the protocol at `p` in `protocols` (`oneRangeKey`; a
 * clause's one range, `numericPorts`), when both are integers within the ports a flow has; else -1.
 */
function rangeKey(p: number, from: unknown, to: unknown): number {
  if (!Number.isInteger(from) || !Number.isInteger(to)) return -1;
  const start = from as number;
  const end = to as number;
  // (each bound a digit below MAX_PORT + 1: no two share a number)
  if (start < MIN_PORT || start > MAX_PORT || end < MIN_PORT || end > MAX_PORT) return -1;
  return (p * (MAX_PORT + 1) + start) * (MAX_PORT + 1) + end;
}

/** Ids below this make keys: a namespace conjunction's times it, plus a pod conjunction's (exact in a double). */
const KEY_BOUND = 2 ** 21;

const keyOf = (namespaces: number, pods: number): number =>
  namespaces < KEY_BOUND && pods < KEY_BOUND ? namespaces * KEY_BOUND + pods : -1;

/** Deny terms as cuts of namespaces: each one's complement (one key constraint); by a term's namespaces' id, what is left of them (`termKey`). */
interface Cuts {
  /** The ids of the deny terms, each followed by a comma. */
  key: string;
  conjunctions: Conjunction[];
  results: Map<number, number>;
  /** The conjunctions' intersection (null: they hold no namespace together), worked out once asked (`termKey`). */
  all: Conjunction | null | undefined;
  /** The cuts of this list followed by another (`joinCuts`). */
  then: Map<Cuts, Cuts> | undefined;
}

/** The cuts of a deny clause whose other end has no pod terms: none (`Symbolic.clauseCuts`; never joined). */
const NO_CUTS: Cuts = { key: "", conjunctions: [], results: new Map(), then: undefined, all: undefined };

/**
 * A side's map from key to ports (`Symbolic.proves`), reused by every side: most have a few keys, kept
 * in two arrays and searched in order (no map cleared and grown per side, no key boxed as a heap
 * number); past `KEY_PORTS_SCAN` keys they are also indexed.
 */
class KeyPorts {
  private readonly keys: number[] = [];
  private readonly ports: number[] = [];
  size = 0;
  private index: Map<number, number> | undefined = undefined;

  clear(): this {
    this.size = 0;
    this.index = undefined;
    return this;
  }

  /** A key's place, or -1. */
  find(key: number): number {
    if (this.index) return this.index.get(key) ?? -1;
    for (let i = 0; i < this.size; i++) if (this.keys[i] === key) return i;
    return -1;
  }

  keyAt(at: number): number {
    return this.keys[at];
  }

  portsAt(at: number): number {
    return this.ports[at];
  }

  setPorts(at: number, ports: number): void {
    this.ports[at] = ports;
  }

  /** Adds a key not yet here. */
  push(key: number, ports: number): void {
    const at = this.size++;
    this.keys[at] = key;
    this.ports[at] = ports;
    if (this.index) this.index.set(key, at);
    else if (this.size > KEY_PORTS_SCAN) {
      this.index = new Map();
      for (let i = 0; i < this.size; i++) this.index.set(this.keys[i], i);
    }
  }
}

/** Keys a side's `KeyPorts` searches in order before it indexes them. */
const KEY_PORTS_SCAN = 16;

/** An emitted rule's pod peers' keys, its ports' id, and whether it has ipBlocks. */
interface RuleKeys {
  keys: readonly number[];
  ports: number;
  blocks: boolean;
}

/** What `Symbolic.proves` shows of a side: nothing, its pods (its addresses left), or all of it. */
const enum Proof {
  None,
  Pods,
  Side,
}

const hasOwnKey = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * Whether an emitted label selector means what its conjunction (`selectorConjunction`) means, for
 * every label map: `matchLabels` of strings, `matchExpressions` an array of the four operators with
 * a key, In and NotIn with an array of strings (an operator `selectorMatches` does not know matches
 * nothing, and `selectorConjunction` would drop it; `values` of text would be read by `includes` as
 * a substring).
 */
function exactSelector(selector: object): boolean {
  // (a selector `netpol.ts` finds falsy is no selector: not read as one here)
  if (typeof selector !== "object" || selector === null || Array.isArray(selector)) return false;
  const { matchLabels, matchExpressions } = selector as Json;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (typeof matchLabels !== "object" || Array.isArray(matchLabels)) return false;
    for (const key in matchLabels)
      if (!hasOwnKey(matchLabels, key) || typeof matchLabels[key] !== "string") return false;
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return false;
    for (const e of matchExpressions as unknown[]) {
      if (typeof e !== "object" || e === null) return false;
      const { key, operator, values } = e as Json;
      if (typeof key !== "string") return false;
      if (operator === "In" || operator === "NotIn") {
        if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) return false;
      } else if (operator !== "Exists" && operator !== "DoesNotExist") return false;
    }
  }
  return true;
}

/** The ids `Selectors.intern` gives label maps in one verification (tests). */
export function labelIds(): (labels: Labels) => number {
  const selectors = new Selectors();
  return (labels) => selectors.intern(labels);
}

/**
 * The symbolic proof's keys and port sets, for its property test: a pod term's key (its namespaces
 * cut by deny terms holding every pod of theirs), an emitted peer's, their port sets' ids.
 */
export function symbolicKeys(ownedLabels: (namespace: string) => Labels | undefined) {
  const selectors = new Selectors();
  const symbolic = new Symbolic(selectors, ownedLabels, () => [], true);
  const id = (c: Conjunction) => symbolic.conjunctionId(c);
  return {
    /** The key of `term` less the pods of `denies` (0: none left; -1: no key). */
    term(term: PodTerm, denies: readonly PodTerm[] = []): number {
      const cuts = symbolic.cutsOf(denies.map((d) => ({ ...d, id: id(d.namespaces) })));
      if (!cuts) return -1;
      return symbolic.termKey(term, id(term.namespaces), id(term.pods), cuts);
    },
    /** The key of an emitted peer of a policy in `namespace` (-1: none). */
    peer: (peer: Json, namespace: string): number => symbolic.peerKey(peer, namespace),
    clausePorts: (ports: PortSet) => symbolic.clausePorts(ports),
    rulePorts: (ports: unknown) => symbolic.rulePorts(ports),
    portSet: (ports: number) => symbolic.portSet(ports),
  };
}

/**
 * Whether the symbolic proof settles a side (`Symbolic.proves`), counted: it asks of the candidates
 * (`sideOf`'s allows and denies, every one holding the subject) and of the rules of the isolating
 * policies among those selecting it (`emittedSideOf`'s), not for the matching of peers they prepare,
 * which only an enumerated side (`verifySide`) uses. (A function of its own, run for thousands of
 * sides: V8 optimizes it without the enumeration, and a function's size, with a `for of` loop's
 * handlers, is what its compiling costs.)
 */
function proveSide(
  symbolic: Symbolic,
  direction: Direction,
  posture: { posture?: PostureSetting },
  candidates: readonly RuleClause[],
  selecting: readonly Json[],
): Proof {
  const rules = symbolic.rulesOfSide;
  const count = isolatingRulesInto(selecting, direction, rules);
  symbolic.ruleCount = Math.max(count, 0);
  const proof = symbolic.proves(posture.posture, count >= 0, direction, candidates, rules, count);
  if (proof === Proof.Side) symbolic.proven++;
  else {
    if (proof === Proof.Pods) symbolic.podsProven++;
    symbolic.enumerated++;
  }
  return proof;
}

/** One side the proof left: the subject's meaning against the emitted policies, for every case of peer and port (indexed loops: see `proveSide`). */
function verifySide(
  v: Verification,
  owned: OwnedNamespace,
  self: { pod: PodInstance },
  direction: Direction,
  /** The subject's posture (`postureOf` in `owned`, which `verifyNamespace` looked up). */
  posture: { posture?: PostureSetting },
  /** The clauses of the direction whose own end holds the subject (`holdingClauses`). */
  candidates: readonly RuleClause[],
  /** The index of the clauses of the namespace's direction (`verifyNamespace`; made once asked). */
  nearIndex: () => NearIndex,
  /** The policies selecting the subject (`verifyNamespace`). */
  selecting: readonly Json[],
  /** Whether the proof showed the side's pods admitted alike (`Proof.Pods`). */
  podsProven: boolean,
): VerifyResult {
  const { model, namespaceLabels } = v;
  const subject = self.pod;
  // the candidates are the clauses holding the subject, the index its selecting policies (`verifyNamespace`)
  const meaning = sideOf(model, subject, direction, namespaceLabels, candidates, posture, true);
  const index: PolicyIndex = { byNamespace: new Map([[subject.namespace, selecting as Json[]]]) };
  const plain = emittedSideOf(index, subject, direction, namespaceLabels, undefined, true);
  const { allows, denies } = meaning;
  const rules = plain.rules;
  // what is worked out once per clause and rule, looked up once a side
  const allowFacts: ClauseFacts[] = [];
  const denyFacts: ClauseFacts[] = [];
  for (let i = 0; i < allows.length; i++) allowFacts.push(v.clauseFacts(allows[i].clause));
  for (let i = 0; i < denies.length; i++) denyFacts.push(v.clauseFacts(denies[i].clause));
  const parts: RuleParts[] = [];
  let ranges: RangeBlock[] | undefined;
  let blocks: Json[] | undefined;
  for (let i = 0; i < rules.length; i++) {
    const found = v.partsOf(rules[i]);
    parts.push(found);
    for (let k = 0; k < found.ranges.length; k++) (ranges ??= []).push(found.ranges[k]);
    for (let k = 0; k < found.blocks.length; k++) (blocks ??= []).push(found.blocks[k]);
  }
  // a CNI matching ipBlocks against pod addresses changes something only where an ipBlock holds pod addresses:
  // the pods are then checked at an address of each interval the blocks cut the pod ranges into
  const worlds = ranges ? podAddressWorlds(v.podRanges, ranges) : [];
  const emitted = [plain];
  for (let i = 0; i < worlds.length; i++) {
    const addresses = worlds[i];
    emitted.push(emittedSideOf(index, subject, direction, namespaceLabels, () => addresses, true));
  }
  const other = direction === "ingress" ? "sources" : "destinations";
  const classes = {
    allows: v.classTable.of(allows, allowFacts),
    denies: v.classTable.of(denies, denyFacts),
    rules: v.classTable.of(rules, parts),
  };
  const items: { key: number; selections: readonly Selection[] }[] = [];
  for (let i = 0; i < allows.length; i++)
    items.push({ key: classes.allows.of[i] * 3, selections: allowFacts[i][other] });
  for (let i = 0; i < denies.length; i++)
    items.push({ key: classes.denies.of[i] * 3 + 1, selections: denyFacts[i][other] });
  for (let i = 0; i < rules.length; i++) items.push({ key: classes.rules.of[i] * 3 + 2, selections: parts[i].pods });
  // the address blocks of the clauses' other ends
  let ips: IpBlock[] | undefined;
  for (let i = 0; i < allows.length + denies.length; i++) {
    const end = otherEnd((i < allows.length ? allows[i] : denies[i - allows.length]).clause, direction);
    for (let k = 0; k < end.ips.length; k++) (ips ??= []).push(end.ips[k]);
  }
  // pods proven alike, and no ipBlock holding pod addresses: only addresses are left to enumerate
  const near = podsProven && worlds.length === 0 ? undefined : nearIndex();
  near?.mark(allows, denies);
  const peers = !near
    ? []
    : v.podPeers(v.peerNamespaces(owned, items), (place) => {
        const here: Selection[] = [];
        near.selectionsAt(place, here);
        for (let i = 0; i < parts.length; i++) {
          const pods = parts[i].pods;
          for (let k = 0; k < pods.length; k++) if (hasBit(v.bitsOf(pods[k]), place)) here.push(pods[k]);
        }
        return here;
      });
  const addresses = v.addressesOf(ips ?? NO_BLOCKS, blocks ?? NO_JSON);
  for (let i = 0; i < addresses.length; i++) peers.push(addresses[i]);

  // the meaning holds an address at an end only by its address blocks (`inEndpointSet`): clauses
  // whose other end has none are not asked about addresses
  const addressAllows = withBlocks(allows, direction);
  const addressDenies = withBlocks(denies, direction);
  const nearRules = new RulesNear(v, rules, parts);
  let checks = 0;
  const cases = v.cases.clear();
  // the clauses near the namespace of the pods at hand (`podPeers` gives each namespace's together)
  let nearNamespace: string | undefined;
  let allowsAt: readonly number[] = NO_PLACES;
  let deniesAt: readonly number[] = NO_PLACES;
  let rulesAt: readonly number[] = NO_PLACES;
  let worldRulesAt: readonly number[] = NO_PLACES;
  // one flow object, its peer and port changed in place (these loops are the hot ones: indexed, allocating nothing per port)
  const flow: ConcreteFlow = { src: self, dst: self, protocol: "TCP", port: 1 };
  const codes: number[] = [];
  const observed: { peer: Endpoint; ports: readonly Port[] }[] = [];
  const portsOfCase = new Map<string, readonly Port[]>();
  for (let p = 0; p < peers.length; p++) {
    const peer = peers[p];
    // the case of the peer: being an address or a pod, and per list of items the classes holding it
    const signature = cases.startPeer("ip" in peer);
    if ("pod" in peer) {
      if (peer.pod.namespace !== nearNamespace) {
        nearNamespace = peer.pod.namespace;
        const place = v.namespaces.place(nearNamespace);
        // (pods are peers only where the index was made)
        allowsAt = near!.clausesAt(place, 0);
        deniesAt = near!.clausesAt(place, 1);
        rulesAt = nearRules.at(place, false);
        if (worlds.length > 0) worldRulesAt = nearRules.at(place, true);
      }
      signature.list(allows, meaning.holds, peer, classes.allows, allowsAt);
      signature.list(denies, meaning.holds, peer, classes.denies, deniesAt);
      for (let i = 0; i < emitted.length; i++)
        signature.list(emitted[i].rules, emitted[i].holds, peer, classes.rules, i === 0 ? rulesAt : worldRulesAt);
    } else {
      signature.list(allows, meaning.holds, peer, classes.allows, addressAllows);
      signature.list(denies, meaning.holds, peer, classes.denies, addressDenies);
      for (let i = 0; i < emitted.length; i++)
        signature.list(emitted[i].rules, emitted[i].holds, peer, classes.rules, nearRules.addressed);
    }
    // peers with the same case are one (pods all carry the same ports)
    const key = v.observe ? cases.key() : "";
    if (!cases.isNew()) {
      if (v.observe) observed.push({ peer, ports: portsOfCase.get(key)! });
      continue;
    }
    codes.length = 0;
    const matched = {
      allows: signature.picked(classes.allows, 0, codes),
      denies: signature.picked(classes.denies, 1, codes),
    };
    const admittedRules = objectList<EmittedRule[]>();
    for (let i = 0; i < emitted.length; i++) admittedRules.push(signature.picked(classes.rules, 2 + i, codes));
    // the verdicts of this case change only where the ports of what holds the peer do
    const ports = v.portsWith(codes);
    if (v.observe) {
      portsOfCase.set(key, ports);
      observed.push({ peer, ports });
    }
    if (direction === "ingress") flow.src = peer;
    else flow.dst = peer;
    for (let k = 0; k < ports.length; k++) {
      flow.protocol = ports[k].protocol;
      flow.port = ports[k].port;
      const meant = meaning.permits(matched, flow);
      checks++;
      // exact whether or not the CNI matches ipBlocks against pod addresses
      for (let i = 0; i < emitted.length; i++) {
        const admitted = !emitted[i].isolated || admits(admittedRules[i], flow);
        // observed, every side is checked to the end
        if (admitted !== meant && !v.observe)
          return {
            counterexample: counterexample(
              model,
              owned,
              flow,
              direction,
              meant,
              admitted,
              emitted[i].rulesFor(peer),
              i > 0 ? worlds[i - 1] : undefined,
              namespaceLabels,
            ),
            checks,
          };
      }
    }
  }
  v.observe?.({ subject, direction, peers: observed, namespaceLabels });
  return { checks };
}

const NO_PLACES: readonly number[] = [];

/**
 * The emitted rules of a side that can hold a peer, by where it is. netpol.ts's `holds`: a rule
 * without peers holds every endpoint; an ipBlock peer holds an address in it, and a pod only by the
 * pod's addresses (in an address world, none in the plain one); any other peer holds only pods, of
 * the namespaces its namespaceSelector matches (its policy's own without one), which are exactly its
 * selection's reach (`Namespaces.reachedBySelector`, on the namespaces' labels `selectorMatches` is
 * given too). So a rule left out at a namespace holds no pod of it, one left out for addresses none.
 */
class RulesNear {
  /** The rules that can hold an address: those without peers or with an ipBlock peer, ascending. */
  readonly addressed: number[] = [];

  constructor(
    private readonly v: Verification,
    private readonly rules: readonly EmittedRule[],
    private readonly parts: readonly RuleParts[],
  ) {
    for (let i = 0; i < rules.length; i++)
      if (rules[i].peers.length === 0 || parts[i].blocks.length > 0) this.addressed.push(i);
  }

  /** The places, ascending, of the rules that can hold a pod of the namespace at `place` (in an address world: by its addresses too). */
  at(place: number, world: boolean): readonly number[] {
    const { rules, parts, v } = this;
    const result: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (rules[i].peers.length === 0 || (world && parts[i].blocks.length > 0)) {
        result.push(i);
        continue;
      }
      const pods = parts[i].pods;
      for (let k = 0; k < pods.length; k++)
        if (hasBit(v.bitsOf(pods[k]), place)) {
          result.push(i);
          break;
        }
    }
    return result;
  }
}

const NO_BLOCKS: readonly IpBlock[] = [];
const NO_JSON: readonly Json[] = [];

/** The places of the clauses whose other end has address blocks. */
function withBlocks(clauses: readonly { clause: Clause }[], direction: Direction): readonly number[] {
  let places: number[] | undefined;
  for (let i = 0; i < clauses.length; i++)
    if (otherEnd(clauses[i].clause, direction).ips.length > 0) (places ??= []).push(i);
  return places ?? NO_PLACES;
}

/**
 * A hash of `length` numbers of `numbers` from `from`, mixed so that lists of small numbers differing
 * in one place fall in different slots (`h * 31 + n` put such lists, the kinds of namespaces and the
 * lists of port codes, in runs of neighbouring slots: at realistic N = 20,000 it compared 1.64 million
 * kept lists in 1.33 million lookups of those two, mixed 1.26 million).
 */
function listHash(numbers: Int32Array, from: number, length: number): number {
  let hash = Math.imul(length, 0x9e3779b1);
  for (let i = from; i < from + length; i++) {
    hash = Math.imul(hash ^ numbers[i], 0x85ebca6b);
    hash ^= hash >>> 15;
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0xc2b2ae35);
  return hash ^ (hash >>> 13);
}

/**
 * Lists of numbers kept by a hash and compared exactly: each is written into one reused buffer, then
 * kept if new. Reused (`start` after `clear`) by every side: the kept lists are numbers in one
 * growing store, found through an open-addressing table of their places there, so that a side keeps
 * its cases without allocating (typed arrays made per side were a good part of verification's time).
 */
export class NumberLists {
  /** Kept lists compared with the one written, since made (tests: a weak hash makes many). */
  probes = 0;
  protected buffer = new Int32Array(64);
  protected length = 0;
  /**
   * The kept lists, each as its length, its number (`numberOf`), then its numbers. (This and `table`
   * start small: both grow within the first lists, so that V8 has seen the growing when it optimizes
   * `numberOf`; first met later, in optimized code, it deoptimized it, and compiled it again.)
   */
  private store = new Int32Array(64);
  private stored = 0;
  /** Per slot, the place in `store` of a kept list plus one (0: empty); a power of two long. */
  private table = new Int32Array(8);
  private kept = 0;

  /** Forgets every kept list. */
  clear(): this {
    if (this.kept > 0) this.table.fill(0);
    this.kept = 0;
    this.stored = 0;
    return this;
  }

  /** Starts writing a list. */
  start(): this {
    this.length = 0;
    return this;
  }

  push(n: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Int32Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = n;
  }

  /** Whether the list written is a new one (then kept). */
  isNew(): boolean {
    const before = this.kept;
    return this.numberOf() === before;
  }

  /** The number of the list written among those kept since `clear`, in the order they were first written (kept if new). */
  numberOf(): number {
    const { buffer, length, store } = this;
    const mask = this.table.length - 1;
    let slot = listHash(buffer, 0, length) & mask;
    for (let at = this.table[slot]; at !== 0; at = this.table[(slot = (slot + 1) & mask)]) {
      this.probes++;
      // a kept list: its length, its number, then its numbers
      if (store[at - 1] !== length) continue;
      let same = true;
      for (let i = 0; i < length && same; i++) same = store[at + 1 + i] === buffer[i];
      if (same) return store[at];
    }
    if (this.stored + length + 2 > store.length) {
      const bigger = new Int32Array(Math.max(store.length * 2, this.stored + length + 2));
      bigger.set(store.subarray(0, this.stored));
      this.store = bigger;
    }
    const into = this.store;
    const number = this.kept;
    into[this.stored] = length;
    into[this.stored + 1] = number;
    for (let i = 0; i < length; i++) into[this.stored + 2 + i] = buffer[i];
    this.table[slot] = this.stored + 1;
    this.stored += length + 2;
    if (++this.kept * 2 > this.table.length) this.rehash();
    return number;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    const { store } = this;
    for (let at = 0; at < this.stored; at += store[at] + 2) {
      let slot = listHash(store, at + 2, store[at]) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = at + 1;
    }
    this.table = table;
  }
}

/**
 * The cases of a side. A peer's case is written as a signature of numbers into one reused buffer
 * (whether it is an address, then per list of items: how many classes of them hold it, and which,
 * ascending), so that a peer whose case is known already allocates nothing. New cases are kept by a
 * hash of their signature and compared exactly.
 */
class Cases extends NumberLists {
  /** Where each list's part starts in the signature (as many lists as the side has, two more than its address worlds). */
  private readonly starts: number[] = [];
  private lists = 0;
  /** The classes the list part at hand took. */
  private readonly taken = new Marks();

  /** Starts the signature of a peer. */
  startPeer(ip: boolean): this {
    this.start();
    this.lists = 0;
    this.push(ip ? 1 : 0);
    return this;
  }

  /** Adds a list's part: the classes of the items holding the peer (of those at `places`, ascending, when given: the others do not). */
  list<T>(
    items: readonly T[],
    holds: (item: T, peer: Endpoint) => boolean,
    peer: Endpoint,
    classes: ItemClasses<T>,
    places?: readonly number[],
  ): void {
    const count = this.length;
    this.starts[this.lists++] = count;
    this.push(0);
    const taken = this.taken.next();
    const of = classes.of;
    if (places) {
      for (let k = 0; k < places.length; k++) {
        const i = places[k];
        if (!taken.has(of[i]) && holds(items[i], peer)) this.take(of[i]);
      }
    } else {
      for (let i = 0; i < items.length; i++) if (!taken.has(of[i]) && holds(items[i], peer)) this.take(of[i]);
    }
    this.buffer[count] = this.length - count - 1;
  }

  /** An item of each class of the k-th list that the signature holds; their port boundaries added to `codes`. */
  picked<T>(classes: ItemClasses<T>, k: number, codes: number[]): T[] {
    const at = this.starts[k];
    const result: T[] = [];
    for (let i = 0; i < this.buffer[at]; i++) {
      const c = this.buffer[at + 1 + i];
      result.push(classes.reps[c]);
      for (const code of classes.cuts[c]) codes.push(code);
    }
    return result;
  }

  /** The signature written, as text (tests). */
  key(): string {
    return this.buffer.subarray(0, this.length).join(",");
  }

  /** Adds a class to the current list part, kept ascending (a part holds a few). */
  private take(c: number): void {
    this.taken.take(c);
    this.push(c);
    const first = this.starts[this.lists - 1] + 1;
    let at = this.length - 1;
    for (; at > first && this.buffer[at - 1] > c; at--) this.buffer[at] = this.buffer[at - 1];
    this.buffer[at] = c;
  }
}

/** The flow on which the emitted policies disagree with the program, described. */
function counterexample(
  model: Model,
  owned: OwnedNamespace,
  flow: ConcreteFlow,
  direction: Direction,
  meant: boolean,
  admitted: boolean,
  admittedRules: readonly EmittedRule[],
  podAddresses: readonly Address[] | undefined,
  namespaceLabels: (n: string) => Labels,
): Counterexample {
  const policies = admittedBy(admittedRules, flow);
  const verdict = evaluateSide(model, flow, direction, namespaceLabels);
  const span = (meant ? verdict.allows[0] : verdict.denies[0]) ?? verdict.posture?.span ?? owned.span;
  const description = `${describeEndpoint(flow.src)} -> ${describeEndpoint(flow.dst)} on ${flow.protocol.toLowerCase()}/${flow.port}: on the ${direction} side the program ${
    meant ? "permits" : "forbids"
  } it, the emitted policies ${admitted ? `admit it${policies.length > 0 ? ` (${policies.join(", ")})` : " (no policy isolates the pod)"}` : "drop it"}${podAddresses ? ` when the CNI matches ipBlocks against pod addresses (the pods at ${podAddresses.map((a) => formatAddress(a.family, a.value)).join(" and ")})` : ""}`;
  return { flow: { ...flow }, direction, meant, emitted: admitted, span, description };
}
