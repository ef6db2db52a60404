import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { intersectEndpoints, subtractEndpoints } from "../../src/semantics/endpoints.js";
import { addressInBlock, cidrContains, parseCidr, parseIp, type Cidr, type IpBlock } from "../../src/semantics/ip.js";
import { conjunctionOf, type Conjunction, type Labels } from "../../src/semantics/labels.js";
import { inEndpointSet, type Endpoint } from "../../src/semantics/meaning.js";
import { peerIndex } from "../../src/semantics/lookup.js";
import type { EndpointSet } from "../../src/semantics/model.js";
import { intersectPorts, portSet, portSetContains, subtractPorts, type PortSet } from "../../src/semantics/ports.js";

const cidr = (t: string): Cidr => (parseCidr(t) as { cidr: Cidr }).cidr;
const tree = [
  "0.0.0.0/0",
  "10.0.0.0/8",
  "10.1.0.0/16",
  "10.1.2.0/24",
  "10.1.2.128/25",
  "10.2.0.0/16",
  "192.168.0.0/16",
  "::/0",
  "fd00::/8",
].map(cidr);
const addresses = [
  "10.1.2.200",
  "10.1.2.5",
  "10.1.9.9",
  "10.2.3.4",
  "10.9.9.9",
  "192.168.1.1",
  "8.8.8.8",
  "fd00::1",
  "2001:db8::1",
].map((a) => parseIp(a)!);

const block: fc.Arbitrary<IpBlock> = fc.tuple(fc.constantFrom(...tree), fc.subarray(tree)).map(([c, excepts]) => ({
  cidr: c,
  except: excepts
    .filter((e) => cidrContains(c, e) && e.prefix > c.prefix)
    .filter((e, _, all) => !all.some((o) => o !== e && cidrContains(o, e))),
}));

const conj =
  (values: string[]) =>
  (rs: [string, string][]): Conjunction =>
    conjunctionOf(
      rs.map(([k, op]) =>
        op === "exists" ? { key: k, operator: "Exists" as const } : { key: k, operator: op as "In" | "NotIn", values },
      ),
    ) ?? [];
const term = fc.record({
  namespaces: fc
    .array(fc.tuple(fc.constantFrom("team", "kubernetes.io/metadata.name"), fc.constantFrom("In", "NotIn", "exists")), {
      maxLength: 2,
    })
    .map(conj(["x", "shop"])),
  pods: fc
    .array(fc.tuple(fc.constantFrom("app", "tier"), fc.constantFrom("In", "NotIn", "exists")), { maxLength: 2 })
    .map(conj(["web", "fe"])),
});
const endpointSet: fc.Arbitrary<EndpointSet> = fc.record({
  pods: fc.array(term, { maxLength: 3 }),
  ips: fc.array(block, { maxLength: 3 }),
});

const labelMaps: Labels[] = [{}, { app: "web" }, { app: "db", tier: "fe" }, { tier: "x" }, { app: "web", tier: "fe" }];
const namespaces: Record<string, Labels> = {
  shop: { "kubernetes.io/metadata.name": "shop", team: "x" },
  other: { "kubernetes.io/metadata.name": "other" },
  x: { "kubernetes.io/metadata.name": "x", team: "y" },
};
const endpoints: Endpoint[] = [
  ...Object.keys(namespaces).flatMap((namespace) =>
    labelMaps.map((labels) => ({ pod: { namespace, labels, ports: [] } })),
  ),
  ...addresses.map((ip) => ({ ip })),
];

const member = (s: EndpointSet, e: Endpoint) => inEndpointSet(s, e, (n) => namespaces[n]);

test("endpoint difference and intersection are exact on every pod and address", () => {
  fc.assert(
    fc.property(endpointSet, endpointSet, (a, b) => {
      const difference = subtractEndpoints(a, b);
      const both = intersectEndpoints(a, b);
      for (const e of endpoints) {
        assert.is(member(difference, e), member(a, e) && !member(b, e));
        assert.is(member(both, e), member(a, e) && member(b, e));
      }
      for (const blk of [...difference.ips, ...both.ips])
        for (const x of blk.except) assert.ok(cidrContains(blk.cidr, x) && x.prefix > blk.cidr.prefix);
    }),
    { numRuns: 500 },
  );
});

