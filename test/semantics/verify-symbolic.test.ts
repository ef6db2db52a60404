/**
 * Translation validation proves most sides symbolically (src/targets/network-policy/verify.ts,
 * `Symbolic`): the program's allow terms (less the namespaces whole-namespace denies cut off) and
 * the emitted peers are keyed by their conjunctions, their ports by canonical port sets, and equal
 * maps mean equal sides. Here: equal keys mean equal pods by the meaning and by the independent
 * evaluator (test/support/netpol-eval.ts), port ids mean the ports each evaluator admits, and on
 * generated programs and broken outputs the verdict with the proof is the verdict without it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { checkModel } from "../../src/pipeline.js";
import {
  labelIds,
  SubjectIndex,
  symbolicKeys,
  verifyNetworkPolicies,
} from "../../src/targets/network-policy/verify.js";
import { selectorMatches } from "../../src/analysis/netpol.js";
import { inEndpointSet } from "../../src/semantics/meaning.js";
import {
  conjunctionMatches,
  conjunctionOf,
  everything,
  labelsEqual,
  soleValue,
  subtract,
  toLabelSelector,
  type Conjunction,
  type Requirement,
} from "../../src/semantics/labels.js";
import { NAMESPACE_NAME_LABEL as NAME } from "../../src/semantics/model.js";
import { portSet, portSetContains, protocols, type PortRange } from "../../src/semantics/ports.js";
import { isFlowAllowed, type Namespace, type Pod } from "../support/netpol-eval.js";
import { programArbitrary } from "../support/programs.js";
import { policiesOf } from "../support/answers.js";

type Json = Record<string, any>;

const OWN = "own";
const OWN_LABELS = { [NAME]: OWN, team: "x" };
const KEYS = ["app", "tier", "team", NAME];
const VALUES = ["a", "b", "x", OWN];

/** A requirement of the vocabulary (the values dropped where the operator takes none). */
const requirement: fc.Arbitrary<Requirement> = fc
  .tuple(
    fc.constantFrom(...KEYS),
    fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist"),
    fc.subarray(VALUES, { minLength: 1 }),
  )
  .map(([key, operator, values]) =>
    operator === "In" || operator === "NotIn" ? { key, operator, values } : { key, operator: operator as "Exists" },
  );

const conjunction: fc.Arbitrary<Conjunction> = fc.oneof(
  fc.constant(labelsEqual(NAME, OWN)),
  fc
    .array(requirement, { maxLength: 3 })
    .map(conjunctionOf)
    .filter((c): c is Conjunction => c !== undefined),
);

/** Deny terms: mostly of the form the proof cuts (every pod of the namespaces one requirement names), some not. */
const denyTerm = fc.oneof(
  { weight: 4, arbitrary: requirement.map((r) => ({ namespaces: conjunctionOf([r])!, pods: everything })) },
  { weight: 1, arbitrary: fc.record({ namespaces: conjunction, pods: conjunction }) },
);

/** Selectors the compiler never writes, each read differently by a careless translation. */
const oddSelector: fc.Arbitrary<Json> = fc.constantFrom(
  { matchExpressions: [{ key: "app", operator: "Equals", values: ["a"] }] },
  { matchExpressions: [{ key: "app", operator: "In", values: "ab" }] },
  { matchExpressions: [{ key: "app", operator: "In" }] },
  { matchLabels: { app: 1 } },
  { matchLabels: ["a"] },
  { matchExpressions: { key: "app", operator: "Exists" } },
  {},
);

/** An emitted selector for a conjunction, as compile writes it or as another writer might: keys reordered, a label as `In`. */
const selectorFor = (c: Conjunction, style: number): Json => {
  const s: Json = toLabelSelector(c);
  if (style % 3 === 1 && s.matchLabels) s.matchLabels = Object.fromEntries(Object.entries(s.matchLabels).reverse());
  if (style % 3 === 2 && s.matchLabels) {
    const [key, value] = Object.entries(s.matchLabels)[0] as [string, string];
    delete s.matchLabels[key];
    s.matchExpressions = [...(s.matchExpressions ?? []), { key, operator: "In", values: [value] }];
  }
  return s;
};

/** Changes an emitted peer: a value, a requirement dropped, a selector replaced, the namespaceSelector dropped. */
function mutatePeer(peer: Json, kind: number, odd: Json, other: Conjunction): void {
  const selectorOf = kind % 2 === 0 ? "namespaceSelector" : "podSelector";
  const s = peer[selectorOf];
  switch (kind % 8) {
    case 0:
    case 1:
      if (s?.matchLabels && Object.keys(s.matchLabels).length > 0)
        s.matchLabels[Object.keys(s.matchLabels)[0]] = VALUES[kind % VALUES.length];
      break;
    case 2:
    case 3:
      if (s?.matchExpressions?.length) s.matchExpressions.pop();
      else if (s?.matchLabels) delete s.matchLabels[Object.keys(s.matchLabels)[0]];
      break;
    case 4:
    case 5:
      peer[selectorOf] = odd;
      break;
    case 6:
      delete peer.namespaceSelector;
      break;
    case 7:
      peer[selectorOf] = toLabelSelector(other);
      break;
  }
}

