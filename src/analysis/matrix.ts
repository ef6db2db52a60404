/**
 * Who can talk to whom: the connectivity matrix of a program, computed by the meaning model. Rows
 * are sources, columns destinations: a representative of every region of pods and addresses the
 * program tells apart (src/semantics/universe.ts; named as `diff` names them), and as destinations
 * also the pods of no workload once per set of port names they may declare (`other pods of a with
 * port http`: a rule naming a port by name admits them, not the namespace's other pods). Each cell
 * lists the permitted port intervals; `explainCell` traces one cell's verdict to the deciding lines.
 */
import { evaluateFlow, type ConcreteFlow } from "../semantics/meaning.js";
import type { Model } from "../semantics/model.js";
import { regionNamespaceLabels, universeRegions } from "../semantics/universe.js";
import { flowOn, portList, regionEndpoints, type NamedEndpoint } from "./diff.js";
import { portIntervals, type PortInterval } from "../semantics/boundaries.js";
import { describeFlow, explain, Namespaces, type Explanation } from "./explain.js";

export interface MatrixCell {
  /** Permitted ports, `5432/tcp` or merged ranges; empty when nothing is. */
  permitted: string[];
  /** Ports checked and not permitted. */
  denied: string[];
}

export interface Connectivity {
  /** The sources' names. */
  rows: string[];
  /** The destinations' names: the rows' and those of pods of no workload declaring port names. */
  columns: string[];
  /** `cells[row][column]`; null between two address blocks (a region of pods talks to itself too: two of its pods). */
  cells: (MatrixCell | null)[][];
}

const isPod = (e: NamedEndpoint) => "pod" in e.endpoint;

/** The rows and columns of a program's matrix, with its namespaces' labels (`tooMany` when the regions are too many). */
function endpointsOf(model: Model) {
  const regions = universeRegions([model]);
  if ("tooMany" in regions) return regions;
  return {
    sources: regionEndpoints(regions),
    destinations: regionEndpoints(regions, true),
    labels: regionNamespaceLabels(regions),
  };
}

/**
 * The matrix over every region of pods and addresses the program tells apart (`tooMany` when they
 * are too many). A column of pods of no workload declaring port names is left out when every cell
 * of it is its plain column's: no rule tells those pods apart there.
 */
export function connectivity(model: Model): Connectivity | { tooMany: string } {
  const all = endpointsOf(model);
  if ("tooMany" in all) return all;
  const { sources, destinations, labels } = all;
  const ports = portIntervals([model]);
  const cell = (src: NamedEndpoint, dst: NamedEndpoint): MatrixCell | null => {
    if (!isPod(src) && !isPod(dst)) return null;
    const permitted: PortInterval[] = [];
    const denied: PortInterval[] = [];
    for (const interval of ports) {
      (evaluateFlow(model, flowOn(src, dst, interval), labels).permitted ? permitted : denied).push(interval);
    }
    return { permitted: portList(permitted), denied: portList(denied) };
  };
  const byColumn = destinations.map((dst) => sources.map((src) => cell(src, dst)));
  const text = (column: readonly (MatrixCell | null)[]) => JSON.stringify(column);
  const kept = destinations.flatMap((dst, j) => {
    if (!dst.portNames) return [j];
    const plain = destinations.findIndex((d) => d.endpoint === dst.endpoint && !d.portNames);
    return text(byColumn[j]) === text(byColumn[plain]) ? [] : [j];
  });
  return {
    rows: sources.map((e) => e.name),
    columns: kept.map((j) => destinations[j].name),
    cells: sources.map((_, i) => kept.map((j) => byColumn[j][i])),
  };
}

/**
 * The explain trace of the cell from the row named `source` to the column named `destination`: on
 * its first permitted port; when none is, on the first port the destination declares, else the
 * first checked port. `objects` are the emitted manifests, for the policies that admit the flow.
 */
export function explainCell(
  model: Model,
  objects: readonly unknown[],
  source: string,
  destination: string,
): Explanation | undefined {
  const all = endpointsOf(model);
  if ("tooMany" in all) return undefined;
  const src = all.sources.find((e) => e.name === source);
  const dst = all.destinations.find((e) => e.name === destination);
  if (!src || !dst || (!isPod(src) && !isPod(dst))) return undefined;
  const namespaces = new Namespaces(model, all.labels);
  const flows: ConcreteFlow[] = portIntervals([model]).map((interval) => flowOn(src, dst, interval));
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
