/**
 * Random `.secpol` programs of allow rules and postures, as text, for the property tests. The
 * vocabulary is small on purpose: names and labels collide often, which is where bugs hide.
 */
import fc from "fast-check";

export const NAMESPACES = ["a", "b", "c"] as const;
export const OTHER_NAMESPACES = ["ext", "kube-system"] as const;
export const APPS = ["w1", "w2", "w3"] as const;
export const TEAMS = ["x", "y"] as const;

export interface GeneratedProgram {
  text: string;
  /** Labels and ports the program mentions, for building universes around it. */
  labelKeys: string[];
  labelValues: string[];
  namedPorts: { name: string; port: number; protocol: "TCP" | "UDP" | "SCTP" }[];
  podCIDRs: string[];
}

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

const posture = fc.constantFrom<string[]>(
  [],
  ["default deny"],
  ["default allow"],
  ["default deny ingress"],
  ["default deny egress"],
  ["default deny ingress", "default allow egress"],
  ["default allow ingress", "default deny egress"],
);

const workloadPosture = fc.constantFrom(undefined, "default deny ingress", "default allow ingress", "default deny egress", "default allow");

const namespaceBlock = fc.record({
  name: pick(NAMESPACES),
  team: fc.option(pick(TEAMS), { nil: undefined }),
  postures: posture,
  workloads: fc.uniqueArray(
    fc.record({ app: pick(APPS), port: fc.option(fc.constantFrom(8080, 5432, 53), { nil: undefined }), posture: workloadPosture }),
    { selector: (w) => w.app, maxLength: 3 },
  ),
});

/** Peers; workload references only name the workloads that `declared` holds (`ns/app`). */
const peerOf = (declared: string[]) =>
  fc.oneof(
    ...(declared.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...declared) }] : []),
    { weight: 1, arbitrary: pick(NAMESPACES).map((n) => `ns ${n}`) },
    { weight: 1, arbitrary: pick([...NAMESPACES, ...OTHER_NAMESPACES]).map((n) => `${n}/*`) },
    { weight: 1, arbitrary: pick(TEAMS).map((t) => `ns(team=${t})`) },
    { weight: 1, arbitrary: fc.tuple(pick(APPS), pick([...NAMESPACES, ...OTHER_NAMESPACES])).map(([a, n]) => `pods(app=${a}) in ns ${n}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(["tier=fe", "tier!=fe", "app in (w1, w2)", "app notin (w1)", "tier", "!tier"]), pick(TEAMS))
        .map(([s, t]) => `pods(${s}) in ns(team=${t})`),
    },
    { weight: 2, arbitrary: fc.constantFrom("cidr 172.16.0.0/12 except 172.17.0.0/16", "cidr 10.0.0.0/8", "cidr 192.168.1.0/24", "world", "cluster", "any", "dns") },
  );

const ports = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  { weight: 5, arbitrary: fc.constantFrom(": 80", ": 5432", ": 53/udp", ": 80, 443", ": 8000..8080", ": http", ": 8080, 53/udp", ": 1..65535/udp") },
);

const ruleOf = (declared: string[], actions: readonly ("allow" | "deny")[]) =>
  fc
    .record({
      action: fc.constantFrom(...actions),
      sources: fc.array(peerOf(declared), { minLength: 1, maxLength: 2 }),
      destinations: fc.array(peerOf(declared), { minLength: 1, maxLength: 2 }),
      ports,
    })
    .map((r) => `${r.action} ${r.sources.join(", ")} -> ${r.destinations.join(", ")}${r.ports}`);

/** Random programs; `withDeny` mixes deny rules in with the allows. */
export const programArbitrary = (withDeny: boolean): fc.Arbitrary<GeneratedProgram> => fc
  .record({
    version: fc.constantFrom("1.30", "1.21"),
    dualStack: fc.boolean(),
    namespaces: fc.uniqueArray(namespaceBlock, { selector: (n) => n.name, minLength: 1, maxLength: 3 }),
  })
  .chain((p) => {
    const declared = p.namespaces.flatMap((n) => n.workloads.map((w) => `${n.name}/${w.app}`));
    return fc.array(ruleOf(declared, withDeny ? ["allow", "deny"] : ["allow"]), { minLength: 1, maxLength: 5 }).map((rules) => ({ ...p, rules }));
  })
  .map(({ version, dualStack, namespaces, rules }) => {
    const podCIDRs = dualStack ? ["10.244.0.0/16", "fd00:10:244::/56"] : ["10.244.0.0/16"];
    const lines = [`cluster { version ${version}; podCIDR ${podCIDRs.join(", ")}; serviceCIDR 10.96.0.0/12 }`];
    for (const n of namespaces) {
      lines.push(`namespace ${n.name} {`);
      if (n.team) lines.push(`  labels team=${n.team}`);
      for (const p of n.postures) lines.push(`  ${p}`);
      for (const w of n.workloads) {
        lines.push(`  workload ${w.app} app=${w.app}${w.port ? ` port http ${w.port}` : ""}`);
        if (w.posture) lines.push(`  ${w.posture} for ${w.app}`);
      }
      lines.push("}");
    }
    lines.push(...rules);
    return {
      text: `${lines.join("\n")}\n`,
      labelKeys: ["app", "tier", "team", "k8s-app"],
      labelValues: [...APPS, ...TEAMS, "fe", "kube-dns"],
      namedPorts: [
        { name: "http", port: 8080, protocol: "TCP" as const },
        { name: "http", port: 80, protocol: "TCP" as const },
        { name: "dns", port: 53, protocol: "UDP" as const },
      ],
      podCIDRs,
    };
  });