const namespaceArbitrary: fc.Arbitrary<Namespace> = fc
  .record({
    name: fc.constantFrom("a", "b", "c", "elsewhere"),
    // a namespace's name label is its name, another name no owned namespace has, or absent
    named: fc.constantFrom("own", "other", "none"),
    labels: fc.dictionary(fc.constantFrom("app", "tier", "team"), fc.constantFrom(...VALUES), { maxKeys: 3 }),
  })
  .map(({ name, named, labels }) => ({
    name,
    labels: { ...labels, ...(named === "own" ? { [NAME]: name } : named === "other" ? { [NAME]: "a" } : {}) },
  }));

const podArbitrary = (namespaces: string[]) =>
  fc.record({
    namespace: fc.constantFrom(...namespaces),
    labels: fc.dictionary(fc.constantFrom("app", "tier", "team"), fc.constantFrom(...VALUES), { maxKeys: 3 }),
  });

const keyCase = fc
  .record({
    allow: fc.record({ namespaces: conjunction, pods: conjunction }),
    denies: fc.array(denyTerm, { maxLength: 2 }),
    style: fc.nat(8),
    ownPeer: fc.boolean(),
    omitPods: fc.boolean(),
    mutate: fc.option(fc.nat(15), { nil: undefined }),
    odd: oddSelector,
    other: conjunction,
    namespaces: fc.uniqueArray(namespaceArbitrary, { selector: (n) => n.name, maxLength: 3 }),
  })
  .chain((c) => {
    const names = [OWN, ...c.namespaces.map((n) => n.name)];
    return fc.tuple(fc.constant(c), fc.array(podArbitrary(names), { minLength: 20, maxLength: 40 }));
  });

