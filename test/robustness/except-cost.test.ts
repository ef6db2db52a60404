/**
 * The cost of a long `except` list grows like n log n, not n² (issue 17: 8,000 /24s took 20 s).
 * Counted, not timed: the address algebra counts its comparisons of blocks and addresses
 * (`ipComparisons`), and a build with 8 times the excepts may make at most 16 times as many —
 * n log n makes about 10 times as many, n² 64 times. (The same 8,000 excepts are also a case of
 * test/robustness/pathological.test.ts, built under its memory bound.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { build, renderDiagnostics } from "../../src/index.js";
import { ipComparisons } from "../../src/semantics/ip.js";
import { slash24s } from "../support/pathological.js";

const header =
  "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\nnamespace a {\n  default deny\n  workload w app=w port http 8080\n}\nnamespace b {\n  default deny\n  workload v app=v port http 8080\n}\nallow a/* -> dns\nallow b/* -> dns\n";

/** The comparisons one build of the program makes, with except lists of n blocks. */
function comparisons(program: (n: number) => string, n: number): number {
  const before = ipComparisons();
  const result = build([{ path: "except.secpol", text: header + program(n) }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  return ipComparisons() - before;
}

const shapes: Record<string, (n: number) => string> = {
  "an allow to `cidr 11.0.0.0/8 except` n /24s": (n) => `allow a/w -> cidr 11.0.0.0/8 except ${slash24s(n)}\n`,
  // the deny's excepts give back n blocks of the allow's: n ipBlocks, each probed by verification
  "an allow and a deny of n excepts each": (n) =>
    `allow a/w -> cidr 11.0.0.0/8 except ${slash24s(n, 2)}\ndeny a/w -> cidr 11.0.0.0/9 except ${slash24s(n, 2, 1)}\n`,
  "a group of n excepts, as source, destination and in an assertion": (n) =>
    `group far = cidr 11.0.0.0/8 except ${slash24s(n)}\nallow far -> a/w: http\nallow b/v -> far\nassert b/v -> cidr 11.255.255.0/24: 80\n`,
};

for (const [name, program] of Object.entries(shapes)) {
  test(`${name}: 8 times the excepts cost at most 16 times the comparisons`, () => {
    const small = comparisons(program, 1_000);
    const large = comparisons(program, 8_000);
    assert.ok(
      large <= 16 * small,
      `${small} comparisons for 1,000 excepts, ${large} for 8,000 (x${(large / small).toFixed(1)})`,
    );
  });
}

test.run();
