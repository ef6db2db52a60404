/**
 * `secpolc lsp`: a language server over stdio. A document's program is the one `secpolc check DIR`
 * of its folder sees, run from the workspace folder that holds it (the same host module finds and
 * reads the files: the folder walked, imports kept inside the project), with open documents as
 * edited and the other files as on disk.
 * Diagnostics are published as you type (once typing pauses); formatting, definition, references,
 * hover and completion read the same parse, symbol table and build as the CLI. What a program's
 * files give (symbols, check, build) is worked out once per version of their texts; a check re-parses
 * only the files that changed and reuses the result of a recent version (`incremental.ts`).
 */
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
  type BuildResult,
  type CheckResult,
  type Diagnostic,
  type ImportResolver,
  type SourceText,
  type Span,
} from "../index.js";
import { referencesTo, renameEdits, symbolAt, type Binding, type Declaration } from "../analysis/symbols.js";
import { bindSources } from "../pipeline.js";
import { isStandardModule, standardModuleBase } from "../stdlib/standard.js";
import { format } from "../format/format.js";
import { peer, port, requirement } from "../format/print.js";
import { completionItems, completionsAt } from "./completion.js";
import { ProgramChecks } from "./incremental.js";
import type * as ast from "../syntax/ast.js";
import { discoverSources, findUpward, importResolver, isInside, type Overlay } from "../host.js";

interface Program {
  place: Place;
  /** The directory its files are named from (the program's root); none for a document that is not a file. */
  root?: string;
  sources: SourceText[];
  resolveImport?: ImportResolver;
  /** Worked out on first use, for these sources. */
  symbols?: Binding;
  checked?: CheckResult;
  built?: BuildResult;
}

/** How long typing must pause before a program is checked again and its diagnostics published. */
const PUBLISH_DELAY_MS = 150;

const sameSources = (a: readonly SourceText[], b: readonly SourceText[]) =>
  a.length === b.length && a.every((s, i) => s.path === b[i].path && s.text === b[i].text);

/** Where a document belongs, and its name there. */
interface Place {
  /** The program: the folder or file `secpolc check` is given, or the URI of a document that is no file. */
  key: string;
  /** Its file's path, when it is a local file. */
  path?: string;
  /** The document's name in its program (relative to the program's root). */
  name: string;
}

/** A document's file path, when it is a local file. */
function pathOf(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined; // e.g. a host other than localhost: not a local file
  }
}

/**
 * Where a document belongs: a file's program is its folder (`key`), named from there; a dot file,
 * which the walk of its folder skips, is a program of its own (`secpolc check .x.secpol`). A document
 * of another scheme (an editor's unsaved buffer, `untitled:Untitled-1`) or a file URI that does not
 * name a local path is a program of its own, named by its URI.
 */
