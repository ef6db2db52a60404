/**
 * The lints about denies and repeated rules (SP9102, SP9103, SP9104) against plain references
 * written here without any of the lint's shortcuts (issue 20, helper lint7): no index of the rules
 * near a side (`reaches`, `peerIndex`), no witness outside every deny (`peerOutside`), no keys of
 * numbers (`ruleKeys`): every allow against every deny, every rule's key as its ends' and ports' JSON
 * texts. Also the shortcuts' parts alone: `meetingSubjects` against a filter, `ruleKeys` with bounds
 * small enough that numbers would collide past them. And SP9105 and SP9106 (issue 20, helper lint11)
 * against references without their index of the clauses toward DNS (`clausesToward`) and with no
 * shortcut of the selectors: every pod region of a closed egress asked, every selector against
 * every owned namespace.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { END_NUMBERS, lint, meetingSubjects, PORT_NUMBERS, ruleKeys } from "../../src/analysis/lints.js";
import { endpointsKey, intersectEndpoints, isEmptyEndpoints } from "../../src/semantics/endpoints.js";
import {
  conjunctionMatches,
  conjunctionOf,
  intersect,
  MAX_SELECTORS,
  meets,
  setMatches,
  witness,
  type LabelSet,
} from "../../src/semantics/labels.js";
import { evaluateSide, ownedNamespaceLabels } from "../../src/semantics/meaning.js";
import {
  NAMESPACE_NAME_LABEL,
  otherEnd,
  type Clause,
  type Direction,
  type Model,
  type NetworkRule,
} from "../../src/semantics/model.js";
import { intersectPorts, isNoPorts, portsKey } from "../../src/semantics/ports.js";
import { clauseReach, managedRegions, type Reach } from "../../src/semantics/regions.js";
import { ownedPodRegions } from "../../src/semantics/universe.js";
import { subtractRect, type Rect } from "../../src/semantics/rects.js";
import { checkModel } from "../../src/pipeline.js";
import { programArbitrary } from "../support/programs.js";

const rect = (c: Clause, direction: Direction): Rect => ({ peers: otherEnd(c, direction), ports: c.ports });

const overlaps = (a: Rect, b: Rect): boolean => {
  if (isEmptyEndpoints(intersectEndpoints(a.peers, b.peers))) return false;
  const ports = intersectPorts(a.ports, b.ports);
  return ports === undefined || !isNoPorts(ports);
};

const reachesOf = (model: Model, rule: NetworkRule) =>
  rule.clauses.flatMap((clause) => clauseReach(model, clause).map((reach) => ({ clause, reach })));

/** What the lints say (code, line, related lines), in one order. */
type Said = [code: string, line: number, related: number[]];
const order = (said: Said[]) => said.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** SP9102, SP9103 and SP9104 as plainly as they are defined. */
function reference(model: Model): Said[] {
  const said: Said[] = [];
  const allows = model.rules.filter((r) => r.action === "allow");
  const denies = model.rules.filter((r) => r.action === "deny");
  // a deny that removes nothing: under `default deny`, no allow it reaches overlaps it
  for (const deny of denies) {
    const removes = reachesOf(model, deny).some(({ clause, reach }) => {
      if (reach.region.posture.posture === "allow") return true;
      const cut = rect(clause, reach.direction);
      return allows.some((allow) =>
        reachesOf(model, allow).some(
          ({ clause: a, reach: r }) =>
            r.namespace === reach.namespace &&
            r.direction === reach.direction &&
            meets(r.subjects, reach.subjects) &&
            overlaps(rect(a, reach.direction), cut),
        ),
      );
    });
    if (!removes && reachesOf(model, deny).length > 0) said.push(["SP9102", deny.span.start.line, []]);
  }
  // an allow that the denies remove on every side it reaches: each side's rectangle less every
  // deny there that covers the allow's pods, in program order
  const covers = (d: Clause, reach: Reach) =>
    clauseReach(model, d).some(
      (r) =>
        r.direction === reach.direction &&
        r.namespace === reach.namespace &&
        intersect(reach.subjects, r.subjects).length === reach.subjects.length,
    );
  for (const allow of denies.length > 0 ? allows : []) {
    const reaches = reachesOf(model, allow);
    if (reaches.length === 0 || reaches.some(({ reach }) => reach.region.posture.posture === "allow")) continue;
    const culprits = new Set<NetworkRule>();
    const survives = reaches.some(({ clause, reach }) => {
      let left: Rect[] = [rect(clause, reach.direction)];
      for (const deny of denies)
        for (const d of deny.clauses)
          for (const r of clauseReach(model, d)) {
            if (r.namespace !== reach.namespace || r.direction !== reach.direction) continue;
            if (!meets(r.subjects, reach.subjects) || !covers(d, reach)) continue;
            const cut = rect(d, reach.direction);
            left = left.flatMap((piece) => {
              if (!overlaps(piece, cut)) return [piece];
              culprits.add(deny);
              return subtractRect(piece, cut) ?? [piece];
            });
            if (left.length > MAX_SELECTORS || left.some((p) => p.peers.pods.length > MAX_SELECTORS)) return true;
          }
      return left.length > 0;
    });
    if (!survives) said.push(["SP9103", allow.span.start.line, [...culprits].map((d) => d.span.start.line)]);
  }
  // a rule saying what an earlier one says
  const first = new Map<string, NetworkRule>();
  for (const rule of model.rules) {
    const key = JSON.stringify([
      rule.action,
      rule.clauses.map((c) => [endpointsKey(c.sources), endpointsKey(c.destinations), portsKey(c.ports)]),
    ]);
    const earlier = first.get(key);
    if (earlier) said.push(["SP9104", rule.span.start.line, [earlier.span.start.line]]);
    else first.set(key, rule);
  }
  return order(said);
}

