#!/usr/bin/env node
// `npm run bench`: secpolc against its peers on generated topologies (see scripts/bench/README.md).
//
//   node --import tsx scripts/bench/bench.js [--sizes 100,1000,5000,20000] [--shapes single,realistic]
//        [--runs K] [--timeout SECONDS] [--variants secpolc,secpolc-no-verify,cdk8s-plus,yaml,json,text]
//        [--rss time|probe] [--dist DIR] [--keep] [--json FILE] [--remove-each-run]
//
// For each shape of program (topology.js) and size N it writes the topology as a .secpol program and as JSON, compiles it once with
// every variant and checks that secpolc's and cdk8s-plus's NetworkPolicies permit the same flows
// (and the floors emit cdk8s-plus's objects); then it times each variant as a whole `node` process,
// interleaved round by round, and prints medians of wall time and peak RSS.
//
// Each timed run's output stays until every run is done (`--remove-each-run`: removed right after
// its run, as up to the twenty-second round): on a file system that makes a new file look past the
// files deleted in the last minutes (ext4 without a journal, as on these machines), the output of one
// run removed would slow the next run of every variant that writes many files (see README.md).
//
// secpolc runs from a snapshot taken at the start (bin/secpolc.js, package.json and a copy of
// dist/, or of --dist DIR), so a concurrent `npm run build` cannot change what is measured.
import { spawn } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeTopology, generateTopology, SHAPES, toJson, toSecpol } from "./topology.js";
import { compareFlows, readObjects, samePolicies } from "./equivalence.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
let SECPOLC = join(root, "bin", "secpolc.js"); // the snapshot's, once taken
const TIME = "/usr/bin/time";

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const options = {
    sizes: [100, 1000, 5000, 20000],
    shapes: [...SHAPES],
    runs: undefined,
    timeout: 300,
    variants: undefined,
    rss: existsSync(TIME) ? "time" : "probe",
    keep: false,
    removeEachRun: false,
    json: undefined,
    dist: join(root, "dist"),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    const name = arg.split("=")[0];
    if (name === "--sizes")
      options.sizes = value()
        .split(",")
        .map((s) => Number(s.replace(/_/g, "")));
    else if (name === "--shapes") options.shapes = value().split(",");
    else if (name === "--runs") options.runs = Number(value());
    else if (name === "--timeout") options.timeout = Number(value());
    else if (name === "--variants") options.variants = value().split(",");
    else if (name === "--rss") options.rss = value();
    else if (name === "--json") options.json = resolve(value());
    else if (name === "--dist") options.dist = resolve(value());
    else if (name === "--keep") options.keep = true;
    else if (name === "--remove-each-run") options.removeEachRun = true;
    else if (name === "--help" || name === "-h") {
      process.stdout.write(
        readFileSync(fileURLToPath(import.meta.url), "utf8")
          .split("\n")
          .slice(1, 6)
          .map((l) => l.replace(/^\/\/ ?/, ""))
          .join("\n") + "\n",
      );
      process.exit(0);
    } else fail(`unknown option ${arg}`);
  }
  if (options.sizes.some((n) => !Number.isInteger(n) || n < 2))
    fail("--sizes takes integers of at least 2, e.g. --sizes 100,1000");
  if (options.shapes.length === 0 || options.shapes.some((shape) => !SHAPES.includes(shape)))
    fail(`--shapes takes ${SHAPES.join(", ")}`);
  if (options.runs !== undefined && !(Number.isInteger(options.runs) && options.runs >= 1))
    fail("--runs takes a positive integer");
  if (!(options.timeout > 0)) fail("--timeout takes seconds");
  if (options.rss !== "time" && options.rss !== "probe")
    fail("--rss is `time` (GNU time's %M) or `probe` (process.resourceUsage() at exit)");
  if (options.rss === "time" && !existsSync(TIME)) fail(`${TIME} is missing: use --rss probe`);
  return options;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

/** Runs per size: --runs, else 5 (3 from N = 20,000 on, where one round takes minutes). */
const runsFor = (options, n) => options.runs ?? (n >= 20000 ? 3 : 5);

// ---------------------------------------------------------------------------------------------
// Variants: each is a whole `node` process reading its input from DIR and writing into OUT.

