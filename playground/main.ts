/**
 * The playground: the compiler core in the browser. Every edit is compiled by the same `build` the
 * CLI runs (translation validation included); diagnostics are underlined with the CLI's codes and
 * messages, the output is shown per kind, and the matrix of who can talk to whom comes from the
 * meaning model, each cell explained by the lines that decide it. Nothing is fetched: examples are
 * bundled, and a program is shared in the URL's hash.
 */
import { basicSetup } from "codemirror";
import { EditorView, Decoration, ViewPlugin, keymap, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { EditorState, RangeSetBuilder, StateEffect, StateField } from "@codemirror/state";
import { setDiagnostics, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import { deflateSync, inflateSync, strFromU8, strToU8, zipSync } from "fflate";
import { parseAllDocuments } from "yaml";
import {
  build,
  connectivityOf,
  format,
  internalErrorDiagnostic,
  renderExplanation,
  type BuildResult,
  type Diagnostic,
  type OutputFile,
} from "../src/index.js";
import { Comment, lex } from "../src/syntax/tokens.js";
import { tokenScope } from "../src/grammar/generate.js";
import examples from "virtual:examples";

const PATH = "playground.secpol";
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// ---------------------------------------------------------------------------------------------
// Highlighting from the project's token definitions (the TextMate scopes of grammar/)

const scopeClass = (scope: string) => `s-${scope.split(".").slice(0, 2).join("-")} s-${scope.split(".")[0]}`;

function highlight(view: EditorView): DecorationSet {
  const text = view.state.doc.toString();
  const { tokens, comments } = lex(text);
  const all = [...tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset);
  const builder = new RangeSetBuilder<Decoration>();
  for (const token of all) {
    const scope = token.tokenType === Comment ? tokenScope(Comment) : tokenScope(token.tokenType);
    const end = token.startOffset + token.image.length;
    if (scope && end > token.startOffset)
      builder.add(token.startOffset, end, Decoration.mark({ class: scopeClass(scope) }));
  }
  return builder.finish();
}

const highlighter = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = highlight(view);
    }
    update(update: ViewUpdate) {
      if (update.docChanged) this.decorations = highlight(update.view);
    }
  },
  { decorations: (v) => v.decorations },
);

// Lines that decide the explained cell
const setDeciding = StateEffect.define<number[]>();
const deciding = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setDeciding)) continue;
      const builder = new RangeSetBuilder<Decoration>();
      for (const line of [...new Set(e.value)].sort((a, b) => a - b)) {
        if (line >= 1 && line <= tr.state.doc.lines)
          builder.add(
            tr.state.doc.line(line).from,
            tr.state.doc.line(line).from,
            Decoration.line({ class: "cm-deciding" }),
          );
      }
      value = builder.finish();
    }
    return value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// ---------------------------------------------------------------------------------------------
// Compile on every edit

let lastBuild: Pick<BuildResult, "files" | "diagnostics"> | undefined;
let activeTab = "all";
let timer: ReturnType<typeof setTimeout> | undefined;

function formatNow(view: EditorView): boolean {
  const result = guarded(
    () => format(view.state.doc.toString(), PATH),
    (failure) => ({ failure }),
  );
  if ("failure" in result) status(`not formatted: ${shownDiagnostic(result.failure)}`);
  else if (result.text === undefined) status("not formatted: fix the errors first");
  else if (result.text !== view.state.doc.toString())
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: result.text } });
  return true;
}

const view = new EditorView({
  parent: $("editor"),
  state: EditorState.create({
    doc: "",
    extensions: [
      basicSetup,
      highlighter,
      deciding,
      keymap.of([
        { key: "Shift-Alt-f", run: formatNow },
        { key: "Mod-Shift-f", run: formatNow },
      ]),
      EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        clearTimeout(timer);
        timer = setTimeout(recompile, 60);
      }),
    ],
  }),
});

function status(text: string) {
  $("status").textContent = text;
}

function toCm(d: Diagnostic): CmDiagnostic | undefined {
  if (d.span.file !== PATH) return undefined;
  const length = view.state.doc.length;
  const from = Math.min(d.span.start.offset, length);
  return {
    from,
    to: Math.max(from, Math.min(d.span.end.offset, length)),
    severity: d.severity === "note" ? "info" : d.severity,
    message: `${d.code}: ${d.message}${d.help ? `\nhelp: ${d.help}` : ""}`,
    source: d.code,
  };
}

