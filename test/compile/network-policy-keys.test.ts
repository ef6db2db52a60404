/**
 * The compiler's keys and orders, computed from fewer texts than they were (issue 20, helper
 * compile11): each is checked against the plain definition it stands for.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { checkModel } from "../../src/pipeline.js";
import { compileNetworkPolicies, normalizeTerms, peersKey } from "../../src/targets/network-policy/compile.js";
import {
  compareConjunctions,
  conjunctionOf,
  conjunctionSubset,
  labelsEqual,
  toLabelSelector,
  type Conjunction,
  type Requirement,
} from "../../src/semantics/labels.js";
import { termKey } from "../../src/semantics/endpoints.js";
import type { PodTerm } from "../../src/semantics/model.js";
import { formatCidr, simplifyBlocks, type IpBlock } from "../../src/semantics/ip.js";
import { cidr } from "../support/cidr.js";
import { stableHash, uniqueNameList, uniqueNames } from "../../src/output/names.js";

const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom("app", "tier", "env"),
    operator: fc.constantFrom("In" as const, "NotIn" as const),
    values: fc.subarray(["a", "b", "zz"], { minLength: 1 }),
  }),
  fc.record({
    key: fc.constantFrom("app", "tier", "env"),
    operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const),
  }),
);
const conjunction: fc.Arbitrary<Conjunction> = fc
  .array(requirement, { maxLength: 3 })
  .map((rs) => conjunctionOf(rs))
  .filter((c): c is Conjunction => c !== undefined);

/** What `compareConjunctions` is defined as: fewer key constraints first, then the JSON texts. */
const reference = (a: Conjunction, b: Conjunction): number => {
  const ka = JSON.stringify(a);
  const kb = JSON.stringify(b);
  return a.length - b.length || (ka < kb ? -1 : ka > kb ? 1 : 0);
};

test("compareConjunctions orders as by length and text, for the same object, equal copies and others", () => {
  fc.assert(
    fc.property(conjunction, conjunction, (a, b) => {
      const copy = JSON.parse(JSON.stringify(a)) as Conjunction;
      assert.is(Math.sign(compareConjunctions(a, b)), Math.sign(reference(a, b)));
      assert.is(Math.sign(compareConjunctions(b, a)), Math.sign(reference(b, a)));
      assert.is(compareConjunctions(a, a), 0);
      assert.is(compareConjunctions(a, copy), 0);
    }),
    { numRuns: 500 },
  );
});

const policiesOf = (text: string): { metadata: { name: string }; spec: Record<string, unknown> }[] =>
  build([{ path: "p.secpol", text }])
    .files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
    .filter((o) => o?.kind === "NetworkPolicy");

test("a namespace's policies are ordered by their selectors' number of labels before their texts", () => {
  // by text alone, `app=a,tier=b` (two labels) comes before `app=zz` (one)
  const { model } = checkModel([
    {
      path: "p.secpol",
      text: `
namespace shop {
  default deny ingress
  workload two app=a, tier=b
  workload one app=zz
}
allow shop/one -> shop/two: 80
allow shop/two -> shop/one: 81
`,
    },
  ]);
  const { manifests } = compileNetworkPolicies(model!);
  assert.equal(
    manifests.map((m) => (m.object as { metadata: { name: string } }).metadata.name),
    ["secpol-namespace", "secpol-one", "secpol-two"],
  );
});

test("rules whose peers differ only in an address block's excepts are not merged as equal peers", () => {
  const policies = policiesOf(`
cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }
namespace builds {
  default deny egress
  workload runner app=runner
}
allow builds/runner -> cidr 172.17.0.0/16 except 172.17.1.0/24: 80
allow builds/runner -> cidr 172.17.0.0/16 except 172.17.2.0/24: 443
`);
  const runner = policies.find((p) => p.metadata.name === "secpol-runner")!;
  const egress = runner.spec.egress as { to: unknown[]; ports: unknown[] }[];
  // the blocks are different peers: one rule each (merged by their ports, were their keys alike)
  const rules = egress.map((r) => JSON.stringify(r));
  assert.ok(
    rules.some((r) => r.includes("172.17.1.0/24") && r.includes("80") && !r.includes("443")),
    rules.join("\n"),
  );
  assert.ok(
    rules.some((r) => r.includes("172.17.2.0/24") && r.includes("443") && !r.includes(":80")),
    rules.join("\n"),
  );
});