const VARIANTS = [
  { name: "secpolc", label: "secpolc build", args: (d, out) => [SECPOLC, "build", d.program, "-o", out] },
  {
    name: "secpolc-no-verify",
    label: "secpolc build --no-verify",
    args: (d, out) => [SECPOLC, "build", d.program, "-o", out, "--no-verify"],
  },
  {
    name: "cdk8s-plus",
    label: "cdk8s-plus-32 synth",
    args: (d, out) => [join(here, "variant-cdk8s.js"), d.topology, out],
  },
  {
    name: "yaml",
    label: "plain objects + yaml (floor)",
    args: (d, out) => [join(here, "variant-plain.js"), "yaml", d.topology, out],
  },
  {
    name: "json",
    label: "plain objects + JSON.stringify (floor)",
    args: (d, out) => [join(here, "variant-plain.js"), "json", d.topology, out],
  },
  {
    name: "text",
    label: "secpolc's files as text, no checks (floor)",
    args: (d, out) => [join(here, "variant-text.js"), d.program, out],
  },
];

/**
 * Runs `node ARGS` in `cwd` and measures it: wall time from spawn to exit (process.hrtime in this
 * process) and the peak RSS of the node process, from GNU time's %M (ru_maxrss of the waited-for
 * child, KiB) or from the preloaded probe. The child gets its own process group, killed whole when
 * the timeout passes.
 */
function runMeasured(args, { cwd, timeoutMs, rss, scratch }) {
  const rssFile = join(scratch, `rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const command = rss === "time" ? TIME : process.execPath;
  const commandArgs =
    rss === "time"
      ? ["-f", "%M %U %S", "-o", rssFile, process.execPath, ...args]
      : ["--require", join(here, "rss-probe.cjs"), ...args];
  return new Promise((done) => {
    let stderr = "";
    let timedOut = false;
    const start = process.hrtime.bigint();
    const child = spawn(command, commandArgs, {
      cwd,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, BENCH_RSS_FILE: rssFile, NO_COLOR: "1" },
    });
    child.stderr.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("close", (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      clearTimeout(timer);
      let rssKb;
      let cpuMs;
      try {
        const line = readFileSync(rssFile, "utf8").trim().split("\n").at(-1).trim().split(/\s+/).map(Number);
        rssKb = line[0];
        cpuMs = rss === "time" ? (line[1] + line[2]) * 1000 : (line[1] + line[2]) / 1000;
        rmSync(rssFile, { force: true });
      } catch {
        // killed before it could be written
      }
      done({ ok: !timedOut && code === 0, timedOut, code, signal, wallMs, rssKb, cpuMs, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function filesUnder(dir) {
  const result = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else result.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return result;
}

/** Whether two output directories hold the same files with the same bytes. */
function sameTree(a, b) {
  const left = filesUnder(a);
  const right = filesUnder(b);
  if (left.size !== right.size) return `${left.size} files against ${right.size}`;
  for (const [path, bytes] of left) {
    if (!right.has(path)) return `${path} is missing`;
    if (!right.get(path).equals(bytes)) return `${path} differs`;
  }
  return undefined;
}

const log = (text) => process.stdout.write(`${text}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function warnIfStale(distDir) {
  const dist = join(distDir, "cli", "main.js");
  if (!existsSync(dist)) fail(`${distDir}/cli/main.js is missing: run \`npm run build\` first`);
  if (distDir !== join(root, "dist")) return;
  const built = statSync(dist).mtimeMs;
  const newer = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else if (name.endsWith(".ts") && s.mtimeMs > built) newer.push(relative(root, path));
    }
  };
  walk(join(root, "src"));
  if (newer.length > 0)
    log(`warning: newer than dist/cli/main.js: ${newer.join(", ")}; \`npm run build\` to measure the current source`);
}

// ---------------------------------------------------------------------------------------------
// Main

const options = parseOptions(process.argv.slice(2));
const variants = options.variants
  ? options.variants.map(
      (name) =>
        VARIANTS.find((v) => v.name === name) ??
        fail(`unknown variant ${name}; the variants are ${VARIANTS.map((v) => v.name).join(", ")}`),
    )
  : VARIANTS;
warnIfStale(options.dist);
const scratch = mkdtempSync(join(tmpdir(), "secpolc-bench-"));
const timeoutMs = options.timeout * 1000;
{
  // the snapshot of secpolc that is measured
  const snapshot = join(scratch, "secpolc");
  cpSync(options.dist, join(snapshot, "dist"), { recursive: true });
  mkdirSync(join(snapshot, "bin"));
  copyFileSync(join(root, "bin", "secpolc.js"), join(snapshot, "bin", "secpolc.js"));
  copyFileSync(join(root, "package.json"), join(snapshot, "package.json"));
  symlinkSync(join(root, "node_modules"), join(snapshot, "node_modules"), "dir");
  SECPOLC = join(snapshot, "bin", "secpolc.js");
}
const loadAverage = () => loadavg()[0];
log(
  `secpolc benchmark: sizes ${options.sizes.join(", ")}; node ${process.version}; secpolc from ${options.dist} (snapshot); peak RSS via ${options.rss === "time" ? "GNU time %M" : "process.resourceUsage() at exit"}; timeout ${options.timeout} s per run; scratch ${scratch}; load average ${loadAverage().toFixed(2)}`,
);

