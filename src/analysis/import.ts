/**
 * `secpolc import`: existing NetworkPolicies as a secpol program with the same meaning.
 *
 * NetworkPolicy admits a flow when the destination's ingress and the source's egress both admit it
 * (each where some policy isolates it); a secpol `allow` opens both ends at once. So the import
 * takes the meaning, not the objects: with Iin, Ieg the isolated pods and Ain, Aeg the flows the
 * rules admit on each side, the program allows exactly
 *
 *   (Ain ∩ Aeg) ∪ (Ain from sources not egress-isolated) ∪ (Aeg to destinations not ingress-isolated)
 *
 * under `default deny` postures for exactly the isolated pods (per namespace, or per selector as
 * `default deny DIRECTION for WORKLOAD`). The program is then compiled, and the policies are
 * checked against its meaning end to end over the regions of the universe (import-check.ts).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { importing as im } from "../diagnostics/messages/import.js";
import type { SourceText } from "../types.js";
import { format } from "../format/format.js";
import { isBareLabelValue, lexesAs, Name, quote } from "../syntax/tokens.js";
import { anyEndpoint, namespaceTerm, readImportInput, type InputPolicy, type InputRule } from "./import-read.js";
import { endpointsKey, termKey } from "../semantics/endpoints.js";
import { cidrContains, cidrOverlaps, formatCidr, simplifyBlocks, type Cidr, type IpBlock } from "../semantics/ip.js";
import {
  soleValue,
  complement,
  conjunctionKey,
  conjunctionSubset,
  labelsEqual,
  MAX_SELECTORS,
  conjunctionMatches,
  intersect,
  intersectConjunctions,
  type Conjunction,
  type Labels,
} from "../semantics/labels.js";
import { NAMESPACE_NAME_LABEL, type Direction, type EndpointSet, type PodTerm } from "../semantics/model.js";
import {
  intersectPorts,
  isAllPorts,
  isNoPorts,
  MAX_PORT,
  MIN_PORT,
  portSet,
  portsKey,
  protocols,
  type PortSet,
} from "../semantics/ports.js";

export interface ImportOptions {
  podCIDRs?: Cidr[];
  serviceCIDRs?: Cidr[];
  clusterVersion?: string;
  /** `--ipblock-pods`: whether the cluster's CNI matches ipBlocks against pod addresses; unset, the import keeps what the CNIs that do not mean (and the check compares both). */
  ipBlockPods?: "yes" | "no";
}

/** A part of the program's allowed flows, and the input rules it comes from. */
export interface Piece {
  sources: EndpointSet;
  destinations: EndpointSet;
  ports: PortSet;
  from: InputRule[];
}

export interface Imported {
  policies: InputPolicy[];
  /** Owned namespaces and their labels (the name label included). */
  namespaces: Map<string, Labels>;
  pieces: Piece[];
  program: string;
  diagnostics: Diagnostic[];
}

const NAME_KEYS = ["app.kubernetes.io/name", "app", "k8s-app"];

/** A set of pods: those a policy selects (`namespace`, `pods`). */
interface Subject {
  namespace: string;
  pods: Conjunction;
}

const subjectOf = (p: InputPolicy): Subject => ({ namespace: p.namespace, pods: p.pods });

/** Past this many pieces of allowed flows, the import stops (SP3053) rather than write an unreadable program slowly. */
export const MAX_PIECES = 10_000;

/** Thrown when a set of pods or of pieces would exceed its bound: reported as SP3053. */
export class TooLarge extends Error {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(what);
  }
}

