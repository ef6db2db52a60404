/**
 * The duplicate-rule lint's clause keys (issue 20, helper front5): an end's text from its terms'
 * numbers and its blocks (`endsText`) tells sets apart exactly as `endpointsKey` does.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { endsText } from "../../src/analysis/lints.js";
import { endpointsKey, termKey } from "../../src/semantics/endpoints.js";
import { parseCidr, type Cidr, type IpBlock } from "../../src/semantics/ip.js";
import { conjunctionOf, type Conjunction } from "../../src/semantics/labels.js";
import type { EndpointSet, PodTerm } from "../../src/semantics/model.js";
import { checkModel } from "../../src/pipeline.js";
import { Numbered } from "../../src/canonical.js";

const cidr = (t: string): Cidr => (parseCidr(t) as { cidr: Cidr }).cidr;
const cidrs = ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.1.2.0/24", "fd00::/8"];
// few values of each part, so that sets with equal texts come up often
const block: fc.Arbitrary<IpBlock> = fc
  .tuple(fc.constantFrom(...cidrs), fc.subarray(cidrs.slice(1, 4)))
  .map(([c, except]) => ({ cidr: cidr(c), except: except.map(cidr) }));
const conjunction: fc.Arbitrary<Conjunction> = fc
  .subarray(["a", "b"])
  .map((keys) => conjunctionOf(keys.map((key) => ({ key, operator: "In" as const, values: ["x"] }))) ?? []);
const term: fc.Arbitrary<PodTerm> = fc.record({ namespaces: conjunction, pods: conjunction });
const endpointSet: fc.Arbitrary<EndpointSet> = fc.record({
  pods: fc.array(term, { maxLength: 2 }),
  ips: fc.array(block, { maxLength: 2 }),
});

test("endsText: equal for two endpoint sets exactly when their endpointsKey is", () => {
  let equal = 0;
  fc.assert(
    fc.property(endpointSet, endpointSet, fc.boolean(), (a, other, same) => {
      // (half the time a copy: new objects, equal texts)
      const b = same ? structuredClone(a) : other;
      const numbers = new Numbered();
      const number = (t: PodTerm) => numbers.of(termKey(t));
      const byKey = endpointsKey(a) === endpointsKey(b);
      if (byKey) equal++;
      assert.is(endsText(a, number) === endsText(b, number), byKey, `${endpointsKey(a)} / ${endpointsKey(b)}`);
    }),
    { numRuns: 2000 },
  );
  assert.ok(equal > 500, "sets with equal keys were compared");
});

test("endsText: terms' numbers of several digits are told apart (1, 12 against 11, 2)", () => {
  const terms: PodTerm[] = ["a", "b", "c", "d"].map((key) => ({
    namespaces: [],
    pods: conjunctionOf([{ key, operator: "Exists" }])!,
  }));
  const numbers = new Map(terms.map((t, i) => [t, [1, 12, 11, 2][i]]));
  const number = (t: PodTerm) => numbers.get(t)!;
  const [one, twelve, eleven, two] = terms;
  assert.is.not(endsText({ pods: [one, twelve], ips: [] }, number), endsText({ pods: [eleven, two], ips: [] }, number));
  assert.is(endsText({ pods: [one, twelve], ips: [] }, number), endsText({ pods: [one, twelve], ips: [] }, number));
});

test("the duplicate-rule lint: a rule said again is reported, one differing in a block or its exceptions is not", () => {
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {\n  default deny egress\n  workload web app=web\n  workload db app=db\n}",
    "allow a/web -> cidr 172.17.0.0/16 except 172.17.1.0/24",
    "allow a/web -> cidr 172.17.0.0/16 except 172.17.2.0/24",
    "allow a/web -> cidr 172.17.0.0/16",
    "allow a/web -> cidr 172.17.0.0/16 except 172.17.1.0/24",
    "allow a/web -> a/db, cidr 172.18.0.0/16",
    "allow a/web -> a/db",
    "allow a/web -> a/db, cidr 172.18.0.0/16",
    "allow a/web -> a/db: 80",
    "allow a/* -> dns",
  ].join("\n");
  const { diagnostics } = checkModel([{ path: "p.secpol", text: `${text}\n` }]);
  assert.equal(
    diagnostics.filter((d) => d.code === "SP9104").map((d) => d.span.start.line),
    [10, 13],
  );
});

test.run();
