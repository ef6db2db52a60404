#!/usr/bin/env node
// The language server's latency on a large program, measured over the protocol (issue 20):
//
//   node scripts/bench/lsp.js [--size 5000] [--shape realistic|single] [--edits 12] [--secpolc-root DIR]
//        [--node-option FLAG]...
//
// --secpolc-root runs the server (and the reference `check`) of another checkout (e.g. a build of
// the baseline); --node-option passes a flag to the server's node (`--cpu-prof`, to profile it).
// Writes the bench's program (topology.js) of `--size` services into a scratch directory, starts
// `secpolc lsp` (bin/secpolc.js, which runs dist/: `npm run build` first), opens every file of the
// program and waits for its first diagnostics; then makes `--edits` one-line edits, four to a
// file, each set in another file: the first line of a rule `allow NS/SVC -> ...` gets its caller
// misspelt (`NS/SVCx`, so an error SP2001 must appear), the next edit puts it back (an undo: the
// text of a version checked before), the third appends a comment to the line (a text never checked
// before, without errors, whose statements are the last version's: the server moves the last
// version's diagnostics), and the fourth makes another workload of the namespace the caller (a new
// rule, without errors: the whole check runs, the compiler's diagnostics reused for the namespaces
// the change does not reach). For each
// edit it times from sending `textDocument/didChange` (one incremental change) to the arrival of the
// edited file's complete diagnostics: those equal to what `check` of the core (dist/, run in this
// process before the edit is sent, untimed) gives for the edited program. It prints each time and
// the median of each kind of edit. The server waits for a pause in typing before it checks
// (PUBLISH_DELAY_MS in src/lsp/server.ts); that wait is included. Where /proc is, it also prints
// the CPU time the server spent (user + system, 10 ms resolution), which a loaded machine changes
// less than the wall time.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { generateTopology, toSecpol } from "./topology.js";

const here = dirname(fileURLToPath(import.meta.url));
const toUrl = (path) => pathToFileURL(path).href;
const options = { size: 5000, shape: "realistic", edits: 12, root: resolve(here, "..", ".."), node: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--size") options.size = Number(argv[++i]);
  else if (argv[i] === "--shape") options.shape = argv[++i];
  else if (argv[i] === "--edits") options.edits = Number(argv[++i]);
  else if (argv[i] === "--secpolc-root") options.root = resolve(argv[++i]);
  else if (argv[i] === "--node-option") options.node.push(argv[++i]);
  else {
    process.stderr.write(`lsp: unknown option ${argv[i]}\n`);
    process.exit(2);
  }
}

const { check } = await import(toUrl(join(options.root, "dist", "index.js")));
const { toLspDiagnostic } = await import(toUrl(join(options.root, "dist", "lsp", "server.js")));
const shown = (diagnostics) => JSON.stringify(diagnostics.map((d) => [d.code, d.range, d.message]));
/** What the server must publish for `path` after a change to `texts`: a fresh check's diagnostics. */
const expected = (texts, path) =>
  shown(
    check(texts.map((f) => ({ path: f.path, text: f.text })))
      .diagnostics.filter((d) => d.span.file === path)
      .map(toLspDiagnostic),
  );

const scratch = mkdtempSync(join(tmpdir(), "secpolc-lsp-bench-"));
const dir = join(scratch, "program");
mkdirSync(dir);
const files = toSecpol(generateTopology(options.size, undefined, options.shape));
for (const f of files) writeFileSync(join(dir, f.path), f.text);
const uriOf = (path) => pathToFileURL(join(dir, path)).href;

const server = spawn(process.execPath, [...options.node, join(options.root, "bin", "secpolc.js"), "lsp"], {
  cwd: dir,
  stdio: ["pipe", "pipe", "inherit"],
});
const rpc = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
let waiter;
/** The server's CPU time so far in ms (user + system, from /proc), or undefined. */
const serverCpu = () => {
  const stat = `/proc/${server.pid}/stat`;
  if (!existsSync(stat)) return undefined;
  const fields = readFileSync(stat, "utf8")
    .replace(/^.*\) /, "")
    .split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
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

const kinds = ["misspell", "undo", "new text", "new rule"];
const times = [];
const namespaceFiles = files.filter((f) => f.path !== "cluster.secpol");
for (let k = 0; k < options.edits; k++) {
  // edits come in fours on one file: misspell a caller, put it back, append a comment, call from
  // another workload
  const file = namespaceFiles[(Math.floor(k / kinds.length) * 7) % namespaceFiles.length];
  const kind = kinds[k % kinds.length];
  const lines = file.text.split("\n");
  const line = lines.findIndex((l) => /^allow \S+\/svc-\S+ -> /.test(l));
  // (after a misspelling, the caller as it was)
  const caller = lines[line].split(" ")[1].replace(/x$/, "");
  const end = lines[line].length;
  // another workload of the caller's namespace (declared in this file)
  const name = caller.split("/")[1];
  const other = lines.map((l) => /^\s*workload (\S+)/.exec(l)?.[1]).find((w) => w && w !== name);
  const at = (from, to) => ({ start: { line, character: from }, end: { line, character: to } });
  const change =
    kind === "misspell"
      ? { range: at(6 + caller.length, 6 + caller.length), text: "x" }
      : kind === "undo"
        ? { range: at(6 + caller.length, 7 + caller.length), text: "" }
        : kind === "new text"
          ? { range: at(end, end), text: `  # edit ${k + 1}` }
          : { range: at(6 + caller.length - name.length, 6 + caller.length), text: other };
  const before = lines[line];
  lines[line] =
    kind === "misspell"
      ? before.replace(caller, `${caller}x`)
      : kind === "undo"
        ? before.replace(`${caller}x`, caller)
        : kind === "new text"
          ? `${before}${change.text}`
          : before.replace(caller, caller.replace(name, other));
  file.text = lines.join("\n");
  const want = expected(files, file.path);
  const uri = uriOf(file.path);
  const version = versions.get(file.path) + 1;
  versions.set(file.path, version);
  const cpuBefore = serverCpu();
  const since = process.hrtime.bigint();
  const fresh = arrival(uri, (d) => shown(d) === want, since);
  rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [change] });
  const ms = await fresh;
  const cpu = cpuBefore === undefined ? undefined : serverCpu() - cpuBefore;
  times.push({ kind, ms, cpu });
  process.stdout.write(
    `edit ${k + 1}: ${file.path}:${line + 1} ${kind} (${JSON.parse(want).length} diagnostics): complete diagnostics after ${ms.toFixed(0)} ms${cpu === undefined ? "" : ` (server CPU ${cpu} ms)`}\n`,
  );
  // let the server settle between edits (it publishes every open file of the program)
  await new Promise((r) => setTimeout(r, 300));
}
for (const kind of kinds) {
  const of = times.filter((t) => t.kind === kind);
  const ms = of.map((t) => t.ms);
  const cpu = of.every((t) => t.cpu !== undefined) ? `, server CPU median ${median(of.map((t) => t.cpu))} ms` : "";
  if (of.length > 0)
    process.stdout.write(
      `${kind}: median over ${of.length} edits ${median(ms).toFixed(0)} ms (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)})${cpu}\n`,
    );
}
const all = times.map((t) => t.ms);
process.stdout.write(`all ${all.length} one-line edits: median ${median(all).toFixed(0)} ms\n`);

await rpc.sendRequest("shutdown");
// (an exit the server makes itself: `--cpu-prof` writes its profile then)
const exited = new Promise((done) => server.once("exit", done));
rpc.sendNotification("exit");
await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
rpc.dispose();
server.kill();
rmSync(scratch, { recursive: true, force: true });