test("equal keys: an allow term less its cut namespaces and an emitted peer hold the same pods, by the meaning and by the evaluator", () => {
  let equal = 0;
  let cut = 0;
  let none = 0;
  fc.assert(
    fc.property(keyCase, ([c, pods]) => {
      const namespaces: Namespace[] = [{ name: OWN, labels: OWN_LABELS }, ...c.namespaces];
      const keys = symbolicKeys((n) => (n === OWN ? OWN_LABELS : undefined));
      const labelsOf = (n: string) => namespaces.find((x) => x.name === n)?.labels ?? {};
      // the peer: the allow's namespaces less the denies' (by the label algebra, as compile subtracts), as written
      const left = subtract(
        [c.allow.namespaces],
        c.denies.filter((d) => d.pods.length === 0).map((d) => d.namespaces),
      );
      const peer: Json = {};
      const ns = left[0] ?? c.other;
      // the policy's own namespace, written as compile does: no namespaceSelector
      const own = ns.length === 1 && ns[0][0] === NAME && soleValue(ns[0][1]) === OWN;
      if (!(c.ownPeer && own)) peer.namespaceSelector = selectorFor(ns, c.style);
      if (!(c.omitPods && c.allow.pods.length === 0)) peer.podSelector = selectorFor(c.allow.pods, c.style + 1);
      if (c.mutate !== undefined) mutatePeer(peer, c.mutate, c.odd, c.other);
      const termKey = keys.term(c.allow, c.denies);
      const peerKey = keys.peer(peer, OWN);
      const meant = (pod: { namespace: string; labels: Record<string, string> }) => {
        const endpoint = { pod: { ...pod, ports: [] } };
        const allow = { pods: [c.allow], ips: [] };
        return (
          inEndpointSet(allow, endpoint, labelsOf) &&
          !c.denies.some((d) => inEndpointSet({ pods: [d], ips: [] }, endpoint, labelsOf))
        );
      };
      if (termKey === 0) {
        none++;
        for (const pod of pods) assert.is(meant(pod), false, `cut to nothing, yet holds ${JSON.stringify(pod)}`);
      }
      if (termKey <= 0 || termKey !== peerKey) return;
      equal++;
      if (c.denies.length > 0) cut++;
      const policy = {
        kind: "NetworkPolicy",
        metadata: { name: "p", namespace: OWN },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [peer] }] },
      };
      const universe = { namespaces, pods: [] as Pod[] };
      const subject: Pod = { name: "subject", namespace: OWN, labels: {}, ips: [], ports: [] };
      for (const pod of pods) {
        const src: Pod = { name: "peer", ...pod, ips: [], ports: [] };
        const admitted = isFlowAllowed(
          [policy],
          universe,
          { src: { pod: src }, dst: { pod: subject }, protocol: "TCP", port: 80 },
          { ipBlockMatchesPodIPs: false },
        );
        assert.is(
          admitted,
          meant(pod),
          `${JSON.stringify(pod)} in ${JSON.stringify(labelsOf(pod.namespace))}: term ${JSON.stringify(c.allow)} less ${JSON.stringify(c.denies)}, peer ${JSON.stringify(peer)}`,
        );
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(
    equal >= 800 && cut >= 150 && none >= 20,
    `${equal} equal keys, ${cut} of them cut by denies, ${none} cut to nothing`,
  );
  console.log(`  symbolic keys: ${equal} equal, ${cut} of them cut by denies, ${none} cut to nothing`);
});

const range = fc
  .tuple(fc.integer({ min: -2, max: 70000 }), fc.integer({ min: 0, max: 400 }))
  .map(([from, width]): PortRange => ({ from, to: from + width }));
const smallRange = fc
  .tuple(fc.constantFrom(1, 79, 80, 443, 8000, 65535), fc.constantFrom(0, 1, 80))
  .map(([from, width]): PortRange => ({ from, to: Math.min(from + width, 65535) }));

const portEntry: fc.Arbitrary<Json> = fc.record(
  {
    protocol: fc.constantFrom("TCP", "UDP", "SCTP", "ICMP", null),
    port: fc.oneof(
      fc.integer({ min: -1, max: 65536 }),
      fc.constantFrom(-1, 0, 1, 2, 80, 443, 65535, 65537, 80.5, "http"),
    ),
    endPort: fc.oneof(fc.integer({ min: 0, max: 65536 }), fc.constantFrom(-1, 64, 81, 444, 65535, 65536, 65600, null)),
  },
  { requiredKeys: [] },
);

/** A clause's ports as compile writes them (one entry per range, every port of a protocol as the protocol alone). */
const entriesOf = (ranges: Readonly<Record<string, readonly PortRange[]>>): Json[] =>
  protocols.flatMap((protocol) =>
    ranges[protocol].map((r) =>
      r.from === 1 && r.to === 65535
        ? { protocol }
        : r.from === r.to
          ? { protocol, port: r.from }
          : { protocol, port: r.from, endPort: r.to },
    ),
  );

test("port ids: a clause's and an emitted rule's ports mean, by their id, the ports each evaluator admits", () => {
  let matched = 0;
  const shared = symbolicKeys(() => undefined);
  fc.assert(
    fc.property(
      fc.record({
        TCP: fc.array(smallRange, { maxLength: 3 }),
        UDP: fc.array(smallRange, { maxLength: 2 }),
        SCTP: fc.array(smallRange, { maxLength: 1 }),
      }),
      fc.option(fc.array(portEntry, { maxLength: 4 }), { nil: undefined }),
      fc.array(range, { maxLength: 2 }),
      fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 5, maxLength: 10 }),
      (clauseRanges, entries, extra, probes) => {
        const keys = symbolicKeys(() => undefined);
        const clause = portSet(clauseRanges);
        const written = entriesOf(clause.numeric);
        const ports = [...probes, 1, 65535];
        // (the rule's own bounds too: each entry's, read by `rulePorts` alone or among others)
        const bounds = (entries ?? [])
          .filter((e) => typeof e.port === "number")
          .map((e) => ({ from: e.port, to: typeof e.endPort === "number" ? e.endPort : e.port }));
        for (const r of [...Object.values(clauseRanges).flat(), ...extra, ...bounds])
          for (const p of [r.from - 1, r.from, r.to, r.to + 1]) if (p >= 1 && p <= 65535) ports.push(p);
        const clauseId = keys.clausePorts(clause);
        // an entry read alone (most rules have one: looked up by its numbers) is read as among others,
        // after every entry of the runs before (read by one verification)
        for (const e of entries ?? []) assert.is(shared.rulePorts([e]), shared.rulePorts([e, e]), JSON.stringify(e));
        const ruleIds = [
          keys.rulePorts(written),
          keys.rulePorts(entries),
          keys.rulePorts([...written, ...(entries ?? [])]),
        ];
        // (no port: compile writes no rule; `ports: []` is every port)
        if (written.length > 0) assert.is(ruleIds[0], clauseId, "the clause's ports as written are its ports");
        if (ruleIds[1] >= 0) matched++;
        const admits = (rulePorts: Json[] | undefined, protocol: (typeof protocols)[number], port: number) =>
          isFlowAllowed(
            [
              {
                kind: "NetworkPolicy",
                metadata: { name: "p", namespace: OWN },
                spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: rulePorts }] },
              },
            ],
            { namespaces: [], pods: [] },
            {
              src: { ip: "8.8.8.8" },
              dst: { pod: { name: "d", namespace: OWN, labels: {}, ips: [], ports: [] } },
              protocol,
              port,
            },
            { ipBlockMatchesPodIPs: false },
          );
        for (const protocol of protocols)
          for (const port of ports) {
            const meant = portSetContains(clause, protocol, port, undefined);
            assert.is(portSetContains(keys.portSet(clauseId), protocol, port, undefined), meant, `${protocol}/${port}`);
            for (const [i, rule] of [written, entries, [...written, ...(entries ?? [])]].entries()) {
              if (ruleIds[i] < 0) continue;
              assert.is(
                portSetContains(keys.portSet(ruleIds[i]), protocol, port, undefined),
                admits(rule, protocol, port),
                `${JSON.stringify(rule)} on ${protocol}/${port}`,
              );
            }
          }
      },
    ),
    { numRuns: 1500 },
  );
  assert.ok(matched >= 300, `${matched} random rules read`);
});

/** Changes to the emitted policies, each one the proof must notice or leave to the enumeration. */
type Mutation = (policies: Json[], pick: number) => void;
const nth = <T>(items: T[], pick: number): T | undefined =>
  items.length === 0 ? undefined : items[pick % items.length];
const rules = (ps: Json[]): Json[] => ps.flatMap((p) => [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]);
const peers = (ps: Json[]): Json[] => rules(ps).flatMap((r) => r.from ?? r.to ?? []);
const selectors = (ps: Json[]): Json[] =>
  peers(ps)
    .flatMap((p) => [p.podSelector, p.namespaceSelector])
    .filter((s) => s?.matchLabels && Object.keys(s.matchLabels).length > 0);
