#!/usr/bin/env node
// Times parsing alone (text → tokens → AST, `parse` of dist/syntax/parse.js) of the bench's generated
// program, for this checkout and, optionally, a baseline build, in one process: the two are run
// interleaved (alternating which goes first), after warm-up rounds, and each round's time is the sum
// over every file of the program. Prints each one's median wall and CPU time and their ratio.
//
//   npm run build && node scripts/bench/parse.js [--size 5000] [--shape single|realistic] [--rounds 31]
//        [--warmup 5] [--baseline DIR]
//
// --baseline names a directory holding a build's dist/ (e.g. a commit's src/ compiled with
// `tsc -p tsconfig.build.json`): issue 19's yardstick is the hand-written fast path of 3391502^.
// No collection is forced between rounds: a forced full collection (`--expose-gc`) made the
// baseline 3x slower (V8 then flushes the code of functions the other parser's round did not run).
// The machine's load average is printed: on a shared machine, compare ratios measured in one run,
// not times across runs.
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateTopology, toSecpol } from "./topology.js";

const here = dirname(fileURLToPath(import.meta.url));
const options = { size: 5000, shape: "single", rounds: 31, warmup: 5, baseline: undefined };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const value = args[i + 1];
  if (args[i] === "--size") options.size = Number(value);
  else if (args[i] === "--shape") options.shape = value;
  else if (args[i] === "--rounds") options.rounds = Number(value);
  else if (args[i] === "--warmup") options.warmup = Number(value);
  else if (args[i] === "--baseline") options.baseline = resolve(value);
  else {
    console.error(`unknown option ${args[i]}`);
    process.exit(2);
  }
  i++;
}

const load = async (root) => (await import(pathToFileURL(join(root, "dist", "syntax", "parse.js")).href)).parse;
const parsers = [{ name: "this checkout", parse: await load(join(here, "..", "..")) }];
if (options.baseline) parsers.push({ name: `baseline ${options.baseline}`, parse: await load(options.baseline) });

const files = toSecpol(generateTopology(options.size, undefined, options.shape));
const bytes = files.reduce((sum, f) => sum + f.text.length, 0);

/** Parses every file once: wall and CPU milliseconds, and the number of statements and diagnostics (a check). */
function round(parse) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let statements = 0;
  let diagnostics = 0;
  for (const file of files) {
    const result = parse(file.text, file.path);
    statements += result.file.statements.length;
    diagnostics += result.diagnostics.length;
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000, statements, diagnostics };
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

console.log(
  `${options.shape} N=${options.size}: ${files.length} files, ${(bytes / 1024).toFixed(0)} KB; ` +
    `${options.warmup} warm-up and ${options.rounds} timed rounds; ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
);
const times = parsers.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < options.warmup + options.rounds; r++) {
  const order = r % 2 === 0 ? parsers.map((_, i) => i) : parsers.map((_, i) => i).reverse();
  for (const i of order) {
    const result = round(parsers[i].parse);
    if (r === 0) {
      parsers[i].counts = `${result.statements} top-level statements, ${result.diagnostics} diagnostics`;
    }
    if (r < options.warmup) continue;
    times[i].wall.push(result.wall);
    times[i].cpu.push(result.cpu);
  }
}
parsers.forEach((p, i) => {
  const wall = median(times[i].wall);
  const cpu = median(times[i].cpu);
  p.wall = wall;
  p.cpu = cpu;
  console.log(
    `  ${p.name}: median ${wall.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU ` +
      `(wall min ${Math.min(...times[i].wall).toFixed(1)}, max ${Math.max(...times[i].wall).toFixed(1)}); ${p.counts}`,
  );
});
if (parsers.length === 2) {
  // each round's two parses ran back to back, under about the same load: the median of their ratios
  const paired = (what) => median(times[0][what].map((x, r) => x / times[1][what][r])).toFixed(2);
  console.log(
    `  ratio of the medians: ${(parsers[0].wall / parsers[1].wall).toFixed(2)}x wall, ${(parsers[0].cpu / parsers[1].cpu).toFixed(2)}x CPU; ` +
      `median of the rounds' ratios: ${paired("wall")}x wall, ${paired("cpu")}x CPU`,
  );
}
console.log(
  `load average after: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
