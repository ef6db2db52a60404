#!/usr/bin/env node
// Differential check of the parser: parses a corpus with this checkout's dist/ and with another
// build's (`--baseline DIR`, a directory holding a build's dist/) and compares the JSON of each
// result (tree, comments and diagnostics, spans included). For a change to the parser that must
// keep every tree and diagnostic as they were (a faster parser, a grammar rule restructured).
//
//   npm run build && node --import tsx scripts/bench/parse-diff.js --baseline DIR [--runs 6000] [--seed 19] [--lazy]
//
// --lazy parses with this checkout's `lazySpans` (the command line's one-shot parse), whose spans
// are written to JSON through their `toJSON`: the same JSON as the baseline's plain spans.
//
// The corpus: every `.secpol` file of the repository (examples, the standard library, test cases),
// the texts of the test files' template literals, the bench's program (both shapes), generated
// programs (those of the property tests and one of every statement form), `--runs` inputs of the
// fuzzing families (mutated and spliced examples, repeated slices, token soups, random text) and
// the pathological inputs. Exits 1 and prints the first differences when any result differs.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { generateTopology, toSecpol } from "./topology.js";
import { families, generatedProgram } from "../../test/support/fuzz.js";
import { everyFormProgram } from "../../test/support/programs.js";
import { cases } from "../../test/support/pathological.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const options = { baseline: undefined, runs: 6000, seed: 19, lazy: false };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === "--lazy") {
    options.lazy = true;
    i--;
  } else if (args[i] === "--baseline") options.baseline = resolve(args[i + 1]);
  else if (args[i] === "--runs") options.runs = Number(args[i + 1]);
  else if (args[i] === "--seed") options.seed = Number(args[i + 1]);
  else {
    console.error(`unknown option ${args[i]}`);
    process.exit(2);
  }
}
if (!options.baseline) {
  console.error("parse-diff: --baseline DIR is required");
  process.exit(2);
}

const load = async (dir) => (await import(pathToFileURL(join(dir, "dist", "syntax", "parse.js")).href)).parse;
const ours = await load(root);
const parsers = [
  options.lazy ? (text, path) => ours(text, path, { lazySpans: true }) : ours,
  await load(options.baseline),
];

/** The corpus: [name, text]. */
const corpus = [];
const walk = (dir, visit) => {
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, visit);
    else visit(path, name);
  }
};
for (const top of ["examples", "stdlib", "test"]) {
  walk(join(root, top), (path, name) => {
    if (name.endsWith(".secpol")) corpus.push([path, readFileSync(path, "utf8")]);
    else if (name.endsWith(".ts")) {
      // the test files' template literals without substitutions: the programs the tests parse
      const text = readFileSync(path, "utf8");
      for (const match of text.matchAll(/`([^`$\\]*)`/g)) corpus.push([`${path}: template`, match[1]]);
    }
  });
}
const files = corpus.length;
for (const shape of ["single", "realistic"])
  for (const file of toSecpol(generateTopology(200, undefined, shape)))
    corpus.push([`bench ${shape} ${file.path}`, file.text]);
const sample = (name, arbitrary, numRuns, seed) =>
  fc.sample(arbitrary, { numRuns, seed }).forEach((text, i) => corpus.push([`${name} #${i}`, text]));
sample("generated", generatedProgram, 500, options.seed);
sample("every form", everyFormProgram, 500, options.seed + 1);
for (const [f, family] of families.entries())
  sample(family.name, family.arbitrary, options.runs / 4, options.seed + 2 + f);
for (const [name, c] of Object.entries(cases)) corpus.push([`pathological: ${name}`, c.text()]);

let differ = 0;
let diagnostics = 0;
for (const [name, text] of corpus) {
  const [ours, theirs] = parsers.map((parse) => JSON.parse(JSON.stringify(parse(text, "input.secpol"))));
  diagnostics += ours.diagnostics.length;
  if (isDeepStrictEqual(ours, theirs)) continue;
  if (++differ <= 5) {
    console.log(`differs: ${name}\n${text.slice(0, 400)}`);
    const [a, b] = [JSON.stringify(ours), JSON.stringify(theirs)];
    let at = 0;
    while (at < a.length && a[at] === b[at]) at++;
    console.log(`  this checkout: …${a.slice(Math.max(0, at - 200), at + 200)}`);
    console.log(`  baseline:      …${b.slice(Math.max(0, at - 200), at + 200)}`);
  }
}
console.log(
  `${corpus.length} inputs (${files} from the repository's files), ${diagnostics} diagnostics: ` +
    `${differ === 0 ? "all the same" : `${differ} differ`}`,
);
process.exit(differ === 0 ? 0 : 1);