const brokenOutputs: Record<string, Mutation> = {
  none: () => {},
  "drop a peer": (ps, k) => {
    const r = nth(
      rules(ps).filter((x) => (x.from ?? x.to)?.length > 0),
      k,
    );
    if (r) (r.from ?? r.to).splice(k % (r.from ?? r.to).length, 1);
  },
  "copy a peer to another rule": (ps, k) => {
    const r = nth(
      rules(ps).filter((x) => x.from ?? x.to),
      k,
    );
    const p = nth(peers(ps), k >> 3);
    if (r && p) (r.from ?? r.to).push(structuredClone(p));
  },
  "change a label value": (ps, k) => {
    const s = nth(selectors(ps), k);
    if (s) s.matchLabels[Object.keys(s.matchLabels)[0]] += "-x";
  },
  "write a label as In": (ps, k) => {
    const s = nth(selectors(ps), k);
    if (!s) return;
    const key = Object.keys(s.matchLabels)[0];
    s.matchExpressions = [...(s.matchExpressions ?? []), { key, operator: "In", values: [s.matchLabels[key]] }];
    delete s.matchLabels[key];
  },
  "drop a namespaceSelector": (ps, k) => {
    const p = nth(
      peers(ps).filter((x) => x.namespaceSelector),
      k,
    );
    if (p) delete p.namespaceSelector;
  },
  "shift a port": (ps, k) => {
    const e = nth(
      rules(ps)
        .flatMap((r) => r.ports ?? [])
        .filter((x) => typeof x.port === "number"),
      k,
    );
    if (e) e.port += 1;
  },
  "widen a port to a range": (ps, k) => {
    const e = nth(
      rules(ps)
        .flatMap((r) => r.ports ?? [])
        .filter((x) => typeof x.port === "number"),
      k,
    );
    if (e) e.endPort = e.port + 10;
  },
  "every port": (ps, k) => {
    const r = nth(
      rules(ps).filter((x) => x.ports),
      k,
    );
    if (r) r.ports = k % 2 === 0 ? [] : undefined;
  },
  "add an ipBlock": (ps, k) => {
    const r = nth(
      rules(ps).filter((x) => x.from ?? x.to),
      k,
    );
    if (r) (r.from ?? r.to).push({ ipBlock: { cidr: k % 2 === 0 ? "10.244.0.0/24" : "8.8.8.0/24" } });
  },
  "drop the peers of a rule": (ps, k) => {
    const r = nth(
      rules(ps).filter((x) => x.from ?? x.to),
      k,
    );
    if (r) delete r[r.from ? "from" : "to"];
  },
  "add a rule without peers": (ps, k) => {
    const p = nth(ps, k);
    const direction = p?.spec.ingress ? "ingress" : "egress";
    if (p) (p.spec[direction] ??= []).push(k % 2 === 0 ? {} : { ports: [{ protocol: "TCP", port: 9000 }] });
  },
  "drop a policy": (ps, k) => {
    if (ps.length > 0) ps.splice(k % ps.length, 1);
  },
  "drop a policy type": (ps, k) => {
    const p = nth(
      ps.filter((x) => x.spec.policyTypes?.length),
      k,
    );
    if (p) p.spec.policyTypes.splice(k % p.spec.policyTypes.length, 1);
  },
  "an unknown operator": (ps, k) => {
    const p = nth(
      peers(ps).filter((x) => !x.ipBlock),
      k,
    );
    if (p) p.podSelector = { ...p.podSelector, matchExpressions: [{ key: "app", operator: "Equals", values: ["w1"] }] };
  },
};

test("generated programs and broken outputs: verification with the symbolic proof finds what it finds without it", () => {
  let proven = 0;
  let enumerated = 0;
  let podsProven = 0;
  let caught = 0;
  let cases = 0;
  fc.assert(
    fc.property(
      programArbitrary(true),
      fc.constantFrom(...Object.keys(brokenOutputs)),
      fc.nat(),
      (program, mutation, pick) => {
        const policies = policiesOf(program.text) as Json[] | undefined;
        if (!policies) return;
        const model = checkModel([{ path: "p.secpol", text: program.text }]).model!;
        brokenOutputs[mutation](policies, pick);
        const symbolic = verifyNetworkPolicies(model, policies);
        const plain = verifyNetworkPolicies(model, policies, undefined, { symbolic: false });
        cases++;
        proven += symbolic.sides!.proven;
        enumerated += symbolic.sides!.enumerated;
        podsProven += symbolic.sides!.podsProven;
        if (plain.counterexample) caught++;
        assert.is(
          symbolic.counterexample !== undefined,
          plain.counterexample !== undefined,
          `"${mutation}": with the proof ${symbolic.counterexample?.description ?? "nothing"}, without ${plain.counterexample?.description ?? "nothing"}\n${program.text}`,
        );
        // and the same counterexample: where the proof does not apply, sides are enumerated alike
        assert.is(symbolic.counterexample?.description, plain.counterexample?.description);
        // a proven side is exact: it adds nothing checked on representatives only
        assert.ok((symbolic.partial ?? 0) <= (plain.partial ?? 0));
      },
    ),
    { numRuns: 600 },
  );
  assert.ok(
    cases >= 250 && proven >= 1000 && enumerated >= 300 && podsProven >= 10 && caught >= 100,
    JSON.stringify({ cases, proven, enumerated, podsProven, caught }),
  );
  console.log(
    `  symbolic sides: ${proven} proven, ${enumerated} enumerated (${podsProven} of them for their addresses only) in ${cases} cases, ${caught} broken outputs caught`,
  );
});

