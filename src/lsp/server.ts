/**
 * `secpolc lsp`: a language server over stdio. A document's program is every `.secpol` file in its
 * directory (open documents as edited, the others as on disk), as `secpolc check DIR` sees it.
 * Diagnostics are published as you type (once typing pauses); formatting, definition, references,
 * hover and completion read the same parse, symbol table and build as the CLI. What a program's
 * files give (symbols, check, build) is worked out once per version of their texts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createConnection,
  ErrorCodes,
  ResponseError,
  DiagnosticSeverity,
  MarkupKind,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type Location,
  type Range,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { parseAllDocuments } from "yaml";
import {
  build,
  check,
  type BuildResult,
  type CheckResult,
  type Diagnostic,
  type SourceText,
  type Span,
} from "../index.js";
import { referencesTo, renameEdits, symbolAt, type Binding, type Declaration } from "../analysis/symbols.js";
import { bindSources } from "../pipeline.js";
import { isStandardModule, standardModuleBase } from "../stdlib/standard.js";
import { format } from "../format/format.js";
import { peer, port, requirement } from "../format/print.js";
import { cachedParser } from "../syntax/parse.js";
import { completionItems, completionsAt } from "./completion.js";
import type * as ast from "../syntax/ast.js";
import { importResolver } from "../cli/files.js";

interface Program {
  /** The directory of its files; none for a document that is not a file. */
  dir?: string;
  /** The document that is the whole program, when it is not a file. */
  uri?: string;
  sources: SourceText[];
  /** Worked out on first use, for these sources. */
  symbols?: Binding;
  checked?: CheckResult;
  built?: BuildResult;
}

/** How long typing must pause before a program is checked again and its diagnostics published. */
const PUBLISH_DELAY_MS = 150;

const sameSources = (a: readonly SourceText[], b: readonly SourceText[]) =>
  a.length === b.length && a.every((s, i) => s.path === b[i].path && s.text === b[i].text);

/**
 * Where a document belongs: a file's program is its directory (`key`), and its name there is the
 * file's. A document of another scheme (an editor's unsaved buffer, `untitled:Untitled-1`) or a
 * file URI that does not name a local path is a program of its own, named by its URI.
 */
function placeOf(uri: string): { key: string; name: string; dir?: string } {
  if (uri.startsWith("file:")) {
    try {
      const path = fileURLToPath(uri);
      return { key: dirname(path), name: basename(path), dir: dirname(path) };
    } catch {
      // e.g. a host other than localhost: not a local file
    }
  }
  return { key: uri, name: uri };
}

const toRange = (span: Span): Range => ({
  start: { line: span.start.line - 1, character: span.start.column - 1 },
  end: { line: span.end.line - 1, character: span.end.column - 1 },
});

const severities = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
} as const;

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return {
    range: toRange(d.span),
    severity: severities[d.severity],
    code: d.code,
    source: "secpolc",
    message: d.help ? `${d.message}\nhelp: ${d.help}` : d.message,
  };
}

