/**
 * `secpolc import`, its check: the imported program is compiled (with its own translation
 * validation), and the NetworkPolicies it writes are compared with the input policies end to end —
 * a flow is admitted when the destination's ingress and the source's egress admit it — by the same
 * evaluator (netpol.ts), on a representative of every region of the universe that the program's
 * selectors and the policies' tell apart: owned namespaces with their labels, other namespaces with
 * any labels, pods the input never names, addresses outside the cluster's ranges, every port
 * boundary, and for every set of port names a pod declaring exactly those names on the flow's port.
 *
 * CNIs differ on ipBlocks (docs/decisions.md): some match them against addresses outside the pods
 * only, some against the pods' addresses too. Both are compared, the second with pods at an address
 * of every region that the blocks make of `--pod-cidr`, unless `--ipblock-pods` says which the
 * cluster's CNI does. A flow to a Service address is the flow to a pod behind it: the Service is
 * translated before policy applies, as the compiler takes it to be (it excepts `--service-cidr` from
 * every block), so addresses inside the cluster's ranges are pods, never addresses of their own.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { importing as im } from "../diagnostics/messages/import.js";
import { build, checkModel } from "../pipeline.js";
import { formatAddress, type IpBlock } from "../semantics/ip.js";
import { blockRanges, cidrRange, combinations, rangeAddresses, type Address } from "../semantics/boundaries.js";
import { conjunctionOf, type Conjunction } from "../semantics/labels.js";
import { admits, emittedSideOf, indexPolicies, selectorMatches, type PodAddresses } from "./netpol.js";
import type { ConcreteFlow, Endpoint, PodInstance } from "../semantics/meaning.js";
import { labelRegions, regionNamespaceLabels, universeRegions } from "../semantics/universe.js";
import type { Direction, Model, PodTerm } from "../semantics/model.js";
import { MAX_PORT, MIN_PORT, protocols, type NamedPort, type PortSet, type Protocol } from "../semantics/ports.js";
import type { Imported } from "./import.js";
import type { InputPolicy } from "./import-read.js";
import { namespaceTerm } from "./import-read.js";
import { readManifestObjects } from "./manifests.js";
import type { OutputFile } from "../types.js";

export interface ImportCheck {
  diagnostics: Diagnostic[];
  /** Flows compared. */
  checks: number;
  /** Whether the program means what the policies mean on every flow compared. */
  exact: boolean;
  /** The compiled program's files (none when it does not compile). */
  files: OutputFile[];
}

/** `--ipblock-pods`: whether the cluster's CNI matches ipBlocks against pod addresses. */
export type IpBlockPods = "yes" | "no";

export interface ImportCheckOptions {
  clusterVersion?: string;
  allowInexact?: boolean;
  /** Unset: both behaviours are compared. */
  ipBlockPods?: IpBlockPods;
}

/** How the CNI matches ipBlocks: against addresses outside the pods only, or against pod addresses too. */
type Behaviour = "external" | "cluster";

/** Past this many flows the comparison stops and says the program is unchecked (never "exact"). */
export const MAX_IMPORT_CHECKS = 20_000_000;

/** Past this many address combinations per pod (address regions of the pod ranges of each family), the same. */
const MAX_POD_ADDRESSES = 256;

/** The addresses of the pods, for a CNI that matches ipBlocks against them. */
type Placed = WeakMap<PodInstance, Address[]>;

function describeEndpoint(e: Endpoint, placed: Placed | undefined): string {
  if ("ip" in e) return formatAddress(e.ip.family, e.ip.value);
  const { pod } = e;
  const ports = pod.ports.map((p) => `${p.name}=${p.port}/${p.protocol.toLowerCase()}`).join(", ");
  const at = placed?.get(pod) ?? [];
  const where = at.length > 0 ? ` at ${at.map((a) => formatAddress(a.family, a.value)).join(", ")}` : "";
  return `a pod {${Object.entries(pod.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")}} in \`${pod.namespace}\`${ports ? ` (port ${ports})` : ""}${where}`;
}

const blocksOf = (policies: readonly InputPolicy[]): IpBlock[] =>
  policies.flatMap((p) => [...p.rules.ingress, ...p.rules.egress].flatMap((r) => r.blocks.map((b) => b.block)));

