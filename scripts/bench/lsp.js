#!/usr/bin/env node
// The language server's latency on a large program, measured over the protocol (issue 20):
//
//   node scripts/bench/lsp.js [--size 5000] [--shape realistic|single] [--edits 9] [--secpolc-root DIR]
//
// Writes the bench's program (topology.js) of `--size` services into a scratch directory, starts
// `secpolc lsp` (bin/secpolc.js, which runs dist/: `npm run build` first), opens every file of the
// program and waits for its first diagnostics; then makes `--edits` one-line edits, each in another
// file: the first line of a rule `allow NS/SVC -> ...` gets its caller misspelt (`NS/SVCx`, so an
// error SP2001 must appear), and the next edit puts it back (the error must go). For each edit it
// times from sending `textDocument/didChange` (one incremental change) to the arrival of the
// edited file's diagnostics that reflect the edit, and prints each time and the median. The
// server waits for a pause in typing before it checks (PUBLISH_DELAY_MS in src/lsp/server.ts);
// that wait is included.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { generateTopology, toSecpol } from "./topology.js";

const here = dirname(fileURLToPath(import.meta.url));
const options = { size: 5000, shape: "realistic", edits: 9, root: resolve(here, "..", "..") };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--size") options.size = Number(argv[++i]);
  else if (argv[i] === "--shape") options.shape = argv[++i];
  else if (argv[i] === "--edits") options.edits = Number(argv[++i]);
  else if (argv[i] === "--secpolc-root") options.root = resolve(argv[++i]);
  else {
    process.stderr.write(`lsp: unknown option ${argv[i]}\n`);
    process.exit(2);
  }
}

const scratch = mkdtempSync(join(tmpdir(), "secpolc-lsp-bench-"));
const dir = join(scratch, "program");
mkdirSync(dir);
const files = toSecpol(generateTopology(options.size, undefined, options.shape));
for (const f of files) writeFileSync(join(dir, f.path), f.text);
const uriOf = (path) => pathToFileURL(join(dir, path)).href;

const server = spawn(process.execPath, [join(options.root, "bin", "secpolc.js"), "lsp"], {
  cwd: dir,
  stdio: ["pipe", "pipe", "inherit"],
});
const rpc = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
let waiter;
rpc.onNotification("textDocument/publishDiagnostics", (params) => waiter?.(params));
rpc.listen();

/** Resolves with the time (ms since `since`) when diagnostics for `uri` satisfying `ok` arrive. */
const arrival = (uri, ok, since) =>
  new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no diagnostics for ${uri} within 120 s`)), 120_000);
    waiter = (params) => {
      if (params.uri !== uri || !ok(params.diagnostics)) return;
      clearTimeout(timer);
      waiter = undefined;
      done(Number(process.hrtime.bigint() - since) / 1e6);
    };
  });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

await rpc.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
rpc.sendNotification("initialized", {});
const versions = new Map();
const opened = process.hrtime.bigint();
const lastUri = uriOf(files[files.length - 1].path);
const first = arrival(lastUri, () => true, opened);
for (const f of files) {
  versions.set(f.path, 1);
  rpc.sendNotification("textDocument/didOpen", {
    textDocument: { uri: uriOf(f.path), languageId: "secpol", version: 1, text: f.text },
  });
}
const openMs = await first;
process.stdout.write(
  `secpolc lsp, ${options.shape} program of ${options.size} services (${files.length} files, all open): first diagnostics ${openMs.toFixed(0)} ms after opening\n`,
);

const times = [];
const namespaceFiles = files.filter((f) => f.path !== "cluster.secpol");
for (let k = 0; k < options.edits; k++) {
  // edits come in pairs on one file: misspell a caller, then put it back
  const file = namespaceFiles[(Math.floor(k / 2) * 7) % namespaceFiles.length];
  const lines = file.text.split("\n");
  const line = lines.findIndex((l) => /^allow \S+\/svc-\S+ -> /.test(l));
  const caller = lines[line].split(" ")[1];
  const breaking = k % 2 === 0;
  const range = breaking
    ? { start: { line, character: 6 + caller.length }, end: { line, character: 6 + caller.length } }
    : { start: { line, character: 6 + caller.length }, end: { line, character: 7 + caller.length } };
  const uri = uriOf(file.path);
  const version = versions.get(file.path) + 1;
  versions.set(file.path, version);
  const hasError = (d) => d.some((x) => x.code === "SP2001");
  const since = process.hrtime.bigint();
  const fresh = arrival(uri, breaking ? hasError : (d) => !hasError(d), since);
  rpc.sendNotification("textDocument/didChange", {
    textDocument: { uri, version },
    contentChanges: [{ range, text: breaking ? "x" : "" }],
  });
  const ms = await fresh;
  times.push(ms);
  process.stdout.write(
    `edit ${k + 1}: ${file.path}:${line + 1} ${breaking ? `\`${caller}\` -> \`${caller}x\`` : "back"}: fresh diagnostics after ${ms.toFixed(0)} ms\n`,
  );
  // let the server settle between edits (it publishes every open file of the program)
  await new Promise((r) => setTimeout(r, 300));
}
process.stdout.write(
  `median over ${times.length} one-line edits: ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})\n`,
);

await rpc.sendRequest("shutdown");
rpc.dispose();
server.kill();
rmSync(scratch, { recursive: true, force: true });
