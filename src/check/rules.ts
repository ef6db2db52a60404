/**
 * Postures and network rules: `default deny|allow [ingress|egress] [for WORKLOAD]` on the owned
 * namespaces and workloads; `allow`/`deny` rules and `assert` statements resolved into clauses of
 * endpoint sets and ports (names through the binder, groups expanded to their members, ports
 * checked against each destination's declared ones), with the namespace near misses of their peers.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { closest, closestWithin, didYouMean, meant } from "../diagnostics/suggest.js";
import { names as m } from "../diagnostics/messages/names.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import type * as ast from "../syntax/ast.js";
import {
  cidrContains,
  cidrEquals,
  everywhere,
  formatCidr,
  subtractFromBlock,
  type Cidr,
  type IpBlock,
} from "../semantics/ip.js";
import {
  MAX_SELECTORS,
  boundedComplement,
  everything,
  intersectConjunctions,
  labelsEqual,
  type Conjunction,
} from "../semantics/labels.js";
import {
  NAMESPACE_NAME_LABEL,
  hasAutomaticNameLabel,
  type Assertion,
  type Clause,
  type Direction,
  type EndpointSet,
  type Model,
  type NetworkRule,
  type PostureSetting,
  type Workload,
} from "../semantics/model.js";
import {
  allPorts,
  portSet,
  portsKey,
  singlePortSet,
  type PortRange,
  type PortSet,
  type Protocol,
} from "../semantics/ports.js";
import { termKey } from "../semantics/endpoints.js";
import type { Declaration, Scoped } from "./binder.js";
import type { CheckedFile, CheckedRule, RuleReads } from "./reuse.js";
import { compareSpans, type CheckContext } from "./context.js";
import * as valid from "./values.js";
import { isStandardModule } from "../stdlib/standard.js";
import { groupBy } from "../arrays.js";

/** Groups naming groups: at most this deep (resolving them recurses; as deep as parentheses may nest). */
export const MAX_GROUP_DEPTH = 64;

interface GroupInfo {
  node: ast.GroupDeclaration;
  namespace?: string;
  resolved?: DestinationPart[] | "resolving";
}

/** One destination of a rule, resolved: its endpoints, the workload (for port names) and default ports. */
interface DestinationPart {
  set: EndpointSet;
  workload?: Workload;
  defaultPorts?: PortSet;
  span: Span;
}

export class Rules {
  /** The groups being resolved or resolved, by their declaration. */
  private readonly groups = new Map<Declaration, GroupInfo>();
  private readonly workloadSets: Map<Workload, EndpointSet> | WeakMap<Workload, EndpointSet>;
  private readonly nameSelectors: Map<string, Conjunction>;
  /** The postures workloads state, by workload (the models are shared with other versions: never changed). */
  private readonly workloadPostures = new Map<Workload, Partial<Record<Direction, PostureSetting>>>();
  /** How many groups are being resolved, one inside another (bounded: resolution recurses). */
  private groupDepth = 0;
  /** The namespaces that rules name (`ns X`, `X/*`), in the order of the rules, for near misses. */
  private readonly namespaceUses: ast.Word[] = [];
  private readonly warnedNameLabel = new Set<string>();

  constructor(private readonly ctx: CheckContext) {
    this.workloadSets = ctx.options.reuse?.workloadSets ?? new Map();
    this.nameSelectors = ctx.options.reuse?.nameSelectors ?? new Map();
  }

  // -------------------------------------------------------------------------------------------
  // Postures: `default deny|allow [ingress|egress] [for WORKLOAD]`

  bindPostures(): void {
    const byName = new Map(this.ctx.namespaces.map((n) => [n.name, n]));
    const ordered = [...this.ctx.binding.statements.postures].sort((a, b) => compareSpans(a.node.span, b.node.span));
    for (const { node, namespace } of ordered) {
      const owned = byName.get(namespace!);
      if (!owned) continue; // its namespace block had an invalid name, already reported
      let target: { postures: Partial<Record<Direction, PostureSetting>> } = owned;
      let what = `namespace \`${owned.name}\``;
      if (node.workload) {
        const name = node.workload.name.text;
        const [declaration] = this.ctx.binding.referenceOf(node.workload)!.declarations;
        const workload = declaration && this.ctx.workloads.get(declaration.key);
        if (!workload) {
          const candidates = [...this.ctx.workloads.values()]
            .filter((w) => w.namespace === owned.name)
            .map((w) => w.name);
          this.ctx.d.report(
            m.unknownPostureWorkload,
            node.workload.span,
            [name, owned.name],
            didYouMean(name, candidates),
          );
          continue;
        }
        let postures = this.workloadPostures.get(workload);
        if (!postures) this.workloadPostures.set(workload, (postures = {}));
        target = { postures };
        what = `workload \`${workload.namespace}/${workload.name}\``;
      }
      for (const direction of node.direction ? [node.direction] : (["ingress", "egress"] as const)) {
        const existing = target.postures[direction];
        if (existing) {
          this.ctx.d.report(m.conflictingPosture, node.span, [what, direction], {
            related: [{ span: existing.span, message: "the other posture is here" }],
          });
          continue;
        }
        target.postures[direction] = { posture: node.posture, span: node.span };
      }
    }
  }

