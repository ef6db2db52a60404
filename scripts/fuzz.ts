/**
 * The fuzzing campaign: `npm run fuzz`, or `npm run fuzz -- --runs N --manifest-runs M --format-runs F
 * --answer-runs A --import-runs I --admission-runs V --seed S` (it runs as `node --import tsx scripts/fuzz.ts`). Builds N programs
 * (10,000 by default) through the compiler core: generated programs, mutated and spliced examples,
 * token soups and random bytes, shared with the in-suite sample in test/support/fuzz.ts, and checks
 * the robustness property there on each; then audits and migrates M hostile manifests (10,000 by
 * default; test/support/manifest-fuzz.ts); then formats F generated programs of every statement form
 * (1,000 by default) and checks the formatter's property (`checkFormatting` in test/support/fuzz.ts);
 * then checks diff, assert -/->, explain and the connectivity matrix against the evaluator, A times each (1,000 by default;
 * test/support/answers.ts); then imports I generated NetworkPolicy sets (500 by default;
 * test/support/netpol-fuzz.ts) and checks that the compiled import admits the same flows; then judges V generated pod-security
 * programs' admission policies on generated pods of every kind against the program's meaning (1,000
 * by default; test/support/admission.ts).
 * Prints progress, the shrunk failing input of each failing family, and a summary line; exits 1
 * when any input fails.
 */
import fc from "fast-check";
import { checkBuild, checkFormatting, families } from "../test/support/fuzz.js";
import { everyFormProgram } from "../test/support/programs.js";
import { checkManifest, hostileManifest } from "../test/support/manifest-fuzz.js";
import {
  checkAssertion,
  checkDiff,
  checkExplain,
  checkMatrix,
  diffCase,
  matrixCase,
  queryCase,
} from "../test/support/answers.js";
import { checkImportedSet, policySet, policySetText, type PolicySet } from "../test/support/netpol-fuzz.js";
import { admissionCase, checkAdmission } from "../test/support/admission.js";

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : args[i + 1];
}

function integerOption(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: --${name} takes a whole number, not \`${raw}\``);
    process.exit(2);
  }
  return value;
}

const programRuns = integerOption("runs", 10_000);
const manifestRuns = integerOption("manifest-runs", 10_000);
const formatRuns = integerOption("format-runs", 1_000);
// diff, assert -/->, explain and the matrix against the evaluator (test/support/answers.ts), this many each
const answerRuns = integerOption("answer-runs", 1_000);
// NetworkPolicy sets through `secpolc import` (test/support/netpol-fuzz.ts)
const importRuns = integerOption("import-runs", 500);
// admission policies against the program's meaning (test/support/admission.ts)
const admissionRuns = integerOption("admission-runs", 1_000);
const runs = programRuns + manifestRuns + formatRuns + 4 * answerRuns + importRuns + admissionRuns;
const seed = integerOption("seed", Date.now() % 2 ** 31);
const progressEvery = Math.max(1, Math.min(1000, Math.round(runs / 20)));