test("a deny cuts an allow by its own peers and ports, and the piece left keeps the allow's ports", () => {
  // (the deny and the allow's piece are objects with their fields named, helper out12: each field checked)
  const policies = policiesOf(`
cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }
namespace shop {
  default deny
  workload web app=web
  workload api app=api
  workload db app=db
}
allow shop/web -> shop/api, shop/db: 80, 443
deny shop/web -> shop/api: 443
`);
  const rules = (name: string, direction: "ingress" | "egress") =>
    JSON.stringify(policies.find((p) => p.metadata.name === name)!.spec[direction]);
  // web's egress: api on 80 only, db on both; api's ingress: web on 80 only
  const egress = JSON.parse(rules("secpol-web", "egress")) as { to: unknown[]; ports: { port: number }[] }[];
  const toApi = egress.filter((r) => JSON.stringify(r.to).includes('"api"'));
  const toDb = egress.filter((r) => JSON.stringify(r.to).includes('"db"'));
  assert.equal(
    toApi.flatMap((r) => r.ports.map((p) => p.port)),
    [80],
    rules("secpol-web", "egress"),
  );
  assert.equal(
    toDb.flatMap((r) => r.ports.map((p) => p.port)).sort((a, b) => a - b),
    [80, 443],
    rules("secpol-web", "egress"),
  );
  const ingress = JSON.parse(rules("secpol-api", "ingress")) as { ports: { port: number }[] }[];
  assert.equal(
    ingress.flatMap((r) => r.ports.map((p) => p.port)),
    [80],
    rules("secpol-api", "ingress"),
  );
});

test("IPv4 addresses are written octet by octet, in order", () => {
  assert.is(formatCidr(cidr("192.168.7.0/24")), "192.168.7.0/24");
  assert.is(formatCidr(cidr("1.2.3.4/32")), "1.2.3.4/32");
  assert.is(formatCidr(cidr("255.0.254.1/32")), "255.0.254.1/32");
});

test("simplifyBlocks drops repeated blocks, keeping one", () => {
  const block = (text: string): IpBlock => ({ cidr: cidr(text), except: [] });
  const simplified = simplifyBlocks([block("10.0.0.0/8"), block("192.168.0.0/16"), block("10.0.0.0/8")]);
  assert.equal(simplified.map((b) => formatCidr(b.cidr)).sort(), ["10.0.0.0/8", "192.168.0.0/16"]);
});

test("uniqueNames keeps every item's base name and key", () => {
  const names = uniqueNames(
    ["a1", "a2", "b"],
    (s) => s.slice(0, 1),
    (s) => s,
  );
  assert.is(names.get("b"), "b");
  assert.is.not(names.get("a1"), names.get("a2"));
  assert.ok(names.get("a1")!.startsWith("a-") && names.get("a2")!.startsWith("a-"));
  // (compile20: only the clashing items' keys are asked for; each is hashed by its own)
  assert.is(names.get("a1"), `a-${stableHash("a1").slice(0, 6)}`);
  assert.is(names.get("a2"), `a-${stableHash("a2").slice(0, 6)}`);
  // whatever the order of the items
  const reversed = uniqueNames(
    ["b", "a2", "a1"],
    (s) => s.slice(0, 1),
    (s) => s,
  );
  assert.equal([...reversed].sort(), [...names].sort());
});

