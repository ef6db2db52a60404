/**
 * The rules of a one-shot check (issue 20, helper check21): without a `CheckReuse`, `checkRuleFiles`
 * checks each statement in order without the per-statement bookkeeping kept for later versions,
 * and a peer naming one workload is resolved to that workload's pods without a list of parts
 * (`workloadPart`). Each against what it stands for: the check with a `CheckReuse` (its first
 * version checks every statement), and the diagnostics every other kind of name still gets.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkProgram } from "../../src/check/checker.js";
import { CheckReuse } from "../../src/check/reuse.js";
import { parse } from "../../src/syntax/parse.js";
import { endpointsKey } from "../../src/semantics/endpoints.js";
import { portsKey } from "../../src/semantics/ports.js";
import type { Model } from "../../src/semantics/model.js";

const CLUSTER = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
const SHOP =
  "namespace shop {\n  default deny\n" +
  "  workload web app=web port http 8080 service 80 -> http\n" +
  "  workload db app=db port pg 5432\n" +
  "  workload cache app=cache port redis 6379\n" +
  "  workload broken app=web,app=db\n" +
  "  group backends = db, cache\n" +
  "  group everyone = backends, web\n" +
  "  allow web -> db: pg\n" +
  "  allow web -> backends\n" +
  "  allow web -> db, cache: 5432\n" +
  "  allow db, cache -> web: http\n" +
  "  allow web -> broken\n" +
  "  allow everyone -> web: http\n" +
  "  allow web -> everyone: 5432\n" +
  "  allow web -> pods(app=x): 80\n" +
  "  deny web -> cidr 169.254.169.254/32\n" +
  "  allow web -> world: 443\n" +
  "}\n";
const BILLING =
  "namespace billing {\n  default deny\n" +
  "  workload db app=db port pg 5432\n" +
  "  workload api app=api port http 8080\n" +
  "  allow api -> db: pg\n" +
  "  allow api -> shop/db: pg\n" +
  "  allow shop/web -> api: http\n" +
  "  allow api -> ns shop: 80\n" +
  "  allow api -> shop/*: 80\n" +
  "}\n";
const TOP =
  "allow shop/web -> billing/api: http\n" +
  "allow billing/api -> shop/cache: redis\n" +
  "allow shop/web -> shop/nope: http\n" +
  "allow shop/web -> db: 5432\n" +
  "allow db -> shop/web: http\n" +
  "allow shop/web -> billing/db: 9999\n" +
  "allow shop/web -> shop/db: nope\n" +
  "allow shop/web -> shop/web: 80\n" +
  "allow shop/web -> shop/broken: 80\n" +
  "allow shop/web -> dns\n" +
  "allow shop/web -> shop/db: 5432, shop/cache: 6379\n" +
  "allow shop/web -> cluster: 53/udp\n" +
  "allow shop/web, billing/api -> shop/db, shop/cache: 5432\n";

const files = () => [
  parse(CLUSTER, "cluster.secpol").file,
  parse(SHOP, "shop.secpol").file,
  parse(BILLING, "billing.secpol").file,
  parse(TOP, "top.secpol").file,
];

/** A model's rules as text: each rule's action, span and clauses (sources, destinations, ports). */
const rulesText = (model: Model): string[] =>
  model.rules.map(
    (r) =>
      `${r.action} ${r.span.file}:${r.span.start.offset} ` +
      r.clauses
        .map((c) => `${endpointsKey(c.sources)} -> ${endpointsKey(c.destinations)} : ${portsKey(c.ports)}`)
        .join(" | "),
  );

const diagnosticsText = (
  diagnostics: readonly { code: string; message: string; span: { file: string; start: { offset: number } } }[],
) => diagnostics.map((d) => `${d.code} ${d.span.file}:${d.span.start.offset} ${d.message}`);

test("a one-shot check's rules and diagnostics are those of a check keeping its work for later versions", () => {
  const oneShot = checkProgram(files());
  const kept = checkProgram(files(), { reuse: new CheckReuse() });
  assert.equal(rulesText(oneShot.model), rulesText(kept.model));
  assert.equal(diagnosticsText(oneShot.diagnostics), diagnosticsText(kept.diagnostics));
  // every rule statement of every file is there (none of them dropped nor repeated)
  assert.ok(oneShot.model.rules.length >= 20, String(oneShot.model.rules.length));
});

test("a peer naming one workload: its pods; every other name still reported or expanded", () => {
  const { model, diagnostics } = checkProgram(files());
  // (as the check before the shortcut reported them: a contradicting selector, ports not declared,
  // names unknown (the workload whose selector contradicts itself among them), a name of two
  // workloads as source and as destination, a named port not declared, a service port, ports per
  // destination)
  assert.equal(
    diagnostics.map((d) => `${d.code} ${d.span.file}:${d.span.start.offset}`),
    [
      "SP2019 shop.secpol:184",
      "SP9007 shop.secpol:333",
      "SP2001 shop.secpol:384",
      "SP9007 shop.secpol:446",
      "SP9007 shop.secpol:446",
      "SP2001 top.secpol:93",
      "SP2002 top.secpol:127",
      "SP2002 top.secpol:142",
      "SP9007 top.secpol:193",
      "SP9001 top.secpol:225",
      "SP9003 top.secpol:258",
      "SP2001 top.secpol:279",
      "SP2001 top.secpol:313",
      "SP2016 top.secpol:344",
      "SP9007 top.secpol:453",
    ],
  );
  assert.equal(
    model.rules.map((r) => `${r.span.file}:${r.span.start.offset}`),
    [
      "billing.secpol:109",
      "billing.secpol:131",
      "billing.secpol:158",
      "billing.secpol:188",
      "billing.secpol:215",
      "shop.secpol:263",
      "shop.secpol:285",
      "shop.secpol:309",
      "shop.secpol:340",
      "shop.secpol:393",
      "shop.secpol:423",
      "shop.secpol:453",
      "shop.secpol:484",
      "shop.secpol:522",
      "top.secpol:0",
      "top.secpol:36",
      "top.secpol:163",
      "top.secpol:198",
      "top.secpol:230",
      "top.secpol:367",
      "top.secpol:401",
    ],
  );
  // a workload named as a peer, source or destination: its pods, the one set object wherever it is named
  const pods = (namespace: string, name: string) => {
    const w = model.workloads.find((w) => w.namespace === namespace && w.name === name)!;
    return model.rules
      .flatMap((r) => r.clauses.flatMap((c) => [c.sources, c.destinations]))
      .filter((set) => set.pods.length === 1 && set.ips.length === 0 && set.pods[0].pods === w.pods);
  };
  for (const [namespace, name, count] of [
    ["shop", "db", 3],
    ["shop", "web", 16],
    ["billing", "api", 7],
  ] as const) {
    const sets = pods(namespace, name);
    assert.is(sets.length, count, `${namespace}/${name}`);
    for (const set of sets) assert.is(set, sets[0], `${namespace}/${name}`);
  }
});

test.run();