  /** A workload's model with the postures it states. */
  withPostures(workload: Workload): Workload {
    const postures = this.workloadPostures.get(workload);
    return postures ? { ...workload, postures } : workload;
  }

  /** Two workloads that may share pods must not state different postures: which one would apply? */
  checkOverlappingPostures(model: Model): void {
    for (const direction of ["ingress", "egress"] as const) {
      // workloads are sorted by namespace: pairs are looked for within each namespace's run
      const stating = model.workloads.filter((w) => w.postures[direction]);
      for (let i = 0; i < stating.length; i++) {
        for (let j = i + 1; j < stating.length && stating[j].namespace === stating[i].namespace; j++) {
          const a = stating[i];
          const b = stating[j];
          if (a.postures[direction]!.posture === b.postures[direction]!.posture) continue;
          if (conjunctionOfBoth(a.pods, b.pods)) {
            this.ctx.d.report(m.overlappingPostures, b.postures[direction]!.span, [a.name, b.name, direction], {
              related: [{ span: a.postures[direction]!.span, message: `the posture of \`${a.name}\`` }],
              help: "make their selectors exclusive (e.g. different `app` values), or give them the same posture",
            });
          }
        }
      }
    }
  }

  /**
   * The rest of a namespace (its pods in no workload that states its own posture in a direction) is
   * the complement of those workloads' selectors; when writing it takes more than MAX_SELECTORS
   * label selectors, an error at the namespace's posture. Whether every region can be written.
   */
  checkRestRegions(model: Model): boolean {
    let ok = true;
    // the workloads stating a posture, by namespace (not a scan of every workload per namespace)
    const stating = groupBy(
      model.workloads.filter((w) => w.postures.ingress || w.postures.egress),
      (w) => w.namespace,
    );
    for (const namespace of model.namespaces) {
      for (const direction of ["ingress", "egress"] as const) {
        const posture = namespace.postures[direction];
        if (!posture) continue;
        const own = (stating.get(namespace.name) ?? []).filter((w) => w.postures[direction]).map((w) => w.pods);
        if (own.length === 0 || boundedComplement(own, MAX_SELECTORS)) continue;
        ok = false;
        this.ctx.d.report(m.restTooCostly, posture.span, [namespace.name, direction, MAX_SELECTORS], {
          help: "give those workloads a label key in common (e.g. `app`), so that the other pods are one selector (`app notin (...)`)",
        });
      }
    }
    return ok;
  }

  // -------------------------------------------------------------------------------------------
  // Rules and assertions

  checkRule(scoped: Scoped<ast.NetworkRule>): NetworkRule[] {
    const rule = this.ruleOf(scoped.node, scoped.namespace);
    return rule ? [rule] : [];
  }

  /** `checkRule`'s rule (it makes one or none). */
  private ruleOf(node: ast.NetworkRule, namespace: string | undefined): NetworkRule | undefined {
    if (node.extraPortLists.length > 0) {
      this.reportPortsPerDestination(node);
      return undefined;
    }
    const errorsBefore = this.errorCount();
    const sources = this.endpointSet(node.sources, namespace);
    // (one destination naming a workload, most rules': its part without a list)
    const one = node.destinations.length === 1 ? this.workloadPart(node.destinations[0], namespace) : undefined;
    const parts =
      one !== undefined
        ? undefined
        : node.destinations.length === 1
          ? this.destinationParts(node.destinations[0], namespace)
          : node.destinations.flatMap((p) => this.destinationParts(p, namespace));
    if (parts === undefined || parts.length === 1) {
      // one destination (most rules): one clause, nothing to group or order
      const part = one ?? parts![0];
      const ports = node.ports.length > 0 ? this.rulePorts(node.ports, part) : (part.defaultPorts ?? allPorts);
      if (this.errorCount() > errorsBefore) return undefined;
      const clauses = ports ? [{ sources, destinations: part.set, ports }] : [];
      return { action: node.action, clauses, span: node.span };
    }
    // the destinations by their ports: one clause per port set
    const byPorts = new Map<string, { ports: PortSet; sets: EndpointSet[] }>();
    for (const part of parts) {
      const ports = node.ports.length > 0 ? this.rulePorts(node.ports, part) : (part.defaultPorts ?? allPorts);
      if (!ports) continue;
      const key = portsKey(ports);
      const same = byPorts.get(key);
      if (same) same.sets.push(part.set);
      else byPorts.set(key, { ports, sets: [part.set] });
    }
    if (this.errorCount() > errorsBefore) return undefined;
    // in one order whatever the order of the destinations written, as the sets are (`unionOf`)
    const clauses = sortedBy([...byPorts], ([key]) => key).map(([, { ports, sets }]): Clause => ({
      sources,
      destinations: unionOf(sets),
      ports,
    }));
    return { action: node.action, clauses, span: node.span };
  }

