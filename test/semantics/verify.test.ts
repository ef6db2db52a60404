/**
 * Translation validation can fail: deliberately wrong emitters are caught with a concrete
 * counterexample, and it agrees with the build on every example.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { checkModel } from "../../src/pipeline.js";
import { verifyNetworkPolicies } from "../../src/analysis/verify.js";

const program = `cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }
namespace shop {
  default deny
  workload web app=web port http 8080
  workload db app=db
}
allow web -> world: 443
allow web -> db: 5432
deny web -> cidr 169.254.169.254/32
allow ns ingress-nginx -> web: http
`;

function compiled() {
  const sources = [{ path: "shop.secpol", text: program }];
  const model = checkModel(sources).model!;
  const objects = build(sources).files.filter((f) => f.path !== "kustomization.yaml").flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
  return { model, objects };
}

const policy = (objects: any[], name: string) => objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === name);

test("the real output verifies", () => {
  const { model, objects } = compiled();
  const result = verifyNetworkPolicies(model, objects);
  assert.is(result.counterexample, undefined);
  assert.ok(result.checks > 1000);
});

test("an ipBlock without the podCIDR except is caught (pods admitted by address)", () => {
  const { model, objects } = compiled();
  const web = policy(objects, "secpol-web");
  for (const rule of web.spec.egress) for (const peer of rule.to ?? []) if (peer.ipBlock?.cidr === "0.0.0.0/0") peer.ipBlock.except = peer.ipBlock.except.filter((e: string) => e !== "10.244.0.0/16");
  const { counterexample } = verifyNetworkPolicies(model, objects);
  assert.ok(counterexample);
  assert.match(counterexample!.description, /when the CNI matches ipBlocks against pod addresses/);
  assert.is(counterexample!.meant, false);
});

test("a dropped deny except, a widened port and a missing isolation are each caught", () => {
  const mutations: ((objects: any[]) => void)[] = [
    (o) => {
      for (const rule of policy(o, "secpol-web").spec.egress) for (const peer of rule.to ?? []) if (peer.ipBlock) delete peer.ipBlock.except;
    },
    (o) => {
      for (const rule of policy(o, "secpol-db").spec.ingress) rule.ports = [{ protocol: "TCP", port: 5000, endPort: 5500 }];
    },
    (o) => {
      policy(o, "secpol-namespace").spec.policyTypes = ["Egress"];
    },
  ];
  for (const mutate of mutations) {
    const { model, objects } = compiled();
    mutate(objects);
    const { counterexample } = verifyNetworkPolicies(model, objects);
    assert.ok(counterexample, String(mutate));
    assert.ok(counterexample!.description.length > 20);
  }
});

test.run();
