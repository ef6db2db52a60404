/**
 * The language server sees the program `secpolc check DIR` sees (issue 19): one host module finds
 * and reads the files for both. A folder where they used to disagree — a subdirectory (the server
 * read only the document's directory), a dot file and a dot directory, node_modules (the server read
 * dot files) — gets the same diagnostics over the protocol as from the command line, and an open
 * document stands for its file in every program that holds it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { languageServer } from "../support/lsp.js";
import { repoRoot } from "../support/baseline.js";
import { discoverSources } from "../../src/host.js";

const dir = mkdtempSync(join(tmpdir(), "secpolc-lsp-host-"));
const files: Record<string, string> = {
  "main.secpol": [
    "namespace shop {",
    "  default deny",
    "  workload web app=web port http 8080",
    "}",
    "allow shop/web -> shop/db: sql",
    "allow shop/* -> dns",
    "",
  ].join("\n"),
  // found by walking the directory: `db` is declared here
  "sub/db.secpol": "namespace shop {\n  workload db app=db port sql 5432\n}\n",
  // skipped by the walk: a second `namespace shop` and a rule naming nothing would be errors
  ".draft.secpol": "allow shop/web -> shop/nowhere: 1\n",
  ".old/shop.secpol": "namespace shop {\n  workload db app=db\n}\n",
  "node_modules/x/shop.secpol": "namespace shop {\n  workload db app=db\n}\n",
};
for (const [name, text] of Object.entries(files)) {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  writeFileSync(join(dir, name), text);
}
const uri = (name: string) => pathToFileURL(join(dir, name)).href;
const lsp = languageServer(dir);

/** What `secpolc check .` (in `dir`) reports for `file`: code, 0-based range and message, as the server says them. */
function cliDiagnostics(file: string, cwd = dir, input = "."): string[] {
  const run = spawnSync(process.execPath, [join(repoRoot, "bin", "secpolc.js"), "check", input, "--format", "json"], {
    cwd,
    encoding: "utf8",
  });
  const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: any[] };
  return diagnostics
    .filter((d) => d.file === file)
    .map(
      (d) =>
        `${d.code} ${d.line - 1}:${d.column - 1}-${d.endLine - 1}:${d.endColumn - 1} ${d.message}${d.help ? `\nhelp: ${d.help}` : ""}`,
    );
}
const shown = (ds: any[]) =>
  ds.map(
    (d) =>
      `${d.code} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`,
  );

test("a document's diagnostics are those of `secpolc check` of its folder: subdirectories read, dot files and node_modules skipped", async () => {
  await lsp.initialize();
  const expected = cliDiagnostics("main.secpol");
  // the CLI finds `db` in sub/ and reads no dot file: no error
  assert.equal(
    expected.filter((d) => d.startsWith("SP2")),
    [],
  );
  await lsp.open(uri("main.secpol"), files["main.secpol"]);
  const published = await lsp.diagnosticsFor(uri("main.secpol"), () => true);
  assert.equal(shown(published), expected);
});

test("an open document stands for its file in its folder's program and in the program of the folder above", async () => {
  const edited = files["sub/db.secpol"].replace("workload db", "workload dbx");
  await lsp.open(uri("sub/db.secpol"), edited);
  // main.secpol's program holds sub/db.secpol as edited: `shop/db` is gone
  const [unknown] = await lsp.diagnosticsFor(uri("main.secpol"), (ds) => ds.some((d) => d.code === "SP2001"));
  assert.match(unknown.message, /`shop\/db`/);
  // sub/db.secpol's own program is `secpolc check sub`: names relative to sub/
  writeFileSync(join(dir, "sub/db.secpol"), edited);
  const expected = cliDiagnostics("db.secpol", join(dir, "sub"));
  const published = await lsp.diagnosticsFor(uri("sub/db.secpol"), (ds) => ds.length === expected.length);
  assert.equal(shown(published), expected);
  await lsp.change(uri("sub/db.secpol"), files["sub/db.secpol"]);
  await lsp.diagnosticsFor(uri("main.secpol"), (ds) => ds.every((d) => d.code !== "SP2001"));
  writeFileSync(join(dir, "sub/db.secpol"), files["sub/db.secpol"]);
});

test("the host reads an open document's text for its file, and finds a document not saved yet where the walk would", () => {
  const overlay = new Map([
    [join(dir, "main.secpol"), "# as edited\n"],
    [join(dir, "sub", "new.secpol"), "# not saved\n"],
    [join(dir, ".old", "new.secpol"), "# under a dot directory\n"],
    [join(dir, "nowhere", "new.secpol"), "# in a directory that does not exist\n"],
    [join(dir, "sub", "notes.txt"), "not secpol"],
  ]);
  const found = discoverSources(dir, ["."], undefined, overlay);
  assert.equal(
    found.sources.map((s) => s.path),
    ["main.secpol", "sub/db.secpol", "sub/new.secpol"],
  );
  assert.is(found.sources[0].text, "# as edited\n");
  assert.is(found.sources[2].text, "# not saved\n");
});

test("shutdown", async () => {
  assert.is(await lsp.shutdown(), 0);
  rmSync(dir, { recursive: true });
});

test.run();