  /**
   * The rules of the rule statements of each file (`Binding.ruleFiles`), in order: a file's check
   * of an earlier version while nothing a rule's check reads changed since (`CheckReuse`), its
   * diagnostics and the namespaces its rules name coming again in their place, and its statements
   * naming groups checked again among them (as `checkRuleStatement` does); else each statement's.
   */
  checkRuleFiles(files: readonly (readonly Scoped<ast.NetworkRule>[])[]): NetworkRule[] {
    const reuse = this.ctx.options.reuse;
    const rules: NetworkRule[] = [];
    if (!reuse) {
      // a one-shot check keeps nothing for later versions: each statement's rule, in order
      for (let f = 0; f < files.length; f++) {
        const statements = files[f];
        for (let i = 0; i < statements.length; i++) {
          const rule = this.ruleOf(statements[i].node, statements[i].namespace);
          if (rule) rules.push(rule);
        }
      }
      return rules;
    }
    for (const statements of files) {
      const known = reuse.reusableFile(statements);
      if (known) {
        for (const part of known)
          if ("again" in part) for (const rule of this.checkRuleStatement(part.again).rules) rules.push(rule);
          else {
            this.replayed(part);
            for (const rule of part.rules) rules.push(rule);
          }
        continue;
      }
      // the file's check in parts: each run of statements whose checks are kept, and each other statement
      const parts: CheckedFile = [];
      const mark = () => ({
        diagnostics: this.ctx.d.items.length,
        uses: this.namespaceUses.length,
        rules: rules.length,
      });
      let from = mark();
      const endRun = (to: ReturnType<typeof mark>) => {
        if (to.rules > from.rules || to.diagnostics > from.diagnostics || to.uses > from.uses)
          parts.push({
            rules: rules.slice(from.rules, to.rules),
            diagnostics: this.ctx.d.items.slice(from.diagnostics, to.diagnostics),
            namespaceUses: this.namespaceUses.slice(from.uses, to.uses),
          });
      };
      for (const scoped of statements) {
        const before = mark();
        const checked = this.checkRuleStatement(scoped);
        for (const rule of checked.rules) rules.push(rule);
        if (checked.kept) continue;
        endRun(before);
        parts.push({ again: scoped });
        from = mark();
      }
      endRun(mark());
      reuse.keepFile(statements, parts);
    }
    return rules;
  }

  /** An earlier check's diagnostics and namespaces named, again in their place. */
  private replayed(known: Pick<CheckedRule, "diagnostics" | "namespaceUses">): void {
    this.ctx.replay(known.diagnostics);
    for (const use of known.namespaceUses) this.namespaceUses.push(use);
  }

  /**
   * `checkRule` of a rule statement, or an earlier version's (`CheckReuse`): its diagnostics and the
   * namespaces it names come again in their place. Whether its check is kept for later versions.
   */
  private checkRuleStatement(scoped: Scoped<ast.NetworkRule>): { rules: readonly NetworkRule[]; kept: boolean } {
    const reuse = this.ctx.options.reuse;
    const known = reuse?.reusable(scoped.node);
    if (known) {
      this.replayed(known);
      return { rules: known.rules, kept: true };
    }
    const diagnostics = this.ctx.d.items.length;
    const uses = this.namespaceUses.length;
    const rules = this.checkRule(scoped);
    const reads = reuse && this.ruleReads(scoped.node, scoped.namespace);
    if (!reads) return { rules: reuse?.sameRules(scoped.node, rules) ?? rules, kept: false };
    reuse!.keep(scoped.node, {
      rules,
      diagnostics: this.ctx.d.items.slice(diagnostics),
      namespaceUses: this.namespaceUses.slice(uses),
      reads,
    });
    return { rules, kept: true };
  }