/** Set by `secpol.failNextCall` (tests): the next call into the compiler throws, as a bug in it would. */
let injectedFailure: string | undefined;

/**
 * A call into the compiler. An exception from it is a bug in secpolc: `failed` is given SP5025 on
 * the program's first line (the stack goes to the console), so the page never keeps showing the
 * previous result as if it were this text's.
 */
function guarded<T, F>(compute: () => T, failed: (d: Diagnostic) => F): T | F {
  try {
    if (injectedFailure !== undefined) {
      const message = injectedFailure;
      injectedFailure = undefined;
      throw new Error(message);
    }
    return compute();
  } catch (e) {
    console.error(e);
    const start = { line: 1, column: 1, offset: 0 };
    const help =
      "this is a bug in secpolc, not in the program: please report it with the program (the page's link) and the stack trace (in the browser's console)";
    return failed(internalErrorDiagnostic(e, { file: PATH, start, end: start }, help));
  }
}

const shownDiagnostic = (d: Diagnostic) =>
  `${d.span.start.line}:${d.span.start.column} ${d.severity} ${d.code}: ${d.message}${d.help ? ` (help: ${d.help})` : ""}`;

function recompile() {
  const text = view.state.doc.toString();
  const started = performance.now();
  const result = guarded(
    () => build([{ path: PATH, text }]),
    (d) => ({ files: [], diagnostics: [d] }),
  );
  const ms = performance.now() - started;
  lastBuild = result;
  view.dispatch(
    setDiagnostics(
      view.state,
      result.diagnostics.flatMap((d) => toCm(d) ?? []),
    ),
    { effects: setDeciding.of([]) },
  );
  renderDiagnostics(result.diagnostics);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  status(
    errors > 0
      ? `${errors} error${errors === 1 ? "" : "s"}`
      : `compiled in ${ms.toFixed(1)} ms: ${result.files.length} files`,
  );
  renderOutput();
  history.replaceState(null, "", `#code=${encode(text)}`);
}