// The output of a program one rule apart: a rule's ports united with another's on the same peer, a
// deny's ports, an allow of addresses, a deny, a rule admitting every peer. Each is a side whose pods' map
// a careless proof would find equal.
test("port ids: a clause's one range and a rule's one entry, looked up by their numbers in one verification, are read as in full", () => {
  const keys = symbolicKeys(() => undefined);
  const set = (ranges: Record<string, PortRange[]>) =>
    ({ numeric: { TCP: [], UDP: [], SCTP: [], ...ranges }, named: [] }) as unknown as Parameters<
      typeof keys.clausePorts
    >[0];
  // bounds next to each other, reversed, out of range (whose numbers would run into another
  // protocol's or bound's if taken), each protocol in turn, asked of one verification twice
  const bounds = [
    [80, 80],
    [80, 81],
    [79, 80],
    [81, 80],
    [65535, 80],
    [65536, 80],
    [0, 80],
    [-1, 80],
    [80, 65535],
    [80, 65536],
    [81, 0],
    [81, -1],
    [1, 1],
    [65535, 65535],
  ];
  for (const round of ["", ", again"])
    for (const protocol of protocols)
      for (const [from, to] of bounds) {
        const what = `${protocol} ${from}-${to}${round}`;
        const id = keys.clausePorts(set({ [protocol]: [{ from, to }] }));
        // the same range twice is read in full (`portsOf`), not looked up
        assert.is(
          id,
          keys.clausePorts(
            set({
              [protocol]: [
                { from, to },
                { from, to },
              ],
            }),
          ),
          what,
        );
        const entry = { protocol, port: from, endPort: to };
        assert.is(keys.rulePorts([entry]), id, what);
        assert.is(keys.rulePorts([entry, entry]), id, what);
      }
});

test("a side of many terms: each is compared, whatever the number", () => {
  // w receives from 24 workloads (past the keys a side searches in order before indexing them)
  const sources = Array.from({ length: 24 }, (_, i) => `s${i}`);
  const program = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16 }",
    `namespace a { default deny; workload w app=w; workload z app=z; ${sources.map((s) => `workload ${s} app=${s}`).join("; ")} }`,
    ...sources.map((s, i) => `allow a/${s} -> a/w: ${i < 20 ? 80 : 443}`),
    "",
  ].join("\n");
  const model = checkModel([{ path: "p.secpol", text: program }]).model!;
  const right = policiesOf(program) as Json[];
  const proven = verifyNetworkPolicies(model, right);
  assert.is(proven.counterexample, undefined);
  assert.is(proven.sides!.enumerated, 0, "every side proven");
  const peersOf = (policies: Json[]) =>
    policies.find((p) => p.metadata.name === "secpol-w")!.spec.ingress.flatMap((r: Json) => r.from);
  for (const at of [0, 15, 16, 17, 23]) {
    for (const change of ["label", "port"]) {
      const wrong = structuredClone(right);
      const peer = peersOf(wrong).find((p: Json) => p.podSelector.matchLabels.app === sources[at]);
      if (change === "label") peer.podSelector = { matchLabels: { app: "z" } };
      else {
        // the peer moved to a rule of the other port
        const rules = wrong.find((p) => p.metadata.name === "secpol-w")!.spec.ingress;
        const from = rules.find((r: Json) => r.from.includes(peer));
        from.from = from.from.filter((p: Json) => p !== peer);
        rules.find((r: Json) => r !== from).from.push(peer);
      }
      for (const symbolic of [true, false])
        assert.ok(
          verifyNetworkPolicies(model, wrong, undefined, { symbolic }).counterexample,
          `${sources[at]} ${change}`,
        );
    }
  }
});

/**
 * Each case's program (`head` and its first text) verifies, its result as `expected` says, and its
 * output written from the second text (then changed) is caught, with the proof and without it.
 */
function caughtApart(
  head: string,
  cases: readonly [string, string, ((policies: Json[]) => void)?][],
  expected: (verified: ReturnType<typeof verifyNetworkPolicies>) => boolean,
): void {
  for (const [meant, written, change] of cases) {
    const model = checkModel([{ path: "p.secpol", text: `${head}${meant}\n` }]).model!;
    const right = policiesOf(`${head}${meant}\n`) as Json[];
    const wrong = policiesOf(`${head}${written}\n`) as Json[];
    change?.(wrong);
    const verified = verifyNetworkPolicies(model, right);
    assert.is(verified.counterexample, undefined, meant);
    assert.ok(expected(verified), meant);
    for (const symbolic of [true, false])
      assert.ok(
        verifyNetworkPolicies(model, wrong, undefined, { symbolic }).counterexample,
        `${meant} written as ${written}${change ? ", changed" : ""}`,
      );
  }
}