const CODES = ["SP9102", "SP9103", "SP9104"];

test("SP9102, SP9103, SP9104: as the plain references say, on random programs with denies", () => {
  const seen = { programs: 0, SP9102: 0, SP9103: 0, SP9104: 0 };
  fc.assert(
    fc.property(
      programArbitrary(true),
      fc.array(fc.nat(), { maxLength: 3 }),
      fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 3 }),
      fc.boolean(),
      (program, repeats, flips, closed) => {
        // some rules said again (duplicates), some allows said again as denies, as they are or of
        // the whole namespaces of their workloads (removing them), and (half the time) no
        // `default allow` (where the allows are not redundant)
        const lines = (closed ? program.text.replace(/default allow/g, "default deny") : program.text)
          .trimEnd()
          .split("\n");
        const rules = lines.filter((l) => l.startsWith("allow ") || l.startsWith("deny "));
        const text = [
          ...lines,
          ...repeats.map((i) => rules[i % rules.length]),
          ...flips.map(([i, wide]) => {
            const denied = rules[i % rules.length].replace(/^allow /, "deny ");
            return wide ? denied.replace(/\b([a-c])\/w\d\b/g, "$1/*") : denied;
          }),
        ].join("\n");
        const { model } = checkModel([{ path: "p.secpol", text: `${text}\n` }]);
        if (!model) return;
        seen.programs++;
        const said = order(
          lint(model)
            .filter((d) => CODES.includes(d.code))
            .map((d): Said => [d.code, d.span.start.line, (d.related ?? []).map((r) => r.span.start.line)]),
        );
        const expected = reference(model);
        for (const [code] of expected) seen[code as keyof typeof seen]++;
        assert.equal(said, expected, text);
      },
    ),
    { numRuns: 1500 },
  );
  // each lint said something now and then
  assert.ok(seen.programs > 800, JSON.stringify(seen));
  assert.ok(seen.SP9102 > 300 && seen.SP9103 > 200 && seen.SP9104 > 300, JSON.stringify(seen));
});

/** SP9105 (every pod region of a closed egress asked whether it reaches DNS) and SP9106 (every term's namespace selector against every owned namespace), as plainly as they are defined: code and line. */
function dnsAndLabelsReference(model: Model): Said[] {
  const said: Said[] = [];
  const dns = { pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ports: [] } };
  const labelsOf = ownedNamespaceLabels(model, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
  for (const namespace of model.namespaces)
    for (const region of managedRegions(model, namespace, "egress")) {
      if (region.posture.posture !== "deny") continue;
      const pods = ownedPodRegions(model, namespace.name);
      const labels =
        "tooMany" in pods
          ? region.pods.map((c) => witness(c))
          : pods.filter((p) => setMatches(region.pods, p.labels)).map((p) => p.labels);
      const stuck = labels.some(
        (l) =>
          !evaluateSide(
            model,
            { src: { pod: { namespace: namespace.name, labels: l, ports: [] } }, dst: dns, protocol: "UDP", port: 53 },
            "egress",
            labelsOf,
          ).permitted,
      );
      if (stuck) said.push(["SP9105", region.posture.span.start.line, []]);
    }
  for (const rule of model.rules) {
    const unowned = rule.clauses
      .flatMap((c) => [...c.sources.pods, ...c.destinations.pods])
      .some(
        (t) =>
          t.namespaces.length > 0 &&
          t.namespaces.every((r) => r[0] !== NAMESPACE_NAME_LABEL) &&
          !model.namespaces.some((n) => conjunctionMatches(t.namespaces, n.labels)),
      );
    if (unowned) said.push(["SP9106", rule.span.start.line, []]);
  }
  return order(said);
}

