/**
 * The language server as a real process: `secpolc lsp` over stdio, spoken to with JSON-RPC.
 * Diagnostics arrive with the right range, definition and references resolve names, hover shows a
 * workload's selector and objects, rename edits every use, and formatting returns the formatted
 * text. Completion: completion.test.ts; the editor's names against the checker's: agreement.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { languageServer, positionAt } from "../support/lsp.js";
import { stdlibModules } from "../../src/stdlib/modules.js";

const dir = mkdtempSync(join(tmpdir(), "secpolc-lsp-"));
const lsp = languageServer(dir);
const { rpc, publishes, diagnosticsFor } = lsp;

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

const open = (name: string, text: string) => lsp.open(uri(name), text);
const change = (name: string, text: string) => lsp.change(uri(name), text);

test("initialize announces the features", async () => {
  const result = await lsp.initialize();
  for (const feature of [
    "documentFormattingProvider",
    "definitionProvider",
    "referencesProvider",
    "hoverProvider",
    "completionProvider",
  ])
    assert.ok(result.capabilities[feature], feature);
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
  const local: any = await rpc.sendRequest("textDocument/definition", {
    textDocument: { uri: uri("main.secpol") },
    position: { line: 5, character: 23 },
  });
  assert.equal(local, [
    { uri: uri("main.secpol"), range: { start: { line: 3, character: 11 }, end: { line: 3, character: 13 } } },
  ]);
  const refs: any = await rpc.sendRequest("textDocument/references", {
    textDocument: { uri: uri("main.secpol") },
    position: { line: 3, character: 12 },
    context: { includeDeclaration: false },
  });
  assert.equal(
    refs.map((r: any) => `${r.uri.endsWith("more.secpol") ? "more" : "main"}:${r.range.start.line}`).sort(),
    ["main:5", "more:0"],
  );
  const namespace: any = await rpc.sendRequest("textDocument/definition", {
    textDocument: { uri: uri("main.secpol") },
    position: { line: 5, character: 7 },
  });
  assert.equal(namespace[0].range.start, { line: 0, character: 10 });
});

test("hover shows a workload's selector and the objects it compiles into", async () => {
  const hover: any = await rpc.sendRequest("textDocument/hover", {
    textDocument: { uri: uri("main.secpol") },
    position: { line: 2, character: 12 },
  });
  assert.match(hover.contents.value, /workload\*\* `shop\/web`/);
  assert.match(hover.contents.value, /selector: `app=web`/);
  assert.match(hover.contents.value, /NetworkPolicy `secpol-web` in `shop\/networkpolicies\.yaml`/);
});

test("formatting returns the formatted text", async () => {
  await open("messy.secpol", "allow  shop/db,shop/web->shop/db:5432 # x\n");
  const edits: any = await rpc.sendRequest("textDocument/formatting", {
    textDocument: { uri: uri("messy.secpol") },
    options: { tabSize: 2, insertSpaces: true },
  });
  assert.is(edits.length, 1);
  assert.is(edits[0].newText, "allow shop/db, shop/web -> shop/db: 5432  # x\n");
  assert.equal(edits[0].range.start, { line: 0, character: 0 });
});

test("formatting returns edits for a workload whose clauses are out of the canonical order (issue 16)", async () => {
  await open("clauses.secpol", "workload a/x app=x kind Job serviceAccount s\n");
  const edits: any = await rpc.sendRequest("textDocument/formatting", {
    textDocument: { uri: uri("clauses.secpol") },
    options: { tabSize: 2, insertSpaces: true },
  });
  assert.is(edits?.length, 1);
  assert.is(edits[0].newText, "workload a/x app=x serviceAccount s kind Job\n");
});

test("an unsaved buffer (untitled:) is a program of its own, and the files' programs keep working", async () => {
  const untitled = "untitled:Untitled-1";
  await lsp.open(untitled, "namespace a {\n  workload w app=w\n}\nallow a/w -> a/w: 80\nallow a/w -> nowhere\n");
  const diagnostics = await diagnosticsFor(untitled, (d) => d.length > 0);
  assert.ok(
    diagnostics.some((d: any) => d.range.start.line === 4 && d.code === "SP2001"),
    JSON.stringify(diagnostics),
  );
  const definition: any = await rpc.sendRequest("textDocument/definition", {
    textDocument: { uri: untitled },
    position: { line: 3, character: 8 },
  });
  assert.equal(
    definition.map((l: any) => [l.uri, l.range.start.line]),
    [[untitled, 1]],
  );
  // it used to make every request fail: a file of the directory still resolves
  const hover: any = await rpc.sendRequest("textDocument/hover", {
    textDocument: { uri: uri("main.secpol") },
    position: { line: 2, character: 12 },
  });
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
  await change(
    "main.secpol",
    model.replace("  default deny\n", "  default deny  # secpol-ignore SP9105: DNS is served by a sidecar\n"),
  );
  await diagnosticsFor(uri("main.secpol"), (ds) => ds.every((x) => x.code !== "SP9105" && x.code !== "SP9010"));
  await change("main.secpol", model.replace("  default deny\n", "  default deny  # secpol-ignore SP9105\n"));
  await diagnosticsFor(
    uri("main.secpol"),
    (ds) => ds.some((x) => x.code === "SP1016") && ds.some((x) => x.code === "SP9105"),
  );
  await change("main.secpol", model);
});

/** Where the editor goes from the `nth` occurrence of the word `word` in `text`, a program of its own: `file:line` of each location. */
async function definitionOf(name: string, text: string, word: string, nth = 0): Promise<string[]> {
  const doc = `untitled:${name}`;
  await lsp.open(doc, text);
  const at = [...text.matchAll(new RegExp(`(?<![\\w-])${word}(?![\\w-])`, "g"))][nth].index!;
  const found = await lsp.definition(doc, positionAt(text, at));
  lsp.close(doc);
  return found.map((l: any) => `${l.uri === doc ? "doc" : l.uri.replace(/^.*\//, "")}:${l.range.start.line}`);
}