test("the output of a program one rule apart is caught, with the proof as without it", () => {
  // namespace a is a team's: the allows from ns(team=x) hold its pods too
  const head = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16 }",
    "namespace a { labels team=x; default deny; workload w app=w; workload v app=v; workload u app=u }",
    "",
  ].join("\n");
  const twoAllows = "allow ns(team=x) -> a/w: 80\nallow ns(team=x) -> a/v: 80";
  const cases: [string, string, ((policies: Json[]) => void)?][] = [
    ["allow a/v -> a/w: 80\nallow a/v -> a/w: 443", "allow a/v -> a/w: 80"],
    [
      "allow ns(team=x) -> a/w: 80, 443\ndeny ns(env=prod) -> a/w: 80",
      "allow ns(team=x) -> a/w: 80, 443\ndeny ns(env=prod) -> a/w",
    ],
    ["allow a/v -> a/w: 80\nallow world -> a/w: 80", "allow a/v -> a/w: 80"],
    ["allow ns(team=x) -> a/w: 80\ndeny ns(env=prod) -> a/w", "allow ns(team=x) -> a/w: 80"],
    [
      "allow a/v -> a/w: 80",
      "allow a/v -> a/w: 80",
      (policies) =>
        policies
          .find((p) => p.metadata.name === "secpol-w")!
          .spec.ingress.push({ ports: [{ protocol: "TCP", port: 9000 }] }),
    ],
    // what the proof keeps per clause is kept per direction: the clause's ingress side (w's, met
    // first) reads its sources, its egress side (v's) its destinations
    [
      "allow a/v -> a/w: 80",
      "allow a/v -> a/w: 80",
      (policies) => {
        const to = policies.find((p) => p.metadata.name === "secpol-v")!.spec.egress[0].to[0];
        to.podSelector = { matchLabels: { app: "v" } };
      },
    ],
    // an allow is no deny, whatever the proof keeps of its clause (as one, it would cut its own
    // namespaces: w's ingress, written without the allow, would be proven)
    [
      "allow ns(team=x) -> a/w",
      "allow ns(team=x) -> a/w",
      (policies) => {
        policies.find((p) => p.metadata.name === "secpol-w")!.spec.ingress = [];
      },
    ],
    // a side's rules are its own policies' (the list is reused from side to side): u's ingress,
    // isolated without rules, is checked right after w's, whose rule would prove it
    [
      "allow a/v -> a/w: 80\nallow a/v -> a/u: 80",
      "allow a/v -> a/w: 80\nallow a/v -> a/u: 80",
      (policies) => {
        policies.find((p) => p.metadata.name === "secpol-u")!.spec.ingress = [];
      },
    ],
    // every deny of a side cuts, the first and the later ones, each side by its own list
    [
      "allow ns(team=x) -> a/w: 80\ndeny ns(env=prod) -> a/w\ndeny ns(env=dev) -> a/w",
      "allow ns(team=x) -> a/w: 80\ndeny ns(env=prod) -> a/w",
    ],
    [
      "allow ns(team=x) -> a/w: 80\ndeny ns(env=prod) -> a/w\ndeny ns(env=dev) -> a/w",
      "allow ns(team=x) -> a/w: 80\ndeny ns(env=dev) -> a/w",
    ],
    // (one side's list written as the other's: whichever side is met first)
    [
      `${twoAllows}\ndeny ns(env=prod) -> a/w\ndeny ns(env=prod) -> a/v\ndeny ns(env=dev) -> a/w\ndeny ns(env=test) -> a/v`,
      `${twoAllows}\ndeny ns(env=prod) -> a/w\ndeny ns(env=prod) -> a/v\ndeny ns(env=dev) -> a/w\ndeny ns(env=dev) -> a/v`,
    ],
    [
      `${twoAllows}\ndeny ns(env=prod) -> a/w\ndeny ns(env=prod) -> a/v\ndeny ns(env=dev) -> a/w\ndeny ns(env=test) -> a/v`,
      `${twoAllows}\ndeny ns(env=prod) -> a/w\ndeny ns(env=prod) -> a/v\ndeny ns(env=test) -> a/w\ndeny ns(env=test) -> a/v`,
    ],
  ];
  caughtApart(head, cases, (proven) => proven.sides!.proven > 0);
});

test("a deny's cuts are kept per clause and direction: its egress side's are not its ingress side's", () => {
  // `deny a/* -> b/*` holds a/w's egress (met first: cutting namespace b off its destinations) and
  // b/w's ingress (cutting namespace a off its sources); b/w's policy written as if the deny cut b,
  // admitting a/w, is caught (with a's cuts on b's side it would be proven)
  const head = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16 }",
    "namespace a { default deny; workload w app=w }",
    "namespace b { default deny; workload w app=w }",
    "namespace c { default deny; workload w app=w }",
    "",
  ].join("\n");
  const meant = "allow a/w -> b/w: 80\nallow a/w -> c/w: 80\nallow c/w -> b/w: 80\ndeny a/* -> b/*";
  const inB = (p: Json) => p.metadata.name === "secpol-w" && p.metadata.namespace === "b";
  caughtApart(
    head,
    [
      [
        meant,
        meant.replace("\ndeny a/* -> b/*", ""),
        (policies) => {
          // every policy as meant but b/w's, which admits a/w too
          const right = policiesOf(`${head}${meant}\n`) as Json[];
          for (let i = 0; i < policies.length; i++)
            if (!inB(policies[i]))
              policies[i] = right.find(
                (p) =>
                  p.metadata.name === policies[i].metadata.name &&
                  p.metadata.namespace === policies[i].metadata.namespace,
              )!;
        },
      ],
    ],
    (verified) => verified.sides!.enumerated === 0,
  );
});