function placeOf(uri: string): Place {
  const path = pathOf(uri);
  if (path === undefined) return { key: uri, name: uri };
  const name = basename(path);
  return { key: name.startsWith(".") ? path : dirname(path), path, name };
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
      : p.root === undefined
        ? p.place.key
        : pathToFileURL(join(p.root, file)).href;
  /** The open documents whose diagnostics come from the program `key`. */
  const documentsOf = (key: string) => documents.all().filter((d) => placeOf(d.uri).key === key);
  /** The workspace's folders: `secpolc check` is run from the one that holds the program (the project root of its imports). */
  let workspace: string[] = [];

  /** The last program of each place, kept while its texts stay the same. */
  const programs = new Map<string, Program>();
  /** Per place, its checks: each file's parse kept while its text stays the same (an edit re-parses one file), and the results of its last versions. */
  const checks = new Map<string, ProgramChecks>();
  const checksOf = (p: Program) => {
    let known = checks.get(p.place.key);
    if (!known) checks.set(p.place.key, (known = new ProgramChecks()));
    return known;
  };
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * The program of a place, as `secpolc check` of its folder (or dot file) run from the workspace
   * folder that holds it reads it, open documents as edited; a document that is no file (or whose
   * folder cannot be read) is a program of its own.
   */
  function program(place: Place): Program {
    let found: Pick<Program, "root" | "sources" | "resolveImport"> | undefined;
    if (place.path !== undefined) {
      const overlay: Overlay = new Map(
        documents.all().flatMap((d) => {
          const path = pathOf(d.uri);
          return path === undefined ? [] : [[path, d.getText()]];
        }),
      );
      const cwd = workspace.filter((folder) => isInside(folder, place.key)).sort((a, b) => b.length - a.length)[0];
      const discovered = discoverSources(cwd ?? dirname(place.path), [place.key], undefined, overlay);
      if (discovered.problems.length === 0)
        found = {
          root: discovered.root,
          sources: discovered.sources,
          resolveImport: importResolver(cwd ?? discovered.root, discovered.root, discovered.directories, overlay),
        };
    }
    found ??= { sources: [{ path: place.name, text: documents.get(documentUri(place))?.getText() ?? "" }] };
    const known = programs.get(place.key);
    if (known && known.root === found.root && sameSources(known.sources, found.sources)) return known;
    const p: Program = { place, ...found };
    programs.set(place.key, p);
    return p;
  }
  /** The URI of a place's document, for a program of one document. */
  const documentUri = (place: Place) => (place.path === undefined ? place.key : pathToFileURL(place.path).href);

  const options = (p: Program) => ({ resolveImport: p.resolveImport, parse: checksOf(p).parse });
  const symbolsOf = (p: Program) => (p.symbols ??= bindSources(p.sources, options(p)));
  const checkedOf = (p: Program) => (p.checked ??= checksOf(p).check(p.sources, { resolveImport: p.resolveImport }));
  const builtOf = (p: Program) => (p.built ??= build(p.sources, { verify: false, ...options(p) }));

  /**
   * The programs an edit of a document may change: its own, those whose folder holds it, and those
   * that read it (an import from another folder).
   */
  function affected(uri: string): Place[] {
    const place = placeOf(uri);
    const others = [...programs.values()]
      .filter((p) => p.place.key !== place.key && place.path !== undefined && p.root !== undefined)
      .filter(
        (p) =>
          isInside(p.place.key, place.path!) ||
          Object.keys(p.checked?.sources ?? {}).some((file) => join(p.root!, file) === place.path),
      )
      .map((p) => p.place);
    return [place, ...others];
  }

  /** Checks the programs of a document once typing pauses (one check for a burst of changes). */
  function schedule(uri: string): void {
    for (const place of affected(uri)) scheduleProgram(place);
  }

  /** The places whose edit path has been run once (`ProgramChecks.warmUp`). */
  const warmed = new Set<string>();
  /** After a program's first check, while no edit waits, its edit path run once on versions never published. */
  function warmUp(place: Place): void {
    if (warmed.has(place.key)) return;
    warmed.add(place.key);
    setTimeout(() => {
      if (pending.has(place.key) || documentsOf(place.key).length === 0) return;
      const p = program(place);
      checksOf(p).warmUp(p.sources, { resolveImport: p.resolveImport });
    }, 0);
  }

  function scheduleProgram(place: Place): void {
    const { key } = place;
    clearTimeout(pending.get(key));
    pending.set(
      key,
      setTimeout(() => {
        pending.delete(key);
        publish(place);
      }, PUBLISH_DELAY_MS),
    );
  }

  /**
   * What was last published for each open document: at which version of it, and as text. An
   * unchanged document whose diagnostics are the same is not sent them again (a program of 250
   * open files, one edited).
   */
  const published = new Map<string, { version: number; diagnostics: string }>();

  /** Checks a program and publishes the diagnostics of its open documents (none when none is open any more). */
  function publish(place: Place): void {
    const open = documentsOf(place.key);
    if (open.length === 0) return;
    const p = program(place);
    const result = checkedOf(p);
    warmUp(place);
    const byFile = new Map<string, Diagnostic[]>();
    for (const d of result.diagnostics) {
      const of = byFile.get(d.span.file);
      if (of) of.push(d);
      else byFile.set(d.span.file, [d]);
    }
    for (const doc of open) {
      const { name } = placeOf(doc.uri);
      const diagnostics = (byFile.get(name) ?? []).map(toLspDiagnostic);
      const text = JSON.stringify(diagnostics);
      const last = published.get(doc.uri);
      if (last && last.version === doc.version && last.diagnostics === text) continue;
      published.set(doc.uri, { version: doc.version, diagnostics: text });
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics });
    }
  }

  /** The declarations at a position of a document. */
  function declarationsAt(
    uri: string,
    position: { line: number; character: number },
  ): { p: Program; found: Declaration[] } {
    const p = program(placeOf(uri));
    const doc = documents.get(uri);
    const offset = doc ? doc.offsetAt(position) : 0;
    return { p, found: symbolAt(symbolsOf(p), placeOf(uri).name, offset) };
  }

  const location = (p: Program, span: Span): Location => ({ uri: uriOf(p, span.file), range: toRange(span) });

  connection.onInitialize((params) => {
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspace = folders.flatMap((f) => pathOf(f) ?? []);
    return {
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
    };
  });

  documents.onDidOpen((e) => schedule(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    // the closed document is gone from `documents`: the programs that hold it now see it as on disk
    schedule(e.document.uri);
    const { key } = placeOf(e.document.uri);
    if (documentsOf(key).length === 0) {
      clearTimeout(pending.get(key));
      pending.delete(key);
      programs.delete(key);
      checks.delete(key);
    }
    published.delete(e.document.uri);
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
    const p = program(placeOf(doc.uri));
    const { name } = placeOf(doc.uri);
    const withText = (text: string) =>
      bindSources(
        p.sources.map((s) => (s.path === name ? { path: name, text } : s)),
        { resolveImport: p.resolveImport },
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
  const file = findUpward(
    dirname(fileURLToPath(import.meta.url)),
    join("stdlib", `${standardModuleBase(path)}.secpol`),
  );
  return file === undefined ? `secpol:${path}` : pathToFileURL(file).href;
}