/**
 * What `normalizeTerms` is defined as: of terms with equal keys the last (at the first's place), then
 * those contained in no other (of two holding each other, the first), by namespaces and then pods
 * (`compareConjunctions`), stably.
 */
function normalizedReference(terms: PodTerm[]): PodTerm[] {
  const unique = [...new Map(terms.map((t) => [termKey(t), t])).values()];
  const inside = (t: PodTerm, u: PodTerm) =>
    conjunctionSubset(t.namespaces, u.namespaces) && conjunctionSubset(t.pods, u.pods);
  return unique
    .filter((t, i) => !unique.some((u, j) => j !== i && inside(t, u) && !(j > i && inside(u, t))))
    .sort((a, b) => compareConjunctions(a.namespaces, b.namespaces) || compareConjunctions(a.pods, b.pods));
}

test("normalizeTerms: two terms (its shortcut) and more, as its definition, to the objects", () => {
  const term = fc.record({ namespaces: conjunction, pods: conjunction });
  let equalKeys = 0;
  let contained = 0;
  fc.assert(
    fc.property(fc.array(term, { minLength: 2, maxLength: 4 }), fc.nat(2), (list, how) => {
      // a copy (equal keys, another object: the later one is kept), the same object, or others
      const terms =
        how === 0 ? [list[0], structuredClone(list[0]), ...list.slice(2)] : how === 1 ? [list[0], list[0]] : list;
      const expected = normalizedReference(terms);
      if (termKey(terms[0]) === termKey(terms[1])) equalKeys++;
      if (expected.length < terms.length) contained++;
      const got = normalizeTerms(terms);
      assert.is(got.length, expected.length, JSON.stringify(terms));
      for (let i = 0; i < got.length; i++) assert.ok(got[i] === expected[i], JSON.stringify(terms));
    }),
    { numRuns: 3000 },
  );
  assert.ok(equalKeys > 500 && contained > 1000);
  // two texts of one set (a key that allows anything, written out): each holds the other, and the
  // set is every pod, so one of them stays (the first, as `simplify` keeps), with two terms or more
  const free = [["app", { absentOk: true, values: { kind: "except", values: [] } }]] as unknown as Conjunction;
  const both = [
    { namespaces: [], pods: free },
    { namespaces: [], pods: [] },
  ];
  assert.equal(normalizedReference(both), [both[0]]);
  assert.ok(normalizeTerms(both)[0] === both[0] && normalizeTerms(both).length === 1);
  const three = [...both, { namespaces: free, pods: labelsEqual("app", "x") }];
  assert.ok(normalizeTerms(three)[0] === both[0] && normalizeTerms(three).length === 1);
});

/** Every key of a NetworkPolicy's spec, rules and peers, with the orders each object's keys may take. */
const SHAPES: Record<string, readonly (readonly string[])[]> = {
  spec: [["podSelector", "policyTypes", "ingress", "egress"]],
  rule: [
    ["from", "ports"],
    ["to", "ports"],
  ],
  peer: [["namespaceSelector", "podSelector"], ["podSelector"], ["ipBlock"]],
};

/** Whether the keys are some of one of the orders, in it, and no value is undefined. */
const shaped = (o: Record<string, unknown>, orders: readonly (readonly string[])[]): boolean =>
  Object.values(o).every((v) => v !== undefined) &&
  orders.some((order) => {
    let at = -1;
    return Object.keys(o).every((k) => (at = order.indexOf(k, at + 1)) >= 0);
  });

