/**
 * The lint of allows removed by denies (SP9103) answers "survives" without subtracting when a pod
 * of the allow's peers (a term's witness) is at the other end of none of the denies near it
 * (`peerOutside`, issue 20, helper front6): such a pod is in what every cut leaves.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { peerOutside } from "../../src/analysis/lints.js";
import { isEmptyEndpoints, subtractEndpoints } from "../../src/semantics/endpoints.js";
import { conjunctionOf, type Conjunction, type Requirement } from "../../src/semantics/labels.js";
import type { Clause, EndpointSet, PodTerm } from "../../src/semantics/model.js";
import { checkModel } from "../../src/pipeline.js";

// few keys and values, every operator: witnesses fall in other terms often
const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom("a", "b"),
    operator: fc.constantFrom("In" as const, "NotIn" as const),
    values: fc.subarray(["x", "y"], { minLength: 1 }),
  }),
  fc.record({ key: fc.constantFrom("a", "b"), operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const) }),
);
const conjunction: fc.Arbitrary<Conjunction> = fc
  .array(requirement, { maxLength: 2 })
  .map((rs) => conjunctionOf(rs))
  .filter((c): c is Conjunction => c !== undefined);
const term: fc.Arbitrary<PodTerm> = fc.record({ namespaces: conjunction, pods: conjunction });
const ends: fc.Arbitrary<EndpointSet> = fc
  .array(term, { minLength: 1, maxLength: 3 })
  .map((pods) => ({ pods, ips: [] }));
// a deny's clause, its sources the other end on the ingress side
const clause = (sources: EndpointSet): Clause =>
  ({ sources, destinations: { pods: [], ips: [] }, ports: { kind: "all" } }) as unknown as Clause;

test("peerOutside: when it finds a pod outside every deny's other end, subtracting them all leaves some peers", () => {
  let outside = 0;
  let removed = 0;
  fc.assert(
    fc.property(ends, fc.array(ends, { minLength: 1, maxLength: 3 }), (peers, cuts) => {
      const left = cuts.reduce((rest, cut) => subtractEndpoints(rest, cut), peers);
      const found = peerOutside(
        peers,
        cuts.map((c) => ({ clause: clause(c) })),
        "ingress",
      );
      if (found) outside++;
      if (isEmptyEndpoints(left)) removed++;
      if (found) assert.not.ok(isEmptyEndpoints(left), JSON.stringify({ peers, cuts }));
    }),
    { numRuns: 3000 },
  );
  // both answers came up
  assert.ok(outside > 300, `${outside} found outside`);
  assert.ok(removed > 100, `${removed} wholly removed`);
});

/** The lines of a program's SP9103 warnings, each with the lines of its denies. */
function removedLines(text: string): number[][] {
  const { diagnostics } = checkModel([{ path: "p.secpol", text: `${text}\n` }]);
  return diagnostics
    .filter((d) => d.code === "SP9103")
    .map((d) => [d.span.start.line, ...(d.related ?? []).map((r) => r.span.start.line)]);
}

test("SP9103: allows removed by two denies together, and by a deny whose other end's second term holds the witness", () => {
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {\n  default deny ingress\n  workload web app=web\n  workload db app=db\n  workload api app=api\n}",
    // the witness of `a/*` (no pod label) is held by the second deny only
    "allow a/* -> a/db: 5432",
    "deny pods(app) in ns a -> a/db",
    "deny pods(!app) in ns a -> a/db",
    // ... by the second term of one deny's sources
    "allow a/* -> a/web: 80",
    "deny pods(app) in ns a, pods(!app) in ns a -> a/web",
    // not removed: pods with another `app` survive (and the witness is not held by the deny)
    "allow a/* -> a/api: 80",
    "deny pods(app=web) in ns a, pods(!app) in ns a -> a/api",
  ].join("\n");
  assert.equal(removedLines(text), [
    [8, 9, 10],
    [11, 12],
  ]);
});

test("SP9103: an allow is asked about its denies only where one of them may cut it, on each side (found from the denies' side)", () => {
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {\n  default deny\n  workload web app=web\n}",
    "namespace b {\n  default deny\n  workload db app=db\n  workload cache app=cache\n}",
    "namespace c {\n  default deny\n  workload log app=log\n}",
    // removed on both sides it reaches (a's egress, b's ingress) by one deny; on a's egress a deny
    // toward c comes first, whose peers meet other allows there
    "allow a/web -> b/db: 5432",
    "allow a/web -> c/log: 514",
    "deny a/* -> c/log: 9999",
    "deny a/web -> b/db",
    // survives: on b's ingress no deny's peers meet its own (c's pods)
    "allow c/log -> b/cache: 6379",
    "deny a/* -> b/cache",
    // removed on b's egress by a deny of all ports, and on a's ingress by the first of two denies
    "allow b/cache -> a/web: 80",
    "deny b/cache -> a/web",
    "deny c/* -> a/web",
  ].join("\n");
  assert.equal(removedLines(text), [
    [15, 18],
    [21, 22],
  ]);
});

/** The lines and messages of a program's SP9105 warnings. */
function withoutDnsLines(text: string): [number, string][] {
  const { diagnostics } = checkModel([{ path: "p.secpol", text: `${text}\n` }]);
  return diagnostics.filter((d) => d.code === "SP9105").map((d) => [d.span.start.line, d.message]);
}

test("SP9105: the clauses toward DNS of each namespace, a deny near two namespaces by their labels among them (clausesToward)", () => {
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {\n  default deny egress\n  labels team=x\n  workload web app=web\n}",
    "namespace b {\n  default deny egress\n  labels team=x\n  workload db app=db\n}",
    "namespace c {\n  default deny egress\n  labels team=y\n  workload log app=log\n}",
    "namespace d {\n  default deny egress\n  workload api app=api\n}",
    "allow a/* -> dns",
    "allow b/* -> dns",
    // near c by its labels only: all of c's pods reach DNS
    "allow ns(team=y) -> dns",
    // near a and b by their labels: b's pods and a's others with app=db (not a/web) are denied
    "deny pods(app=db) in ns(team=x) -> dns: 53/udp",
    // d: DNS over TCP only
    "allow d/* -> dns: 53/tcp",
  ].join("\n");
  assert.equal(
    withoutDnsLines(text).map(([line]) => line),
    [3, 8, 18],
    JSON.stringify(withoutDnsLines(text)),
  );
});

test("SP9106: the rules selecting namespaces by labels none owned carries, a clause's destinations or a rule's sources", () => {
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {\n  default deny\n  labels team=x\n  workload web app=web\n}",
    "allow a/web -> a/web: 80",
    // the second clause's destinations, then a rule's sources
    "allow a/web -> a/web, pods(app=db) in ns(team=y): 5432",
    "allow ns(team=x) -> a/web: 81",
    "allow pods(app=db) in ns(team=z, env=prod) -> a/web: 82",
    // by name: not a label selector
    "allow pods(app=db) in ns b -> a/web: 83",
  ].join("\n");
  const { diagnostics } = checkModel([{ path: "p.secpol", text: `${text}\n` }]);
  const message = (labels: string) =>
    `no namespace this program owns has the labels \`${labels}\`: the selector only matches namespaces labelled outside this program`;
  assert.equal(
    diagnostics.filter((d) => d.code === "SP9106").map((d) => [d.span.start.line, d.message]),
    [
      [8, message("team=y")],
      [10, message("env=prod,team=z")],
    ],
  );
});

test.run();
