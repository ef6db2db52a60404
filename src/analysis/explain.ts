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
import { conjunctionMatches, labelCombinations, witness, type Conjunction, type Labels } from "../semantics/labels.js";
import { evaluateFlow, ownedNamespaceLabels, type ConcreteFlow, type Endpoint, type NamespaceLabels, type SideVerdict } from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Clause, type Direction, type EndpointSet, type Model } from "../semantics/model.js";
import { podTerms, termPodsIn, workloadsIn } from "../semantics/lookup.js";
import { protocols, type Protocol } from "../semantics/ports.js";
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
  permitted: boolean;
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

  constructor(model: Model) {
    this.labels = ownedNamespaceLabels(model, (n) => this.invented.get(n) ?? { [NAMESPACE_NAME_LABEL]: n });
  }

  /**
   * Names of namespaces in the set: named ones, owned ones that match, or one invented to match;
   * with `everyRegion`, one invented per region of the program's namespace selectors in the set.
   */
  within(model: Model, namespaces: Conjunction, everyRegion = false): string[] {
    const named = namespaces.find(([key]) => key === NAMESPACE_NAME_LABEL)?.[1];
    if (named && !named.absentOk && named.values.kind === "only") return [...named.values.values];
    const owned = model.namespaces.filter((n) => conjunctionMatches(namespaces, n.labels)).map((n) => n.name);
    // an invented namespace has a name of its own: only the other labels tell its regions apart
    const unnamed = (c: Conjunction) => c.filter(([key]) => key !== NAMESPACE_NAME_LABEL);
    const regions = everyRegion ? regionsOf(unnamed(namespaces), podTerms(model).map((t) => unnamed(t.namespaces))) : [witness(namespaces)];
    return [
      ...owned,
      ...regions.map((labels) => {
        const name = `${INVENTED}${this.invented.size}`;
        this.invented.set(name, { ...labels, [NAMESPACE_NAME_LABEL]: name });
        return name;
      }),
    ];
  }
}

/** Past this many label maps, an assertion is checked on a selector's witness only. */
const MAX_ASSERTION_REGIONS = 256;

/** Label maps in `c`, one per region that `c` and `others` tell apart (its witness alone, past MAX_ASSERTION_REGIONS). */
function regionsOf(c: Conjunction, others: readonly Conjunction[]): Labels[] {
  return labelCombinations([c, ...others], MAX_ASSERTION_REGIONS)?.filter((l) => conjunctionMatches(c, l)) ?? [witness(c)];
}

/**
 * Concrete endpoints standing for a set: a pod per namespace and selector, an address per block;
 * with `everyRegion` (`-/->` assertions), a pod per region of the set that the program's selectors
 * tell apart, so that the assertion holds for every pod of the set, not only the selector's plainest.
 */
export function endpointsOf(model: Model, set: EndpointSet, namespaces: Namespaces, everyRegion = false): Endpoint[] {
  const result: Endpoint[] = [];
  for (const term of set.pods) {
    for (const namespace of namespaces.within(model, term.namespaces, everyRegion)) {
      const here = everyRegion ? [...termPodsIn(model, namespace, namespaces.labels(namespace)), ...workloadsIn(model, namespace).map((w) => w.pods)] : [];
      for (const labels of everyRegion ? regionsOf(term.pods, here) : [witness(term.pods)]) {
        const workload = model.workloads.find((w) => w.namespace === namespace && conjunctionMatches(w.pods, labels));
        result.push({ pod: { namespace, labels, ports: workload?.ports ?? [] } });
      }
    }
  }
  for (const block of set.ips) {
    const candidates = [block.cidr.base, lastAddress(block.cidr), ...block.except.map((e) => lastAddress(e) + 1n)];
    const value = candidates.find((v) => addressInBlock(block.cidr.family, v, block));
    if (value !== undefined) result.push({ ip: { family: block.cidr.family, value } });
  }
  return result;
}

/** A port per range start and named port of the clause, or a few when it names none. */
function portsOf(clause: Clause, destination: Endpoint): { protocol: Protocol; port: number }[] {
  const result: { protocol: Protocol; port: number }[] = [];
  for (const protocol of protocols) for (const r of clause.ports.numeric[protocol]) result.push({ protocol, port: r.from }, { protocol, port: r.to });
  for (const n of clause.ports.named) {
    const declared = "pod" in destination ? destination.pod.ports.find((p) => p.name === n.name && p.protocol === n.protocol) : undefined;
    if (declared) result.push({ protocol: n.protocol, port: declared.port });
  }
  return result;
}

/** An endpoint in source terms; a namespace invented to stand for a selector is shown by its labels (`ns(env=dev)`), given `labels`. */
export function describeEndpoint(e: Endpoint, labels?: NamespaceLabels): string {
  if ("ip" in e) return formatAddress(e.ip.family, e.ip.value);
  const shown = (l: Labels) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(",");
  const invented = labels && e.pod.namespace.startsWith(INVENTED) ? shown(Object.fromEntries(Object.entries(labels(e.pod.namespace)).filter(([k]) => k !== NAMESPACE_NAME_LABEL))) : undefined;
  return `pods(${shown(e.pod.labels)}) in ${invented === undefined ? `ns ${e.pod.namespace}` : `ns(${invented})`}`;
}