test("a NetworkPolicy's objects, each made with its keys at once, have them in the written order", () => {
  const { model } = checkModel([
    {
      path: "p.secpol",
      text: `
cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }
namespace shop {
  default deny ingress
  default deny egress
  workload web app=web port http 8080
  workload api app=api
  workload idle app=idle
}
namespace ops { labels team=ops }
namespace quiet {
  default deny ingress
  workload q app=q
}
namespace out {
  default deny egress
  workload o app=o
}
allow out/o -> cidr 10.2.0.0/16: 53
allow ns(team=ops) -> shop/web: http
allow pods(app=probe) in ns(team=ops) -> shop/web
allow shop/web -> shop/api: 9000
allow shop/api -> cidr 172.17.0.0/16 except 172.17.1.0/24
allow shop/api -> cidr 10.1.0.0/16: 443
allow shop/web -> shop/*
`,
    },
  ]);
  const { manifests, diagnostics } = compileNetworkPolicies(model!);
  assert.equal(diagnostics, []);
  const seen = new Set<string>();
  for (const m of manifests) {
    const spec = m.object.spec as Record<string, unknown>;
    assert.ok(shaped(spec, SHAPES.spec), JSON.stringify(Object.keys(spec)));
    seen.add(`spec ${Object.keys(spec).join(",")}`);
    for (const direction of ["ingress", "egress"])
      for (const rule of (spec[direction] ?? []) as Record<string, unknown>[]) {
        assert.ok(shaped(rule, SHAPES.rule), JSON.stringify(Object.keys(rule)));
        seen.add(`rule ${Object.keys(rule).join(",")}`);
        for (const peer of (rule.from ?? rule.to ?? []) as Record<string, unknown>[]) {
          assert.ok(shaped(peer, SHAPES.peer), JSON.stringify(Object.keys(peer)));
          seen.add(`peer ${Object.keys(peer).join(",")}`);
        }
      }
  }
  // the program makes each shape the compiler writes
  for (const shape of [
    "spec podSelector,policyTypes",
    "spec podSelector,policyTypes,ingress",
    "spec podSelector,policyTypes,egress",
    "spec podSelector,policyTypes,ingress,egress",
    "rule from,ports",
    "rule from",
    "rule to,ports",
    "rule to",
    "peer namespaceSelector,podSelector",
    "peer namespaceSelector",
    "peer podSelector",
    "peer ipBlock",
  ])
    assert.ok(seen.has(shape), `${shape} in ${[...seen].join("; ")}`);
});

/** `uniqueNames` as it is defined (compile20's code): a count per base name, then the clashing ones hashed in key order. */
function uniqueNamesReference<T>(items: readonly T[], base: (t: T) => string, key: (t: T) => string): Map<T, string> {
  const bases = items.map(base);
  const counts = new Map<string, number>();
  for (const b of bases) counts.set(b, (counts.get(b) ?? 0) + 1);
  const result = new Map<T, string>();
  const clashing: number[] = [];
  items.forEach((item, i) => (counts.get(bases[i]) === 1 ? result.set(item, bases[i]) : clashing.push(i)));
  const taken = new Set(result.values());
  const keyed = clashing
    .map((i) => ({ item: items[i], base: bases[i], key: key(items[i]) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const b of keyed) {
    const stem = b.base.slice(0, 63 - 7);
    let name = `${stem}-${stableHash(b.key).slice(0, 6)}`;
    for (let n = 1; taken.has(name); n++) name = `${stem}-${stableHash(`${b.key}\u0000${n}`).slice(0, 6)}`;
    taken.add(name);
    result.set(b.item, name);
  }
  return result;
}

test("uniqueNameList (a base name hashed once, no map by item): the names of uniqueNames' definition", () => {
  let clashes = 0;
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ maxLength: 4 }), { maxLength: 12 }), fc.nat(3), (keys, cut) => {
      // base names of the key's first characters: some clash (two, three or more), some do not
      const base = (k: string) => `b-${k.slice(0, cut)}`;
      const expected = uniqueNamesReference(keys, base, (k) => k);
      const list = uniqueNameList(keys, base, (k) => k);
      const names = uniqueNames(keys, base, (k) => k);
      if (new Set(keys.map(base)).size < keys.length) clashes++;
      assert.equal(
        list,
        keys.map((k) => expected.get(k)),
      );
      assert.equal(
        keys.map((k) => names.get(k)),
        keys.map((k) => expected.get(k)),
      );
      assert.is(new Set(list).size, keys.length);
    }),
    { numRuns: 1000 },
  );
  assert.ok(clashes > 100, String(clashes));
  // a hashed name taken by another item's base name is hashed again
  const taken = `b-${stableHash("x1").slice(0, 6)}`;
  const items = ["x1", "x2", taken];
  const base = (k: string) => (k.startsWith("x") ? "b" : k);
  assert.equal(
    uniqueNameList(items, base, (k) => k),
    items.map((k) => uniqueNamesReference(items, base, (k) => k).get(k)),
  );
});