/** The meaning of the input as pieces of allowed flows (see the file's comment). */
export function importedPieces(
  policies: readonly InputPolicy[],
  labelsOf: (namespace: string) => Labels | undefined,
): Piece[] {
  const reaches = (t: PodTerm, namespace: string): boolean =>
    conjunctionMatches(t.namespaces, labelsOf(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace });
  /** The pods of `set` that are among the subject's. */
  const within = (set: EndpointSet, s: Subject): EndpointSet => {
    const pods: PodTerm[] = [];
    for (const t of set.pods) {
      if (!reaches(t, s.namespace)) continue;
      const both = intersectConjunctions(t.pods, s.pods);
      if (both) pods.push({ namespaces: namespaceTerm(s.namespace), pods: both });
    }
    return { pods: uniqueTerms(pods), ips: [] };
  };
  /** `set` without the subjects' pods (its addresses stay: no policy isolates them). */
  const without = (set: EndpointSet, subjects: readonly Subject[]): EndpointSet => {
    let pods = set.pods;
    for (const s of subjects) {
      pods = pods.flatMap((t): PodTerm[] => {
        if (!reaches(t, s.namespace) || !intersectConjunctions(t.pods, s.pods)) return [t];
        const rest: PodTerm[] = [];
        const own = namespaceTerm(s.namespace);
        if (conjunctionKey(t.namespaces) !== conjunctionKey(own)) {
          const others = intersectConjunctions(t.namespaces, [
            [NAMESPACE_NAME_LABEL, { absentOk: true, values: { kind: "except", values: [s.namespace] } }],
          ]);
          if (others) rest.push({ namespaces: others, pods: t.pods });
        }
        for (const c of intersect([t.pods], complement([s.pods]))) rest.push({ namespaces: own, pods: c });
        return rest;
      });
      // the pods outside n selectors of several labels each can take exponentially many selectors
      if (pods.length > MAX_SELECTORS)
        throw new TooLarge("the peers of one rule outside the isolated pods", MAX_SELECTORS);
    }
    return { pods: uniqueTerms(pods), ips: set.ips };
  };
  const isolating = (d: Direction) => policies.filter((p) => p.isolates[d]);
  const ingress = isolating("ingress");
  const egress = isolating("egress");
  const ingressSubjects = uniqueSubjects(ingress.map(subjectOf));
  const egressSubjects = uniqueSubjects(egress.map(subjectOf));
  const pieces: Piece[] = [];
  const add = (piece: Piece) => {
    // a named port is a container port of a pod: addresses take the numbers only
    if (piece.destinations.ips.length > 0 && piece.ports.named.length > 0) {
      add({ ...piece, destinations: { pods: piece.destinations.pods, ips: [] } });
      add({ ...piece, destinations: { pods: [], ips: piece.destinations.ips }, ports: portSet(piece.ports.numeric) });
      return;
    }
    if (pieces.length >= MAX_PIECES) throw new TooLarge("the flows both ends admit", MAX_PIECES);
    if (
      (piece.sources.pods.length > 0 || piece.sources.ips.length > 0) &&
      (piece.destinations.pods.length > 0 || piece.destinations.ips.length > 0) &&
      !isNoPorts(piece.ports)
    )
      pieces.push(piece);
  };
  for (const p of ingress) {
    const own: EndpointSet = { pods: [{ namespaces: namespaceTerm(p.namespace), pods: p.pods }], ips: [] };
    for (const c of p.rules.ingress) {
      add({ sources: without(c.peers, egressSubjects), destinations: own, ports: c.ports, from: [c] });
      for (const q of egress) {
        for (const e of q.rules.egress) {
          const sources = within(c.peers, subjectOf(q));
          const destinations = within(e.peers, subjectOf(p));
          if (sources.pods.length === 0 || destinations.pods.length === 0) continue;
          add({ sources, destinations, ports: bothPorts(c.ports, e.ports), from: [c, e] });
        }
      }
    }
  }
  for (const q of egress) {
    const own: EndpointSet = { pods: [{ namespaces: namespaceTerm(q.namespace), pods: q.pods }], ips: [] };
    for (const e of q.rules.egress)
      add({ sources: own, destinations: without(e.peers, ingressSubjects), ports: e.ports, from: [e] });
  }
  return merged(pieces);
}

