#!/usr/bin/env node
// Profiles `secpolc build` on the benchmark's topologies: per-pass timings (`--stats`) and a V8 CPU
// profile (`node --cpu-prof`) summarised as the functions with the most self time, and the inclusive
// time of the pipeline's main functions, located in src/ through source maps.
//
//   node scripts/bench/profile.js [--sizes 5000,20000] [--shape single|realistic] [--no-verify] [--no-inlining] [--top 25]
//        [--secpolc-root DIR] [--keep]
//
// --secpolc-root names a directory holding bin/secpolc.js, dist/ and package.json to profile
// instead of this checkout (e.g. a build of a given commit); when its dist/ has source maps
// (tsc --sourceMap) they are used.
//
// V8 inlines small functions into their callers, whose self time then includes them;
// --no-inlining (V8's --no-turbo-inlining) attributes time to the functions that spend it, at some
// cost in speed. The garbage collector's time is its own entry, not its callers'.
//
// Otherwise the source maps come from compiling src/ again into a scratch directory with --sourceMap; a dist
// file whose JavaScript differs from that compilation (src/ edited since `npm run build`) is shown
// by its dist/ location instead.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateTopology, toSecpol, describeTopology } from "./topology.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const options = {
  sizes: [5000, 20000],
  shape: "single",
  verify: true,
  top: 25,
  keep: false,
  inlining: true,
  secpolcRoot: root,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--sizes") options.sizes = argv[++i].split(",").map(Number);
  else if (argv[i] === "--shape") options.shape = argv[++i];
  else if (argv[i] === "--no-verify") options.verify = false;
  else if (argv[i] === "--top") options.top = Number(argv[++i]);
  else if (argv[i] === "--keep") options.keep = true;
  else if (argv[i] === "--no-inlining") options.inlining = false;
  else if (argv[i] === "--secpolc-root") options.secpolcRoot = resolve(argv[++i]);
  else {
    process.stderr.write(`profile: unknown option ${argv[i]}\n`);
    process.exit(2);
  }
}

const distUrl = pathToFileURL(join(options.secpolcRoot, "dist")).href + "/";
const scratch = mkdtempSync(join(tmpdir(), "secpolc-profile-"));
const log = (text) => process.stdout.write(`${text}\n`);

// ---------------------------------------------------------------------------------------------
// Source maps: dist/X.js -> src/X.ts