/** Compiles the imported program and compares the policies it writes with the input's. */
export function checkImport(imported: Imported, path: string, options: ImportCheckOptions = {}): ImportCheck {
  const sources = [{ path, text: imported.program }];
  const built = build(sources, { clusterVersion: options.clusterVersion });
  const diagnostics = built.diagnostics.filter((d) => d.severity !== "note" || d.span.file === path);
  if (hasErrors(built.diagnostics)) {
    const first = built.diagnostics.find((d) => d.severity === "error")!;
    return {
      diagnostics: [
        ...diagnostics,
        diagnostic(im.importedProgramInvalid, first.span, [first.message], {
          help: "this is a bug in secpolc; nothing was written",
        }),
      ],
      checks: 0,
      exact: false,
      files: [],
    };
  }
  const { model } = checkModel(sources, { clusterVersion: options.clusterVersion });
  const at = imported.policies[0]?.span ?? {
    file: path,
    start: { line: 1, column: 1, offset: 0 },
    end: { line: 1, column: 1, offset: 0 },
  };
  const written = readManifestObjects(
    built.files
      .filter((f) => /networkpolicies\.(yaml|json)$/.test(f.path))
      .map((f) => ({ path: f.path, text: f.content })),
  ).objects.map((o) => o.object);

  // the CNI behaviours compared: both, unless the policies hold no ipBlock (then they agree) or the option says which
  let exact = true;
  const blocked = imported.policies.find((p) => blocksOf([p]).length > 0);
  const behaviours: Behaviour[] =
    options.ipBlockPods === "no" || !blocked
      ? ["external"]
      : options.ipBlockPods === "yes"
        ? ["cluster"]
        : ["external", "cluster"];
  if (behaviours.includes("cluster") && model!.cluster.podCIDRs.length === 0) {
    // the pods' addresses are unknown: what the blocks admit of them cannot be compared
    const block = blocked!.rules.ingress.concat(blocked!.rules.egress).find((r) => r.blocks.length > 0)!.blocks[0];
    diagnostics.push(
      diagnostic(
        options.allowInexact ? im.ipBlockNeedsPodCidr : im.ipBlockNeedsPodCidrError,
        blocked!.span,
        [block.text],
        {
          help: "pass `--pod-cidr` (and `--service-cidr`) with the cluster's ranges, or `--ipblock-pods no` when the CNI matches ipBlocks against addresses outside the pods only",
        },
      ),
    );
    behaviours.splice(behaviours.indexOf("cluster"), 1);
    exact = false;
  }
  let checks = 0;
  for (const behaviour of behaviours) {
    const compared = compare(imported.policies, written, model!, behaviour);
    if ("tooMany" in compared)
      return {
        diagnostics: [...diagnostics, diagnostic(im.notChecked, at, [compared.tooMany])],
        checks,
        exact: false,
        files: [],
      };
    checks += compared.checks;
    if (compared.difference) {
      const d = compared.difference;
      const entry = options.allowInexact ? im.inexactAllowed : im.inexact;
      const help =
        behaviour === "cluster" && options.ipBlockPods === undefined
          ? "the policies mean something else where the CNI matches ipBlocks against pod addresses: `--ipblock-pods yes` or `--ipblock-pods no` says which the cluster's CNI does, and the import keeps that meaning; `--allow-inexact` writes the program anyway"
          : "`--allow-inexact` writes the program anyway; the difference is described above";
      diagnostics.push(diagnostic(entry, d.span, d.description, { help }));
      return { diagnostics, checks, exact: false, files: built.files };
    }
  }
  return { diagnostics, checks, exact: exact && behaviours.length > 0, files: built.files };
}

interface Difference {
  flow: ConcreteFlow;
  /** The flow, and why it differs. */
  description: [string, string];
  span: Span;
}

/** Every input selector and block, for the regions. */
function inputTerms(policies: readonly InputPolicy[]): PodTerm[] {
  const terms: PodTerm[] = [];
  for (const p of policies) {
    terms.push({ namespaces: namespaceTerm(p.namespace), pods: p.pods });
    for (const r of [...p.rules.ingress, ...p.rules.egress]) terms.push(...r.peers.pods);
  }
  return terms;
}

/** Port numbers where some port set of either side starts or stops, per protocol. */
function portCuts(sets: readonly PortSet[]): Record<Protocol, number[]> {
  const cuts = { TCP: new Set([MIN_PORT]), UDP: new Set([MIN_PORT]), SCTP: new Set([MIN_PORT]) };
  for (const s of sets) {
    for (const p of protocols) {
      for (const r of s.numeric[p]) {
        cuts[p].add(r.from);
        if (r.to < MAX_PORT) cuts[p].add(r.to + 1);
      }
    }
  }
  return Object.fromEntries(protocols.map((p) => [p, [...cuts[p]].sort((a, b) => a - b)])) as Record<
    Protocol,
    number[]
  >;
}

