/**
 * Why is a flow permitted or not? On each side (the destination's ingress, the source's egress):
 * the allow and deny lines that match it, the posture line where the posture decides, and the
 * emitted policies that admit it. Also the check of `assert` statements, which reports a failing
 * assertion with this trace.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import { addressInBlock, formatAddress, lastAddress } from "../semantics/ip.js";
import { conjunctionMatches, witness, type Conjunction, type Labels } from "../semantics/labels.js";
import {
  evaluateFlow,
  inEndpointSet,
  ownedNamespaceLabels,
  type ConcreteFlow,
  type Endpoint,
  type NamespaceLabels,
  type SideVerdict,
} from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Clause, type Direction, type EndpointSet, type Model } from "../semantics/model.js";
import { portSetContains, protocols, type Protocol } from "../semantics/ports.js";
import { regionNamespaceLabels, universeRegions, type Regions } from "../semantics/universe.js";
import { endpointOn, regionEndpoints, type NamedEndpoint } from "./diff.js";
import { portIntervals } from "../semantics/boundaries.js";
import { emittedSide, indexPolicies } from "./netpol.js";

export interface Reason {
  file: string;
  line: number;
  side: Direction;
  effect: "allow" | "deny" | "posture";
  span: Span;
}

export interface Explanation {
  flow: string;
  /** The verdict of the flow traced (the plainest pods of the query's ends). */
  permitted: boolean;
  /**
   * When the query's ends hold pods with different verdicts (a namespace not owned may carry any
   * labels, a selector's pods any others): the verdict of every region of pods and addresses in them.
   */
  cases?: { flow: string; permitted: boolean }[];
  reasons: Reason[];
  /** Per side: managed or not, and the emitted policies (`namespace/name`) that admit the flow. */
  sides: { side: Direction; managed: boolean; permitted: boolean; policies: string[] }[];
}

/** The prefix of the names of namespaces invented to stand for a selector. */
const INVENTED = "secpolc-any-";

/** Namespaces the explanation invents for endpoints outside the owned ones, with their labels. */
export class Namespaces {
  private readonly invented = new Map<string, Labels>();
  readonly labels: NamespaceLabels;

  /** `others`: the labels of namespaces the program does not own (a region's, say); by default their name label only. */
  constructor(model: Model, others: NamespaceLabels = (n) => ({ [NAMESPACE_NAME_LABEL]: n })) {
    this.labels = ownedNamespaceLabels(model, (n) => this.invented.get(n) ?? others(n));
  }

  /** Names of namespaces in the set: named ones, owned ones that match, or one invented to match. */
  within(model: Model, namespaces: Conjunction): string[] {
    const named = namespaces.find(([key]) => key === NAMESPACE_NAME_LABEL)?.[1];
    if (named && !named.absentOk && named.values.kind === "only") return [...named.values.values];
    const owned = model.namespaces.filter((n) => conjunctionMatches(namespaces, n.labels)).map((n) => n.name);
    const name = `${INVENTED}${this.invented.size}`;
    this.invented.set(name, { ...witness(namespaces), [NAMESPACE_NAME_LABEL]: name });
    return [...owned, name];
  }
}

/** Concrete endpoints standing for a set: a pod per namespace and selector, an address per block. */
export function endpointsOf(model: Model, set: EndpointSet, namespaces: Namespaces): Endpoint[] {
  const result: Endpoint[] = [];
  for (const term of set.pods) {
    for (const namespace of namespaces.within(model, term.namespaces)) {
      const labels = witness(term.pods);
      const workload = model.workloads.find((w) => w.namespace === namespace && conjunctionMatches(w.pods, labels));
      result.push({ pod: { namespace, labels, ports: workload?.ports ?? [] } });
    }
  }
  for (const block of set.ips) {
    const candidates = [block.cidr.base, lastAddress(block.cidr), ...block.except.map((e) => lastAddress(e) + 1n)];
    const value = candidates.find((v) => addressInBlock(block.cidr.family, v, block));
    if (value !== undefined) result.push({ ip: { family: block.cidr.family, value } });
  }
  return result;
}

/**
 * Endpoints standing for every region of pods and addresses in a set (every pod and address the
 * program's selectors and blocks tell apart there), with the labels of the regions' namespaces; as
 * `destinations`, pods of no workload per set of port names on the flow's port too (`endpointOn`).
 */
export function regionEndpointsIn(
  regions: Exclude<Regions, { tooMany: string }>,
  set: EndpointSet,
  labels: NamespaceLabels,
  destinations = false,
): NamedEndpoint[] {
  const result: NamedEndpoint[] = [];
  for (const e of regionEndpoints(regions, destinations)) if (inEndpointSet(set, e.endpoint, labels)) result.push(e);
  return result;
}

