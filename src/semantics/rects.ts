/**
 * Rectangles of flows: a set of peers on a set of ports, one side of a policy rule. A deny cuts an
 * allowed rectangle; the compiler writes what is left, and the lints ask whether anything is.
 */
import { intersectEndpoints, isEmptyEndpoints, subtractEndpoints } from "./endpoints.js";
import type { EndpointSet } from "./model.js";
import { isNoPorts, subtractPorts, type PortSet } from "./ports.js";

/** Flows to or from `peers` on `ports`: one side of a policy rule. */
export interface Rect {
  peers: EndpointSet;
  ports: PortSet;
}

/**
 * (P × Q) − (P' × Q') = (P − P') × Q ∪ (P ∩ P') × (Q − Q'), its empty parts left out; undefined when
 * Q − Q' has no exact form (a named port cut out of numbers, or the reverse). `shared`, P ∩ P', when
 * the caller has it.
 */
export function subtractRect(rect: Rect, cut: Rect, shared?: EndpointSet): Rect[] | undefined {
  const outsidePorts = subtractPorts(rect.ports, cut.ports);
  if (!outsidePorts) return undefined;
  const result: Rect[] = [];
  const outside = subtractEndpoints(rect.peers, cut.peers);
  if (!isEmptyEndpoints(outside)) result.push({ peers: outside, ports: rect.ports });
  if (!isNoPorts(outsidePorts))
    result.push({ peers: shared ?? intersectEndpoints(rect.peers, cut.peers), ports: outsidePorts });
  return result;
}