function decodeVlq(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const values = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = alphabet.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** Per generated line, its segments [generatedColumn, sourceIndex, sourceLine, sourceColumn] (0-based). */
function parseMappings(mappings) {
  const lines = [];
  let sourceIndex = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(";")) {
    const segments = [];
    let column = 0;
    for (const segment of lineText.split(",")) {
      if (!segment) continue;
      const v = decodeVlq(segment);
      column += v[0];
      if (v.length >= 4) {
        sourceIndex += v[1];
        sourceLine += v[2];
        sourceColumn += v[3];
        segments.push([column, sourceIndex, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The source maps beside the profiled dist/ (from `tsc --sourceMap`), if it has them. */
function adjacentSourceMaps() {
  const dist = join(options.secpolcRoot, "dist");
  const maps = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else if (name.name.endsWith(".js") && existsSync(`${path}.map`)) {
        const map = JSON.parse(readFileSync(`${path}.map`, "utf8"));
        // a bundle's map (dist/bin/) has many sources; tsc's one
        const sources = map.sources.map((source) =>
          relative(options.secpolcRoot, resolve(dirname(path), map.sourceRoot ?? "", source)),
        );
        maps.set(relative(dist, path).split("\\").join("/"), { sources, lines: parseMappings(map.mappings) });
      }
    }
  };
  walk(dist);
  return maps;
}

function buildSourceMaps() {
  const adjacent = adjacentSourceMaps();
  if (adjacent.size > 0) return { maps: adjacent, stale: [] };
  if (options.secpolcRoot !== root)
    return { maps: adjacent, stale: ["(no source maps beside --secpolc-root's dist/)"] };
  const out = join(scratch, "mapped");
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  spawnSync(
    process.execPath,
    [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", out, "--sourceMap", "--declaration", "false"],
    { cwd: root, encoding: "utf8" },
  );
  const maps = new Map();
  const stale = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else if (name.name.endsWith(".js")) {
        const rel = relative(out, path);
        const dist = join(root, "dist", rel);
        const strip = (text) => text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "").trimEnd();
        if (!existsSync(dist) || strip(readFileSync(dist, "utf8")) !== strip(readFileSync(path, "utf8"))) {
          stale.push(rel);
          continue;
        }
        const map = JSON.parse(readFileSync(`${path}.map`, "utf8"));
        const sources = map.sources.map((source) =>
          relative(root, resolve(dirname(path), map.sourceRoot ?? "", source).replace(out, join(root, "src"))),
        );
        maps.set(rel.split("\\").join("/"), { sources, lines: parseMappings(map.mappings) });
      }
    }
  };
  walk(out);
  return { maps, stale };
}

function locate(maps, url, line, column) {
  if (!url) return "(native)";
  if (!url.startsWith(distUrl)) {
    const short = url.replace(pathToFileURL(root).href + "/", "").replace(/^node:/, "node:");
    return `${short}:${line + 1}`;
  }
  const rel = url.slice(distUrl.length);
  const map = maps.get(rel);
  if (!map) return `dist/${rel}:${line + 1}`;
  const segments = map.lines[line] ?? [];
  let best;
  for (const s of segments) if (s[0] <= column) best = s;
  best ??= segments[0];
  return best ? `${map.sources[best[1]]}:${best[2] + 1}` : `dist/${rel}:${line + 1}`;
}

// ---------------------------------------------------------------------------------------------
// The profile

/** Self time per function, and inclusive time of every function name (each sample once per name). */
function summarise(profile, maps) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  const byFile = new Map();
  let total = 0;
  // the collector's samples while the check pass runs (between its first and last sample): the
  // part of --stats' check that no function of it is charged with
  const checkPass = { first: -1, last: -1 };
  const collector = [];
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const node = nodes.get(id);
    const f = node.callFrame;
    const where = locate(maps, f.url, f.lineNumber, f.columnNumber);
    const key = `${f.functionName || "(anonymous)"}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const file = where.replace(/:\d+$/, "");
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
    if (f.functionName === "(garbage collector)") collector.push([i, dt]);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = nodes.get(at).callFrame.functionName;
      if (name && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
      }
    }
    if (seen.has(CHECK_PASS)) {
      if (checkPass.first < 0) checkPass.first = i;
      checkPass.last = i;
    }
  });
  const collectorInCheck = collector
    .filter(([i]) => i >= checkPass.first && i <= checkPass.last)
    .reduce((sum, [, dt]) => sum + dt, 0);
  return { total, self, inclusive, byFile, collectorInCheck };
}

/** The function of `build`'s check pass (`--stats`' check: it, and the collector while it runs). */
const CHECK_PASS = "checkModelForBuild";

const PIPELINE = [
  ["discoverSources", "read the .secpol files (host)"],
  [CHECK_PASS, "the `check` pass: load + checkProgram + assertions + lints (the collector apart)"],
  ["load", "parse (pipeline load: lex, parse, CST → AST)"],
  ["checkProgram", "check: bind, resolve, build the model"],
  ["checkAssertions", "check: assertions"],
  ["reachLints", "check: what each rule reaches (SP3002, SP9101), every clause's reach worked out"],
  ["lint", "check: lints"],
  ["compileNetworkPolicies", "compile: NetworkPolicies"],
  ["compileNamespaces", "compile: Namespaces"],
  ["writeOutput", "emit: objects → YAML text"],
  ["readBack", "verify: parse the emitted YAML back"],
  ["verifyNetworkPolicies", "verify: translation validation"],
  ["writeOutputDirectory", "write the output directory (cli/write)"],
];

const ms = (v) => `${v.toFixed(0).padStart(7)} ms`;

const { maps, stale } = buildSourceMaps();
if (stale.length > 0)
  log(
    `note: dist/ differs from the current src/ for ${stale.join(", ")}; those frames are shown by their dist/ location`,
  );

for (const n of options.sizes) {
  const dir = join(scratch, `n${n}`);
  mkdirSync(join(dir, "program"), { recursive: true });
  const topology = generateTopology(n, undefined, options.shape);
  for (const file of toSecpol(topology)) writeFileSync(join(dir, "program", file.path), file.text);
  const stats = describeTopology(topology);
  const args = [
    ...(options.inlining ? [] : ["--no-turbo-inlining"]),
    "--cpu-prof",
    "--cpu-prof-dir",
    "prof",
    join(options.secpolcRoot, "bin", "secpolc.js"),
    "build",
    "program",
    "-o",
    "out",
    "--stats",
    ...(options.verify ? [] : ["--no-verify"]),
  ];
  const timeArgs = existsSync("/usr/bin/time")
    ? ["-f", "%e s wall, %M KB peak RSS", "-o", join(dir, "time.txt"), process.execPath, ...args]
    : undefined;
  const result = timeArgs
    ? spawnSync("/usr/bin/time", timeArgs, { cwd: dir, encoding: "utf8" })
    : spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });
  log(
    `\n== ${options.shape} N=${n} [${relative(process.cwd(), options.secpolcRoot) || "."}] (${stats.services} services, ${stats.namespaces} namespaces, ${stats.calls} calls): secpolc build${options.verify ? "" : " --no-verify"} --stats, under --cpu-prof${options.inlining ? "" : " --no-turbo-inlining"}`,
  );
  if (result.status !== 0) {
    log(`failed (exit ${result.status ?? result.signal}):\n${result.stderr}`);
    continue;
  }
  log(
    `process: ${timeArgs ? readFileSync(join(dir, "time.txt"), "utf8").trim() : "(no /usr/bin/time)"} (profiling adds some overhead)`,
  );
  log(
    `--stats: ${
      result.stderr
        .split("\n")
        .find((l) => l.startsWith("secpolc:"))
        ?.replace(/^secpolc: /, "") ?? "(none)"
    }`,
  );
  const file = readdirSync(join(dir, "prof")).find((f) => f.endsWith(".cpuprofile"));
  const profile = JSON.parse(readFileSync(join(dir, "prof", file), "utf8"));
  const summary = summarise(profile, maps);
  log(`\nsampled ${summary.total.toFixed(0)} ms. Inclusive time of the pipeline's functions:`);
  for (const [name, what] of PIPELINE) {
    const t = summary.inclusive.get(name);
    if (t !== undefined)
      log(`  ${ms(t)}  ${((100 * t) / summary.total).toFixed(1).padStart(5)}%  ${name.padEnd(24)} ${what}`);
  }
  for (const special of ["(garbage collector)", "(program)", "(idle)"]) {
    const t = [...summary.self].filter(([k]) => k.startsWith(`${special}\t`)).reduce((s, [, v]) => s + v, 0);
    log(`  ${ms(t)}  ${((100 * t) / summary.total).toFixed(1).padStart(5)}%  ${special}`);
  }
  const gc = summary.collectorInCheck;
  log(
    `  ${ms(gc)}  ${((100 * gc) / summary.total).toFixed(1).padStart(5)}%  ${"(collector in check)".padEnd(24)} of the above, while the check pass runs`,
  );
  log(`\ntop ${options.top} functions by self time:`);
  for (const [key, t] of [...summary.self].sort((a, b) => b[1] - a[1]).slice(0, options.top)) {
    const [name, where] = key.split("\t");
    log(`  ${ms(t)}  ${((100 * t) / summary.total).toFixed(1).padStart(5)}%  ${name.padEnd(32)} ${where}`);
  }
  log(`\nself time by file (top 12):`);
  for (const [where, t] of [...summary.byFile].sort((a, b) => b[1] - a[1]).slice(0, 12))
    log(`  ${ms(t)}  ${((100 * t) / summary.total).toFixed(1).padStart(5)}%  ${where}`);
  rmSync(join(dir, "out"), { recursive: true, force: true });
}

if (options.keep) log(`\nkept ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
