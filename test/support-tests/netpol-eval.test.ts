/** The test evaluator itself, one case per rule of the NetworkPolicy API it implements. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isFlowAllowed, matchesLabelSelector, type Endpoint, type Pod, type Universe } from "../support/netpol-eval.js";

const pod = (namespace: string, labels: Record<string, string>, ip: string, ports: Pod["ports"] = []): Pod => ({
  name: ip,
  namespace,
  labels,
  ips: [ip],
  ports,
});
const web = pod("shop", { app: "web" }, "10.244.0.1", [{ name: "http", containerPort: 8080 }]);
const db = pod("shop", { app: "db" }, "10.244.0.2");
const other = pod("other", { app: "web" }, "10.244.1.1");
const universe: Universe = {
  namespaces: [
    { name: "shop", labels: { "kubernetes.io/metadata.name": "shop" } },
    { name: "other", labels: { "kubernetes.io/metadata.name": "other", team: "x" } },
  ],
  pods: [web, db, other],
};
const policy = (spec: Record<string, unknown>, namespace = "shop") => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "p", namespace },
  spec,
});
const allowed = (
  policies: unknown[],
  src: Endpoint,
  dst: Endpoint,
  port = 80,
  protocol: "TCP" | "UDP" | "SCTP" = "TCP",
  ipBlockMatchesPodIPs = false,
) => isFlowAllowed(policies, universe, { src, dst, protocol, port }, { ipBlockMatchesPodIPs });

test("no policy: everything is allowed; a policy isolates only the pods it selects", () => {
  assert.ok(allowed([], { pod: web }, { pod: db }));
  const isolateDb = policy({ podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] });
  assert.not.ok(allowed([isolateDb], { pod: web }, { pod: db }));
  assert.ok(allowed([isolateDb], { pod: db }, { pod: web }));
  assert.ok(
    allowed([policy({ podSelector: {} }, "other")], { pod: web }, { pod: db }),
    "policies of other namespaces select nothing here",
  );
});

test("policyTypes inference: Ingress always, Egress only with egress rules", () => {
  assert.not.ok(allowed([policy({ podSelector: {} })], { pod: other }, { pod: web }));
  assert.ok(allowed([policy({ podSelector: {} })], { pod: web }, { pod: other }), "egress is not isolated");
  // as the API server defaults policyTypes: Egress only when `egress` holds a rule (`egress: []` holds none)
  assert.not.ok(
    allowed(
      [policy({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "8.8.8.8/32" } }] }] })],
      { pod: web },
      { pod: other },
    ),
  );
  assert.ok(allowed([policy({ podSelector: {}, egress: [] })], { pod: web }, { pod: other }));
});

test("policyTypes empty is absent (the API server defaults it): Ingress; `egress: []` makes no Egress", () => {
  const isolating = [policy({ podSelector: {}, policyTypes: [], egress: [] })];
  assert.not.ok(allowed(isolating, { pod: web }, { pod: db }), "ingress of db is isolated");
  assert.ok(allowed(isolating, { pod: db }, { ip: "8.8.8.8" }), "egress is not isolated");
});

test("empty from matches every peer; an absent from too; from [] too", () => {
  assert.ok(allowed([policy({ podSelector: {}, ingress: [{}] })], { ip: "8.8.8.8" }, { pod: web }));
  assert.ok(allowed([policy({ podSelector: {}, ingress: [{ from: [] }] })], { pod: other }, { pod: web }));
  assert.not.ok(allowed([policy({ podSelector: {}, ingress: [] })], { pod: other }, { pod: web }));
});

test("namespaceSelector and podSelector in one peer are ANDed; in two peers ORed (the YAML dash)", () => {
  const and = policy({
    podSelector: {},
    ingress: [
      { from: [{ namespaceSelector: { matchLabels: { team: "x" } }, podSelector: { matchLabels: { app: "db" } } }] },
    ],
  });
  const or = policy({
    podSelector: {},
    ingress: [
      {
        from: [{ namespaceSelector: { matchLabels: { team: "x" } } }, { podSelector: { matchLabels: { app: "db" } } }],
      },
    ],
  });
  assert.not.ok(allowed([and], { pod: other }, { pod: web }));
  assert.not.ok(allowed([and], { pod: db }, { pod: web }));
  assert.ok(allowed([or], { pod: other }, { pod: web }));
  assert.ok(allowed([or], { pod: db }, { pod: web }));
});

test("podSelector alone means the policy's namespace; namespaceSelector {} means all namespaces", () => {
  assert.not.ok(
    allowed([policy({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })], { pod: other }, { pod: web }),
  );
  assert.ok(
    allowed(
      [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })],
      { pod: other },
      { pod: web },
    ),
  );
  assert.not.ok(
    allowed(
      [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })],
      { ip: "8.8.8.8" },
      { pod: web },
    ),
  );
});

test("ipBlock: cidr minus except, IPv6, family mismatch, pod IPs only on CNIs that match them", () => {
  const p = policy({
    podSelector: {},
    ingress: [
      { from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.244.0.0/16"] } }, { ipBlock: { cidr: "fd00::/8" } }] },
    ],
  });
  assert.ok(allowed([p], { ip: "10.1.2.3" }, { pod: web }));
  assert.not.ok(allowed([p], { ip: "10.244.9.9" }, { pod: web }));
  assert.ok(allowed([p], { ip: "fd00::1" }, { pod: web }));
  assert.not.ok(allowed([p], { ip: "2001:db8::1" }, { pod: web }));
  const wide = policy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
  assert.not.ok(allowed([wide], { pod: other }, { pod: web }, 80, "TCP", false));
  assert.ok(allowed([wide], { pod: other }, { pod: web }, 80, "TCP", true));
  assert.not.ok(allowed([wide], { ip: "fd00::1" }, { pod: web }), "an IPv6 address is not in 0.0.0.0/0");
});

test("ports: TCP by default, port ranges with endPort inclusive, protocol-only entries, named ports", () => {
  const p = (ports: unknown[]) => [policy({ podSelector: {}, ingress: [{ ports }] })];
  assert.ok(allowed(p([{ port: 80 }]), { pod: db }, { pod: web }, 80, "TCP"));
  assert.not.ok(allowed(p([{ port: 80 }]), { pod: db }, { pod: web }, 80, "UDP"));
  assert.ok(allowed(p([{ protocol: "TCP", port: 8000, endPort: 8080 }]), { pod: db }, { pod: web }, 8080));
  assert.not.ok(allowed(p([{ protocol: "TCP", port: 8000, endPort: 8080 }]), { pod: db }, { pod: web }, 8081));
  assert.ok(allowed(p([{ protocol: "UDP" }]), { pod: db }, { pod: web }, 53, "UDP"));
  assert.ok(allowed(p([{ port: "http" }]), { pod: db }, { pod: web }, 8080));
  assert.not.ok(allowed(p([{ port: "http" }]), { pod: db }, { pod: web }, 80));
  assert.not.ok(allowed(p([{ port: "http" }]), { pod: web }, { pod: db }, 8080), "db has no port named http");
});

test("named ports on egress refer to the destination pod", () => {
  const p = policy({
    podSelector: { matchLabels: { app: "db" } },
    policyTypes: ["Egress"],
    egress: [{ ports: [{ port: "http" }] }],
  });
  assert.ok(allowed([p], { pod: db }, { pod: web }, 8080));
  assert.not.ok(allowed([p], { pod: db }, { ip: "8.8.8.8" }, 8080));
});

test("a flow needs the destination's ingress and the source's egress; policies union", () => {
  const ingress = policy({
    podSelector: { matchLabels: { app: "db" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }],
  });
  const egress = policy({ podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [] });
  assert.ok(allowed([ingress], { pod: web }, { pod: db }));
  assert.not.ok(allowed([ingress, egress], { pod: web }, { pod: db }));
  const second = policy({
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Egress"],
    egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }],
  });
  assert.ok(allowed([ingress, egress, second], { pod: web }, { pod: db }));
});

test("label selectors: In, NotIn (absent key matches), Exists, DoesNotExist, with matchLabels", () => {
  const s = (matchExpressions: unknown[]) => ({ matchExpressions });
  assert.ok(matchesLabelSelector(s([{ key: "app", operator: "NotIn", values: ["web"] }]), {}));
  assert.not.ok(matchesLabelSelector(s([{ key: "app", operator: "In", values: ["web"] }]), {}));
  assert.ok(matchesLabelSelector(s([{ key: "app", operator: "Exists" }]), { app: "" }));
  assert.not.ok(matchesLabelSelector(s([{ key: "app", operator: "DoesNotExist" }]), { app: "x" }));
  assert.not.ok(
    matchesLabelSelector(
      { matchLabels: { app: "a" }, matchExpressions: [{ key: "tier", operator: "Exists" }] },
      { app: "a" },
    ),
  );
});

test.run();