export const describeFlow = (f: ConcreteFlow, labels?: NamespaceLabels): string => `${describeEndpoint(f.src, labels)} -> ${describeEndpoint(f.dst, labels)}:${f.port}/${f.protocol.toLowerCase()}`;

export function reasonsOf(verdict: { ingress: SideVerdict; egress: SideVerdict }): Reason[] {
  const reasons: Reason[] = [];
  for (const side of ["ingress", "egress"] as const) {
    const v = verdict[side];
    if (!v.managed) continue;
    const add = (span: Span, effect: Reason["effect"]) => reasons.push({ file: span.file, line: span.start.line, side, effect, span });
    for (const span of v.allows) add(span, "allow");
    for (const span of v.denies) add(span, "deny");
    // the posture decides when no rule does, or when it admits everything (`default allow`)
    if (v.posture && (v.posture.posture === "allow" || v.allows.length === 0) && v.denies.length === 0) add(v.posture.span, "posture");
  }
  return reasons;
}

export function explain(model: Model, objects: readonly unknown[], flow: ConcreteFlow, namespaces: Namespaces, text: string): Explanation {
  const verdict = evaluateFlow(model, flow, namespaces.labels);
  const index = indexPolicies(objects);
  const sides = (["ingress", "egress"] as const).map((side) => {
    const end = side === "ingress" ? flow.dst : flow.src;
    const emitted = "pod" in end ? emittedSide(index, end.pod, side, flow, namespaces.labels) : undefined;
    const namespace = "pod" in end ? end.pod.namespace : "";
    return { side, managed: verdict[side].managed, permitted: verdict[side].permitted, policies: (emitted?.policies ?? []).map((p) => `${namespace}/${p}`) };
  });
  return { flow: text, permitted: verdict.permitted, reasons: reasonsOf(verdict), sides };
}

export function renderExplanation(e: Explanation, sources: Record<string, string>): string {
  const lines = [`${e.flow}: ${e.permitted ? "permitted" : "not permitted"}`];
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
  reasons: e.reasons.map((r) => ({ file: r.file, line: r.line, side: r.side, effect: r.effect })),
  policies: e.sides.flatMap((s) => s.policies.map((name) => ({ side: s.side, name }))),
});

/** Each assertion holds on every representative flow; a failing one is an error with its trace. */
export function checkAssertions(model: Model, unchecked?: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const namespaces = new Namespaces(model);
  for (const assertion of model.assertions) {
    if (assertion.span.file === unchecked) continue;
    let failing: { flow: ConcreteFlow; verdict: ReturnType<typeof evaluateFlow> } | undefined;
    search: for (const clause of assertion.clauses) {
      // `-/->` is a claim about every pod of both ends; `->` about the pods each selector stands for
      for (const src of endpointsOf(model, clause.sources, namespaces, assertion.negated)) {
        for (const dst of endpointsOf(model, clause.destinations, namespaces, assertion.negated)) {
          if (!("pod" in src) && !("pod" in dst)) continue;
          const ports = assertion.negated && clause.ports.named.length === 0 && protocols.every((p) => clause.ports.numeric[p].length === 1 && clause.ports.numeric[p][0].from === 1 && clause.ports.numeric[p][0].to === 65535)
            ? everyPortWorthTrying(model)
            : portsOf(clause, dst);
          for (const { protocol, port } of ports) {
            const flow: ConcreteFlow = { src, dst, protocol, port };
            const verdict = evaluateFlow(model, flow, namespaces.labels);
            if (verdict.permitted === assertion.negated) {
              failing = { flow, verdict };
              break search;
            }
          }
        }
      }
    }
    if (!failing) continue;
    const reasons = reasonsOf(failing.verdict);
    diagnostics.push(
      diagnostic(cm.assertionFailed, assertion.span, [describeFlow(failing.flow, namespaces.labels), failing.verdict.permitted ? "permitted" : "not permitted"], {
        related: reasons.map((r) => ({ span: r.span, message: `${r.side}: ${r.effect === "posture" ? "the posture" : `this ${r.effect}`} ${r.effect === "deny" ? "removes it" : r.effect === "allow" ? "admits it" : "decides"}` })),
        ...(reasons.length === 0 ? { help: "no rule or posture admits this flow on a managed side" } : {}),
      }),
    );
  }
  return diagnostics;
}

/** For `-/->` without ports: every range boundary the program mentions, on every protocol. */
function everyPortWorthTrying(model: Model): { protocol: Protocol; port: number }[] {
  const result = new Map<string, { protocol: Protocol; port: number }>();
  for (const protocol of protocols) {
    for (const port of [1, 65535]) result.set(`${protocol}/${port}`, { protocol, port });
    for (const rule of model.rules) for (const c of rule.clauses) for (const r of c.ports.numeric[protocol]) for (const port of [r.from, r.to]) result.set(`${protocol}/${port}`, { protocol, port });
  }
  return [...result.values()];
}