test("SP9105, SP9106: as the plain references say, on random programs", () => {
  const seen = { programs: 0, SP9105: 0, SP9106: 0, closed: 0 };
  fc.assert(
    fc.property(programArbitrary(true), fc.boolean(), (program, closed) => {
      // half the time every namespace's egress closed (where DNS is asked about)
      const text = closed ? program.text.replace(/default allow/g, "default deny") : program.text;
      const { model } = checkModel([{ path: "p.secpol", text }]);
      if (!model) return;
      seen.programs++;
      const said = order(
        lint(model)
          .filter((d) => d.code === "SP9105" || d.code === "SP9106")
          .map((d): Said => [d.code, d.span.start.line, []]),
      );
      const expected = dnsAndLabelsReference(model);
      for (const [code] of expected) seen[code as keyof typeof seen]++;
      seen.closed += model.namespaces.filter((n) =>
        managedRegions(model, n, "egress").some((r) => r.posture.posture === "deny"),
      ).length;
      assert.equal(said, expected, text);
    }),
    { numRuns: 1500 },
  );
  // each lint said something now and then, and closed egresses were asked about
  assert.ok(seen.programs > 800 && seen.SP9105 > 100 && seen.SP9106 > 100 && seen.closed > 1000, JSON.stringify(seen));
});

test("meetingSubjects: those whose subjects meet, in order; the list itself when all do", () => {
  const conjunctions = [["a"], ["b"], ["a", "b"], []].map((keys) =>
    conjunctionOf(keys.map((key) => ({ key, operator: "In" as const, values: ["x"] })))!,
  );
  const none = conjunctionOf([{ key: "a", operator: "NotIn", values: ["x"] }])!;
  const labelSet: fc.Arbitrary<LabelSet> = fc.array(fc.constantFrom(...conjunctions, none), { maxLength: 2 });
  fc.assert(
    fc.property(fc.array(labelSet, { maxLength: 5 }), labelSet, (subjectsOfNear, subjects) => {
      const near = subjectsOfNear.map(
        (s) => ({ reach: { subjects: s } }) as Parameters<typeof meetingSubjects>[0][number],
      );
      const found = meetingSubjects(near, subjects);
      const expected = near.filter((n) => meets(n.reach.subjects, subjects));
      assert.equal(found, expected);
      if (expected.length === near.length) assert.is(found, near);
    }),
    { numRuns: 500 },
  );
});

test("ruleKeys: equal exactly when the rules' actions, ends and ports are, numbers or texts, within bounds or past them", () => {
  assert.ok(END_NUMBERS * END_NUMBERS * PORT_NUMBERS * 2 <= Number.MAX_SAFE_INTEGER + 1);
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {\n  default deny\n  workload web app=web\n  workload db app=db port http 5432\n  workload api app=api port http 8080\n}",
    ...["web", "db", "api", "*"].flatMap((from) =>
      ["web", "db", "api"].flatMap((to) =>
        ["", ": 80", ": 80/udp"].flatMap((ports) => [
          `allow a/${from} -> a/${to}${ports}`,
          `deny a/${from} -> a/${to}${ports}`,
        ]),
      ),
    ),
    // (rules of two clauses: the destinations' own ports differ)
    "allow a/web -> a/db, a/api: http",
    "allow a/web -> a/api, a/db: http",
    "deny a/web -> a/db, a/api: http",
    "allow a/* -> a/db, a/api: http",
  ].join("\n");
  const { model } = checkModel([{ path: "p.secpol", text: `${text}\n` }]);
  assert.ok(model);
  assert.ok(model!.rules.filter((r) => r.clauses.length === 2).length === 4);
  const expected = (r: NetworkRule) =>
    JSON.stringify([
      r.action,
      r.clauses.map((c) => [endpointsKey(c.sources), endpointsKey(c.destinations), portsKey(c.ports)]),
    ]);
  // the bounds as they are, and small ones (numbers past them are texts)
  for (const bounds of [
    [END_NUMBERS, PORT_NUMBERS],
    [2, 2],
    [3, 1],
    [1, 1],
  ] as const) {
    fc.assert(
      fc.property(fc.shuffledSubarray([...model!.rules]), (rules) => {
        const key = ruleKeys(...bounds);
        // each rule twice, so that equal keys come up, in a random order
        const keys = [...rules, ...rules].map((r) => [r, key(r)] as const);
        for (const [a, ka] of keys)
          for (const [b, kb] of keys)
            assert.is(ka === kb, expected(a) === expected(b), `${expected(a)} ${expected(b)}`);
      }),
      { numRuns: 50 },
    );
  }
});

test.run();
