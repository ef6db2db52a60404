/**
 * Prints an AST back to `.secpol` text in the canonical layout: one statement per line, blocks
 * indented by two spaces, workload columns aligned inside a block, runs of trailing comments
 * aligned, lists in canonical order (see canonical.ts), every comment kept where it was, and blank
 * lines between groups kept (at most one). A block written on one line stays on one line when it
 * holds no comment and fits in 100 columns.
 */
import type * as ast from "../syntax/ast.js";
import { isBareLabelValue, isSubjectName, lex, quote } from "../syntax/tokens.js";
import { startsWorkloadSelector } from "../syntax/parser.js";

export const MAX_WIDTH = 100;
const INDENT = "  ";

export interface PrintOptions {
  /** Align the name and selector columns of consecutive workloads (default true). */
  alignWorkloads?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Inline pieces

/** A label value is a name, a number or a string (`labelValue` in parser.ts). */
const labelValue = (w: ast.Word) => (isBareLabelValue(w.text) ? w.text : quote(w.text));
/** A subject name is names joined by `:`, or a string (`subjectName` in parser.ts): `user "1000"` stays quoted. */
const subject = (w: ast.Word) => (isSubjectName(w.text) ? w.text : quote(w.text));
const qualified = (q: ast.QualifiedName) => (q.namespace ? `${q.namespace.text}/${q.name.text}` : q.name.text);

function value(v: ast.Value): string {
  if (v.kind === "Number") return v.text;
  if (v.kind === "Range") return `${v.from.text}..${v.to.text}`;
  return v.quoted ? quote(v.text) : v.text;
}

/** Values of one class (words, or numbers and ranges) are comma-separated; a change of class is a space. */
function values(list: readonly ast.Value[]): string {
  const numeric = (v: ast.Value) => v.kind !== "Word";
  return list.map((v, i) => (i === 0 ? "" : numeric(v) === numeric(list[i - 1]) ? ", " : " ") + value(v)).join("");
}

export function requirement(r: ast.Requirement): string {
  switch (r.operator) {
    case "exists":
      return r.key.text;
    case "!exists":
      return `!${r.key.text}`;
    case "=":
    case "!=":
      return `${r.key.text}${r.operator}${labelValue(r.values[0])}`;
    default:
      return `${r.key.text} ${r.operator} (${r.values.map(labelValue).join(", ")})`;
  }
}

const selector = (s: ast.Selector) => s.requirements.map(requirement).join(", ");

/**
 * A workload's selector in canonical order, but led by the first requirement that the parser takes
 * as the start of a selector (`startsWorkloadSelector`): `kind` (a label that exists) first would
 * start a `kind` clause.
 */
function workloadSelector(s: ast.Selector): string {
  const leads = (r: ast.Requirement) => {
    const { tokens } = lex(requirement(r));
    return startsWorkloadSelector((k) => tokens[k]?.tokenType);
  };
  const first = s.requirements.findIndex(leads);
  return (first <= 0 ? s.requirements : [s.requirements[first], ...s.requirements.filter((_, i) => i !== first)])
    .map(requirement)
    .join(", ");
}

function namespaceRef(n: ast.NamespacePeer | ast.NamespaceSelectorPeer): string {
  return n.kind === "NamespacePeer" ? `ns ${n.namespace.text}` : `ns(${selector(n.selector)})`;
}

export function peer(p: ast.Peer): string {
  switch (p.kind) {
    case "Reference":
      return qualified(p.ref);
    case "NamespacePeer":
      return p.star ? `${p.namespace.text}/*` : namespaceRef(p);
    case "NamespaceSelectorPeer":
      return namespaceRef(p);
    case "PodsPeer":
      return `pods(${selector(p.selector)})${p.within ? ` in ${namespaceRef(p.within)}` : ""}`;
    case "CidrPeer":
      return `cidr ${p.cidr.text}${p.except.length > 0 ? ` except ${p.except.map((e) => e.text).join(", ")}` : ""}`;
    case "KeywordPeer":
      return p.keyword;
  }
}

export function port(p: ast.PortSpec): string {
  const base = p.range ? `${p.range.from.text}..${p.range.to.text}` : (p.port?.text ?? "");
  return p.protocol ? `${base}/${p.protocol.text}` : base;
}

export const securityItem = (i: ast.SecurityItem) => [i.name.text, ...i.args.map(value)].join(" ");

const ports = (list: readonly ast.PortSpec[]) => (list.length > 0 ? `: ${list.map(port).join(", ")}` : "");
const peers = (list: readonly ast.Peer[]) => list.map(peer).join(", ");

function target(t: ast.SecurityTarget, apply: boolean): string {
  switch (t.kind) {
    case "ForWorkload":
      return apply ? qualified(t.workload) : `for ${qualified(t.workload)}`;
    case "InNamespace":
      return `${apply ? "" : "in "}ns ${t.namespace.text}`;
    case "InNamespaceSelector":
      return `${apply ? "" : "in "}ns(${selector(t.selector)})`;
    case "InAll":
      return apply ? "all" : "in all";
  }
}

function grantSubject(s: ast.GrantSubject): string {
  switch (s.kind) {
    case "User":
      return `user ${subject(s.name)}`;
    case "Group":
      return `group ${subject(s.name)}`;
    case "ServiceAccount":
      return `serviceaccount ${s.namespace.text}/${s.name.text}`;
    case "ServiceAccounts":
      return `serviceaccounts in ns ${s.namespace.text}`;
  }
}

/** A workload as columns: `workload NAME`, its selector, and its clauses. */
function workloadColumns(w: ast.WorkloadDeclaration): [string, string, string] {
  const clauses = [
    ...w.ports.map((p) => `port ${p.name.text} ${p.port.text}${p.protocol ? `/${p.protocol.text}` : ""}`),
    ...w.services.map((s) => `service ${s.port.text} -> ${s.target.text}`),
    ...(w.serviceAccount ? [`serviceAccount ${w.serviceAccount.text}`] : []),
    ...(w.containers.length > 0 ? [`containers ${w.containers.map((c) => c.text).join(", ")}`] : []),
    ...(w.initContainers.length > 0 ? [`initContainers ${w.initContainers.map((c) => c.text).join(", ")}`] : []),
    ...(w.workloadKind ? [`kind ${w.workloadKind.text}`] : []),
  ];
  return [`workload ${qualified(w.name)}`, workloadSelector(w.selector), clauses.join(" ")];
}

const joinColumns = (columns: readonly string[]) => columns.filter((c) => c !== "").join(" ");

/** Every statement but the blocks, on one line. */
function simpleStatement(
  s: Exclude<ast.Statement, ast.ClusterBlock | ast.NamespaceBlock | ast.ProfileDeclaration | ast.PspDeclaration>,
): string {
  switch (s.kind) {
    case "Import":
      return `import ${quote(s.path.text)}`;
    case "Workload":
      return joinColumns(workloadColumns(s));
    case "Group":
      return `group ${s.name.text} = ${peers(s.peers)}${ports(s.ports)}`;
    case "Grant":
      return `grant psp ${s.psp.text} to ${grantSubject(s.subject)}`;
    case "NetworkRule":
      return `${s.action} ${peers(s.sources)} -> ${peers(s.destinations)}${[s.ports, ...s.extraPortLists].map(ports).join("")}`;
    case "Assert":
      return `assert ${peers(s.sources)} ${s.negated ? "-/->" : "->"} ${peers(s.destinations)}${ports(s.ports)}`;
    case "Default":
      return ["default", s.posture, s.direction, s.workload && `for ${qualified(s.workload)}`]
        .filter(Boolean)
        .join(" ");
    case "Pss":
      return `pss ${s.modes.map((m) => `${m.mode.text} ${m.level.text}${m.version ? `@${m.version.text}` : ""}`).join(", ")}`;
    case "Labels":
      return `labels ${s.labels.map((l) => `${l.key.text}=${labelValue(l.value)}`).join(", ")}`;
    case "SecurityRule":
      return `${s.action} ${s.items.map(securityItem).join(", ")}${s.target ? ` ${target(s.target, false)}` : ""}`;
    case "Apply":
      return `apply ${s.profile.text} to ${target(s.target, true)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Lines, comments and blocks

interface Line {
  code: string;
  comment?: string;
  /** A blank line goes before this one. */
  blank: boolean;
  /** Set on workload lines: their columns, aligned with their neighbours'. */
  columns?: [string, string, string];
}

/** An element of a block: a statement, a setting or a rule, with its source span. */
interface Item {
  span: ast.Node["span"];
  node: ast.Statement | ast.Setting;
}

export class Printer {
  private readonly used = new Set<ast.Comment>();

  constructor(
    private readonly text: string,
    private readonly comments: readonly ast.Comment[],
    private readonly options: PrintOptions = {},
  ) {}

  file(file: ast.SourceFileNode): string {
    const lines = this.block(
      file.statements.map((s) => ({ span: s.span, node: s })),
      0,
      this.text.length + 1,
      "",
    );
    return lines.length === 0 ? "" : `${render(lines).join("\n")}\n`;
  }

  /** The lines of the items of one block, and of the comments in [from, to). */
  private block(items: readonly Item[], from: number, to: number, indent: string): Line[] {
    const lines: Line[] = [];
    let previousEnd = from;
    const gap = (start: number) => lines.length > 0 && /\n[^\S\n]*\n/.test(this.text.slice(previousEnd, start));
    const commentLine = (c: ast.Comment) => {
      this.used.add(c);
      lines.push({ code: indent + c.text.trimEnd(), blank: gap(c.span.start.offset) });
      previousEnd = c.span.end.offset;
    };
    const free = (lo: number, hi: number) =>
      this.comments.filter((c) => !this.used.has(c) && c.span.start.offset >= lo && c.span.start.offset < hi);
    items.forEach((item, i) => {
      free(previousEnd, item.span.start.offset).forEach(commentLine);
      const blank = gap(item.span.start.offset);
      const own = this.item(item.node, indent);
      // comments inside a statement that spans lines move above it
      const inside = free(item.span.start.offset, item.span.end.offset);
      inside.forEach(commentLine);
      own[0].blank = inside.length === 0 && blank;
      const nextStart = items[i + 1]?.span.start.offset ?? to;
      const trailing = free(item.span.end.offset, nextStart).find((c) => c.span.start.line === item.span.end.line);
      if (trailing) {
        this.used.add(trailing);
        own[own.length - 1].comment = trailing.text.trimEnd();
      }
      lines.push(...own);
      previousEnd = trailing ? trailing.span.end.offset : item.span.end.offset;
    });
    free(previousEnd, to).forEach(commentLine);
    return lines;
  }

  private item(node: ast.Statement | ast.Setting, indent: string): Line[] {
    switch (node.kind) {
      case "Setting":
        return [{ code: `${indent}${node.name.text} ${values(node.values)}`, blank: false }];
      case "Cluster":
        return this.braces(node, "cluster", node.settings, indent, false);
      case "Namespace":
        return this.braces(node, `namespace ${node.name.text}`, node.statements, indent, false);
      case "Profile":
        return this.braces(node, `profile ${node.name.text}`, node.rules, indent, false);
      case "Psp":
        return this.braces(node, `psp ${node.name.text}`, node.fields, indent, true);
      case "Workload": {
        const columns = workloadColumns(node);
        return [
          { code: indent + joinColumns(columns), blank: false, columns: [indent + columns[0], columns[1], columns[2]] },
        ];
      }
      default:
        return [{ code: indent + simpleStatement(node), blank: false }];
    }
  }

  /** `HEADER { ... }`: on one line when written so, comment-free and short; else one item per line. */
  private braces(
    node: ast.Node,
    header: string,
    inner: readonly (ast.Statement | ast.Setting)[],
    indent: string,
    alwaysSplit: boolean,
  ): Line[] {
    const open = this.text.indexOf("{", node.span.start.offset);
    const close = node.span.end.offset - 1;
    const hasComments = this.comments.some((c) => c.span.start.offset > open && c.span.start.offset < close);
    const writtenOnOneLine = !this.text.slice(open, close).includes("\n");
    if (inner.length === 0 && !hasComments) return [{ code: `${indent}${header} {}`, blank: false }];
    if (!alwaysSplit && writtenOnOneLine && !hasComments && !inner.some(isBlock)) {
      const code = `${indent}${header} { ${inner.map((s) => this.item(s, "")[0].code).join("; ")} }`;
      if (code.length <= MAX_WIDTH) return [{ code, blank: false }];
    }
    const first: Line = { code: `${indent}${header} {`, blank: false };
    // a comment on the line of `{` stays there
    const headerComment = this.comments.find(
      (c) =>
        !this.used.has(c) &&
        c.span.start.offset > open &&
        c.span.start.line === node.span.start.line &&
        (inner.length === 0 || c.span.start.offset < inner[0].span.start.offset),
    );
    if (headerComment) {
      this.used.add(headerComment);
      first.comment = headerComment.text.trimEnd();
    }
    const body = this.block(
      inner.map((s) => ({ span: s.span, node: s })),
      headerComment ? headerComment.span.end.offset : open + 1,
      close,
      indent + INDENT,
    );
    return [
      first,
      ...(this.options.alignWorkloads === false ? body : alignWorkloads(body)),
      { code: `${indent}}`, blank: false },
    ];
  }
}

const isBlock = (s: ast.Statement | ast.Setting) =>
  s.kind === "Cluster" || s.kind === "Namespace" || s.kind === "Profile" || s.kind === "Psp";

/** Pads the name and selector columns of each run of adjacent workload lines. */
function alignWorkloads(lines: Line[]): Line[] {
  let run: Line[] = [];
  const flush = () => {
    const widths = [0, 1].map((c) => Math.max(...run.map((l) => l.columns![c].length)));
    for (const l of run) {
      const [a, b, rest] = l.columns!;
      l.code = rest === "" ? `${a.padEnd(widths[0])} ${b}` : `${a.padEnd(widths[0])} ${b.padEnd(widths[1])} ${rest}`;
    }
    run = [];
  };
  for (const line of lines) {
    if (!line.columns || line.blank) flush();
    if (line.columns) run.push(line);
  }
  flush();
  return lines;
}

const indentOf = (l: Line) => l.code.length - l.code.trimStart().length;

/**
 * The lines as text: the trailing comments of adjacent lines at the same indentation are aligned
 * two spaces past the longest code.
 */
function render(lines: readonly Line[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (
      j < lines.length &&
      lines[j].comment !== undefined &&
      (j === i || (!lines[j].blank && indentOf(lines[j]) === indentOf(lines[i])))
    )
      j++;
    if (j > i) {
      const width = Math.max(...lines.slice(i, j).map((l) => l.code.trimEnd().length));
      for (const l of lines.slice(i, j))
        out.push(...(l.blank ? [""] : []), `${l.code.trimEnd().padEnd(width)}  ${l.comment}`);
      i = j;
    } else {
      if (lines[i].blank) out.push("");
      out.push(lines[i].code.trimEnd());
      i++;
    }
  }
  return out;
}