/** `peersKey` as it is defined: the terms' keys one a line, then the blocks (`\0` before the first). */
function peersKeyReference(peers: { pods: PodTerm[]; ips: IpBlock[] }): string {
  let key = peers.pods.map(termKey).join("\n");
  peers.ips.forEach((b, i) => {
    key += `${i === 0 ? "\u0000" : "\n"}${formatCidr(b.cidr)} ${b.except.map(formatCidr).join(" ")}`;
  });
  return key;
}

test("peersKey: a single term's is its term's key (not kept again), others as defined", () => {
  const term = fc.record({ namespaces: conjunction, pods: conjunction });
  const block = fc.constantFrom<IpBlock[]>(
    [],
    [{ cidr: cidr("10.0.0.0/8"), except: [] }],
    [{ cidr: cidr("10.0.0.0/8"), except: [cidr("10.1.0.0/16"), cidr("10.2.0.0/16")] }],
  );
  fc.assert(
    fc.property(fc.array(term, { maxLength: 3 }), block, (pods, ips) => {
      const peers = { pods, ips };
      assert.is(peersKey({ peers }), peersKeyReference(peers));
      // a copy of the set has the same key; a set of other terms another
      assert.is(peersKey({ peers: { pods: [...pods], ips: [...ips] } }), peersKeyReference(peers));
    }),
    { numRuns: 1000 },
  );
  // terms of other namespaces (equal pods) are other peers
  const a = { namespaces: labelsEqual("kubernetes.io/metadata.name", "a"), pods: labelsEqual("app", "x") };
  const b = { namespaces: labelsEqual("kubernetes.io/metadata.name", "b"), pods: labelsEqual("app", "x") };
  assert.is.not(peersKey({ peers: { pods: [a], ips: [] } }), peersKey({ peers: { pods: [b], ips: [] } }));
  assert.is(peersKey({ peers: { pods: [a], ips: [] } }), termKey(a));
});

/** The manifests compiled from a program's text (which must compile without diagnostics). */
function manifestsOf(text: string) {
  const { model } = checkModel([{ path: "p.secpol", text }]);
  const { manifests, diagnostics } = compileNetworkPolicies(model!);
  assert.equal(diagnostics, []);
  return manifests;
}

/** A cluster and namespace `shop`, isolated both ways, with these workloads (`app=NAME`). */
const shopOf = (...workloads: string[]): string =>
  `cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }
namespace shop {
  default deny ingress
  default deny egress
${workloads.map((w) => `  workload ${w} app=${w}`).join("\n")}
}
`;

test("rules on every port, written twice in a namespace, have no ports key; the others share their list", () => {
  const manifests = manifestsOf(`${shopOf("web", "api", "db")}
allow shop/web -> shop/api
allow shop/api -> shop/db
allow shop/web -> shop/db: 5432
allow shop/api -> shop/web: 5432
`);
  const rules = manifests.flatMap((m) => {
    const spec = m.object.spec as Record<string, Record<string, unknown>[] | undefined>;
    return [...(spec.ingress ?? []), ...(spec.egress ?? [])];
  });
  const everyPort = rules.filter((r) => !("ports" in r));
  const some = rules.filter((r) => "ports" in r);
  // web -> api and api -> db at both ends (api's two merged by their ports)
  assert.ok(everyPort.length >= 3, JSON.stringify(rules));
  for (const r of everyPort) assert.equal(Object.keys(r).sort(), [r.from ? "from" : "to"]);
  assert.ok(some.length >= 2);
  for (const r of some) assert.ok(r.ports === some[0].ports && Array.isArray(r.ports) && r.ports.length > 0);
});