  /**
   * What checking a rule statement read besides it (`RuleReads`): the names of its references (the
   * workloads or groups they denote, the ports those declare), every name when one is unknown (its
   * did-you-mean), the cluster's ranges when it names addresses. Undefined when it names a group.
   */
  private ruleReads(node: ast.NetworkRule, namespace: string | undefined): RuleReads | undefined {
    const names: string[] = [];
    let allNames = false;
    let cluster = false;
    for (const peer of [...node.sources, ...node.destinations]) {
      if (peer.kind === "CidrPeer" || (peer.kind === "KeywordPeer" && peer.keyword !== "cluster")) cluster = true;
      if (peer.kind !== "Reference") continue;
      const declarations = this.ctx.binding.peerDeclarations(peer.ref, namespace);
      names.push(peer.ref.name.text);
      if (declarations.length > 1) continue; // ambiguous
      const [declaration] = declarations;
      if (declaration?.kind === "group") return undefined;
      if (!declaration || !this.ctx.workloads.has(declaration.key)) allNames = true;
    }
    return { names, allNames, cluster };
  }

  /** `assert` takes the peers and ports of a rule; a positive one needs its ports. */
  checkAssertion({ node, namespace }: Scoped<ast.AssertStatement>): Assertion[] {
    if (!node.negated && node.ports.length === 0) {
      this.ctx.d.report(m.assertNeedsPort, node.span, [], {
        help: "e.g. `assert web -> db: 5432`; `-/->` may leave the port out to mean every port",
      });
      return [];
    }
    const rule = this.checkRule({
      node: { ...node, kind: "NetworkRule", action: "allow", extraPortLists: [] },
      namespace,
    });
    return rule.map((r) => ({ negated: node.negated, clauses: r.clauses, span: node.span }));
  }

  private errorCount(): number {
    return this.ctx.d.errors;
  }

  private reportPortsPerDestination(node: ast.NetworkRule): void {
    const lists = [node.ports, ...node.extraPortLists];
    const first = lists[0];
    const moved = first[first.length - 1];
    this.ctx.d.report(m.portsOnTwoDestinations, spanOf(node.ports[0].span, lists[lists.length - 1].at(-1)!.span), [], {
      help: moved
        ? `write one rule per destination, e.g. \`${node.action} ... -> ${textOf(node.destinations[node.destinations.length - 1])}: ${first
            .slice(0, -1)
            .map(portText)
            .join(", ")}\` and \`${node.action} ... -> ${portText(moved)}: ${lists[1].map(portText).join(", ")}\``
        : "write one rule per destination",
    });
  }

  private endpointSet(peers: ast.Peer[], namespace: string | undefined): EndpointSet {
    // (one peer, most rules' sources: its parts as they are, each peer resolved once; a workload's
    // pods without a part)
    const one = peers.length === 1 ? this.workloadPart(peers[0], namespace) : undefined;
    if (one !== undefined) return one.set;
    const parts =
      peers.length === 1
        ? this.destinationParts(peers[0], namespace)
        : peers.flatMap((p) => this.destinationParts(p, namespace));
    return parts.length === 1 ? parts[0].set : unionOf(parts.map((part) => part.set));
  }

