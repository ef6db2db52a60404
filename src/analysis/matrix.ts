/**
 * Who can talk to whom: the connectivity matrix of a program, computed by the meaning model. Rows
 * are sources, columns destinations: a representative of every region of pods and addresses the
 * program tells apart (src/semantics/universe.ts; named as `diff` names them). Each cell lists the
 * permitted port intervals; `explainCell` traces one cell's verdict to the deciding lines.
 */
import { evaluateFlow, type ConcreteFlow } from "../semantics/meaning.js";
import type { Model } from "../semantics/model.js";
import { regionNamespaceLabels, universeRegions } from "../semantics/universe.js";
import { namedEndpoints, portList, type NamedEndpoint } from "./diff.js";
import { portIntervals, type PortInterval } from "../semantics/boundaries.js";
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
  /** `cells[row][column]`; null between two address blocks (a region of pods talks to itself too: two of its pods). */
  cells: (MatrixCell | null)[][];
}

const regionLabels = (model: Model) => regionNamespaceLabels(universeRegions([model]));

const isPod = (e: NamedEndpoint) => "pod" in e.endpoint;

/** The matrix over every region of pods and addresses the program tells apart (`tooMany` when they are too many). */
export function connectivity(model: Model): Connectivity | { tooMany: string } {
  const all = namedEndpoints([model]);
  if ("tooMany" in all) return all;
  const labels = regionLabels(model);
  const ports = portIntervals([model]);
  const cells = all.map((src) =>
    all.map((dst): MatrixCell | null => {
      if (!isPod(src) && !isPod(dst)) return null;
      const permitted: PortInterval[] = [];
      const denied: PortInterval[] = [];
      for (const interval of ports) {
        const into = evaluateFlow(
          model,
          { src: src.endpoint, dst: dst.endpoint, protocol: interval.protocol, port: interval.from },
          labels,
        ).permitted
          ? permitted
          : denied;
        into.push(interval);
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
export function explainCell(
  model: Model,
  objects: readonly unknown[],
  row: number,
  column: number,
): Explanation | undefined {
  const all = namedEndpoints([model]);
  if ("tooMany" in all) return undefined;
  const src = all[row];
  const dst = all[column];
  if (!src || !dst || (!isPod(src) && !isPod(dst))) return undefined;
  const namespaces = new Namespaces(model, regionLabels(model));
  const flows: ConcreteFlow[] = portIntervals([model]).map(({ protocol, from }) => ({
    src: src.endpoint,
    dst: dst.endpoint,
    protocol,
    port: from,
  }));
  const declared = "pod" in dst.endpoint ? dst.endpoint.pod.ports : [];
  const flow =
    flows.find((f) => evaluateFlow(model, f, namespaces.labels).permitted) ??
    flows.find((f) => declared.some((p) => p.port === f.port && p.protocol === f.protocol)) ??
    flows[0];
  return explain(
    model,
    objects,
    flow,
    namespaces,
    `${src.name} -> ${dst.name}:${flow.port}/${flow.protocol.toLowerCase()} (${describeFlow(flow)})`,
  );
}
