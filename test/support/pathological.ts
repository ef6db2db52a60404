/**
 * Pathological inputs, for test/robustness/pathological.test.ts. Only plain Node imports here:
 * the child process (test/support/pathological-child.ts) generates the case itself rather than
 * receiving a megabyte through its arguments, and must start fast.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");

/** Every example's `.secpol` files, concatenated. */
function examplesText(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".secpol")) texts.push(readFileSync(path, "utf8"));
    }
  };
  walk(examples);
  return texts.join("\n");
}

const MEGABYTE = 1_000_000;
const program =
  "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\nnamespace a {\n  default deny\n  workload w app=w port http 8080\n}\n";
const labels = (n: number, op = "=") => Array.from({ length: n }, (_, i) => `k${i}${op}v`).join(",");
/** n /24 blocks inside 11.0.0.0/8 (every `step`th one, from the `offset`th). */
export const slash24s = (n: number, step = 1, offset = 0): string =>
  Array.from({ length: n }, (_, i) => offset + step * i)
    .map((k) => `11.${(k >> 8) & 255}.${k & 255}.0/24`)
    .join(", ");
const ports = (n: number, step = 1) => Array.from({ length: n }, (_, i) => String(1 + step * i)).join(", ");

/** Each case: the text, and whether the build must succeed (emit output) or fail (diagnose). */
export const cases: Record<string, { text: () => string; outcome: "output" | "errors" }> = {
  "1 MB of the examples, repeated": {
    text: () => examplesText().repeat(Math.ceil(MEGABYTE / examplesText().length)),
    outcome: "errors",
  },
  "1 MB on one line, without a line break": {
    text: () => `${program}allow ns b -> a/w: ${"80, ".repeat(MEGABYTE / 4)}80`,
    outcome: "output",
  },
  "1 MB with a line the parser cannot read every 40 lines": {
    text: () => {
      const lines: string[] = [];
      for (let i = 0; lines.join("\n").length < MEGABYTE; i++) {
        lines.push(
          ...Array.from(
            { length: 40 },
            (_, j) => `namespace ns${i % 50} { workload w${i}-${j} app=w${i}-${j} port http 8080 }`,
          ),
          "default http deny",
        );
      }
      return `${lines.join("\n")}\n`;
    },
    outcome: "errors",
  },
  "1 MB on one line: 40,000 rules naming undeclared workloads (80,000 errors)": {
    text: () => Array.from({ length: 40_000 }, (_, i) => `allow a${i} -> b${i}: 80;`).join(" "),
    outcome: "errors",
  },
  "40,000 lines with two errors each": {
    text: () => Array.from({ length: 40_000 }, (_, i) => `allow a${i} -> b${i}: 80`).join("\n"),
    outcome: "errors",
  },
  "30 denies with different subjects in a `default allow` namespace": {
    text: () =>
      `${program}namespace open {\n  default allow\n}\n${Array.from({ length: 30 }, (_, i) => `deny pods(k${i}=v) in ns open -> cidr 10.${i}.0.0/16`).join("\n")}\n`,
    outcome: "output",
  },
  "60 denies with different subjects in a `default deny` namespace": {
    text: () =>
      `${program}allow any -> a/*\nallow a/* -> any\n${Array.from({ length: 30 }, (_, i) => `deny cidr 10.${i}.0.0/16 -> pods(k${i}=v) in ns a\ndeny pods(j${i}=v) in ns a -> cidr 11.${i}.0.0/16: ${1000 + i}`).join("\n")}\n`,
    outcome: "output",
  },
  "20 denies of one peer with two-label subjects (2^20 pod selectors to be exact)": {
    text: () =>
      `${program}allow any -> a/*\n${Array.from({ length: 20 }, (_, i) => `deny cidr 10.0.0.0/16 -> pods(k${i}=v, j${i}=v) in ns a`).join("\n")}\n`,
    outcome: "errors",
  },
  "40 workloads with their own posture and two-label selectors (the other pods: 2^40 selectors)": {
    text: () =>
      `namespace many {\n  default deny\n${Array.from({ length: 40 }, (_, i) => `  workload w${i} k${i}=v, j${i}=v\n  default allow egress for w${i}`).join("\n")}\n}\nallow many/* -> many/*: 80\n`,
    outcome: "errors",
  },
  "30 denies of peers with three labels (what is left of `any`: 3^30 selectors)": {
    text: () =>
      `${program}allow any -> a/*\n${Array.from({ length: 30 }, (_, i) => `deny pods(k${i}=v, j${i}=v) in ns(t${i}=v) -> a/*`).join("\n")}\n`,
    outcome: "errors",
  },
  "20,000 groups, each naming the one before": {
    text: () =>
      `group g0 = cidr 10.0.0.0/8\n${Array.from({ length: 19_999 }, (_, i) => `group g${i + 1} = g${i}`).join("\n")}\n${program}allow g19999 -> a/w: 80\n`,
    outcome: "errors",
  },
  "10,000 nested parentheses": { text: () => `${program}allow ${"(".repeat(10_000)} -> a/w`, outcome: "errors" },
  "10,000 nested blocks": {
    text: () => `${"namespace a {\n".repeat(10_000)}${"}\n".repeat(10_000)}`,
    outcome: "errors",
  },
  "10,000 lines of `namespace a` without braces": { text: () => "namespace a\n".repeat(10_000), outcome: "errors" },
  "100,000 labels in one workload selector": {
    text: () => `namespace a {\n  default deny\n  workload w ${labels(100_000)}\n}\nallow ns b -> a/w: 80\n`,
    outcome: "errors",
  },
  "100,000 labels in one pods(...) selector of a deny": {
    text: () => `${program}allow ns a -> a/w\ndeny pods(${labels(100_000, "!=")}) in ns a -> a/w: 80\n`,
    outcome: "errors",
  },
  "8,000 /24s in the except list of one allow": {
    text: () => `${program}allow a/w -> cidr 11.0.0.0/8 except ${slash24s(8_000)}\n`,
    outcome: "output",
  },
  "10,000-element port list": { text: () => `${program}allow ns b -> a/w: ${ports(10_000)}\n`, outcome: "output" },
  "10,000-element port list in a deny": {
    text: () => `${program}allow ns b -> a/w\ndeny ns b -> a/w: ${ports(10_000, 2)}\n`,
    outcome: "output",
  },
};