test("endpoint difference stays exact when terms share their namespace selectors (one object each, as a workload's and a deny's are)", () => {
  // a few selector objects, each in many terms of many sets: what subtracting one from another
  // works out once per pair of objects must be that pair's, whichever terms ask first
  const pool = [
    [],
    ...[["x"], ["shop"], ["x", "shop"]].map((v) => conj(v)([["kubernetes.io/metadata.name", "In"]])),
    conj(["x"])([["team", "In"]]),
    conj(["x"])([["team", "NotIn"]]),
    conj(["y"])([["team", "exists"]]),
    conj(["shop"])([
      ["kubernetes.io/metadata.name", "NotIn"],
      ["team", "In"],
    ]),
  ];
  const sharedTerm = fc.record({ namespaces: fc.constantFrom(...pool), pods: term.map((t) => t.pods) });
  const sharedSet: fc.Arbitrary<EndpointSet> = fc.record({
    pods: fc.array(sharedTerm, { maxLength: 3 }),
    ips: fc.constant([]),
  });
  fc.assert(
    fc.property(sharedSet, sharedSet, (a, b) => {
      const difference = subtractEndpoints(a, b);
      for (const e of endpoints) assert.is(member(difference, e), member(a, e) && !member(b, e));
    }),
    { numRuns: 500 },
  );
});

test("address blocks: a block minus a block inside it, and the excepts given back", () => {
  const a = { cidr: cidr("10.0.0.0/8"), except: [] };
  const b = { cidr: cidr("10.1.0.0/16"), except: [cidr("10.1.2.0/24")] };
  const { ips } = subtractEndpoints({ pods: [], ips: [a] }, { pods: [], ips: [b] });
  const inside = (t: string) => ips.some((x) => addressInBlock(4, parseIp(t)!.value, x));
  assert.ok(inside("10.1.2.7"));
  assert.not.ok(inside("10.1.3.7"));
  assert.ok(inside("10.2.0.1"));
});

const ports: fc.Arbitrary<PortSet> = fc
  .record({
    tcp: fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 5 })), { maxLength: 3 }),
    udp: fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 5 })), { maxLength: 2 }),
    named: fc.subarray(["http", "dns"]),
  })
  .map(({ tcp, udp, named }) =>
    portSet(
      { TCP: tcp.map(([f, l]) => ({ from: f, to: f + l })), UDP: udp.map(([f, l]) => ({ from: f, to: f + l })) },
      named.map((name) => ({ name, protocol: "TCP" as const })),
    ),
  );

test("port difference is exact whenever it is defined", () => {
  const destination = [
    { name: "http", port: 8, protocol: "TCP" as const },
    { name: "dns", port: 30, protocol: "TCP" as const },
  ];
  fc.assert(
    fc.property(ports, ports, (a, b) => {
      const d = subtractPorts(a, b);
      const i = intersectPorts(a, b);
      for (const protocol of ["TCP", "UDP"] as const) {
        for (let port = 1; port <= 32; port++) {
          const inA = portSetContains(a, protocol, port, destination);
          const inB = portSetContains(b, protocol, port, destination);
          if (d) assert.is(portSetContains(d, protocol, port, destination), inA && !inB);
          if (i) assert.is(portSetContains(i, protocol, port, destination), inA && inB);
        }
      }
    }),
    { numRuns: 500 },
  );
});

test("peerIndex: every set meeting the query, by symbolic intersection or at a pod or address, in order", () => {
  fc.assert(
    fc.property(fc.array(endpointSet, { maxLength: 6 }), endpointSet, (items, query) => {
      const found = peerIndex(items, (s) => s)(query);
      // in the items' order, each once
      const positions = found.map((s) => items.indexOf(s));
      assert.ok(
        positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])),
        "in order",
      );
      for (const item of items) {
        if (found.includes(item)) continue;
        const both = intersectEndpoints(item, query);
        assert.ok(both.pods.length === 0 && both.ips.length === 0, "a set the symbolic intersection meets");
        const label = (n: string) => namespaces[n];
        for (const e of endpoints)
          assert.not.ok(inEndpointSet(item, e, label) && inEndpointSet(query, e, label), "a set meeting the query");
      }
    }),
    { numRuns: 500 },
  );
});

test("peerIndex: one index asked again and again answers each query as one made for it alone", () => {
  fc.assert(
    fc.property(
      fc.array(endpointSet, { maxLength: 6 }),
      fc.array(endpointSet, { minLength: 2, maxLength: 6 }),
      (items, queries) => {
        const index = peerIndex(items, (s) => s);
        // each query twice, in turn: answers kept by the index are the same arrays, never changed
        const answers = [...queries, ...queries].map((q) => index(q));
        answers.forEach((found, i) => {
          const query = queries[i % queries.length];
          assert.equal([...found], [...peerIndex(items, (s) => s)(query)]);
        });
      },
    ),
    { numRuns: 500 },
  );
});

test.run();