/**
 * Ports in both sets. A named port and a number meet only where a pod gives the name that number,
 * which no port set can say: then only what both say alike (the check reports the flows lost).
 */
function bothPorts(a: PortSet, b: PortSet): PortSet {
  const exact = intersectPorts(a, b);
  if (exact) return exact;
  const numeric = Object.fromEntries(
    protocols.map((p) => [
      p,
      a.numeric[p].flatMap((r) =>
        b.numeric[p].flatMap((s) =>
          Math.max(r.from, s.from) <= Math.min(r.to, s.to)
            ? [{ from: Math.max(r.from, s.from), to: Math.min(r.to, s.to) }]
            : [],
        ),
      ),
    ]),
  );
  const full = (s: PortSet, protocol: string) =>
    s.numeric[protocol as "TCP"].some((r) => r.from === MIN_PORT && r.to === MAX_PORT);
  const named = [
    ...a.named.filter(
      (n) => full(b, n.protocol) || b.named.some((m) => m.name === n.name && m.protocol === n.protocol),
    ),
    ...b.named.filter((n) => full(a, n.protocol)),
  ];
  return portSet(numeric, named);
}

/** The terms without repeats and without those another holds (`app=web, tier=x` beside `app=web`). */
function uniqueTerms(terms: readonly PodTerm[]): PodTerm[] {
  const unique = [...new Map(terms.map((t) => [termKey(t), t])).values()];
  const within = (t: PodTerm, u: PodTerm) =>
    conjunctionSubset(t.namespaces, u.namespaces) && conjunctionSubset(t.pods, u.pods);
  return unique.filter((t, i) => !unique.some((u, j) => j !== i && within(t, u) && !(within(u, t) && j > i)));
}

const uniqueSubjects = (subjects: readonly Subject[]): Subject[] => [
  ...new Map(subjects.map((s) => [`${s.namespace}|${conjunctionKey(s.pods)}`, s])).values(),
];

function unionEndpoints(a: EndpointSet, b: EndpointSet): EndpointSet {
  if (a.pods.length + b.pods.length > MAX_SELECTORS) throw new TooLarge("the peers of one allow", MAX_SELECTORS);
  return { pods: uniqueTerms([...a.pods, ...b.pods]), ips: simplifyBlocks([...a.ips, ...b.ips]) };
}

/**
 * Pieces with the same sources and ports as one (their destinations joined), then with the same
 * destinations and ports; only pieces from policies of the same namespaces, so that a statement
 * stays about one namespace's policies.
 */
function merged(pieces: readonly Piece[]): Piece[] {
  const join = (list: readonly Piece[], key: (p: Piece) => string, combine: (a: Piece, b: Piece) => Piece): Piece[] => {
    const byKey = new Map<string, Piece>();
    for (const p of list) {
      const k = key(p);
      const found = byKey.get(k);
      byKey.set(k, found ? combine(found, p) : p);
    }
    return [...byKey.values()];
  };
  const from = (a: Piece, b: Piece) => [...new Set([...a.from, ...b.from])];
  const namespaces = (p: Piece) => [...new Set(p.from.map((r) => r.policy.namespace))].sort().join(",");
  const once = join(
    pieces,
    (p) => `${namespaces(p)}|${endpointsKey(p.sources)}|${portsKey(p.ports)}`,
    (a, b) => ({ ...a, destinations: unionEndpoints(a.destinations, b.destinations), from: from(a, b) }),
  );
  return join(
    once,
    (p) => `${namespaces(p)}|${endpointsKey(p.destinations)}|${portsKey(p.ports)}`,
    (a, b) => ({ ...a, sources: unionEndpoints(a.sources, b.sources), from: from(a, b) }),
  );
}

// ---------------------------------------------------------------------------------------------
// Writing the program