function renderDiagnostics(diagnostics: readonly Diagnostic[]) {
  const box = $("diagnostics");
  box.replaceChildren(
    ...diagnostics.map((d) => {
      const div = document.createElement("div");
      div.className = d.severity;
      div.dataset.code = d.code;
      div.textContent = shownDiagnostic(d);
      div.onclick = () => {
        view.dispatch({
          selection: { anchor: Math.min(d.span.start.offset, view.state.doc.length) },
          scrollIntoView: true,
        });
        view.focus();
      };
      return div;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Output tabs

function kindOf(file: OutputFile): string {
  if (/^[^/]+\/security\//.test(file.path)) return "Component";
  const kind = (parseAllDocuments(file.content)[0]?.toJS() as { kind?: string } | null)?.kind ?? "";
  return kind === "PodSecurityPolicy" || kind.startsWith("ClusterRole") || kind === "RoleBinding" ? "PSP/RBAC" : kind;
}

function shownFiles(): OutputFile[] {
  const files = lastBuild?.files ?? [];
  return activeTab === "all" ? files : files.filter((f) => kindOf(f) === activeTab);
}

const multiDocument = (files: readonly OutputFile[]) => files.map((f) => `# ${f.path}\n${f.content}`).join("---\n");

function renderOutput() {
  const matrix = activeTab === "matrix";
  $("output").hidden = matrix;
  $("matrix").hidden = !matrix;
  $("explain").hidden = !matrix || $("explain").textContent === "";
  if (matrix) return renderMatrix();
  const files = shownFiles();
  $("output").textContent =
    lastBuild && lastBuild.files.length === 0
      ? "(nothing compiled: the program has errors)"
      : files.length === 0
        ? `(no ${activeTab} objects)`
        : multiDocument(files);
}

function renderMatrix() {
  const text = view.state.doc.toString();
  const box = $("matrix");
  const result = guarded(
    () => connectivityOf([{ path: PATH, text }]),
    (d) => void (box.textContent = `(${shownDiagnostic(d)})`),
  );
  if (!result) return;
  if (!result.connectivity || !result.explainCell) {
    box.textContent = "(the program has errors)";
    return;
  }
  const { rows, columns, cells } = result.connectivity;
  const explainCell = result.explainCell;
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  head.append(Object.assign(document.createElement("th"), { textContent: "from \\ to" }));
  for (const name of columns)
    head.append(Object.assign(document.createElement("th"), { textContent: name, className: "col" }));
  const body = table.createTBody();
  cells.forEach((row, i) => {
    const tr = body.insertRow();
    tr.append(Object.assign(document.createElement("th"), { textContent: rows[i] }));
    row.forEach((cell, j) => {
      const td = tr.insertCell();
      if (!cell) {
        td.className = "none";
        return;
      }
      td.dataset.row = String(i);
      td.dataset.column = String(j);
      td.className = cell.permitted.length === 0 ? "denied" : cell.denied.length === 0 ? "permitted" : "partial";
      td.textContent =
        cell.permitted.length === 0 ? "—" : cell.denied.length === 0 ? "any checked port" : cell.permitted.join(", ");
      td.title = `${rows[i]} -> ${columns[j]}`;
      td.onclick = () => {
        box.querySelectorAll("td.selected").forEach((x) => x.classList.remove("selected"));
        td.classList.add("selected");
        const explanation = guarded(
          () => explainCell(i, j),
          (d) => void Object.assign($("explain"), { textContent: shownDiagnostic(d), hidden: false }),
        );
        if (!explanation) return;
        $("explain").textContent = renderExplanation(explanation, { [PATH]: text });
        $("explain").hidden = false;
        const lines = explanation.reasons.filter((r) => r.file === PATH).map((r) => r.line);
        view.dispatch({
          effects: setDeciding.of(lines),
          ...(lines.length > 0
            ? { selection: { anchor: view.state.doc.line(lines[0]).from }, scrollIntoView: true }
            : {}),
        });
      };
    });
  });
  box.replaceChildren(table);
}

for (const tab of document.querySelectorAll<HTMLButtonElement>("#tabs button")) {
  tab.onclick = () => {
    activeTab = tab.dataset.tab!;
    document.querySelectorAll("#tabs button").forEach((b) => b.setAttribute("aria-selected", String(b === tab)));
    renderOutput();
  };
}

function download(name: string, data: Uint8Array | string, type: string) {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

$("copy").onclick = () => {
  void navigator.clipboard?.writeText($("output").textContent ?? "").then(
    () => status("copied"),
    () => status("copy failed"),
  );
};
$("download-yaml").onclick = () => download("secpol.yaml", multiDocument(shownFiles()), "application/yaml");
$("download-zip").onclick = () =>
  download(
    "secpol.zip",
    zipSync(Object.fromEntries((lastBuild?.files ?? []).map((f) => [f.path, strToU8(f.content)]))),
    "application/zip",
  );
$("format").onclick = () => formatNow(view);

// ---------------------------------------------------------------------------------------------
// Examples and sharing

const encode = (text: string) =>
  btoa(String.fromCharCode(...deflateSync(strToU8(text))))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const decode = (hash: string) =>
  strFromU8(inflateSync(Uint8Array.from(atob(hash.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))));

function setText(text: string) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  clearTimeout(timer); // compiled now, not again when the edit's timer fires
  recompile();
}

const picker = $<HTMLSelectElement>("examples");
for (const name of Object.keys(examples).sort()) picker.append(new Option(name, name));
picker.onchange = () => {
  const files = examples[picker.value];
  // one program: files concatenated (order never matters in secpol)
  if (files) setText(files.length === 1 ? files[0].text : files.map((f) => `# ${f.path}\n${f.text}`).join("\n"));
};
$("share").onclick = () => {
  void navigator.clipboard?.writeText(location.href).then(
    () => status("link copied"),
    () => status(location.href),
  );
};

const shared = location.hash.startsWith("#code=") ? location.hash.slice(6) : "";
try {
  setText(shared ? decode(shared) : (examples["web-db"]?.[0]?.text ?? ""));
} catch {
  setText(examples["web-db"]?.[0]?.text ?? "");
  status("the shared link could not be read");
}

/** For tests and benchmarks: the editor's text, and the median time of `build` in this browser. */
Object.assign(window, {
  secpol: {
    setText,
    getText: () => view.state.doc.toString(),
    failNextCall(message: string) {
      injectedFailure = message;
    },
    benchmark(text: string, runs: number): { median: number; runs: number; files: number } {
      const times: number[] = [];
      let files = 0;
      // warm up first: the median is of recompiles as you type, not of the page's first compile
      for (let i = 0; i < 10; i++) build([{ path: PATH, text }]);
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        files = build([{ path: PATH, text }]).files.length;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return { median: times[Math.floor(times.length / 2)], runs, files };
    },
  },
});