/** A port per range start and named port of the clause, or a few when it names none. */
function portsOf(clause: Clause, destination: Endpoint): { protocol: Protocol; port: number }[] {
  const result: { protocol: Protocol; port: number }[] = [];
  for (const protocol of protocols)
    for (const r of clause.ports.numeric[protocol]) result.push({ protocol, port: r.from }, { protocol, port: r.to });
  for (const n of clause.ports.named) {
    const declared =
      "pod" in destination
        ? destination.pod.ports.find((p) => p.name === n.name && p.protocol === n.protocol)
        : undefined;
    if (declared) result.push({ protocol: n.protocol, port: declared.port });
  }
  return result;
}

/** An endpoint in source terms; a namespace invented to stand for a selector is shown by its labels (`ns(env=dev)`), given `labels`. */
export function describeEndpoint(e: Endpoint, labels?: NamespaceLabels): string {
  if ("ip" in e) return formatAddress(e.ip.family, e.ip.value);
  const shown = (l: Labels) =>
    Object.entries(l)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
  const invented =
    labels && e.pod.namespace.startsWith(INVENTED)
      ? shown(Object.fromEntries(Object.entries(labels(e.pod.namespace)).filter(([k]) => k !== NAMESPACE_NAME_LABEL)))
      : undefined;
  return `pods(${shown(e.pod.labels)}) in ${invented === undefined ? `ns ${e.pod.namespace}` : `ns(${invented})`}`;
}

export const describeFlow = (f: ConcreteFlow, labels?: NamespaceLabels): string =>
  `${describeEndpoint(f.src, labels)} -> ${describeEndpoint(f.dst, labels)}:${f.port}/${f.protocol.toLowerCase()}`;

export function reasonsOf(verdict: { ingress: SideVerdict; egress: SideVerdict }): Reason[] {
  const reasons: Reason[] = [];
  for (const side of ["ingress", "egress"] as const) {
    const v = verdict[side];
    if (!v.managed) continue;
    const add = (span: Span, effect: Reason["effect"]) =>
      reasons.push({ file: span.file, line: span.start.line, side, effect, span });
    for (const span of v.allows) add(span, "allow");
    for (const span of v.denies) add(span, "deny");
    // the posture decides when no rule does, or when it admits everything (`default allow`)
    if (v.posture && (v.posture.posture === "allow" || v.allows.length === 0) && v.denies.length === 0)
      add(v.posture.span, "posture");
  }
  return reasons;
}

export function explain(
  model: Model,
  objects: readonly unknown[],
  flow: ConcreteFlow,
  namespaces: Namespaces,
  text: string,
): Explanation {
  const verdict = evaluateFlow(model, flow, namespaces.labels);
  const index = indexPolicies(objects);
  const sides = (["ingress", "egress"] as const).map((side) => {
    const end = side === "ingress" ? flow.dst : flow.src;
    const emitted = "pod" in end ? emittedSide(index, end.pod, side, flow, namespaces.labels) : undefined;
    const namespace = "pod" in end ? end.pod.namespace : "";
    return {
      side,
      managed: verdict[side].managed,
      permitted: verdict[side].permitted,
      policies: (emitted?.policies ?? []).map((p) => `${namespace}/${p}`),
    };
  });
  return { flow: text, permitted: verdict.permitted, reasons: reasonsOf(verdict), sides };
}

/** The verdict of a query's flow in every region of its ends that the program tells apart. */
export function regionCases(
  model: Model,
  regions: Exclude<Regions, { tooMany: string }>,
  clause: Clause,
  protocol: Protocol,
  port: number,
): { flow: string; permitted: boolean }[] {
  const labels = regionNamespaceLabels(regions);
  const cases: { flow: string; permitted: boolean }[] = [];
  const destinations = regionEndpointsIn(regions, clause.destinations, labels, true);
  for (const src of regionEndpointsIn(regions, clause.sources, labels)) {
    for (const dst of destinations) {
      if (!("pod" in src.endpoint) && !("pod" in dst.endpoint)) continue;
      const permitted = evaluateFlow(
        model,
        { src: src.endpoint, dst: endpointOn(dst, protocol, port), protocol, port },
        labels,
      ).permitted;
      cases.push({ flow: `${src.name} -> ${dst.name}`, permitted });
    }
  }
  return cases;
}