/** A label value as the formatter writes it: bare when it lexes as a name or a number, else quoted. */
const value = (v: string) => (isBareLabelValue(v) ? v : quote(v));
const isName = (text: string) => lexesAs(text, [Name]);

/** A conjunction in selector syntax (`app=web, tier in (a, b), !legacy`). */
export function selectorText(c: Conjunction): string {
  const parts: string[] = [];
  for (const [key, k] of c) {
    const values = k.values.values.map(value);
    if (k.values.kind === "only") {
      if (k.absentOk && values.length === 0) parts.push(`!${key}`);
      else if (!k.absentOk && values.length === 1) parts.push(`${key}=${values[0]}`);
      else if (!k.absentOk) parts.push(`${key} in (${values.join(", ")})`);
      // "absent or one of these" is no one selector: labels.ts splits it before it gets here
      else throw new Error(`inexpressible selector on ${key}`);
    } else if (k.absentOk)
      parts.push(values.length === 1 ? `${key}!=${values[0]}` : `${key} notin (${values.join(", ")})`);
    else parts.push(values.length === 0 ? key : `${key}, ${key} notin (${values.join(", ")})`);
  }
  return parts.join(", ");
}

/** The namespace a conjunction names by name alone, if that is all it says. */
function namedNamespace(c: Conjunction): string | undefined {
  if (c.length !== 1) return undefined;
  const [key, k] = c[0];
  const value = key === NAMESPACE_NAME_LABEL ? soleValue(k) : undefined;
  return value !== undefined && isName(value) ? value : undefined;
}

interface Names {
  /** The workload of a selector in an owned namespace, by `namespace|conjunctionKey`. */
  workloads: Map<string, { namespace: string; name: string; pods: Conjunction }>;
}

function peerText(t: PodTerm, names: Names): string {
  const namespace = namedNamespace(t.namespaces);
  if (namespace !== undefined) {
    if (t.pods.length === 0) return `${namespace}/*`;
    const w = names.workloads.get(`${namespace}|${conjunctionKey(t.pods)}`);
    if (w) return `${namespace}/${w.name}`;
    return `pods(${selectorText(t.pods)}) in ns ${namespace}`;
  }
  // every namespace: the name label, which every namespace carries
  const namespaces = t.namespaces.length === 0 ? NAMESPACE_NAME_LABEL : selectorText(t.namespaces);
  if (t.pods.length === 0) return t.namespaces.length === 0 ? "cluster" : `ns(${namespaces})`;
  return `pods(${selectorText(t.pods)}) in ns(${namespaces})`;
}

/** The prelude's `dns` group (std/dns.secpol): kube-dns pods in kube-system, on 53/tcp and 53/udp. */
const DNS: PodTerm = { namespaces: namespaceTerm("kube-system"), pods: labelsEqual("k8s-app", "kube-dns") };
const DNS_PORTS = portSet({ TCP: [{ from: 53, to: 53 }], UDP: [{ from: 53, to: 53 }] });
const isDns = (p: Piece): boolean =>
  p.destinations.ips.length === 0 &&
  p.destinations.pods.length === 1 &&
  termKey(p.destinations.pods[0]) === termKey(DNS) &&
  portsKey(p.ports) === portsKey(DNS_PORTS);

const blockText = (b: IpBlock) =>
  `cidr ${formatCidr(b.cidr)}${b.except.length > 0 ? ` except ${b.except.map(formatCidr).join(", ")}` : ""}`;

function endpointsText(s: EndpointSet, names: Names): string {
  const isAny =
    s.pods.some((t) => t.namespaces.length === 0 && t.pods.length === 0) &&
    [4, 6].every((f) => s.ips.some((b) => b.cidr.family === f && b.cidr.prefix === 0 && b.except.length === 0));
  if (isAny) return "any";
  return [...s.pods.map((t) => peerText(t, names)).sort(), ...s.ips.map(blockText)].join(", ");
}

