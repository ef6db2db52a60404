/**
 * `secpolc import`, its check: the imported program is compiled (with its own translation
 * validation), and its meaning is compared with the input policies end to end — a flow is admitted
 * when the destination's ingress and the source's egress admit it — on a representative of every
 * region of the universe that the program's selectors and the policies' tell apart: owned
 * namespaces with their labels, other namespaces with any labels, pods the input never names,
 * addresses outside the cluster's ranges, every port boundary, and for each named port a pod giving
 * it each number that matters (and one giving it none).
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { importing as im } from "../diagnostics/messages/import.js";
import { build, checkModel } from "../pipeline.js";
import { formatAddress } from "../semantics/ip.js";
import { selectorMatches, emittedSide, indexPolicies } from "./netpol.js";
import { evaluateFlow, type ConcreteFlow, type Endpoint, type PodInstance } from "../semantics/meaning.js";
import { regionNamespaceLabels, universeRegions } from "../semantics/universe.js";
import type { Direction, Model, PodTerm } from "../semantics/model.js";
import { MAX_PORT, MIN_PORT, protocols, type ContainerPort, type PortSet, type Protocol } from "../semantics/ports.js";
import type { Imported } from "./import.js";
import type { InputPolicy } from "./import-read.js";
import { namespaceTerm } from "./import-read.js";
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

/** Past this many flows the comparison stops and says the program is unchecked (never "exact"). */
export const MAX_IMPORT_CHECKS = 20_000_000;

const describeEndpoint = (e: Endpoint): string =>
  "ip" in e
    ? formatAddress(e.ip.family, e.ip.value)
    : `a pod {${Object.entries(e.pod.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ", ",
        )}} in \`${e.pod.namespace}\`${e.pod.ports.length > 0 ? ` (port ${e.pod.ports.map((p) => `${p.name}=${p.port}/${p.protocol.toLowerCase()}`).join(", ")})` : ""}`;

/** Compiles the imported program and compares its meaning with the policies'. */
export function checkImport(
  imported: Imported,
  path: string,
  options: { clusterVersion?: string; allowInexact?: boolean } = {},
): ImportCheck {
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
  const compared = compare(imported.policies, model!);
  const at = imported.policies[0]?.span ?? {
    file: path,
    start: { line: 1, column: 1, offset: 0 },
    end: { line: 1, column: 1, offset: 0 },
  };
  if ("tooMany" in compared)
    return {
      diagnostics: [...diagnostics, diagnostic(im.notChecked, at, [compared.tooMany])],
      checks: 0,
      exact: false,
      files: [],
    };
  if (compared.difference) {
    const d = compared.difference;
    const entry = options.allowInexact ? im.inexactAllowed : im.inexact;
    diagnostics.push(
      diagnostic(entry, d.span, [d.description], {
        help: "`--allow-inexact` writes the program anyway; the difference is described above",
      }),
    );
    return { diagnostics, checks: compared.checks, exact: false, files: built.files };
  }
  return { diagnostics, checks: compared.checks, exact: true, files: built.files };
}

interface Difference {
  flow: ConcreteFlow;
  description: string;
  span: Span;
}