/**
 * The sets of port names a pod may declare on a flow's port, one per region the port sets' names
 * tell apart (as src/semantics/universe.ts splits them for verification): a set's names admit a
 * flow to a pod declaring one of them on the flow's port, so the names are label keys and each set a
 * selector of the pods declaring none of them. The empty set first; undefined past the region limit.
 */
function nameSets(sets: readonly PortSet[]): NamedPort[][] | undefined {
  const byKey = new Map<string, NamedPort>();
  const selectors: Conjunction[] = [];
  for (const s of sets) {
    if (s.named.length === 0) continue;
    for (const n of s.named) byKey.set(`${n.name}/${n.protocol}`, { name: n.name, protocol: n.protocol });
    const none = conjunctionOf(s.named.map((n) => ({ key: `${n.name}/${n.protocol}`, operator: "DoesNotExist" })));
    if (none) selectors.push(none);
  }
  return labelRegions(selectors)
    ?.map((l) =>
      Object.keys(l)
        .sort()
        .map((key) => byKey.get(key)!),
    )
    .sort((a, b) => a.length - b.length);
}

function compare(
  policies: readonly InputPolicy[],
  written: readonly unknown[],
  model: Model,
  behaviour: Behaviour,
): { checks: number; difference?: Difference } | { tooMany: string } {
  const blocks = blocksOf(policies);
  const regions = universeRegions([model], inputTerms(policies), blocks);
  if ("tooMany" in regions) return regions;
  const namespaceLabels = regionNamespaceLabels(regions);
  const input = indexPolicies(policies.map((p) => p.object));
  const output = indexPolicies(written);
  const portSets = [
    ...policies.flatMap((p) => [...p.rules.ingress, ...p.rules.egress].map((r) => r.ports)),
    ...model.rules.flatMap((r) => r.clauses.map((c) => c.ports)),
  ];
  const cuts = portCuts(portSets);
  const everyPort = protocols.flatMap((protocol) => cuts[protocol].map((port) => ({ protocol, port })));
  const names = nameSets(portSets);
  if (!names) return { tooMany: "the named ports tell apart too many kinds of pod" };

  // where the CNI matches ipBlocks against pod addresses, every pod is at an address of each region
  // the blocks make of the pod ranges
  const placed: Placed | undefined = behaviour === "cluster" ? new WeakMap() : undefined;
  const allBlocks = [
    ...blocks,
    ...model.rules.flatMap((r) => r.clauses.flatMap((c) => [...c.sources.ips, ...c.destinations.ips])),
  ];
  const placements: Address[][] = placed
    ? combinations(rangeAddresses(model.cluster.podCIDRs.map(cidrRange), allBlocks.map(blockRanges)).byFamily)
    : [[]];
  if (placements.length > MAX_POD_ADDRESSES)
    return { tooMany: "the ipBlocks tell apart too many kinds of pod address" };
  const podAddresses: PodAddresses | undefined = placed && ((pod) => placed.get(pod) ?? []);
  const place = (pod: PodInstance, at: Address[]): PodInstance => {
    placed?.set(pod, at);
    return pod;
  };

  const pods: PodInstance[] = regions.pods.flatMap((r) =>
    placements.map((at) => place({ namespace: r.namespace.name, labels: r.labels, ports: r.ports }, at)),
  );
  const addresses: Endpoint[] = regions.addresses.map((a) => ({ ip: { family: a.family, value: a.value } }));
  const sources: Endpoint[] = [...pods.map((pod) => ({ pod })), ...addresses];
  // the destinations, each with the flows to compare: a pod declaring no name of the port sets' on
  // any port, and one declaring each set of names on each boundary of their protocol
  const destinations: { dst: Endpoint; flows: { protocol: Protocol; port: number }[] }[] = [];
  const variants = names.reduce(
    (n, set) => n + protocols.reduce((m, p) => m + (set.some((x) => x.protocol === p) ? cuts[p].length : 0), 0),
    0,
  );
  // each pod: every port declaring no name, and one port per set of names and boundary
  if (
    (pods.length * (everyPort.length + variants) + addresses.length * everyPort.length) * sources.length >
    MAX_IMPORT_CHECKS
  )
    return { tooMany: `more than ${MAX_IMPORT_CHECKS} flows would have to be compared` };
  for (const pod of pods) {
    for (const set of names) {
      if (set.length === 0) {
        destinations.push({ dst: { pod }, flows: everyPort });
        continue;
      }
      for (const protocol of protocols) {
        const here = set.filter((n) => n.protocol === protocol);
        if (here.length === 0) continue;
        for (const port of cuts[protocol]) {
          const declared = place(
            {
              ...pod,
              ports: [
                ...pod.ports.filter((p) => !here.some((n) => n.name === p.name)),
                ...here.map((n) => ({ name: n.name, protocol, port })),
              ],
            },
            placed?.get(pod) ?? [],
          );
          destinations.push({ dst: { pod: declared }, flows: [{ protocol, port }] });
        }
      }
    }
  }
  for (const dst of addresses) destinations.push({ dst, flows: everyPort });

  // each side's rules, read once per end (sources' egress, below; destinations' ingress, in the loop)
  const sideOf = (index: typeof input, pod: PodInstance, direction: Direction) =>
    emittedSideOf(index, pod, direction, namespaceLabels, podAddresses);
  const egress = sources.map((src) =>
    "pod" in src ? { input: sideOf(input, src.pod, "egress"), output: sideOf(output, src.pod, "egress") } : undefined,
  );
  let checks = 0;
  for (const { dst, flows } of destinations) {
    const ingress =
      "pod" in dst
        ? { input: sideOf(input, dst.pod, "ingress"), output: sideOf(output, dst.pod, "ingress") }
        : undefined;
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i];
      if ("ip" in src && "ip" in dst) continue;
      const out = egress[i];
      const rules = {
        ingressIn: ingress?.input.rulesFor(src),
        ingressOut: ingress?.output.rulesFor(src),
        egressIn: out?.input.rulesFor(dst),
        egressOut: out?.output.rulesFor(dst),
      };
      for (const { protocol, port } of flows) {
        const flow: ConcreteFlow = { src, dst, protocol, port };
        checks++;
        const meant =
          (!ingress?.input.isolated || admits(rules.ingressIn!, flow)) &&
          (!out?.input.isolated || admits(rules.egressIn!, flow));
        const program =
          (!ingress?.output.isolated || admits(rules.ingressOut!, flow)) &&
          (!out?.output.isolated || admits(rules.egressOut!, flow));
        if (meant !== program)
          return {
            checks,
            difference: describe(policies, flow, meant, { input, namespaceLabels, podAddresses, placed }),
          };
      }
    }
  }
  return { checks };
}

