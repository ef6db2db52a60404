/**
 * The compiler orders a policy's rules by their peers' `endpointsKey` texts; `compareEndpoints`
 * reads that order from the sets without writing the texts (issue 20, helper compile25). Checked
 * against the texts themselves, with labels that are prefixes of each other and characters JSON
 * escapes (where the escaped text orders otherwise than the raw one).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { compareEndpoints, endpointsKey, jsonOrder } from "../../src/semantics/endpoints.js";
import type { IpBlock } from "../../src/semantics/ip.js";
import { conjunctionOf, type Conjunction } from "../../src/semantics/labels.js";
import type { EndpointSet, PodTerm } from "../../src/semantics/model.js";
import { cidr } from "../support/cidr.js";

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const textOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// `"` sorts below letters raw and above capitals escaped (`\"`); `!` sorts below the closing quote
const texts = ["a", "ab", "a-b", "aZ", 'a"', "a\\", "a\n", "a!", "a#", "Z", "a\uD800", "a\u00e9", ""];
const cidrs = ["10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "10.1.2.0/24", "fd00::/8", "fd00::/16"];

const conjunction: fc.Arbitrary<Conjunction> = fc
  .array(
    fc.oneof(
      fc.record({
        key: fc.constantFrom("a", "ab", "a.b", "A"),
        operator: fc.constantFrom("In" as const, "NotIn" as const),
        values: fc.subarray(texts, { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        key: fc.constantFrom("a", "ab", "a.b", "A"),
        operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const),
      }),
    ),
    { maxLength: 2 },
  )
  .map((rs) => conjunctionOf(rs))
  .filter((c): c is Conjunction => c !== undefined);
const term: fc.Arbitrary<PodTerm> = fc.record({ namespaces: conjunction, pods: conjunction });
const block: fc.Arbitrary<IpBlock> = fc
  .tuple(fc.constantFrom(...cidrs), fc.subarray(cidrs))
  .map(([c, except]) => ({ cidr: cidr(c), except: except.map(cidr) }));
const endpointSet: fc.Arbitrary<EndpointSet> = fc.record({
  pods: fc.array(term, { maxLength: 3 }),
  ips: fc.array(block, { maxLength: 2 }),
});

test("compareEndpoints orders as endpointsKey's texts: other sets, copies, and one set extending another", () => {
  const seen = new Set<number>();
  fc.assert(
    fc.property(endpointSet, endpointSet, fc.nat(3), (a, other, how) => {
      // a copy (new objects, equal texts), the set with one more term or block, or another set
      const b =
        how === 0
          ? structuredClone(a)
          : how === 1
            ? { pods: [...a.pods, ...other.pods.slice(0, 1)], ips: a.ips }
            : how === 2
              ? { pods: a.pods, ips: [...a.ips, ...other.ips.slice(0, 1)] }
              : other;
      const expected = textOrder(endpointsKey(a), endpointsKey(b));
      seen.add(expected);
      assert.is(sign(compareEndpoints(a, b)), expected, `${endpointsKey(a)} / ${endpointsKey(b)}`);
      assert.is(sign(compareEndpoints(b, a)), -expected);
    }),
    { numRuns: 5000 },
  );
  assert.equal([...seen].sort(), [-1, 0, 1]);
});

test("jsonOrder orders as JSON.stringify's texts, where a character is escaped or a string ends", () => {
  const pairs: [string, string][] = [
    ['a"', "aZ"], // raw: `"` < `Z`; escaped: `\` > `Z`
    ['a"', "a]"],
    ["a\\", "a]"],
    ["a\\", 'a"'],
    ["a\n", "a\\"],
    ["a", "a!"], // the closing quote above `!`
    ["a", "a#"],
    ["a", 'a"'],
    ["a\uD800", "a\uFFFF"],
    ["", "a"],
    ["ab", "ab"],
  ];
  for (const [a, b] of pairs) {
    const expected = textOrder(JSON.stringify(a), JSON.stringify(b));
    assert.is(sign(jsonOrder(a, b)), expected, JSON.stringify([a, b]));
    assert.is(sign(jsonOrder(b, a)), -expected, JSON.stringify([b, a]));
  }
  const text = fc.string({ unit: fc.constantFrom("a", "Z", '"', "\\", "\n", "!", "#", "]", "\uD800", "\uDC00", "é") });
  fc.assert(
    fc.property(text, text, (a, b) => {
      assert.is(sign(jsonOrder(a, b)), textOrder(JSON.stringify(a), JSON.stringify(b)), JSON.stringify([a, b]));
    }),
    { numRuns: 5000 },
  );
});

test.run();