// 1. inputs, per (shape, N): `cases`, in the order they are checked and timed
const data = new Map();
const cases = options.shapes.flatMap((shape) => options.sizes.map((n) => ({ shape, n, key: `${shape}/${n}` })));
for (const { shape, n, key } of cases) {
  const topology = generateTopology(n, undefined, shape);
  const dir = join(scratch, `${shape}-n${n}`);
  const program = join(dir, "program");
  mkdirSync(program, { recursive: true });
  for (const file of toSecpol(topology)) writeFileSync(join(program, file.path), file.text);
  writeFileSync(join(dir, "topology.json"), toJson(topology));
  const stats = describeTopology(topology);
  data.set(key, {
    n,
    shape,
    dir,
    program: "program",
    topology: "topology.json",
    json: JSON.parse(toJson(topology)),
    stats,
  });
  const realistic =
    shape === "realistic" ? `, ${stats.teamCalls} of them from \`ns(team=…)\`; ${stats.denies} denies` : "";
  log(
    `${key}: ${stats.services} services in ${stats.namespaces} namespaces, ${stats.calls} calls (${stats.crossNamespaceCalls} across namespaces${realistic})`,
  );
}

// 2. flow equivalence, before anything is timed (these runs also warm the file cache)
log("\n== flow equivalence (test/support/netpol-eval.ts)");
const checked = new Map();
for (const { n, key } of cases) {
  const d = data.get(key);
  const outputs = {};
  for (const name of ["secpolc-no-verify", "cdk8s-plus", "yaml", "json", "text"]) {
    const variant = VARIANTS.find((v) => v.name === name);
    const out = join("check", name);
    const result = await runMeasured(variant.args(d, out), { cwd: d.dir, timeoutMs, rss: options.rss, scratch });
    if (!result.ok) {
      log(
        `${key}: ${variant.label} ${result.timedOut ? `did not finish in ${options.timeout} s` : `failed (exit ${result.code ?? result.signal})`}\n${result.stderr}`,
      );
      outputs[name] = undefined;
      continue;
    }
    outputs[name] = join(d.dir, out);
  }
  if (!outputs["secpolc-no-verify"] || !outputs["cdk8s-plus"]) {
    log(`${key}: NOT CHECKED (an output is missing)`);
    checked.set(key, { checked: false });
    continue;
  }
  const started = Date.now();
  const secpolc = readObjects(outputs["secpolc-no-verify"]);
  const cdk8s = readObjects(outputs["cdk8s-plus"]);
  for (const floor of ["yaml", "json"]) {
    if (!outputs[floor]) continue;
    const difference = samePolicies(cdk8s, readObjects(outputs[floor]));
    if (difference) {
      log(`\nABORT: ${key}: the ${floor} floor does not emit cdk8s-plus's NetworkPolicies: ${difference}`);
      process.exit(1);
    }
  }
  const result = compareFlows(d.json, [
    { name: "secpolc", objects: secpolc },
    { name: "cdk8s-plus", objects: cdk8s },
    ...(outputs.text ? [{ name: "text floor", objects: readObjects(outputs.text) }] : []),
  ]);
  const count = (objects) => objects.filter((o) => o?.kind === "NetworkPolicy").length;
  log(
    `${key}: ${result.flows.toLocaleString("en")} flows over ${result.pairs.toLocaleString("en")} (source, destination) pairs of ${result.endpoints} endpoints, ${result.ports} ports (${result.mode}); ` +
      `${count(secpolc)} secpolc and ${count(cdk8s)} cdk8s-plus NetworkPolicies; ${result.differing === 0 ? "same flows, as intended" : `${result.differing} DIFFERENCES`} (${seconds(Date.now() - started)})`,
  );
  if (result.differing > 0) {
    log(
      `\nABORT: ${key}: secpolc's and cdk8s-plus's NetworkPolicies do not permit the same flows (or not the intended ones):`,
    );
    for (const diff of result.differences)
      log(
        `  ${diff.flow}: intended ${diff.intended ? "permitted" : "denied"}; ${Object.entries(diff.verdicts)
          .map(([k, v]) => `${k} ${v ? "permits" : "denies"}`)
          .join(", ")}`,
      );
    log(`outputs kept in ${d.dir}/check`);
    process.exit(1);
  }
  checked.set(key, { checked: true, ...result, differences: undefined, secpolcDir: outputs["secpolc-no-verify"] });
}