test("a peer without a namespaceSelector is read in its policy's namespace, also as an object shared with another's", () => {
  // the compiler uses one peer object in every rule naming its term; a peer without a
  // namespaceSelector is in its policy's namespace: a/w's peer `app=v` (a/v), put in b/w's policy
  // too, holds b/v there, not a/v (a proof keeping a peer's key per object alone, as tried in issue
  // 20's round 23, would prove b/w's side with a's key)
  const head = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16 }",
    "namespace a { default deny; workload w app=w; workload v app=v }",
    "namespace b { default deny; workload w app=w; workload v app=v }",
    "",
  ].join("\n");
  const meant = "allow a/v -> a/w: 80\nallow a/v -> b/w: 80";
  const policy = (policies: Json[], namespace: string) =>
    policies.find((p) => p.metadata.name === "secpol-w" && p.metadata.namespace === namespace)!;
  caughtApart(
    head,
    [
      [
        meant,
        meant,
        (policies) => {
          policy(policies, "b").spec.ingress[0].from[0] = policy(policies, "a").spec.ingress[0].from[0];
        },
      ],
    ],
    (verified) => verified.sides!.enumerated === 0,
  );
});

test("sides left their addresses only are enumerated once per case of addresses, and only where alike", () => {
  // a/w's and b/w's egress: pods proven, addresses enumerated; b/w's written from another case of
  // addresses (its rules' or its clauses') is caught, not taken as a/w's
  const head = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16 }",
    "namespace a { default deny; workload w app=w; workload v app=v }",
    "namespace b { default deny; workload w app=w; workload v app=v }",
    "allow a/w -> a/v: 80",
    "allow b/w -> b/v: 80",
    "",
  ].join("\n");
  const a = "allow a/w -> world: 443\ndeny a/* -> cidr 169.254.169.254/32";
  // b/w's policy, copied first (emitted objects share their parts: a/w's would change too)
  const ownPolicy = (policies: Json[]): Json => {
    const at = policies.findIndex((p) => p.metadata.name === "secpol-w" && p.metadata.namespace === "b");
    return (policies[at] = structuredClone(policies[at]));
  };
  const cases: [string, string, ((policies: Json[]) => void)?][] = [
    // the rules' blocks (the metadata address admitted; the pods' range still left out)
    [
      `${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.254/32`,
      `${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.254/32`,
      (policies) => {
        for (const rule of ownPolicy(policies).spec.egress)
          for (const peer of rule.to)
            if (peer.ipBlock?.except)
              peer.ipBlock.except = peer.ipBlock.except.filter((e: string) => !e.startsWith("169"));
      },
    ],
    // the rules' ports
    [
      `${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.254/32`,
      `${a}\nallow b/w -> world: 8443\ndeny b/* -> cidr 169.254.169.254/32`,
    ],
    // the clauses' blocks: b's written with a's deny
    [
      `${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.253/32`,
      `${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.254/32`,
    ],
    // the clauses' ports: b's written with a's
    [
      `${a}\nallow b/w -> world: 80\ndeny b/* -> cidr 169.254.169.254/32`,
      `${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.254/32`,
    ],
    // where an ipBlock holds pod addresses the pods are enumerated too, each side's: a/w's admits
    // every pod on 443, b/w's only b's (the pods' range dropped from every ipBlock's except)
    [
      "allow a/w -> world: 443\nallow a/w -> cluster: 443\nallow b/w -> world: 443\nallow b/w -> b/*: 443",
      "allow a/w -> world: 443\nallow a/w -> cluster: 443\nallow b/w -> world: 443\nallow b/w -> b/*: 443",
      (policies) => {
        for (const p of policies)
          for (const rule of p.spec.egress ?? [])
            for (const peer of rule.to ?? [])
              if (peer.ipBlock?.except)
                peer.ipBlock = {
                  ...peer.ipBlock,
                  except: peer.ipBlock.except.filter((e: string) => e !== "10.244.0.0/16"),
                };
      },
    ],
  ];
  caughtApart(head, cases, (verified) => verified.sides!.podsProven >= 2);
  // alike sides: the second is not enumerated (its verdicts are the first's)
  const alike = `${head}${a}\nallow b/w -> world: 443\ndeny b/* -> cidr 169.254.169.254/32\n`;
  const model = checkModel([{ path: "p.secpol", text: alike }]).model!;
  const policies = policiesOf(alike) as Json[];
  const once = verifyNetworkPolicies(model, policies);
  const apart = verifyNetworkPolicies(
    checkModel([{ path: "p.secpol", text: `${head}${a}\n` }]).model!,
    policiesOf(`${head}${a}\n`) as Json[],
  );
  assert.equal(once.sides, { ...once.sides!, podsProven: 2, enumerated: 2 });
  assert.is(once.checks, apart.checks);
});

