/**
 * IPv4-mapped IPv6 addresses and blocks (`::ffff:10.244.0.0/120`) are the IPv4 ones they map, as
 * Go's `net` package (the API server, the CNIs) compares them, everywhere the compiler compares
 * addresses: the cluster's ranges, the pod-range check, excepts, emitted ipBlocks (issue 17:
 * `cidr ::ffff:10.244.0.0/120` passed the pod-range check that `cidr 10.244.0.0/24` fails).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { parseCidr, parseIp } from "../../src/semantics/ip.js";

test("a mapped block parses as the IPv4 block, in dotted and in hexadecimal form", () => {
  assert.equal(parseCidr("::ffff:10.244.0.0/120"), parseCidr("10.244.0.0/24"));
  assert.equal(parseCidr("::ffff:a00:0/104"), parseCidr("10.0.0.0/8"));
  assert.equal(parseCidr("0:0:0:0:0:ffff:10.1.2.3/128"), parseCidr("10.1.2.3/32"));
  assert.equal(parseCidr("::ffff:0:0/96"), parseCidr("0.0.0.0/0"));
  assert.equal(parseIp("::ffff:10.0.0.1"), parseIp("10.0.0.1"));
  // not mapped: stays IPv6 (Go's Contains does not match IPv4 addresses in `::/0`)
  assert.is((parseCidr("::/0") as any).cidr.family, 6);
  assert.is((parseCidr("::fffe:a00:0/104") as any).cidr.family, 6);
  assert.equal(parseCidr("::ffff:10.244.0.1/120"), { problem: "host-bits" });
});

const program = (cluster: string, rule: string) => [
  {
    path: "t.secpol",
    text: `cluster { version 1.30; ${cluster}; serviceCIDR 10.96.0.0/12 }\nnamespace a { default deny; workload w app=w }\n${rule}\n`,
  },
];

const codes = (r: ReturnType<typeof build>) => r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

test("issue 17: `cidr ::ffff:10.244.0.0/120` fails the pod-range check, like `cidr 10.244.0.0/24`", () => {
  const v4 = build(program("podCIDR 10.244.0.0/16", "allow a/w -> cidr 10.244.0.0/24: 443"));
  const mapped = build(program("podCIDR 10.244.0.0/16", "allow a/w -> cidr ::ffff:10.244.0.0/120: 443"));
  assert.equal(codes(v4), ["SP3004"]);
  assert.equal(codes(mapped), codes(v4));
  // and a mapped podCIDR covers the IPv4 block
  assert.equal(codes(build(program("podCIDR ::ffff:10.244.0.0/112", "allow a/w -> cidr 10.244.0.0/24: 443"))), [
    "SP3004",
  ]);
});

test("a mapped block is emitted as the IPv4 block, with the IPv4 pod range excepted", () => {
  const result = build(program("podCIDR 10.244.0.0/16", "allow a/w -> cidr ::ffff:10.0.0.0/104: 443"));
  assert.equal(codes(result), []);
  const policies = parseAllDocuments(result.files.find((f) => f.path === "a/networkpolicies.yaml")!.content).map((d) =>
    d.toJS(),
  );
  const w = policies.find((p) => p.metadata.name === "secpol-w");
  assert.equal(w.spec.egress[0].to, [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.96.0.0/12", "10.244.0.0/16"] } }]);
});

test("a mapped block with host bits set: the help names the IPv4 block", () => {
  const result = build(program("podCIDR 10.244.0.0/16", "allow a/w -> cidr ::ffff:10.1.0.1/112: 443"));
  const d = result.diagnostics.find((x) => x.severity === "error")!;
  assert.match(d.help ?? "", "`10.1.0.0/16`");
});

test.run();