  /** Resolves a peer; groups expand to their members so each keeps its own port names. */
  private destinationParts(peer: ast.Peer, namespace: string | undefined): DestinationPart[] {
    switch (peer.kind) {
      case "KeywordPeer": {
        const cluster: EndpointSet = { pods: [{ namespaces: everything, pods: everything }], ips: [] };
        if (peer.keyword === "cluster") return partOf(cluster, peer.span);
        const world = this.externalBlocks(
          [everywhere(4), everywhere(6)].map((cidr) => ({ cidr, except: [] })),
          peer.span,
        );
        return partOf(
          peer.keyword === "world" ? { pods: [], ips: world } : { pods: cluster.pods, ips: world },
          peer.span,
        );
      }
      case "NamespacePeer": {
        const problem = valid.dns1123Label(peer.namespace.text);
        if (problem) {
          this.ctx.d.report(m.invalidName, peer.namespace.span, ["namespace name", peer.namespace.text, problem]);
          return [];
        }
        this.namespaceUses.push(peer.namespace);
        return partOf(
          { pods: [{ namespaces: this.namedNamespace(peer.namespace.text), pods: everything }], ips: [] },
          peer.span,
        );
      }
      case "NamespaceSelectorPeer": {
        const namespaces = this.ctx.selector(peer.selector);
        return namespaces ? partOf({ pods: [{ namespaces, pods: everything }], ips: [] }, peer.span) : [];
      }
      case "PodsPeer": {
        const pods = this.ctx.selector(peer.selector);
        let namespaces: Conjunction | undefined;
        if (!peer.within) {
          if (namespace === undefined) {
            this.ctx.d.report(m.podsWithoutNamespace, peer.span, [], {
              help: "write `pods(...) in ns NAME` or `pods(...) in ns(LABELS)`, or put the rule inside a namespace block",
            });
            return [];
          }
          namespaces = this.namedNamespace(namespace);
        } else {
          const within = this.destinationParts(peer.within, namespace);
          namespaces = within[0]?.set.pods[0]?.namespaces;
        }
        return pods && namespaces ? partOf({ pods: [{ namespaces, pods }], ips: [] }, peer.span) : [];
      }
      case "CidrPeer": {
        const cidr = this.ctx.cidr(peer.cidr.text, peer.cidr.span);
        const except: Cidr[] = [];
        for (const e of peer.except) {
          const c = this.ctx.cidr(e.text, e.span);
          if (!c || !cidr) continue;
          if (!cidrContains(cidr, c) || cidrEquals(cidr, c))
            this.ctx.d.report(m.exceptNotInside, e.span, [e.text, peer.cidr.text]);
          else except.push(c);
        }
        if (!cidr) return [];
        const blocks = this.externalBlocks([{ cidr, except }], peer.span);
        return blocks.length > 0 ? partOf({ pods: [], ips: blocks }, peer.span) : [];
      }
      case "Reference":
        return this.reference(peer.ref, namespace);
    }
  }

  /** Address blocks minus the cluster's pod and service ranges: pods are addressed by labels. */
  private externalBlocks(blocks: IpBlock[], span: Span): IpBlock[] {
    const clusterRanges = [...this.ctx.cluster.podCIDRs, ...this.ctx.cluster.serviceCIDRs];
    const result: IpBlock[] = [];
    for (const block of blocks) {
      const remaining = subtractFromBlock(block, clusterRanges);
      const inside = clusterRanges.find((r) => cidrContains(r, block.cidr));
      if (remaining.length === 0 && inside) {
        this.ctx.d.report(cm.cidrInsideClusterRange, span, [formatCidr(block.cidr), formatCidr(inside)]);
      }
      result.push(...remaining);
    }
    return result;
  }

  /**
   * A namespace that no block declares, one or two edits from one that a block declares, that every
   * cluster has, or that the rules name more often (or as often, but first): `shp/*` beside
   * `namespace shop`, `ns ingres-nginx` beside `ns ingress-nginx`. A warning at its first use; names
   * of a series (`team-a`, `team-b`; `app1`, `app2`) are no typos of each other.
   */
  warnNamespaceNearMisses(): void {
    const uses = new Map<string, ast.Word[]>();
    for (const word of this.namespaceUses) (uses.get(word.text) ?? uses.set(word.text, []).get(word.text)!).push(word);
    const known = new Set([...this.ctx.binding.namespaceBlocks.keys(), ...CLUSTER_NAMESPACES]);
    const names = [...uses.keys()];
    // each name is compared with every other: past this many, no warning (a heuristic, never a verdict)
    if (names.length + known.size > MAX_NEAR_MISS_NAMES) return;
    for (const [index, name] of names.entries()) {
      const written = uses.get(name)!.find((w) => !isStandardModule(w.span.file));
      if (known.has(name) || !written) continue;
      const count = uses.get(name)!.length;
      const more = names.filter(
        (other, i) =>
          !known.has(other) && (uses.get(other)!.length > count || (uses.get(other)!.length === count && i < index)),
      );
      const near = closestWithin(name, [...known, ...more], Math.min(2, Math.floor(name.length / 3)));
      if (near === undefined || inSeries(name, near)) continue;
      const why = this.ctx.binding.namespaceBlocks.has(near)
        ? "declared by a namespace block"
        : CLUSTER_NAMESPACES.includes(near)
          ? "a namespace every cluster has"
          : `named by ${uses.get(near)!.length === 1 ? "another rule" : `${uses.get(near)!.length} other rules`}`;
      this.ctx.d.report(m.namespaceNearMiss, written.span, [name], { help: meant(near, why) });
    }
  }

  /** SP9005 once per namespace named that no block declares, on a cluster that does not label namespaces with their names, at its first use. */
  warnNameLabels(): void {
    for (const word of this.namespaceUses) this.warnNameLabel(word);
  }