test("an emitted selector's exactness is its object's, not its content's: read apart from an exact one of the same labels, each once and again", () => {
  const exact = (): Json => ({ matchLabels: { app: "a" } });
  // an operator `selectorConjunction` drops: the same conjunction, so the same facts, but not exact
  const inexact = (): Json => ({
    matchLabels: { app: "a" },
    matchExpressions: [{ key: "tier", operator: "Bogus", values: ["x"] }],
  });
  for (const order of [
    [exact, inexact],
    [inexact, exact],
  ])
    for (const field of ["podSelector", "namespaceSelector"]) {
      const keys = symbolicKeys((n) => (n === OWN ? OWN_LABELS : undefined));
      // (objects shared between peers, as compile shares them, and new ones)
      const shared = order.map((make) => make());
      for (const round of [0, 1, 2])
        order.forEach((make, i) => {
          const selector = round === 2 ? make() : shared[i];
          const peer: Json = { [field]: selector };
          if (field === "namespaceSelector") peer.podSelector = {};
          const key = keys.peer(peer, OWN);
          if (make === exact) assert.ok(key > 0, `${field} ${JSON.stringify(selector)}, round ${round}: ${key}`);
          else assert.is(key, -1, `${field} ${JSON.stringify(selector)}, round ${round}`);
        });
    }
});

test("subjects by their labels: the policies selecting each and the groups holding it are those every test finds", () => {
  const labelMap = fc.dictionary(fc.constantFrom("app", "tier", "team"), fc.constantFrom(...VALUES), { maxKeys: 3 });
  // pod selectors as compile writes them and as it does not: absent, other values, an array, an
  // inherited key, expressions of every operator
  const podSelector: fc.Arbitrary<Json | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.constant({}),
    fc.tuple(conjunction, fc.nat(8)).map(([c, style]) => selectorFor(c, style)),
    oddSelector,
    labelMap.map((m) => ({ matchLabels: m })),
    fc.constant({ matchLabels: Object.create({ app: "a" }) }),
    fc.constant({ matchLabels: { app: "a", tier: 1 } }),
  );
  const policy = fc.oneof(
    { weight: 8, arbitrary: podSelector.map((s): Json => ({ spec: s === undefined ? {} : { podSelector: s } })) },
    { weight: 1, arbitrary: fc.constant<Json>({}) },
  );
  fc.assert(
    fc.property(
      fc.array(labelMap, { maxLength: 12 }),
      fc.array(policy, { maxLength: 8 }),
      fc.array(fc.array(conjunction, { maxLength: 3 }), { maxLength: 6 }),
      (maps, policies, groups) => {
        const subjects = maps.map((labels) => ({ pod: { labels } }));
        const index = new SubjectIndex(subjects);
        // asked twice: nothing is kept from one question to the next
        for (let round = 0; round < 2; round++) {
          // every policy asked of every subject (`selectorMatches` throws where it meets expressions that
          // are no list: then so does the index, which asks every subject its matchLabels admit)
          let expected: number[][] | undefined;
          try {
            expected = maps.map((labels) => {
              const places: number[] = [];
              for (let p = 0; p < policies.length; p++)
                if (selectorMatches(policies[p].spec?.podSelector, labels)) places.push(p);
              return places;
            });
          } catch {
            expected = undefined;
          }
          if (expected) assert.equal(index.selecting(policies), expected, `${JSON.stringify(maps)}, round ${round}`);
          else assert.throws(() => index.selecting(policies));
          const held = new Uint8Array(maps.length * groups.length);
          index.holding(groups, held);
          for (let i = 0; i < maps.length; i++)
            for (let g = 0; g < groups.length; g++)
              assert.is(
                held[i * groups.length + g],
                groups[g].some((c) => conjunctionMatches(c, maps[i])) ? 1 : 0,
                `${JSON.stringify(maps[i])} by ${JSON.stringify(groups[g])}, round ${round}`,
              );
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test("label ids: equal label maps, whatever the order of their keys, and only they share an id", () => {
  const labelMap = fc.dictionary(
    fc.constantFrom("a", "ab", "b", "", "c:1", "1"),
    fc.constantFrom("", "b", "bc", "c", "1:a"),
    {
      maxKeys: 4,
    },
  );
  fc.assert(
    fc.property(fc.array(labelMap, { minLength: 1, maxLength: 12 }), (maps) => {
      const ids = labelIds();
      // each map also with its keys in the reverse order
      const reversed = maps.map((m) => Object.fromEntries(Object.entries(m).reverse()));
      const got = [...maps, ...reversed].map((m) => ids(m));
      const all = [...maps, ...reversed];
      const text = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
      for (let i = 0; i < all.length; i++)
        for (let k = 0; k < all.length; k++)
          assert.is(got[i] === got[k], text(all[i]) === text(all[k]), `${text(all[i])} and ${text(all[k])}`);
    }),
    { numRuns: 500 },
  );
  // keys and values run together, and a key with no other
  const ids = labelIds();
  const apart: Record<string, string>[] = [
    {},
    { a: "" },
    { a: "bc" },
    { ab: "c" },
    { a: "b", c: "" },
    { a: "bc", "": "" },
    { "": "" },
  ];
  assert.is(new Set(apart.map(ids)).size, apart.length);
});

test.run();