/** Every input selector and block, for the regions. */
function inputTerms(policies: readonly InputPolicy[]): {
  terms: PodTerm[];
  blocks: import("../semantics/ip.js").IpBlock[];
} {
  const terms: PodTerm[] = [];
  const blocks: import("../semantics/ip.js").IpBlock[] = [];
  for (const p of policies) {
    terms.push({ namespaces: namespaceTerm(p.namespace), pods: p.pods });
    for (const r of [...p.rules.ingress, ...p.rules.egress]) {
      terms.push(...r.peers.pods);
      blocks.push(...r.blocks.map((b) => b.block));
    }
  }
  return { terms, blocks };
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

function compare(
  policies: readonly InputPolicy[],
  model: Model,
): { checks: number; difference?: Difference } | { tooMany: string } {
  const { terms, blocks } = inputTerms(policies);
  const regions = universeRegions([model], terms, blocks);
  if ("tooMany" in regions) return regions;
  const namespaceLabels = regionNamespaceLabels(regions);
  const index = indexPolicies(policies.map((p) => p.object));
  const portSets = [
    ...policies.flatMap((p) => [...p.rules.ingress, ...p.rules.egress].map((r) => r.ports)),
    ...model.rules.flatMap((r) => r.clauses.map((c) => c.ports)),
  ];
  const cuts = portCuts(portSets);
  const numbers = [...new Set(protocols.flatMap((p) => cuts[p]))];
  // each named port (with its protocol) given each number that matters, and a number none names
  const named = [...new Map(portSets.flatMap((s) => s.named).map((n) => [`${n.name}/${n.protocol}`, n])).values()];
  const fresh = Math.max(...numbers, 1000) < MAX_PORT ? Math.max(...numbers, 1000) + 1 : 2;
  const portVariants: { ports: ContainerPort[]; probe?: { protocol: Protocol; port: number } }[] = [{ ports: [] }];
  for (const n of named)
    for (const port of [...new Set([...numbers, fresh])])
      portVariants.push({
        ports: [{ name: n.name, port, protocol: n.protocol }],
        probe: { protocol: n.protocol, port },
      });

  const pods: PodInstance[] = regions.pods.map((r) => ({
    namespace: r.namespace.name,
    labels: r.labels,
    ports: r.ports,
  }));
  const addresses: Endpoint[] = regions.addresses.map((a) => ({ ip: { family: a.family, value: a.value } }));
  const sources: Endpoint[] = [...pods.map((pod) => ({ pod })), ...addresses];
  const flowsPerDestination = sources.length * protocols.reduce((n, p) => n + cuts[p].length, 0);
  if ((pods.length * (portVariants.length + 1) + addresses.length) * flowsPerDestination > MAX_IMPORT_CHECKS)
    return { tooMany: `more than ${MAX_IMPORT_CHECKS} flows would have to be compared` };

  let checks = 0;
  const inputAdmits = (flow: ConcreteFlow): boolean => {
    for (const d of ["ingress", "egress"] as const) {
      const end = d === "ingress" ? flow.dst : flow.src;
      if ("pod" in end && !emittedSide(index, end.pod, d, flow, namespaceLabels).admitted) return false;
    }
    return true;
  };
  const destinations: { dst: Endpoint; probe?: { protocol: Protocol; port: number } }[] = [
    ...pods.flatMap((pod) =>
      portVariants.map((v) => ({
        dst: { pod: { ...pod, ports: [...pod.ports, ...v.ports] } } as Endpoint,
        probe: v.probe,
      })),
    ),
    ...addresses.map((dst) => ({ dst })),
  ];
  for (const { dst, probe } of destinations) {
    for (const src of sources) {
      if ("ip" in src && "ip" in dst) continue;
      const cases = probe
        ? [probe]
        : protocols.flatMap((protocol) => cuts[protocol].map((port) => ({ protocol, port })));
      for (const { protocol, port } of cases) {
        const flow: ConcreteFlow = { src, dst, protocol, port };
        checks++;
        const meant = inputAdmits(flow);
        const program = evaluateFlow(model, flow, namespaceLabels).permitted;
        if (meant !== program) return { checks, difference: describe(policies, flow, meant, namespaceLabels, index) };
      }
    }
  }
  return { checks };
}

function describe(
  policies: readonly InputPolicy[],
  flow: ConcreteFlow,
  admitted: boolean,
  namespaceLabels: (n: string) => Record<string, string>,
  index: ReturnType<typeof indexPolicies>,
): Difference {
  const text = `${describeEndpoint(flow.src)} -> ${describeEndpoint(flow.dst)} on ${flow.protocol.toLowerCase()}/${flow.port}`;
  const sides: { direction: Direction; pod: PodInstance }[] = [];
  if ("pod" in flow.dst) sides.push({ direction: "ingress", pod: flow.dst.pod });
  if ("pod" in flow.src) sides.push({ direction: "egress", pod: flow.src.pod });
  const isolating = (pod: PodInstance, d: Direction) =>
    policies.filter(
      (p) => p.namespace === pod.namespace && p.isolates[d] && selectorMatches(p.object.spec.podSelector, pod.labels),
    );
  let policy: InputPolicy | undefined;
  let why: string;
  if (admitted) {
    const names = sides.flatMap((s) => emittedSide(index, s.pod, s.direction, flow, namespaceLabels).policies);
    policy = policies.find((p) => names.includes(p.name) && sides.some((s) => s.pod.namespace === p.namespace));
    why = `the policies admit it${names.length > 0 ? ` (${[...new Set(names)].join(", ")})` : " (no policy isolates either end)"}, the imported program does not`;
  } else {
    const dropping = sides.find((s) => !emittedSide(index, s.pod, s.direction, flow, namespaceLabels).admitted)!;
    const by = isolating(dropping.pod, dropping.direction);
    policy = by[0];
    why = `the policies drop it on the ${dropping.direction} side (isolated by ${by.map((p) => p.id).join(", ")}), the imported program admits it`;
  }
  return { flow, description: `${text}: ${why}`, span: (policy ?? policies[0]).span };
}