  private warnNameLabel(name: ast.Word): void {
    const version = this.ctx.cluster.version;
    if (
      hasAutomaticNameLabel(this.ctx.cluster) ||
      this.ctx.binding.namespaceBlocks.has(name.text) ||
      this.warnedNameLabel.has(name.text)
    )
      return;
    this.warnedNameLabel.add(name.text);
    this.ctx.d.report(m.nameLabelBefore122, name.span, [name.text, `${version!.major}.${version!.minor}`], {
      help: `label it yourself (\`kubectl label namespace ${name.text} ${NAMESPACE_NAME_LABEL}=${name.text}\`), or declare it with \`namespace ${name.text} { }\``,
    });
  }

  /**
   * The part of a peer naming one workload whose model was made (what `destinationParts` gives for
   * it, without the list), found without a report; undefined for anything else (another peer, a
   * group, an ambiguous or unknown name): `destinationParts` decides those.
   */
  private workloadPart(peer: ast.Peer, namespace: string | undefined): DestinationPart | undefined {
    if (peer.kind !== "Reference") return undefined;
    // (several declarations: ambiguous)
    const declarations = this.ctx.binding.peerDeclarations(peer.ref, namespace);
    const declaration = declarations[0];
    if (declarations.length > 1 || declaration === undefined || declaration.kind !== "workload") return undefined;
    const workload = this.ctx.workloads.get(declaration.key);
    return workload && { set: this.podsOf(workload), workload, span: peer.ref.span };
  }

  private reference(ref: ast.QualifiedName, namespace: string | undefined): DestinationPart[] {
    const declarations = this.ctx.binding.peerDeclarations(ref, namespace);
    // (a peer's name denotes several declarations exactly when it is ambiguous)
    if (declarations.length > 1) {
      const places = declarations
        .map((d) => (d.kind === "workload" ? `workload \`${d.key}\`` : `group \`${d.key.replace(/^\//, "")}\``))
        .sort();
      this.ctx.d.report(m.ambiguousName, ref.span, [ref.name.text, places.join(", ")], {
        help: "qualify it with its namespace, e.g. `NAMESPACE/NAME`",
      });
      return [];
    }
    const declaration = declarations[0];
    if (declaration?.kind === "group") return this.groupParts(declaration, ref.span);
    const workload = declaration && this.ctx.workloads.get(declaration.key);
    // a workload whose selector is invalid (already reported) is no destination
    if (workload) return [{ set: this.podsOf(workload), workload, span: ref.span }];
    return this.unknown(ref, ref.namespace ? `${ref.namespace.text}/${ref.name.text}` : ref.name.text);
  }

  /** A workload's pods as an endpoint set: one object per workload, however often it is named (sets are never changed once made). */
  private podsOf(w: Workload): EndpointSet {
    let set = this.workloadSets.get(w);
    if (!set)
      this.workloadSets.set(
        w,
        (set = { pods: [{ namespaces: this.namedNamespace(w.namespace), pods: w.pods }], ips: [] }),
      );
    return set;
  }

  /**
   * `kubernetes.io/metadata.name=NAME`, one object per namespace however many workloads and peers
   * name it (conjunctions are never changed; their keys and the passes' caches follow the object).
   */
  private namedNamespace(name: string): Conjunction {
    let selector = this.nameSelectors.get(name);
    if (!selector) this.nameSelectors.set(name, (selector = labelsEqual(NAMESPACE_NAME_LABEL, name)));
    return selector;
  }

