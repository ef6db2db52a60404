/**
 * The canonical form of a file's AST: lists whose order carries no meaning sorted, spans dropped.
 * The printer prints lists in this order, and the formatter compares canonical forms of its input
 * and its re-parsed output to prove that formatting changed nothing but layout.
 */
import type * as ast from "../syntax/ast.js";

/** Compares texts with runs of digits as numbers: `web2` < `web10`, `9` < `10`. */
export function naturalCompare(a: string, b: string): number {
  const split = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const bothNumbers = /^\d/.test(x[i]) && /^\d/.test(y[i]);
    if (bothNumbers && Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length || (a < b ? -1 : a > b ? 1 : 0);
}

const sortedBy = <T>(items: readonly T[], key: (item: T) => string): T[] =>
  [...items].sort((a, b) => naturalCompare(key(a), key(b)));

const PSS_MODE_ORDER = ["enforce", "warn", "audit"];

/**
 * Sorts, in place of a copy, every list where order carries no meaning: peers, ports, selector
 * requirements and their values, `except` blocks, security items, labels, containers, pss modes.
 * Settings and item arguments keep their order (`runAsUser MustRunAs 1..10` reads left to right),
 * and so do statements, which comments attach to.
 */
export function canonicalize<T>(
  node: T,
  print: (n: ast.Peer | ast.PortSpec | ast.Requirement | ast.SecurityItem) => string,
): T {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== "object") return value;
    const n = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)])) as Record<string, any>;
    const byText = (list: (ast.Peer | ast.PortSpec | ast.Requirement | ast.SecurityItem)[]) => sortedBy(list, print);
    switch (n.kind) {
      case "NetworkRule":
        return {
          ...n,
          sources: byText(n.sources),
          destinations: byText(n.destinations),
          ports: byText(n.ports),
          extraPortLists: n.extraPortLists.map(byText),
        };
      case "Assert":
        return { ...n, sources: byText(n.sources), destinations: byText(n.destinations), ports: byText(n.ports) };
      case "Group": // a group declaration, not a grant's `group` subject
        return !n.peers ? n : { ...n, peers: byText(n.peers), ports: byText(n.ports) };
      case "Selector": // by key, then as printed: `!legacy` sorts with `legacy`
        return {
          ...n,
          requirements: [...n.requirements].sort(
            (a: ast.Requirement, b: ast.Requirement) =>
              naturalCompare(a.key.text, b.key.text) || naturalCompare(print(a), print(b)),
          ),
        };
      case "Requirement":
        return { ...n, values: sortedBy(n.values as ast.Word[], (w) => w.text) };
      case "CidrPeer":
        return { ...n, except: sortedBy(n.except as ast.Word[], (w) => w.text) };
      case "SecurityRule":
        return { ...n, items: byText(n.items) };
      case "Labels":
        return {
          ...n,
          labels: sortedBy(n.labels as ast.LabelsStatement["labels"], (l) => `${l.key.text}=${l.value.text}`),
        };
      case "Workload":
        return {
          ...n,
          containers: sortedBy(n.containers as ast.Word[], (w) => w.text),
          initContainers: sortedBy(n.initContainers as ast.Word[], (w) => w.text),
        };
      case "Pss":
        return {
          ...n,
          modes: [...(n.modes as ast.PssMode[])].sort(
            (a, b) =>
              PSS_MODE_ORDER.indexOf(a.mode.text) - PSS_MODE_ORDER.indexOf(b.mode.text) ||
              naturalCompare(a.mode.text, b.mode.text),
          ),
        };
      default:
        return n;
    }
  };
  return visit(node) as T;
}

/**
 * The tree without positions or the file's path: what must survive formatting unchanged. Fields
 * are in name order, so that trees equal as values are equal as JSON: the parser sets a node's
 * fields in the order the source gives them (`kind Job serviceAccount s` sets `workloadKind`
 * first), which the printer does not keep.
 */
export function withoutSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutSpans);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => k !== "span" && k !== "path" && k !== "comments")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, withoutSpans(v)]),
  );
}
