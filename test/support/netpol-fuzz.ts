/**
 * Generated NetworkPolicy sets for `secpolc import` (every field: policyTypes absent, empty or set,
 * `podSelector: {}`, namespaceSelector `{}` with and without podSelector, ipBlocks with except lists,
 * named ports, endPort, protocols, overlapping policies, Namespace objects with labels) and the
 * property: imported and compiled, they admit the same flows, by the compiler's own check and by
 * the independent evaluator (test/support/netpol-eval.ts) over generated universes.
 */
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { importPolicies } from "../../src/analysis/import.js";
import { checkImport } from "../../src/analysis/import-check.js";
import { renderDiagnostics } from "../../src/index.js";
import { parseCidr, type Cidr } from "../../src/semantics/ip.js";
import { isFlowAllowed, type Flow } from "./netpol-eval.js";
import { addressIn, arbitraryUniverse } from "./universe.js";

type Json = Record<string, any>;

const NAMESPACES = ["a", "b"];
const POD_CIDR = "10.244.0.0/16";
const SERVICE_CIDR = "10.96.0.0/12";
const NAMED_PORTS = [
  { name: "http", port: 8080, protocol: "TCP" as const },
  { name: "http", port: 80, protocol: "TCP" as const },
  { name: "dns", port: 53, protocol: "UDP" as const },
];

const labelSelector: fc.Arbitrary<Json> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.dictionary(fc.constantFrom("app", "tier"), fc.constantFrom("x", "y"), { maxKeys: 2 }) }),
  fc.record({
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({
          key: fc.constantFrom("app", "tier"),
          operator: fc.constantFrom("In", "NotIn"),
          values: fc.subarray(["x", "y", "z"], { minLength: 1 }),
        }),
        fc.record({ key: fc.constantFrom("app", "tier"), operator: fc.constantFrom("Exists", "DoesNotExist") }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  }),
);

const namespaceSelector: fc.Arbitrary<Json> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.record({ "kubernetes.io/metadata.name": fc.constantFrom("a", "b", "c") }) }),
  fc.record({ matchLabels: fc.record({ team: fc.constantFrom("x", "y") }) }),
);

const ipBlock: fc.Arbitrary<Json> = fc.oneof(
  fc.record({
    cidr: fc.constant("0.0.0.0/0"),
    except: fc.subarray(["10.0.0.0/8", "192.168.0.0/16", "169.254.169.254/32"]),
  }),
  fc.record({ cidr: fc.constantFrom("192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8") }),
  fc.record({ cidr: fc.constant("::/0") }),
);

const peer: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ podSelector: labelSelector }),
  fc.record({ namespaceSelector }),
  fc.record({ namespaceSelector, podSelector: labelSelector }),
  fc.record({ ipBlock }),
);

const port: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ port: fc.constantFrom(80, 443, 8080, 53) }, { requiredKeys: [] }),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP", "SCTP"), port: fc.constantFrom(53, 80) }),
  fc.record({ port: fc.constant(8000), endPort: fc.constantFrom(8080, 8100) }),
  fc.record({ port: fc.constant("http") }),
  fc.record({ protocol: fc.constant("UDP"), port: fc.constant("dns") }),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP") }),
);

const rule = (peers: "from" | "to"): fc.Arbitrary<Json> =>
  fc.record(
    { [peers]: fc.array(peer, { maxLength: 2 }), ports: fc.array(port, { maxLength: 2 }) },
    { requiredKeys: [] },
  );

const policy: fc.Arbitrary<Json> = fc.record(
  {
    namespace: fc.constantFrom(...NAMESPACES),
    podSelector: labelSelector,
    policyTypes: fc.option(fc.subarray(["Ingress", "Egress"]), { nil: undefined }),
    ingress: fc.option(fc.array(rule("from"), { maxLength: 2 }), { nil: undefined }),
    egress: fc.option(fc.array(rule("to"), { maxLength: 2 }), { nil: undefined }),
  },
  { requiredKeys: ["namespace", "podSelector"] },
);

export interface PolicySet {
  policies: Json[];
  namespaceLabels: Record<string, Record<string, string>>;
}

export const policySet: fc.Arbitrary<PolicySet> = fc
  .record({
    specs: fc.array(policy, { minLength: 1, maxLength: 4 }),
    teamOfA: fc.option(fc.constantFrom("x", "y"), { nil: undefined }),
  })
  .map(({ specs, teamOfA }) => ({
    policies: specs.map(({ namespace, ...spec }, i) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `p${i}`, namespace },
      spec,
    })),
    namespaceLabels: (teamOfA ? { a: { team: teamOfA } } : {}) as PolicySet["namespaceLabels"],
  }));