const totalWeight = families.reduce((sum, f) => sum + f.weight, 0);
const shares = families.map((f) => Math.floor((programRuns * f.weight) / totalWeight));
shares[1] += programRuns - shares.reduce((a, b) => a + b, 0); // the rounding remainder goes to the mutations
/** Each family, with its share of the runs and the property it checks on an input (as text, for reports). */
const stages: {
  name: string;
  numRuns: number;
  arbitrary: fc.Arbitrary<unknown>;
  check: (input: any) => void;
  text: (input: any) => string;
}[] = [
  ...families.map((f, i) => ({
    name: f.name,
    numRuns: shares[i],
    arbitrary: f.arbitrary,
    check: checkBuild,
    text: (t: string) => t,
  })),
  {
    name: "manifests",
    numRuns: manifestRuns,
    arbitrary: hostileManifest,
    check: checkManifest,
    text: (m: { path: string; text: string }) => `${m.path}: ${m.text}`,
  },
  { name: "format", numRuns: formatRuns, arbitrary: everyFormProgram, check: checkFormatting, text: (t: string) => t },
  {
    name: "diff",
    numRuns: answerRuns,
    arbitrary: diffCase,
    check: checkDiff,
    text: (c: { before: string; after: string }) => `before:\n${c.before}after:\n${c.after}`,
  },
  {
    name: "assert",
    numRuns: answerRuns,
    arbitrary: queryCase,
    check: checkAssertion,
    text: (c: { program: string; src: string; dst: string; ports: string }) =>
      `${c.program}assert ${c.src} -/-> ${c.dst}${c.ports}`,
  },
  {
    name: "explain",
    numRuns: answerRuns,
    arbitrary: queryCase,
    check: checkExplain,
    text: (c: { program: string; src: string; dst: string; ports: string }) =>
      `${c.program}# explain ${c.src} -> ${c.dst}${c.ports}`,
  },
  {
    name: "matrix",
    numRuns: answerRuns,
    arbitrary: matrixCase,
    check: checkMatrix,
    text: (c: { program: string }) => c.program,
  },
  {
    name: "import",
    numRuns: importRuns,
    arbitrary: policySet,
    check: (set) => checkImportedSet(set),
    text: (set: PolicySet) => `${set.ipBlockPods ? `# --ipblock-pods ${set.ipBlockPods}\n` : ""}${policySetText(set)}`,
  },
  {
    name: "admission",
    numRuns: admissionRuns,
    arbitrary: admissionCase,
    check: checkAdmission,
    text: (c: { program: string; pods: unknown[] }) => `${c.program}# pods: ${JSON.stringify(c.pods)}`,
  },
];

console.log(`fuzz: ${runs} inputs, seed ${seed} (${stages.map((f) => `${f.name} ${f.numRuns}`).join(", ")})`);
const started = performance.now();
let done = 0;
let slowest = { ms: 0, family: "", length: 0, text: "" };
const failures: { family: string; report: string }[] = [];

stages.forEach((family, index) => {
  const { numRuns } = family;
  if (numRuns === 0) return;
  let calls = 0;
  const property = fc.property(family.arbitrary, (input) => {
    // progress over the first pass (after a failure, the shrinker's calls are not counted)
    if (++calls <= numRuns && (done + calls) % progressEvery === 0) {
      console.log(
        `fuzz: ${done + calls}/${runs} (${family.name}), ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const t = performance.now();
    try {
      family.check(input);
    } finally {
      const ms = performance.now() - t;
      if (ms > slowest.ms) {
        const text = family.text(input);
        slowest = { ms, family: family.name, length: text.length, text };
      }
    }
  });
  const details = fc.check(property, { numRuns, seed: seed + index, endOnFailure: false });
  done += details.numRuns;
  console.log(
    `fuzz: ${family.name}: ${details.numRuns} runs${details.failed ? `, FAILED after ${details.numShrinks} shrinks` : ", ok"} (${done}/${runs}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (details.failed) {
    const input = details.counterexample ? family.text(details.counterexample[0]) : undefined;
    const error =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const report = [
      `fuzz: FAILURE in ${family.name} (seed ${details.seed}, path ${details.counterexamplePath})`,
      `  input (shrunk, as a JSON string): ${JSON.stringify(input)}`,
      "  input (raw):",
      ...String(input)
        .split("\n")
        .map((l) => `    | ${l}`),
      `  problem: ${error.split("\n").join("\n    ")}`,
    ].join("\n");
    failures.push({ family: family.name, report });
    console.log(report);
  }
});

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`fuzz: the slowest input began ${JSON.stringify(slowest.text.slice(0, 160))}`);
console.log(
  `fuzz: ${done} inputs, ${failures.length === 0 ? "0 failures" : `${failures.length} failing famil${failures.length === 1 ? "y" : "ies"} (${failures.map((f) => f.family).join(", ")})`}, seed ${seed}, ${seconds} s (slowest input ${Math.round(slowest.ms)} ms, ${slowest.family}, ${slowest.length} characters)`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