export function startServer(
  connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout),
): void {
  const documents = new TextDocuments(TextDocument);
  const uriOf = (p: Program, file: string) =>
    isStandardModule(file)
      ? standardModuleUri(file)
      : p.dir === undefined
        ? p.uri!
        : pathToFileURL(join(p.dir, file)).href;
  const sameProgram = (uri: string) => documents.all().filter((d) => placeOf(d.uri).key === placeOf(uri).key);
  const resolver = (p: Program) => (p.dir === undefined ? undefined : importResolver(p.dir));

  /** The last program of each place, kept while its texts stay the same. */
  const programs = new Map<string, Program>();
  /** Per place, the parse of each file, kept while its text stays the same: an edit re-parses one file. */
  const parsers = new Map<string, ReturnType<typeof cachedParser>>();
  const parserOf = (p: Program) => {
    const key = p.dir ?? p.uri!;
    let parser = parsers.get(key);
    if (!parser) parsers.set(key, (parser = cachedParser()));
    return parser;
  };
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  /** The program a document belongs to: the `.secpol` files of its directory, open ones as edited. */
  function program(uri: string): Program {
    const { dir, key } = placeOf(uri);
    const open = new Map(sameProgram(uri).map((d) => [placeOf(d.uri).name, d.getText()]));
    const onDisk = dir === undefined ? [] : secpolFiles(dir);
    const names = [...new Set([...onDisk, ...open.keys()])].sort();
    const sources = names.flatMap((name) => {
      const text = open.get(name) ?? (dir === undefined ? undefined : readText(join(dir, name)));
      return text === undefined ? [] : [{ path: name, text }];
    });
    const known = programs.get(key);
    if (known && sameSources(known.sources, sources)) return known;
    const p: Program = { dir, ...(dir === undefined ? { uri } : {}), sources };
    programs.set(key, p);
    return p;
  }

  const symbolsOf = (p: Program) =>
    (p.symbols ??= bindSources(p.sources, { resolveImport: resolver(p), parse: parserOf(p) }));
  const checkedOf = (p: Program) =>
    (p.checked ??= check(p.sources, { resolveImport: resolver(p), parse: parserOf(p) }));
  const builtOf = (p: Program) =>
    (p.built ??= build(p.sources, { verify: false, resolveImport: resolver(p), parse: parserOf(p) }));

  /** Checks a document's program once typing pauses (one check for a burst of changes). */
  function schedule(uri: string): void {
    const { key } = placeOf(uri);
    clearTimeout(pending.get(key));
    pending.set(
      key,
      setTimeout(() => {
        pending.delete(key);
        publish(uri);
      }, PUBLISH_DELAY_MS),
    );
  }

  function publish(uri: string): void {
    const p = program(uri);
    const result = checkedOf(p);
    for (const doc of sameProgram(uri)) {
      const { name } = placeOf(doc.uri);
      void connection.sendDiagnostics({
        uri: doc.uri,
        diagnostics: result.diagnostics.filter((d) => d.span.file === name).map(toLspDiagnostic),
      });
    }
  }

  /** The declarations at a position of a document. */
  function declarationsAt(
    uri: string,
    position: { line: number; character: number },
  ): { p: Program; found: Declaration[] } {
    const p = program(uri);
    const doc = documents.get(uri);
    const offset = doc ? doc.offsetAt(position) : 0;
    return { p, found: symbolAt(symbolsOf(p), placeOf(uri).name, offset) };
  }

  const location = (p: Program, span: Span): Location => ({ uri: uriOf(p, span.file), range: toRange(span) });

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      documentFormattingProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ["/", " "] },
      renameProvider: true,
    },
    serverInfo: { name: "secpolc" },
  }));

  documents.onDidOpen((e) => schedule(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    // the closed document is gone from `documents`: the others of its program now see it as on disk
    const others = sameProgram(e.document.uri);
    if (others.length > 0) schedule(others[0].uri);
    else {
      const { key } = placeOf(e.document.uri);
      clearTimeout(pending.get(key));
      pending.delete(key);
      programs.delete(key);
      parsers.delete(key);
    }
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onDocumentFormatting((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const result = format(doc.getText(), placeOf(doc.uri).name);
    if (result.text === undefined || result.text === doc.getText()) return [];
    return [
      { range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, newText: result.text },
    ];
  });

  connection.onDefinition((params) => {
    const { p, found } = declarationsAt(params.textDocument.uri, params.position);
    return found.map((d) => location(p, d.span));
  });

  connection.onReferences((params) => {
    const { p, found } = declarationsAt(params.textDocument.uri, params.position);
    const declared = new Set(found.map((d) => d.span));
    return referencesTo(symbolsOf(p), found)
      .filter((s) => params.context.includeDeclaration || !declared.has(s))
      .map((s) => location(p, s));
  });

  connection.onRenameRequest((params) => {
    const { p, found } = declarationsAt(params.textDocument.uri, params.position);
    const result = renameEdits(symbolsOf(p), found, params.newName);
    if ("error" in result) throw new ResponseError(ErrorCodes.InvalidRequest, result.error);
    const changes: Record<string, { range: Range; newText: string }[]> = {};
    for (const { span, text } of result.edits)
      (changes[uriOf(p, span.file)] ??= []).push({ range: toRange(span), newText: text });
    return { changes };
  });

  connection.onHover((params) => {
    const { p, found } = declarationsAt(params.textDocument.uri, params.position);
    if (found.length === 0) return null;
    return { contents: { kind: MarkupKind.Markdown, value: found.map((d) => describe(d, p)).join("\n\n---\n\n") } };
  });

  connection.onCompletion((params): CompletionItem[] => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const p = program(doc.uri);
    const { name } = placeOf(doc.uri);
    const withText = (text: string) =>
      bindSources(
        p.sources.map((s) => (s.path === name ? { path: name, text } : s)),
        { resolveImport: resolver(p) },
      );
    return completionItems(completionsAt(doc.getText(), doc.offsetAt(params.position), withText));
  });

  /** Markdown for a hover: what the name declares and, for workloads, what it compiles into. */
  function describe(d: Declaration, p: Program): string {
    const lines = [`**${d.kind}** \`${d.kind === "workload" ? d.key : d.name}\``];
    const node = d.node as ast.Statement;
    if (node.kind === "Workload") {
      lines.push(`selector: \`${node.selector.requirements.map(requirement).join(", ")}\``);
      if (node.ports.length > 0)
        lines.push(`ports: ${node.ports.map((x) => `\`${x.name.text} ${x.port.text}\``).join(", ")}`);
      const [ns, name] = d.key.split("/");
      const built = builtOf(p);
      const objects = built.files
        .filter((f) => f.path.startsWith(`${ns}/`))
        .flatMap((f) => {
          if (f.path.includes("/security/")) return mentions(f.content, name) ? [`\`${f.path}\``] : [];
          const own = parseAllDocuments(f.content)
            .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
            .filter((o) => o.metadata.name === `secpol-${name}`);
          return own.map((o) => `${o.kind} \`${o.metadata.name}\` in \`${f.path}\``);
        });
      lines.push(
        objects.length > 0
          ? `compiles into:\n${objects.map((o) => `- ${o}`).join("\n")}`
          : built.diagnostics.some((x) => x.severity === "error")
            ? "(the program has errors: nothing compiled)"
            : "compiles into no object of its own",
      );
    } else if (node.kind === "Group") {
      lines.push(
        `\`${node.peers.map(peer).join(", ")}${node.ports.length > 0 ? `: ${node.ports.map(port).join(", ")}` : ""}\``,
      );
    } else if (node.kind === "Namespace") {
      const labels = node.statements.flatMap((s) =>
        s.kind === "Labels" ? s.labels.map((l) => `${l.key.text}=${l.value.text}`) : [],
      );
      const workloads = node.statements.filter((s) => s.kind === "Workload").length;
      lines.push(
        `${workloads} workload${workloads === 1 ? "" : "s"}${labels.length > 0 ? `, labels \`${labels.join(", ")}\`` : ""}`,
      );
    } else if (node.kind === "Profile") {
      lines.push(node.rules.map((r) => `\`${r.action} ${r.items.map((i) => i.name.text).join(", ")}\``).join("  \n"));
    }
    return lines.join("\n\n");
  }

  documents.listen(connection);
  connection.listen();
}

const mentions = (text: string, word: string) =>
  new RegExp(`(^|[^\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w-])`).test(text);

/** Where a standard module's text is, for going to its declarations: `stdlib/` of the package this server runs from. */
function standardModuleUri(path: string): string {
  const file = `${standardModuleBase(path)}.secpol`;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (secpolFiles(join(dir, "stdlib")).includes(file)) return pathToFileURL(join(dir, "stdlib", file)).href;
  }
  return `secpol:${path}`;
}

/** The `.secpol` files of a directory (none when it cannot be read). */
function secpolFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".secpol"));
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
