/**
 * The language server as a real process: `secpolc lsp` over stdio, spoken to with JSON-RPC.
 * Diagnostics arrive with the right range, definition and references resolve names, hover shows a
 * workload's selector and objects, completion offers names, keywords and capabilities, and
 * formatting returns the formatted text.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { repoRoot } from "../support/baseline.js";

const dir = mkdtempSync(join(tmpdir(), "secpolc-lsp-"));
const server = spawn(process.execPath, [join(repoRoot, "bin", "secpolc.js"), "lsp"], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
const published = new Map<string, any[]>();
const publishes = new Map<string, number>();
const waiters: (() => void)[] = [];
rpc.onNotification("textDocument/publishDiagnostics", (params: { uri: string; diagnostics: any[] }) => {
  published.set(params.uri, params.diagnostics);
  publishes.set(params.uri, (publishes.get(params.uri) ?? 0) + 1);
  waiters.splice(0).forEach((w) => w());
});
rpc.listen();

/** Resolves once diagnostics for `uri` satisfy `ok` (each publish re-checks), or fails after 10 s. */
function diagnosticsFor(uri: string, ok: (d: any[]) => boolean): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri}: ${JSON.stringify(published.get(uri))}`)), 10_000);
    const check = () => {
      const d = published.get(uri);
      if (d && ok(d)) {
        clearTimeout(timer);
        resolve(d);
      } else waiters.push(check);
    };
    check();
  });
}

const uri = (name: string) => pathToFileURL(join(dir, name)).href;
const model = [
  "namespace shop {",
  "  default deny",
  "  workload web app=web port http 8080",
  "  workload db  app=db  port pg 5432",
  "}",
  "allow shop/web -> shop/db: pg",
  "",
].join("\n");
// a second file of the same program (same directory), on disk only
writeFileSync(join(dir, "more.secpol"), "allow shop/web -> shop/db: 5432\n");

let version = 1;
const open = (name: string, text: string) => rpc.sendNotification("textDocument/didOpen", { textDocument: { uri: uri(name), languageId: "secpol", version: version++, text } });
const change = (name: string, text: string) => rpc.sendNotification("textDocument/didChange", { textDocument: { uri: uri(name), version: version++ }, contentChanges: [{ text }] });

test("initialize announces the features", async () => {
  const result: any = await rpc.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await rpc.sendNotification("initialized", {});
  for (const feature of ["documentFormattingProvider", "definitionProvider", "referencesProvider", "hoverProvider", "completionProvider"]) assert.ok(result.capabilities[feature], feature);
});

test("a document with an error gets a diagnostic with the right range, and loses it when fixed", async () => {
  await open("main.secpol", model.replace("shop/db: pg", "shop/dbx: pg"));
  const [d] = await diagnosticsFor(uri("main.secpol"), (ds) => ds.length > 0);
  assert.is(d.code, "SP2001");
  assert.is(d.severity, 1);
  const col = "allow shop/web -> ".length;
  assert.equal(d.range, { start: { line: 5, character: col }, end: { line: 5, character: col + "shop/dbx".length } });
  assert.match(d.message, /dbx/);
  await change("main.secpol", model);
  await diagnosticsFor(uri("main.secpol"), (ds) => ds.every((x) => x.severity !== 1));
});

test("definition of a workload name goes to its declaration, across files", async () => {
  const local: any = await rpc.sendRequest("textDocument/definition", { textDocument: { uri: uri("main.secpol") }, position: { line: 5, character: 23 } });
  assert.equal(local, [{ uri: uri("main.secpol"), range: { start: { line: 3, character: 11 }, end: { line: 3, character: 13 } } }]);
  const refs: any = await rpc.sendRequest("textDocument/references", { textDocument: { uri: uri("main.secpol") }, position: { line: 3, character: 12 }, context: { includeDeclaration: false } });
  assert.equal(refs.map((r: any) => `${r.uri.endsWith("more.secpol") ? "more" : "main"}:${r.range.start.line}`).sort(), ["main:5", "more:0"]);
  const namespace: any = await rpc.sendRequest("textDocument/definition", { textDocument: { uri: uri("main.secpol") }, position: { line: 5, character: 7 } });
  assert.equal(namespace[0].range.start, { line: 0, character: 10 });
});

test("hover shows a workload's selector and the objects it compiles into", async () => {
  const hover: any = await rpc.sendRequest("textDocument/hover", { textDocument: { uri: uri("main.secpol") }, position: { line: 2, character: 12 } });
  assert.match(hover.contents.value, /workload\*\* `shop\/web`/);
  assert.match(hover.contents.value, /selector: `app=web`/);
  assert.match(hover.contents.value, /NetworkPolicy `secpol-web` in `shop\/networkpolicies\.yaml`/);
});

test("completion offers declared names, keywords and capability names", async () => {
  const items: any = await rpc.sendRequest("textDocument/completion", { textDocument: { uri: uri("main.secpol") }, position: { line: 6, character: 0 } });
  const labels = new Set(items.map((i: any) => i.label));
  for (const expected of ["shop/web", "web", "shop", "allow", "workload", "NET_ADMIN", "restricted", "dns"]) assert.ok(labels.has(expected), expected);
});

test("formatting returns the formatted text", async () => {
  await open("messy.secpol", "allow  shop/db,shop/web->shop/db:5432 # x\n");
  const edits: any = await rpc.sendRequest("textDocument/formatting", { textDocument: { uri: uri("messy.secpol") }, options: { tabSize: 2, insertSpaces: true } });
  assert.is(edits.length, 1);
  assert.is(edits[0].newText, "allow shop/db, shop/web -> shop/db: 5432  # x\n");
  assert.equal(edits[0].range.start, { line: 0, character: 0 });
});

test("formatting returns edits for a workload whose clauses are out of the canonical order (issue 16)", async () => {
  await open("clauses.secpol", "workload a/x app=x kind Job serviceAccount s\n");
  const edits: any = await rpc.sendRequest("textDocument/formatting", { textDocument: { uri: uri("clauses.secpol") }, options: { tabSize: 2, insertSpaces: true } });
  assert.is(edits?.length, 1);
  assert.is(edits[0].newText, "workload a/x app=x serviceAccount s kind Job\n");
});

test("an unsaved buffer (untitled:) is a program of its own, and the files' programs keep working", async () => {
  const untitled = "untitled:Untitled-1";
  await rpc.sendNotification("textDocument/didOpen", {
    textDocument: { uri: untitled, languageId: "secpol", version: version++, text: "namespace a {\n  workload w app=w\n}\nallow a/w -> a/w: 80\nallow a/w -> nowhere\n" },
  });
  const diagnostics = await diagnosticsFor(untitled, (d) => d.length > 0);
  assert.ok(diagnostics.some((d: any) => d.range.start.line === 4 && d.code === "SP2001"), JSON.stringify(diagnostics));
  const definition: any = await rpc.sendRequest("textDocument/definition", { textDocument: { uri: untitled }, position: { line: 3, character: 8 } });
  assert.equal(definition.map((l: any) => [l.uri, l.range.start.line]), [[untitled, 1]]);
  // it used to make every request fail: a file of the directory still resolves
  const hover: any = await rpc.sendRequest("textDocument/hover", { textDocument: { uri: uri("main.secpol") }, position: { line: 2, character: 12 } });
  assert.match(hover.contents.value, /workload\*\* `shop\/web`/);
});

test("a burst of changes is checked once typing pauses, and ends on the last text", async () => {
  const main = uri("main.secpol");
  await diagnosticsFor(main, (ds) => ds.every((x) => x.severity !== 1));
  const before = publishes.get(main) ?? 0;
  for (let i = 0; i < 20; i++) void change("main.secpol", model.replace("shop/db: pg", `shop/db${i}: pg`));
  const last = await diagnosticsFor(main, (ds) => ds.some((x) => x.message.includes("db19")));
  assert.equal(last.filter((x) => x.severity === 1).length, 1);
  // every change checked would publish 20 times; the changes arrive together, and are checked together
  assert.ok(publishes.get(main)! - before < 20, `${publishes.get(main)! - before} publishes`);
  await change("main.secpol", model);
  await diagnosticsFor(main, (ds) => ds.every((x) => x.severity !== 1));
});

test("closing a document re-checks the others of its program with that file as on disk", async () => {
  const main = uri("main.secpol");
  await open("more.secpol", "namespace shop {\n  workload cache app=cache\n}\nallow shop/web -> shop/db: 5432\n");
  await change("main.secpol", `${model}allow shop/web -> shop/cache: 80\n`);
  await diagnosticsFor(main, (ds) => ds.length > 0 && ds.every((x) => x.severity !== 1));
  // on disk, more.secpol declares no `cache`
  await rpc.sendNotification("textDocument/didClose", { textDocument: { uri: uri("more.secpol") } });
  const [unknown] = await diagnosticsFor(main, (ds) => ds.some((x) => x.code === "SP2001"));
  assert.is(unknown.range.start.line, 6);
  await change("main.secpol", model);
  await diagnosticsFor(main, (ds) => ds.every((x) => x.severity !== 1));
});

test("a `# secpol-ignore` comment silences its warning in the editor too (the core's pass, as in the CLI)", async () => {
  await change("main.secpol", model);
  await diagnosticsFor(uri("main.secpol"), (ds) => ds.some((x) => x.code === "SP9105"));
  await change("main.secpol", model.replace("  default deny\n", "  default deny  # secpol-ignore SP9105: DNS is served by a sidecar\n"));
  await diagnosticsFor(uri("main.secpol"), (ds) => ds.every((x) => x.code !== "SP9105" && x.code !== "SP9010"));
  await change("main.secpol", model.replace("  default deny\n", "  default deny  # secpol-ignore SP9105\n"));
  await diagnosticsFor(uri("main.secpol"), (ds) => ds.some((x) => x.code === "SP1016") && ds.some((x) => x.code === "SP9105"));
  await change("main.secpol", model);
});

test("shutdown and exit end the process", async () => {
  await rpc.sendRequest("shutdown");
  const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
  await rpc.sendNotification("exit");
  assert.is(await exited, 0);
  rpc.dispose();
  rmSync(dir, { recursive: true });
});

test.run();