// 3. timing: per size, rounds of every variant in turn
log("\n== timing");
const results = [];
const gaveUp = new Map(); // "shape/variant" -> smallest N where it timed out or failed
for (const { shape, n, key } of cases) {
  const d = data.get(key);
  const runs = runsFor(options, n);
  for (let round = 1; round <= runs; round++) {
    for (const variant of variants) {
      const record = { shape, n, variant: variant.name, round };
      const stopKey = `${shape}/${variant.name}`;
      if (gaveUp.has(stopKey) && gaveUp.get(stopKey).n <= n) {
        results.push({ ...record, skipped: true });
        continue;
      }
      const out = join("runs", `${variant.name}-${round}`);
      const loadBefore = loadAverage();
      const result = await runMeasured(variant.args(d, out), { cwd: d.dir, timeoutMs, rss: options.rss, scratch });
      const outDir = join(d.dir, out);
      if (result.ok && variant.name === "secpolc" && checked.get(key)?.secpolcDir && !checked.get(key).sameAsVerified) {
        // what was checked (built with --no-verify) must be what a verified build writes
        const difference = sameTree(checked.get(key).secpolcDir, outDir);
        if (difference) {
          log(`ABORT: ${key}: secpolc's output with and without --no-verify differs: ${difference}`);
          process.exit(1);
        }
        checked.get(key).sameAsVerified = true;
      }
      if (options.removeEachRun) rmSync(outDir, { recursive: true, force: true });
      results.push({
        ...record,
        ok: result.ok,
        timedOut: result.timedOut,
        wallMs: result.wallMs,
        rssKb: result.rssKb,
        cpuMs: result.cpuMs,
        loadBefore,
        loadAfter: loadAverage(),
      });
      const shown = result.ok
        ? `${result.wallMs.toFixed(0)} ms, ${(result.rssKb / 1024).toFixed(0)} MB`
        : result.timedOut
          ? `TIMEOUT after ${options.timeout} s (no further runs at this or larger N)`
          : `FAILED (exit ${result.code ?? result.signal}): ${result.stderr.trim().split("\n").slice(-3).join(" | ")}`;
      log(
        `${key} round ${round}/${runs} ${variant.name.padEnd(18)} ${shown} (load ${loadBefore.toFixed(2)} → ${loadAverage().toFixed(2)})`,
      );
      if (!result.ok) gaveUp.set(stopKey, { n, reason: result.timedOut ? "timeout" : "failed" });
    }
  }
}