function portsText(s: PortSet): string {
  if (isAllPorts(s)) return "";
  const parts: string[] = [];
  for (const p of protocols) {
    const suffix = p === "TCP" ? "" : `/${p.toLowerCase()}`;
    for (const r of s.numeric[p]) parts.push(`${r.from === r.to ? r.from : `${r.from}..${r.to}`}${suffix}`);
  }
  for (const n of s.named) parts.push(`${n.name}${n.protocol === "TCP" ? "" : `/${n.protocol.toLowerCase()}`}`);
  return `: ${parts.join(", ")}`;
}

const sanitize = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "") || "pods";

/** A workload name made of `text`: `pods-42` where the text alone would be a number. */
const workloadName = (text: string): string => {
  const name = sanitize(text);
  return isName(name) ? name : `pods-${name}`;
};

/** The workload name a selector suggests: the value it requires of a name label. */
function suggestedName(c: Conjunction): string | undefined {
  for (const key of NAME_KEYS) {
    const k = c.find(([name]) => name === key)?.[1];
    const value = k && soleValue(k);
    if (value !== undefined) return workloadName(value);
  }
  return undefined;
}

function nameWorkloads(policies: readonly InputPolicy[], pieces: readonly Piece[], owned: ReadonlySet<string>): Names {
  const workloads: Names["workloads"] = new Map();
  const taken = new Set<string>();
  const declare = (namespace: string, pods: Conjunction, fallback: string | undefined) => {
    const key = `${namespace}|${conjunctionKey(pods)}`;
    if (pods.length === 0 || workloads.has(key) || !owned.has(namespace)) return;
    const base = suggestedName(pods) ?? (fallback === undefined ? undefined : workloadName(fallback));
    if (base === undefined) return;
    let name = base;
    for (let i = 2; taken.has(`${namespace}/${name}`); i++) name = `${base}-${i}`;
    taken.add(`${namespace}/${name}`);
    workloads.set(key, { namespace, name, pods });
  };
  for (const p of policies) declare(p.namespace, p.pods, p.name);
  for (const piece of pieces) {
    for (const t of [...piece.sources.pods, ...piece.destinations.pods]) {
      const namespace = namedNamespace(t.namespaces);
      if (namespace !== undefined) declare(namespace, t.pods, undefined);
    }
  }
  return { workloads };
}

/** Policies and where they are written, by file: `shop/a, shop/b (netpol.yaml:3, 12)`. */
function where(policies: readonly InputPolicy[]): string {
  const byFile = new Map<string, InputPolicy[]>();
  for (const p of [...policies].sort((a, b) => a.span.start.offset - b.span.start.offset))
    byFile.set(p.span.file, [...(byFile.get(p.span.file) ?? []), p]);
  return [...byFile]
    .map(
      ([file, list]) =>
        `${list.map((p) => p.id).join(", ")} (${file}:${list.map((p) => p.span.start.line).join(", ")})`,
    )
    .join("; ");
}

