/**
 * Who can talk to whom: the connectivity matrix of a program, computed by the meaning model. Rows
 * are sources, columns destinations: the program's workloads, the other pods of each namespace it
 * names, and the address blocks of its rules. Each cell lists the permitted ports among those the
 * program mentions; `explainCell` traces one cell's verdict to the deciding lines.
 */
import { evaluateFlow, ownedNamespaceLabels, type ConcreteFlow } from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Model } from "../semantics/model.js";
import type { Protocol } from "../semantics/ports.js";
import { candidatePorts, namedEndpoints, portList, type NamedEndpoint } from "./diff.js";
import { describeFlow, explain, Namespaces, type Explanation } from "./explain.js";

export interface MatrixCell {
  /** Permitted ports, `5432/tcp` or merged ranges; empty when nothing is. */
  permitted: string[];
  /** Ports checked and not permitted. */
  denied: string[];
}

export interface Connectivity {
  /** Row and column names, in the same order. */
  names: string[];
  /** `cells[row][column]`; null on the diagonal and between two address blocks. */
  cells: (MatrixCell | null)[][];
}

const isPod = (e: NamedEndpoint) => "pod" in e.endpoint;

export function connectivity(model: Model): Connectivity {
  const labels = ownedNamespaceLabels(model, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
  const all = namedEndpoints([model]);
  const ports = candidatePorts([model]);
  const cells = all.map((src) =>
    all.map((dst): MatrixCell | null => {
      if (src === dst || (!isPod(src) && !isPod(dst))) return null;
      const permitted = new Map<Protocol, number[]>();
      const denied = new Map<Protocol, number[]>();
      for (const { protocol, port } of ports) {
        const into = evaluateFlow(model, { src: src.endpoint, dst: dst.endpoint, protocol, port }, labels).permitted ? permitted : denied;
        into.set(protocol, [...(into.get(protocol) ?? []), port]);
      }
      return { permitted: portList(permitted), denied: portList(denied) };
    }),
  );
  return { names: all.map((e) => e.name), cells };
}

/**
 * The explain trace of one cell: on its first permitted port; when none is, on the first port the
 * destination declares, else the first checked port. `objects` are the emitted manifests, for the policies that admit the flow.
 */
export function explainCell(model: Model, objects: readonly unknown[], row: number, column: number): Explanation | undefined {
  const all = namedEndpoints([model]);
  const src = all[row];
  const dst = all[column];
  if (!src || !dst || src === dst) return undefined;
  const namespaces = new Namespaces(model);
  const flows: ConcreteFlow[] = candidatePorts([model]).map(({ protocol, port }) => ({ src: src.endpoint, dst: dst.endpoint, protocol, port }));
  const declared = "pod" in dst.endpoint ? dst.endpoint.pod.ports : [];
  const flow =
    flows.find((f) => evaluateFlow(model, f, namespaces.labels).permitted) ??
    flows.find((f) => declared.some((p) => p.port === f.port && p.protocol === f.protocol)) ??
    flows[0];
  return explain(model, objects, flow, namespaces, `${src.name} -> ${dst.name}:${flow.port}/${flow.protocol.toLowerCase()} (${describeFlow(flow)})`);
}
