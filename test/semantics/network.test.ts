/**
 * The central property: for random programs, the emitted NetworkPolicies — evaluated by an
 * evaluator written from the Kubernetes API reference — permit exactly the flows the program means,
 * over generated universes that include namespaces and pods the program never named, and under both
 * CNI behaviours for ipBlocks (matching pod IPs or not).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { checkModel } from "../../src/pipeline.js";
import { parseIp } from "../../src/semantics/ip.js";
import { evaluateFlow, ownedNamespaceLabels, type Endpoint as MeaningEndpoint } from "../../src/semantics/meaning.js";
import type { Model } from "../../src/semantics/model.js";
import { isFlowAllowed, type Endpoint, type Flow, type Pod, type Universe } from "../support/netpol-eval.js";
import { arbitraryUniverse } from "../support/universe.js";
import { programArbitrary, type GeneratedProgram } from "../support/programs.js";

const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
const PORTS = [1, 53, 79, 80, 81, 443, 5432, 7999, 8000, 8040, 8080, 8081, 65535];
const EXTERNAL = [
  "8.8.8.8",
  "10.0.0.1",
  "10.255.255.255",
  "172.16.0.1",
  "172.17.3.4",
  "172.31.255.255",
  "192.168.1.7",
  "192.168.2.1",
  "169.254.169.254",
  "2001:db8::1",
  "fd00:ec2::254",
];

interface Case {
  program: GeneratedProgram;
  universe: Universe;
}

const cases = (withDeny: boolean): fc.Arbitrary<Case> =>
  programArbitrary(withDeny).chain((program) =>
    arbitraryUniverse({
      ownedNamespaces: ownedNamespacesOf(program),
      otherNamespaces: ["a", "b", "c", "ext", "kube-system"],
      labelKeys: program.labelKeys,
      labelValues: program.labelValues,
      namedPorts: program.namedPorts,
      podCIDRs: program.podCIDRs,
    }).map((universe) => ({ program, universe })),
  );

/** Owned namespaces and their labels as the compiled Namespace objects carry them. */
function ownedNamespacesOf(program: GeneratedProgram): { name: string; labels: Record<string, string> }[] {
  const checked = checkModel([{ path: "p.secpol", text: program.text }]);
  return (checked.model?.namespaces ?? []).map((n) => ({ name: n.name, labels: { ...n.labels } }));
}

const toMeaningEndpoint = (e: Endpoint): MeaningEndpoint => {
  if ("pod" in e) {
    const ports = e.pod.ports.map((p) => ({
      name: p.name,
      port: p.containerPort,
      protocol: p.protocol ?? ("TCP" as const),
    }));
    return { pod: { namespace: e.pod.namespace, labels: e.pod.labels, ports } };
  }
  const ip = parseIp(e.ip)!;
  return { ip: { family: ip.family, value: ip.value } };
};

// Addresses outside the cluster only: the generated programs' pod and service ranges
// (10.244.0.0/16, fd00:10:244::/56, 10.96.0.0/12) hold no external endpoint.
const externalAddresses = (): string[] => EXTERNAL;

let compiled = 0;
let checkedFlows = 0;

function checkCase({ program, universe }: Case, model: Model, policies: unknown[]): void {
  const namespaceLabels = ownedNamespaceLabels(
    model,
    (n) => universe.namespaces.find((x) => x.name === n)?.labels ?? {},
  );
  const endpoints: Endpoint[] = [
    ...universe.pods.map((pod: Pod) => ({ pod })),
    ...externalAddresses().map((ip) => ({ ip })),
  ];
  for (const src of endpoints) {
    for (const dst of endpoints) {
      if (!("pod" in src) && !("pod" in dst)) continue;
      for (const protocol of PROTOCOLS) {
        for (const port of PORTS) {
          const flow: Flow = { src, dst, protocol, port };
          const meant = evaluateFlow(
            model,
            { src: toMeaningEndpoint(src), dst: toMeaningEndpoint(dst), protocol, port },
            namespaceLabels,
          ).permitted;
          for (const ipBlockMatchesPodIPs of [false, true]) {
            const emitted = isFlowAllowed(policies, universe, flow, { ipBlockMatchesPodIPs });
            if (emitted !== meant) {
              assert.unreachable(
                `${describe(src)} -> ${describe(dst)} ${protocol}/${port}: the program ${meant ? "permits" : "forbids"} it, the policies ${emitted ? "permit" : "forbid"} it (ipBlock matches pod IPs: ${ipBlockMatchesPodIPs})\n--- program\n${program.text}`,
              );
            }
            checkedFlows++;
          }
        }
      }
    }
  }
}

const describe = (e: Endpoint) =>
  "pod" in e ? `${e.pod.namespace}/${e.pod.name}${JSON.stringify(e.pod.labels)}` : e.ip;

for (const withDeny of [false, true])
  test(`emitted policies permit exactly the program's flows (random programs of allow${withDeny ? " and deny" : ""} rules)`, () => {
    let attempts = 0;
    compiled = 0;
    fc.assert(
      fc.property(cases(withDeny), (c) => {
        attempts++;
        const result = build([{ path: "p.secpol", text: c.program.text }]);
        // the built-in translation validation never disagrees with the meaning on what compiles
        assert.not.ok(
          result.diagnostics.some((d) => d.code === "SP3007"),
          c.program.text,
        );
        if (result.files.length === 0) return; // the program has errors (e.g. a rule with no effect)
        compiled++;
        const { model } = checkModel([{ path: "p.secpol", text: c.program.text }]);
        const policies = result.files
          .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
          .filter((o) => o?.kind === "NetworkPolicy");
        checkCase(c, model!, policies);
      }),
      { numRuns: 120 },
    );
    assert.ok(compiled >= attempts / 3, `only ${compiled} of ${attempts} random programs compiled`);
    console.log(
      `  network property: ${compiled}/${attempts} programs compiled, ${checkedFlows} flow verdicts compared`,
    );
  });

test.run();
