/**
 * One hand-written case per row of the peer table (LANGUAGE.md section 4): each peer is the source
 * of a rule into a zero-trust workload and the destination of a rule out of a zero-trust one; the
 * emitted policies are evaluated on a fixed universe with pods the program never names.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build, renderDiagnostics } from "../../src/index.js";
import { isFlowAllowed, type Endpoint, type Pod, type Universe } from "../support/netpol-eval.js";

const ns = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { "kubernetes.io/metadata.name": name, ...labels },
});
const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string): Pod => ({
  name,
  namespace,
  labels,
  ips: [ip],
  ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
});

const universe: Universe = {
  namespaces: [
    ns("shop", { team: "payments", "app.kubernetes.io/managed-by": "secpolc" }),
    ns("other", { team: "payments" }),
    ns("third", { team: "search" }),
    ns("kube-system"),
  ],
  pods: [
    pod("shop", "target", { app: "target" }, "10.244.0.10"),
    pod("shop", "web", { app: "web" }, "10.244.0.11"),
    pod("shop", "x", { app: "x" }, "10.244.0.12"),
    pod("shop", "plain", {}, "10.244.0.13"),
    pod("other", "x", { app: "x" }, "10.244.1.12"),
    pod("other", "web", { app: "web" }, "10.244.1.11"),
    pod("third", "x", { app: "x" }, "10.244.2.12"),
    pod("kube-system", "dns", { "k8s-app": "kube-dns" }, "10.244.3.2"),
  ],
};

const find = (namespace: string, name: string): Endpoint => ({
  pod: universe.pods.find((p) => p.namespace === namespace && p.name === name)!,
});
const ip = (address: string): Endpoint => ({ ip: address });

const everyone: [string, Endpoint][] = [
  ["shop/web", find("shop", "web")],
  ["shop/x", find("shop", "x")],
  ["shop/plain", find("shop", "plain")],
  ["other/x", find("other", "x")],
  ["other/web", find("other", "web")],
  ["third/x", find("third", "x")],
  ["kube-system/dns", find("kube-system", "dns")],
  ["10.1.2.3", ip("10.1.2.3")],
  ["10.1.9.9", ip("10.1.9.9")],
  ["8.8.8.8", ip("8.8.8.8")],
  ["2001:db8::1", ip("2001:db8::1")],
];

function compile(peer: string): unknown[] {
  const text = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace shop {",
    "  labels team=payments",
    "  default deny ingress",
    "  workload target app=target",
    "  workload web app=web",
    "}",
    "namespace other { labels team=payments }",
    "namespace third { labels team=search }",
    `namespace shop { allow ${peer} -> target: 8080 }`,
  ].join("\n");
  const result = build([{ path: "peers.secpol", text }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  return result.files
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
    .filter((o) => o.kind === "NetworkPolicy");
}

const rows: [string, string[]][] = [
  ["web", ["shop/web"]],
  ["shop/web", ["shop/web"]],
  ["shop/*", ["shop/web", "shop/x", "shop/plain"]],
  ["ns shop", ["shop/web", "shop/x", "shop/plain"]],
  ["ns(team=payments)", ["shop/web", "shop/x", "shop/plain", "other/x", "other/web"]],
  ["pods(app=x)", ["shop/x"]],
  ["pods(app=x) in ns(team=payments)", ["shop/x", "other/x"]],
  ["pods(app=x) in ns other", ["other/x"]],
  ["cidr 10.0.0.0/8 except 10.1.9.0/24", ["10.1.2.3"]],
  ["world", ["10.1.2.3", "10.1.9.9", "8.8.8.8", "2001:db8::1"]],
  ["cluster", ["shop/web", "shop/x", "shop/plain", "other/x", "other/web", "third/x", "kube-system/dns"]],
  ["any", everyone.map(([name]) => name)],
  ["dns", ["kube-system/dns"]],
  ["web, pods(app=x) in ns third", ["shop/web", "third/x"]],
];

for (const [peer, admitted] of rows) {
  test(`peer \`${peer}\` admits exactly ${admitted.join(", ")}`, () => {
    const policies = compile(peer);
    const target = find("shop", "target");
    for (const [name, src] of everyone) {
      for (const ipBlockMatchesPodIPs of [false, true]) {
        const allowed = isFlowAllowed(
          policies,
          universe,
          { src, dst: target, protocol: "TCP", port: 8080 },
          { ipBlockMatchesPodIPs },
        );
        assert.is(
          allowed,
          admitted.includes(name),
          `${name} -> shop/target:8080 (ipBlock matches pod IPs: ${ipBlockMatchesPodIPs})`,
        );
      }
      assert.not.ok(
        isFlowAllowed(
          policies,
          universe,
          { src, dst: target, protocol: "TCP", port: 8081 },
          { ipBlockMatchesPodIPs: true },
        ),
      );
    }
  });
}

test.run();