  private unknown(ref: ast.QualifiedName, written: string): DestinationPart[] {
    const all = [
      ...[...this.ctx.workloads.keys()],
      ...[...this.ctx.workloads.values()].map((w) => w.name),
      ...[...this.ctx.binding.groups.keys()].map((k) => k.replace(/^\//, "")),
    ];
    const suggestion = closest(written, all);
    // a group of the standard library is named with where it comes from: `dns` is declared in no file of the program
    const library = suggestion === undefined ? undefined : this.ctx.binding.groups.get(`/${suggestion}`)?.span.file;
    const help =
      suggestion === undefined
        ? {}
        : {
            help: meant(
              suggestion,
              library !== undefined && isStandardModule(library) ? `the group from \`${library}\`` : undefined,
            ),
          };
    this.ctx.d.report(m.unknownName, ref.span, [written], help);
    return [];
  }

  private groupParts(declaration: Declaration, span: Span): DestinationPart[] {
    let group = this.groups.get(declaration);
    if (!group)
      this.groups.set(
        declaration,
        (group = { node: declaration.node as ast.GroupDeclaration, namespace: declaration.namespace }),
      );
    if (group.resolved === "resolving") {
      this.ctx.d.report(m.groupCycle, span, [group.node.name.text]);
      return [];
    }
    if (!group.resolved) {
      if (this.groupDepth >= MAX_GROUP_DEPTH) {
        this.ctx.d.report(m.groupsTooDeep, span, [group.node.name.text, MAX_GROUP_DEPTH], {
          help: "name the peers of the inner groups directly in fewer levels",
        });
        return [];
      }
      group.resolved = "resolving";
      this.groupDepth++;
      try {
        const members = group.node.peers.flatMap((p) => this.destinationParts(p, group.namespace));
        const defaultPorts = group.node.ports.length > 0 ? this.rulePorts(group.node.ports, undefined) : undefined;
        group.resolved = members.map((part) => ({ ...part, defaultPorts: defaultPorts ?? part.defaultPorts }));
      } finally {
        this.groupDepth--;
      }
    }
    return group.resolved;
  }

  // -------------------------------------------------------------------------------------------
  // Ports of a rule, for one destination

  private rulePorts(specs: ast.PortSpec[], part: DestinationPart | undefined): PortSet | undefined {
    if (specs.length === 1) {
      const one = onePortOf(specs[0], part);
      if (one) return one;
    }
    const numeric: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
    const named: { name: string; protocol: Protocol }[] = [];
    let ok = true;
    const workload = part?.workload;
    // (made at the first number warned about: most lists have none)
    let undeclared: Set<number> | undefined;
    for (const spec of specs) {
      const protocol = this.ctx.protocol(spec.protocol);
      if (!protocol) {
        ok = false;
        continue;
      }
      if (spec.range) {
        const from = this.ctx.portNumber(spec.range.from);
        const to = this.ctx.portNumber(spec.range.to);
        if (from === undefined || to === undefined) ok = false;
        else if (from > to) {
          this.ctx.d.report(m.rangeNotOrdered, spec.range.span, [spec.range.from.text, spec.range.to.text]);
          ok = false;
        } else numeric[protocol].push({ from, to });
        continue;
      }
      const port = spec.port!;
      if ("kind" in port) {
        const number = this.ctx.portNumber(port);
        if (number === undefined) {
          ok = false;
          continue;
        }
        const service = workload?.services.find((s) => s.port === number);
        if (service && !workload!.ports.some((p) => p.port === number && p.protocol === protocol)) {
          this.ctx.d.report(m.servicePortTranslated, port.span, [
            String(number),
            String(service.targetPort),
            workload!.name,
          ]);
          numeric[protocol].push({ from: service.targetPort, to: service.targetPort });
        } else {
          // a number the destination does not declare, while it declares others: a typo, or a port
          // its pods do not listen on (each number once, and a few per list: lists may be long)
          if (
            workload &&
            workload.ports.length > 0 &&
            !workload.ports.some((p) => p.port === number) &&
            !undeclared?.has(number) &&
            (undeclared?.size ?? 0) < MAX_UNDECLARED_PORTS
          ) {
            (undeclared ??= new Set()).add(number);
            const near = closestWithin(
              String(number),
              workload.ports.map((p) => String(p.port)),
              1,
            );
            this.ctx.d.report(m.portNotDeclared, port.span, [String(number), workload.name, declaredPorts(workload)], {
              help:
                near !== undefined
                  ? meant(near)
                  : `if its pods listen on ${number}, declare it: \`port NAME ${number}\``,
            });
          }
          numeric[protocol].push({ from: number, to: number });
        }
        continue;
      }
      const problem = valid.portName(port.text);
      if (problem) {
        this.ctx.d.report(m.invalidName, port.span, ["port name", port.text, problem]);
        ok = false;
        continue;
      }
      if (part && part.set.pods.length === 0) {
        this.ctx.d.report(m.namedPortToAddress, port.span, [port.text]);
        ok = false;
        continue;
      }
      const declared = workload?.ports.find((p) => p.name === port.text);
      if (declared) {
        numeric[declared.protocol].push({ from: declared.port, to: declared.port });
        continue;
      }
      if (workload && workload.ports.length > 0) {
        const suggestion = closest(
          port.text,
          workload.ports.flatMap((p) => p.name ?? []),
        );
        this.ctx.d.report(m.unknownPortName, port.span, [workload.name, port.text], {
          help: `${suggestion ? `${meant(suggestion)} ` : ""}\`${workload.name}\` declares ${declaredPorts(workload)}`,
        });
      }
      named.push({ name: port.text, protocol });
    }
    return ok ? portSet(numeric, named) : undefined;
  }
}

/**
 * The port set of a rule's one port, written without a protocol, that the destination workload
 * declares (`: http`, `: 8080`; most rules'), when checking it reports nothing: the shared set
 * `rulePorts` would make (`singlePortSet`), without the lists it builds per rule. Undefined where
 * `rulePorts` may report something or make another set: it decides those.
 */
function onePortOf(spec: ast.PortSpec, part: DestinationPart | undefined): PortSet | undefined {
  const workload = part?.workload;
  if (workload === undefined || spec.protocol || spec.range) return undefined;
  const port = spec.port!;
  const ports = workload.ports;
  if ("kind" in port) {
    // a number the workload's pods declare on TCP, and no service port of the workload
    if (!valid.DIGITS.test(port.text)) return undefined;
    const number = Number(port.text);
    if (!(number >= 1 && number <= 65535)) return undefined;
    for (let i = 0; i < workload.services.length; i++) if (workload.services[i].port === number) return undefined;
    for (let i = 0; i < ports.length; i++) if (ports[i].port === number) return singlePortSet("TCP", number);
    return undefined;
  }
  if (part!.set.pods.length === 0 || valid.portName(port.text) !== undefined) return undefined;
  for (let i = 0; i < ports.length; i++)
    if (ports[i].name === port.text) return singlePortSet(ports[i].protocol, ports[i].port);
  return undefined;
}

/** A peer's one part (no closure per peer made for it). */
const partOf = (set: EndpointSet, span: Span): DestinationPart[] => [{ set, span }];

const conjunctionOfBoth = (a: Conjunction, b: Conjunction): boolean => intersectConjunctions(a, b) !== undefined;

/**
 * The union of endpoint sets, its terms and blocks in one order whatever the order of the peers
 * written: the policies compiled from a set follow its order, so `allow a, b -> c` and
 * `allow b, a -> c` (which the formatter writes for either) must give the same bytes.
 */
function unionOf(sets: readonly EndpointSet[]): EndpointSet {
  if (sets.length === 1) return sets[0];
  return {
    pods: sortedBy(
      sets.flatMap((s) => s.pods),
      termKey,
    ),
    ips: sortedBy(
      sets.flatMap((s) => s.ips),
      (block) => `${formatCidr(block.cidr)} ${block.except.map(formatCidr).join(" ")}`,
    ),
  };
}

const sortedBy = <T>(items: T[], key: (item: T) => string): T[] =>
  items.length <= 1
    ? items
    : items
        .map((item) => ({ item, key: key(item) }))
        .sort((x, y) => compareStrings(x.key, y.key))
        .map((x) => x.item);

const spanOf = (a: Span, b: Span): Span => ({ file: a.file, start: a.start, end: b.end });

/** Namespace near misses are looked for among at most this many namespace names (declared and named). */
const MAX_NEAR_MISS_NAMES = 500;

/** At most this many numbers of one port list are warned about as undeclared by the destination. */
const MAX_UNDECLARED_PORTS = 3;

/** A workload's declared ports, for messages: `http` (8080/tcp), `metrics` (9100/tcp). */
const declaredPorts = (w: Workload): string =>
  w.ports
    .map((p) =>
      p.name ? `\`${p.name}\` (${p.port}/${p.protocol.toLowerCase()})` : `${p.port}/${p.protocol.toLowerCase()}`,
    )
    .join(", ");

/** The namespaces every cluster has: a name near one of them is a near miss too. */
const CLUSTER_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

/** Two names of one series, not a typo of each other: they differ in one digit, or in a last letter after `-` (`team-a`, `team-b`). */
function inSeries(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differ = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  if (differ.length !== 1) return false;
  const [i] = differ;
  return (/\d/.test(a[i]) && /\d/.test(b[i])) || (i === a.length - 1 && a[i - 1] === "-");
}

function portText(p: ast.PortSpec): string {
  const base = p.range ? `${p.range.from.text}..${p.range.to.text}` : p.port!.text;
  return p.protocol ? `${base}/${p.protocol.text}` : base;
}

function textOf(peer: ast.Peer): string {
  switch (peer.kind) {
    case "Reference":
      return peer.ref.namespace ? `${peer.ref.namespace.text}/${peer.ref.name.text}` : peer.ref.name.text;
    case "NamespacePeer":
      return peer.star ? `${peer.namespace.text}/*` : `ns ${peer.namespace.text}`;
    case "KeywordPeer":
      return peer.keyword;
    case "CidrPeer":
      return `cidr ${peer.cidr.text}`;
    default:
      return "...";
  }
}