export const policySetText = (set: PolicySet): string =>
  [
    ...Object.entries(set.namespaceLabels).map(([name, labels]) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels },
    })),
    ...set.policies,
  ]
    // JSON, a YAML that kubectl reads with no YAML 1.1 surprises (`y` unquoted is a boolean there)
    .map((o) => `${JSON.stringify(o, null, 1)}\n`)
    .join("---\n");

const cidr = (text: string): Cidr => (parseCidr(text) as { cidr: Cidr }).cidr;

/** Whether the set asks for a named port and a number of the same protocol on opposite sides: a meeting with no exact form. */
function namedMeetsNumber(set: PolicySet): boolean {
  const ports = (direction: "ingress" | "egress") =>
    set.policies.flatMap((p) => ((p.spec[direction] ?? []) as Json[]).flatMap((r) => (r.ports ?? []) as Json[]));
  const named = (list: Json[]) => list.some((p) => typeof p.port === "string");
  const numbered = (list: Json[]) => list.some((p) => typeof p.port === "number");
  return (
    (named(ports("ingress")) && numbered(ports("egress"))) || (named(ports("egress")) && numbered(ports("ingress")))
  );
}

/**
 * The property: the import's own check finds the program exact (or, where a named port meets a
 * number, reports the difference with a pod giving the name a number), and the independent
 * evaluator agrees on random universes, flow by flow, between the input and the compiled output.
 */
export function checkImportedSet(set: PolicySet, universes = 3): void {
  const text = policySetText(set);
  const imported = importPolicies([{ path: "in.yaml", text }], {
    podCIDRs: [cidr(POD_CIDR)],
    serviceCIDRs: [cidr(SERVICE_CIDR)],
  });
  const sources = { "in.yaml": text, "imported.secpol": imported.program };
  if (imported.diagnostics.some((d) => d.severity === "error"))
    throw new Error(`the set was refused:\n${renderDiagnostics(imported.diagnostics, sources)}`);
  const checked = checkImport(imported, "imported.secpol");
  const rendered = () => `${renderDiagnostics(checked.diagnostics, sources)}\n${imported.program}`;
  if (!checked.exact) {
    const inexact = checked.diagnostics.find((d) => d.code === "SP3050");
    if (!inexact || !namedMeetsNumber(set) || !inexact.message.includes("(port "))
      throw new Error(`not exact:\n${rendered()}`);
    return;
  }
  const output = checked.files
    .filter((f) => f.path.endsWith("networkpolicies.yaml"))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
  const input = set.policies;
  const vocabulary = {
    ownedNamespaces: [...new Set([...input.map((p) => p.metadata.namespace), ...Object.keys(set.namespaceLabels)])].map(
      (name) => ({ name, labels: set.namespaceLabels[name] ?? {} }),
    ),
    otherNamespaces: ["c", "kube-system"],
    labelKeys: ["app", "tier", "team"],
    labelValues: ["x", "y", "z"],
    namedPorts: NAMED_PORTS,
    podCIDRs: [POD_CIDR],
  };
  const externals = ["192.168.1.1", "172.16.5.5", "10.1.2.3", "169.254.169.254", "8.8.8.8", "2001:db8::1"];
  fc.assert(
    fc.property(arbitraryUniverse(vocabulary), (universe) => {
      const ends = [...universe.pods.map((pod) => ({ pod })), ...externals.map((ip) => ({ ip }))];
      for (const src of ends) {
        for (const dst of ends) {
          if ("ip" in src && "ip" in dst) continue;
          for (const [protocol, p] of [
            ["TCP", 80],
            ["TCP", 8080],
            ["TCP", 8050],
            ["TCP", 443],
            ["UDP", 53],
            ["SCTP", 53],
            ["TCP", 53],
            ["UDP", 1],
          ] as const) {
            const flow: Flow = { src, dst, protocol, port: p };
            const options = { ipBlockMatchesPodIPs: false };
            const before = isFlowAllowed(input, universe, flow, options);
            const after = isFlowAllowed(output, universe, flow, options);
            if (before !== after)
              throw new Error(
                `${JSON.stringify(flow)}: the input ${before ? "admits" : "drops"} it, the compiled import ${after ? "admits" : "drops"} it\n${rendered()}`,
              );
          }
        }
      }
    }),
    { numRuns: universes, seed: 1 },
  );
}

export { addressIn };