const shop = "namespace shop {\n  default deny\n  workload web app=web\n}\n";

test("the standard library's names resolve in the editor as in the checker: `dns`, `restricted` (issue 19)", async () => {
  assert.equal(await definitionOf("std-1", `${shop}allow shop/* -> dns\n`, "dns"), ["dns.secpol:2"]);
  assert.equal(await definitionOf("std-2", `${shop}apply restricted to ns shop\n`, "restricted"), [
    `pss.secpol:${stdlibModules["std/pss"].split("\n").indexOf("profile restricted {")}`,
  ]);
  const doc = "untitled:std-3";
  await lsp.open(doc, `${shop}allow shop/* -> dns\n`);
  const hover: any = await rpc.sendRequest("textDocument/hover", {
    textDocument: { uri: doc },
    position: { line: 4, character: 17 },
  });
  assert.match(hover.contents.value, /\*\*group\*\* `dns`/);
  lsp.close(doc);
});

test("a top-level `workload web` that the checker rejects is no declaration the editor goes to (issue 19: it went to `default/web`)", async () => {
  const text = "workload web app=web\nnamespace a {\n  default deny\n  workload x app=x\n}\nallow a/x -> web\n";
  assert.equal(await definitionOf("top-1", text, "web", 2), []);
});

test("a program's own group or profile shadows the standard library's in the editor, as in the checker (issue 19)", async () => {
  const group = `group dns = pods(app=dns) in ns infra\n${shop}allow shop/* -> dns\n`;
  assert.equal(await definitionOf("shadow-1", group, "dns", 2), ["doc:0"]);
  const profile = `profile restricted {\n  deny hostPID\n}\n${shop}apply restricted to ns shop\n`;
  assert.equal(await definitionOf("shadow-2", profile, "restricted", 1), ["doc:0"]);
});

test("a posture's or pod-security statement's workload resolves in the editor only where the checker looks (its namespace)", async () => {
  const other = "namespace b {\n  workload y app=y\n}\n";
  assert.equal(
    await definitionOf("where-1", `${other}namespace a {\n  default deny\n  deny hostPID for y\n}\n`, "y", 2),
    [],
  );
  assert.equal(await definitionOf("where-2", `${other}namespace a {\n  default deny for b/y\n}\n`, "y", 2), []);
  assert.equal(
    await definitionOf("where-3", `${other}namespace a {\n  default deny\n}\ndeny hostPID for y\n`, "y", 2),
    ["doc:1"],
  );
});

test("rename changes a name and every use of it across the program's files; the standard library's names are refused", async () => {
  const main = uri("main.secpol");
  await change("main.secpol", model);
  // the edit a rename gives, or the message of its refusal
  const rename = (uri: string, line: number, character: number, newName: string): Promise<any> =>
    rpc
      .sendRequest("textDocument/rename", { textDocument: { uri }, position: { line, character }, newName })
      .catch((e) => e.message);
  const result = await rename(main, 3, 12, "postgres");
  const edits = Object.entries(result.changes).flatMap(([u, es]: [string, any]) =>
    es.map((e: any) => `${u.replace(/^.*\//, "")}:${e.range.start.line}:${e.range.start.character} ${e.newText}`),
  );
  assert.equal(edits.sort(), [
    "main.secpol:3:11 postgres",
    "main.secpol:5:23 postgres",
    "messy.secpol:0:12 postgres",
    "messy.secpol:0:30 postgres",
    "more.secpol:0:23 postgres",
  ]);
  const bad = await rename(main, 3, 12, "Postgres");
  assert.match(String(bad), /no workload name/);
  // a valid Kubernetes name that secpol reads as a number: every use would stop parsing
  const numeric = await rename(main, 3, 12, "42");
  assert.match(String(numeric), "`42` is no workload name: a name made only of digits and dots is a number there");
  const doc = "untitled:rename-std";
  await lsp.open(doc, `${shop}allow shop/* -> dns\n`);
  const refused = await rename(doc, 4, 17, "resolver");
  assert.match(String(refused), /standard library/);
  lsp.close(doc);
});

test("shutdown and exit end the process", async () => {
  assert.is(await lsp.shutdown(), 0);
  rmSync(dir, { recursive: true });
});

test.run();