export function renderExplanation(e: Explanation, sources: Record<string, string>): string {
  const lines = [
    `${e.flow}: ${e.cases ? `permitted for some pods, not for others (${e.cases.filter((c) => c.permitted).length} of ${e.cases.length} kinds)` : e.permitted ? "permitted" : "not permitted"}`,
  ];
  if (e.cases) {
    for (const verdict of [true, false]) {
      lines.push(
        `  ${verdict ? "permitted" : "not permitted"}:`,
        ...e.cases.filter((c) => c.permitted === verdict).map((c) => `    ${c.flow}`),
      );
    }
    lines.push(`  the plainest pods: ${e.permitted ? "permitted" : "not permitted"}`);
  }
  for (const side of e.sides) {
    const label = side.side === "ingress" ? "ingress of the destination" : "egress of the source";
    if (!side.managed) {
      lines.push(`  ${label}: unmanaged (no posture), open`);
      continue;
    }
    lines.push(`  ${label}: ${side.permitted ? "permits" : "forbids"}`);
    for (const r of e.reasons.filter((r) => r.side === side.side)) {
      const source = sources[r.file]?.split("\n")[r.line - 1]?.trim() ?? "";
      lines.push(`    ${r.effect.padEnd(7)} ${r.file}:${r.line}  ${source}`);
    }
    if (side.policies.length > 0) lines.push(`    emitted ${side.policies.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

export const explanationToJson = (e: Explanation) => ({
  flow: e.flow,
  permitted: e.permitted,
  ...(e.cases ? { cases: e.cases } : {}),
  reasons: e.reasons.map((r) => ({ file: r.file, line: r.line, side: r.side, effect: r.effect })),
  policies: e.sides.flatMap((s) => s.policies.map((name) => ({ side: s.side, name }))),
});

/**
 * Each assertion holds on every flow it names: `-/->` on a pod of every region of its ends and every
 * port interval (src/semantics/universe.ts), so that it holds for every pod a cluster could hold;
 * `->` on the pods each selector stands for. A failing one is an error with its trace; one whose
 * regions are too many to enumerate is an error too, never a silent pass.
 */
export function checkAssertions(model: Model, unchecked?: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const namespaces = new Namespaces(model);
  for (const assertion of model.assertions) {
    if (assertion.span.file === unchecked) continue;
    let failing: { flow: ConcreteFlow; text: string; verdict: ReturnType<typeof evaluateFlow> } | undefined;
    if (assertion.negated) {
      const regions = universeRegions([model]);
      if ("tooMany" in regions) {
        diagnostics.push(
          diagnostic(cm.tooManyRegions, assertion.span, ["this assertion", regions.tooMany], {
            help: "ask about fewer label keys at once, or split the assertion",
          }),
        );
        continue;
      }
      failing = regionCounterexample(model, regions, assertion.clauses);
    } else {
      search: for (const clause of assertion.clauses) {
        for (const src of endpointsOf(model, clause.sources, namespaces)) {
          for (const dst of endpointsOf(model, clause.destinations, namespaces)) {
            if (!("pod" in src) && !("pod" in dst)) continue;
            for (const { protocol, port } of portsOf(clause, dst)) {
              const flow: ConcreteFlow = { src, dst, protocol, port };
              const verdict = evaluateFlow(model, flow, namespaces.labels);
              if (!verdict.permitted) {
                failing = { flow, text: describeFlow(flow, namespaces.labels), verdict };
                break search;
              }
            }
          }
        }
      }
    }
    if (!failing) continue;
    const reasons = reasonsOf(failing.verdict);
    diagnostics.push(
      diagnostic(
        cm.assertionFailed,
        assertion.span,
        [failing.text, failing.verdict.permitted ? "permitted" : "not permitted"],
        {
          related: reasons.map((r) => ({
            span: r.span,
            message: `${r.side}: ${r.effect === "posture" ? "the posture" : `this ${r.effect}`} ${r.effect === "deny" ? "removes it" : r.effect === "allow" ? "admits it" : "decides"}`,
          })),
          ...(reasons.length === 0 ? { help: "no rule or posture admits this flow on a managed side" } : {}),
        },
      ),
    );
  }
  return diagnostics;
}

/** A permitted flow among those the clauses name, over every region of their ends and every port interval, if any. */
export function regionCounterexample(
  model: Model,
  regions: Exclude<Regions, { tooMany: string }>,
  clauses: readonly Clause[],
): { flow: ConcreteFlow; text: string; verdict: ReturnType<typeof evaluateFlow> } | undefined {
  const labels = regionNamespaceLabels(regions);
  const ports = portIntervals([model]);
  for (const clause of clauses) {
    const destinations = regionEndpointsIn(regions, clause.destinations, labels, true);
    for (const src of regionEndpointsIn(regions, clause.sources, labels)) {
      for (const dst of destinations) {
        if (!("pod" in src.endpoint) && !("pod" in dst.endpoint)) continue;
        for (const { protocol, from } of ports) {
          const on = endpointOn(dst, protocol, from);
          if (!portSetContains(clause.ports, protocol, from, "pod" in on ? on.pod.ports : undefined)) continue;
          const flow: ConcreteFlow = { src: src.endpoint, dst: on, protocol, port: from };
          const verdict = evaluateFlow(model, flow, labels);
          if (verdict.permitted)
            return { flow, text: `${src.name} -> ${dst.name}:${from}/${protocol.toLowerCase()}`, verdict };
        }
      }
    }
  }
  return undefined;
}