test("a rule of one term's peer has that term's list, shared by every rule of it in the namespace", () => {
  const manifests = manifestsOf(`${shopOf("a", "b", "db")}
namespace other {
  default deny egress
  workload c app=c
}
allow shop/a -> shop/db: 5432
allow shop/b -> shop/db: 5432
allow other/c -> shop/db: 5432
allow shop/a -> shop/b: 80
`);
  type Rule = { from?: Record<string, unknown>[]; to?: Record<string, unknown>[]; ports?: unknown[] };
  const spec = (name: string, namespace = "shop") =>
    manifests.find((m) => m.object.metadata.name === name && m.object.metadata.namespace === namespace)!.object
      .spec as { ingress?: Rule[]; egress?: Rule[] };
  const toDb = (s: { egress?: Rule[] }) => s.egress!.find((r) => JSON.stringify(r.ports).includes("5432"))!.to!;
  const a = toDb(spec("secpol-a"));
  const b = toDb(spec("secpol-b"));
  const c = toDb(spec("secpol-c", "other"));
  // one list for the term in its namespace, another (the namespace's selector too) elsewhere
  assert.ok(a === b);
  assert.equal(a, [{ podSelector: { matchLabels: { app: "db" } } }]);
  assert.ok(c !== a);
  assert.equal(c, [
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } },
      podSelector: { matchLabels: { app: "db" } },
    },
  ]);
  // a rule of several peers has the same peers in a list of its own
  const from = spec("secpol-db").ingress![0].from!;
  assert.is(from.length, 3);
  assert.ok(from.includes(toDb(spec("secpol-a"))[0]) === false && from.every((p) => typeof p === "object"));
  const aIn = spec("secpol-b").ingress![0].from!;
  assert.is(aIn.length, 1);
  assert.ok(from.includes(aIn[0]), "the peer of a in db's rule is the one of a's own list");
});

/** `toLabelSelector` by the general rule: the keys added to `{}` as found (matchLabels, then matchExpressions). */
function labelSelectorReference(conjunction: Conjunction): Record<string, unknown> {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: Record<string, unknown>[] = [];
  for (const [key, c] of conjunction) {
    const values = c.values.values;
    if (c.values.kind === "only") {
      if (c.absentOk) matchExpressions.push({ key, operator: "DoesNotExist" });
      else if (values.length === 1) matchLabels[key] = values[0];
      else matchExpressions.push({ key, operator: "In", values: [...values] });
    } else {
      if (!c.absentOk) matchExpressions.push({ key, operator: "Exists" });
      if (values.length > 0) matchExpressions.push({ key, operator: "NotIn", values: [...values] });
    }
  }
  const selector: Record<string, unknown> = {};
  if (Object.keys(matchLabels).length > 0) selector.matchLabels = matchLabels;
  if (matchExpressions.length > 0) selector.matchExpressions = matchExpressions;
  return selector;
}

test("toLabelSelector: each shape made at once, with the keys and values of the general rule, in its order", () => {
  const shapes = new Set<string>();
  fc.assert(
    fc.property(conjunction, (c) => {
      const got = toLabelSelector(c);
      const expected = labelSelectorReference(c);
      // (JSON keeps the keys' order, at every level)
      assert.is(JSON.stringify(got), JSON.stringify(expected));
      assert.ok(Object.values(got).every((v) => v !== undefined));
      shapes.add(Object.keys(got).join(","));
    }),
    { numRuns: 2000 },
  );
  assert.equal([...shapes].sort(), ["", "matchExpressions", "matchLabels", "matchLabels,matchExpressions"]);
});

test.run();