/** The program's text, formatted. */
export function writeProgram(
  policies: readonly InputPolicy[],
  namespaces: ReadonlyMap<string, Labels>,
  pieces: readonly Piece[],
  options: ImportOptions,
): string {
  const owned = new Set(namespaces.keys());
  const names = nameWorkloads(policies, pieces, owned);
  const lines: string[] = [
    `# Imported by \`secpolc import\` from ${policies.length} NetworkPolic${policies.length === 1 ? "y" : "ies"}: the same flows, end to end.`,
  ];
  const cluster = [
    ...(options.clusterVersion ? [`version ${options.clusterVersion}`] : []),
    ...(options.podCIDRs?.length ? [`podCIDR ${options.podCIDRs.map(formatCidr).join(", ")}`] : []),
    ...(options.serviceCIDRs?.length ? [`serviceCIDR ${options.serviceCIDRs.map(formatCidr).join(", ")}`] : []),
  ];
  if (cluster.length > 0) lines.push(`cluster { ${cluster.join("; ")} }`);
  for (const namespace of [...owned].sort()) {
    lines.push("", `namespace ${namespace} {`);
    const labels = Object.entries(namespaces.get(namespace) ?? {}).filter(([k]) => k !== NAMESPACE_NAME_LABEL);
    if (labels.length > 0) lines.push(`  labels ${labels.map(([k, v]) => `${k}=${value(v)}`).join(", ")}`);
    const here = policies.filter((p) => p.namespace === namespace);
    const whole = (d: Direction) => here.filter((p) => p.isolates[d] && p.pods.length === 0);
    const [wholeIn, wholeOut] = [whole("ingress"), whole("egress")];
    const sources = (list: readonly InputPolicy[]) => `  # ${where(list)}`;
    if (wholeIn.length > 0 && wholeOut.length > 0)
      lines.push(sources([...new Set([...wholeIn, ...wholeOut])]), "  default deny");
    else if (wholeIn.length > 0) lines.push(sources(wholeIn), "  default deny ingress");
    else if (wholeOut.length > 0) lines.push(sources(wholeOut), "  default deny egress");
    for (const w of [...names.workloads.values()].filter((w) => w.namespace === namespace)) {
      lines.push(`  workload ${w.name} ${selectorText(w.pods)}`);
      for (const d of ["ingress", "egress"] as const) {
        if (whole(d).length > 0) continue;
        const isolating = here.filter((p) => p.isolates[d] && conjunctionKey(p.pods) === conjunctionKey(w.pods));
        if (isolating.length > 0) lines.push(sources(isolating), `  default deny ${d} for ${w.name}`);
      }
    }
    lines.push("}");
  }
  const statements = pieces.map((piece) => {
    const from = [...new Set(piece.from.map((r) => r.policy))];
    const how = piece.from.length > 1 && new Set(piece.from.map((r) => r.direction)).size > 1 ? " (both ends)" : "";
    const destination = isDns(piece) ? "dns" : `${endpointsText(piece.destinations, names)}${portsText(piece.ports)}`;
    return {
      order: piece.from[0],
      text: [`# ${where(from)}${how}`, `allow ${endpointsText(piece.sources, names)} -> ${destination}`],
    };
  });
  const order = new Map(policies.flatMap((p) => [...p.rules.ingress, ...p.rules.egress]).map((r, i) => [r, i]));
  statements.sort(
    (a, b) => order.get(a.order)! - order.get(b.order)! || (a.text[1] < b.text[1] ? -1 : a.text[1] > b.text[1] ? 1 : 0),
  );
  for (const s of statements) lines.push("", ...s.text);
  const text = `${lines.join("\n")}\n`;
  const formatted = format(text, "<import>");
  return formatted.text ?? text;
}

// ---------------------------------------------------------------------------------------------
// The cluster's ranges

/**
 * The rules with the cluster's ranges out of their address blocks (pods are addressed by labels,
 * and the program excepts the ranges from every block): a block inside a range is left out. A block
 * holding a pod range admits pods too on CNIs that match ipBlocks against pod addresses: with
 * `--ipblock-pods yes`, where it holds a whole pod range (every pod's address), the rule also names
 * every pod; otherwise it is said (the check compares both behaviours, docs/decisions.md).
 */