// 4. the table
const summary = [];
for (const { shape, n } of cases) {
  for (const variant of variants) {
    const done = results.filter((r) => r.shape === shape && r.n === n && r.variant === variant.name && r.ok);
    const stop = gaveUp.get(`${shape}/${variant.name}`);
    const status =
      done.length > 0 ? "ok" : stop && stop.n < n ? "skipped" : stop && stop.n === n ? stop.reason : "none";
    summary.push({
      shape,
      n,
      variant: variant.name,
      runs: done.length,
      status,
      wallMs: median(done.map((r) => r.wallMs)),
      rssMb: median(done.map((r) => r.rssKb / 1024)),
      cpuMs: median(done.map((r) => r.cpuMs)),
    });
  }
}
const row = (shape, n, name) => summary.find((s) => s.shape === shape && s.n === n && s.variant === name);
const ratio = (a, b) =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${(a / b).toFixed(2)}×`
    : "—";
const headers = [
  "shape",
  "N",
  "variant",
  "runs",
  "median wall ms",
  "median peak RSS MB",
  "median CPU ms",
  "time ÷ cdk8s-plus",
  "time ÷ text floor",
  "time ÷ yaml floor",
  "RSS ÷ cdk8s-plus",
  "RSS ÷ yaml floor",
];
const lines = [];
for (const s of summary) {
  const isSecpolc = s.variant.startsWith("secpolc");
  const cdk = row(s.shape, s.n, "cdk8s-plus");
  const yaml = row(s.shape, s.n, "yaml");
  const text = row(s.shape, s.n, "text");
  const wall =
    s.status === "ok"
      ? s.wallMs.toFixed(0)
      : s.status === "timeout"
        ? `> ${options.timeout * 1000} (timeout)`
        : s.status === "skipped"
          ? "not run (smaller N timed out)"
          : s.status;
  lines.push([
    s.shape,
    String(s.n),
    s.variant,
    String(s.runs),
    wall,
    s.status === "ok" ? s.rssMb.toFixed(0) : "—",
    s.status === "ok" ? s.cpuMs.toFixed(0) : "—",
    isSecpolc ? ratio(s.wallMs, cdk?.wallMs) : "",
    isSecpolc ? ratio(s.wallMs, text?.wallMs) : "",
    isSecpolc ? ratio(s.wallMs, yaml?.wallMs) : "",
    isSecpolc ? ratio(s.rssMb, cdk?.rssMb) : "",
    isSecpolc ? ratio(s.rssMb, yaml?.rssMb) : "",
  ]);
}
log("\n== results (medians; wall time and peak RSS of the whole node process)\n");
log(`| ${headers.join(" | ")} |`);
log(`|${headers.map((_, i) => (i < 3 ? "---" : "---:")).join("|")}|`);
for (const l of lines) log(`| ${l.join(" | ")} |`);

log("");
const growthPairs = [
  [5000, 20000],
  [1000, 5000],
  [100, 1000],
];
for (const shape of options.shapes) {
  for (const [small, large] of growthPairs) {
    if (!options.sizes.includes(small) || !options.sizes.includes(large)) continue;
    for (const variant of variants) {
      const a = row(shape, small, variant.name);
      const b = row(shape, large, variant.name);
      if (a?.status !== "ok" && b?.status !== "ok") continue;
      log(
        `growth ${shape} ${variant.name}(${large})/${variant.name}(${small}) [N ×${large / small}]: time ${b?.status === "ok" && a?.status === "ok" ? ratio(b.wallMs, a.wallMs) : `— (${b?.status})`}, RSS ${b?.status === "ok" && a?.status === "ok" ? ratio(b.rssMb, a.rssMb) : "—"}`,
      );
    }
  }
}

// the targets of issue 20, for the record (verification against check + compile: `--stats`, profile.js)
const target = (text, met, figure) => log(`target: ${text}: ${met ? "met" : "NOT met"} (${figure})`);
const ok = (s) => s?.status === "ok";
{
  const at5k = row("realistic", 5000, "secpolc");
  const cdk5k = row("realistic", 5000, "cdk8s-plus");
  if (ok(at5k) && ok(cdk5k))
    target(
      "realistic secpolc at N=5000 at most 0.4× cdk8s-plus's time",
      at5k.wallMs <= 0.4 * cdk5k.wallMs,
      ratio(at5k.wallMs, cdk5k.wallMs),
    );
  for (const n of [5000, 20000]) {
    const s = row("single", n, "secpolc");
    const text = row("single", n, "text");
    if (ok(s) && ok(text))
      target(
        `single secpolc at N=${n} at most 3× the text floor`,
        s.wallMs <= 3 * text.wallMs,
        ratio(s.wallMs, text.wallMs),
      );
  }
  for (const shape of options.shapes) {
    const small = row(shape, 5000, "secpolc");
    const large = row(shape, 20000, "secpolc");
    if (ok(small) && ok(large)) {
      target(
        `${shape} secpolc N=20000 at most 4.5× N=5000`,
        large.wallMs <= 4.5 * small.wallMs,
        ratio(large.wallMs, small.wallMs),
      );
      target(`${shape} secpolc peak RSS at N=20000 under 500 MB`, large.rssMb < 500, `${large.rssMb.toFixed(0)} MB`);
    }
  }
}
{
  const loads = results.filter((r) => r.ok).flatMap((r) => [r.loadBefore, r.loadAfter]);
  if (loads.length > 0)
    log(
      `1-minute load average around the runs: median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)} (on ${cpus().length} CPUs; above ~1 other work competed with the runs)`,
    );
}
log(
  `\nflow equivalence: ${cases.map(({ key }) => `${key} ${checked.get(key)?.checked ? `passed (${checked.get(key).mode})` : "not checked"}`).join("; ")}`,
);

const report = {
  node: process.version,
  options: { ...options, variants: variants.map((v) => v.name) },
  sizes: [...data.values()].map((d) => ({ n: d.n, ...d.stats })),
  checked: Object.fromEntries([...checked].map(([key, c]) => [key, { ...c, secpolcDir: undefined }])),
  results,
  summary,
};
writeFileSync(join(scratch, "results.json"), JSON.stringify(report, null, 2));
if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
if (options.keep) log(`kept ${scratch} (results.json there)`);
else rmSync(scratch, { recursive: true, force: true });