function describe(
  policies: readonly InputPolicy[],
  flow: ConcreteFlow,
  admitted: boolean,
  how: {
    input: ReturnType<typeof indexPolicies>;
    namespaceLabels: (n: string) => Record<string, string>;
    podAddresses: PodAddresses | undefined;
    placed: Placed | undefined;
  },
): Difference {
  const cni = how.placed ? "where the CNI matches ipBlocks against pod addresses, " : "";
  const text = `${describeEndpoint(flow.src, how.placed)} -> ${describeEndpoint(flow.dst, how.placed)} on ${flow.protocol.toLowerCase()}/${flow.port}`;
  const sides: { direction: Direction; pod: PodInstance }[] = [];
  if ("pod" in flow.dst) sides.push({ direction: "ingress", pod: flow.dst.pod });
  if ("pod" in flow.src) sides.push({ direction: "egress", pod: flow.src.pod });
  const side = (s: { direction: Direction; pod: PodInstance }) => {
    const view = emittedSideOf(how.input, s.pod, s.direction, how.namespaceLabels, how.podAddresses);
    const rules = view.rulesFor(s.direction === "ingress" ? flow.src : flow.dst).filter((r) => admits([r], flow));
    return { admitted: !view.isolated || rules.length > 0, policies: [...new Set(rules.map((r) => r.policy))] };
  };
  const isolating = (pod: PodInstance, d: Direction) =>
    policies.filter(
      (p) => p.namespace === pod.namespace && p.isolates[d] && selectorMatches(p.object.spec.podSelector, pod.labels),
    );
  let policy: InputPolicy | undefined;
  let why: string;
  if (admitted) {
    const names = sides.flatMap((s) => side(s).policies);
    policy = policies.find((p) => names.includes(p.name) && sides.some((s) => s.pod.namespace === p.namespace));
    why = `the policies admit it${names.length > 0 ? ` (${[...new Set(names)].join(", ")})` : " (no policy isolates either end)"}, the imported program does not`;
  } else {
    const dropping = sides.find((s) => !side(s).admitted)!;
    const by = isolating(dropping.pod, dropping.direction);
    policy = by[0];
    why = `the policies drop it on the ${dropping.direction} side (isolated by ${by.map((p) => p.id).join(", ")}), the imported program admits it`;
  }
  return { flow, description: [text, `${cni}${why}`], span: (policy ?? policies[0]).span };
}