function outsideClusterRanges(
  policies: readonly InputPolicy[],
  options: ImportOptions,
  diagnostics: Diagnostic[],
): void {
  const podRanges = options.podCIDRs ?? [];
  const ranges = [...podRanges, ...(options.serviceCIDRs ?? [])];
  for (const p of policies) {
    for (const rule of [...p.rules.ingress, ...p.rules.egress]) {
      let everyPod = false;
      for (const { text, block } of rule.blocks) {
        const inside = ranges.find((r) => cidrContains(r, block.cidr));
        if (inside) diagnostics.push(diagnostic(im.ipBlockInsideRange, p.span, [text, formatCidr(inside)]));
        if (options.ipBlockPods === "yes") {
          const whole = podRanges.find(
            (r) => cidrContains(block.cidr, r) && !block.except.some((e) => cidrOverlaps(e, r)),
          );
          if (whole) {
            everyPod = true;
            diagnostics.push(diagnostic(im.ipBlockAdmitsEveryPod, p.span, [text, formatCidr(whole)]));
          }
        } else if (options.ipBlockPods === undefined) {
          const holds = podRanges.find(
            (r) => cidrContains(block.cidr, r) && !block.except.some((e) => cidrContains(e, r)),
          );
          if (holds) diagnostics.push(diagnostic(im.ipBlockHoldsPods, p.span, [text, formatCidr(holds)]));
        }
      }
      if (everyPod || (ranges.length > 0 && rule.peers.ips.length > 0)) {
        rule.peers = {
          pods: everyPod ? [...rule.peers.pods, ...anyEndpoint.pods] : rule.peers.pods,
          ips: simplifyBlocks(rule.peers.ips.flatMap((b) => (ranges.some((r) => cidrContains(r, b.cidr)) ? [] : [b]))),
        };
      }
    }
  }
}

/** Reads the policies and writes the program; `check` (import-check.ts) then compares them. */
export function importPolicies(manifests: readonly SourceText[], options: ImportOptions = {}): Imported {
  const input = readImportInput(manifests);
  const diagnostics = input.diagnostics;
  const namespaces = new Map<string, Labels>();
  for (const name of [...new Set([...input.policies.map((p) => p.namespace), ...input.namespaceLabels.keys()])]) {
    namespaces.set(name, { ...(input.namespaceLabels.get(name) ?? {}), [NAMESPACE_NAME_LABEL]: name });
  }
  outsideClusterRanges(input.policies, options, diagnostics);
  // a namespaceSelector on labels other than the name: the owned namespaces without a Namespace object are taken to carry none
  const byLabels = input.policies.find((p) =>
    [...p.rules.ingress, ...p.rules.egress].some((r) =>
      r.peers.pods.some((t) => t.namespaces.some(([key]) => key !== NAMESPACE_NAME_LABEL)),
    ),
  );
  if (byLabels)
    for (const name of namespaces.keys())
      if (!input.namespaceLabels.has(name))
        diagnostics.push(
          diagnostic(im.namespaceLabelsAssumed, byLabels.span, [name], {
            help: "give the Namespace objects too, for their labels",
          }),
        );
  let pieces: Piece[];
  try {
    pieces = importedPieces(input.policies, (n) => namespaces.get(n));
  } catch (e) {
    if (!(e instanceof TooLarge)) throw e;
    diagnostics.push(
      diagnostic(im.tooLarge, input.policies[0].span, [e.what, e.limit], {
        help: "import the namespaces a few at a time",
      }),
    );
    return { policies: input.policies, namespaces, pieces: [], program: "", diagnostics };
  }
  for (const p of input.policies) {
    for (const d of ["ingress", "egress"] as const) {
      if (!p.isolates[d]) continue;
      p.rules[d].forEach((rule, i) => {
        // a rule whose only blocks lie inside the cluster's ranges has had its warning (SP9074)
        if (
          pieces.some((piece) => piece.from.includes(rule)) ||
          (rule.peers.pods.length === 0 && rule.peers.ips.length === 0)
        )
          return;
        const why =
          d === "ingress"
            ? "every source it names is egress-isolated, and no egress rule admits these flows"
            : "every destination it names is ingress-isolated, and no ingress rule admits these flows";
        diagnostics.push(diagnostic(im.ruleAdmitsNothing, p.span, [p.id, `${d} (rule ${i + 1})`, why]));
      });
    }
  }
  const program = writeProgram(input.policies, namespaces, pieces, options);
  return { policies: input.policies, namespaces, pieces, program, diagnostics };
}
