// The benchmark's deterministic service topology, and its renderings: a `.secpol` program (one file
// per namespace plus cluster.secpol) and a JSON description that the peer variants read.
//
// N services over max(1, N/20) namespaces; each service calls 1–3 others, about a quarter of the
// calls across namespaces; each service listens on the port of its tier; every namespace is zero
// trust (default deny, both directions) and may resolve names (DNS egress to kube-system).
//
// Two shapes of the same size. `single`: every workload selected by one label (`app=NAME`), no deny,
// no label-selected namespace. `realistic`: workloads selected by two or three labels
// (`app.kubernetes.io/name` unique, `app.kubernetes.io/component` its tier, shared by about a fifth
// of a namespace's workloads, and for two thirds of them `app.kubernetes.io/part-of`); namespaces
// labelled with their team (five namespaces a team) and every tenth one `env=sandbox`; about a tenth
// of the calls across namespaces written as `ns(team=T)` peers (every pod of the caller's team's
// namespaces may call); each namespace with one deny: the cloud metadata address
// (169.254.169.254/32) from its pods, or (every other non-sandbox namespace) sandbox namespaces' pods
// into it.

/** mulberry32: a small, fast, seeded 32-bit PRNG; `next()` is uniform in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, for turning a textual seed into a 32-bit one. */
export function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Tiers, their weight among services, and the port a service of the tier listens on. */
export const TIERS = [
  { tier: "web", weight: 20, port: { name: "http", number: 8080 } },
  { tier: "api", weight: 35, port: { name: "http", number: 8080 } },
  { tier: "metrics", weight: 15, port: { name: "metrics", number: 9090 } },
  { tier: "postgres", weight: 15, port: { name: "postgres", number: 5432 } },
  { tier: "redis", weight: 15, port: { name: "redis", number: 6379 } },
];

export const CLUSTER = { version: "1.30", podCIDR: "10.244.0.0/16", serviceCIDR: "10.96.0.0/12" };
export const DNS = {
  namespace: "kube-system",
  labels: { "k8s-app": "kube-dns" },
  ports: [
    { protocol: "TCP", port: 53 },
    { protocol: "UDP", port: 53 },
  ],
};
export const CROSS_NAMESPACE_SHARE = 0.25;
/** realistic shape: the share of calls across namespaces written as `ns(team=T)` peers */
export const TEAM_CALL_SHARE = 0.1;
export const SHAPES = ["single", "realistic"];
const NAME_KEY = "app.kubernetes.io/name";
const COMPONENT_KEY = "app.kubernetes.io/component";
const PART_OF_KEY = "app.kubernetes.io/part-of";
export const METADATA_CIDR = "169.254.169.254/32";
export const WORLD_PORT = 443;

const pad = (i, width) => String(i).padStart(width, "0");

/**
 * The topology for `n` services: `{ n, seed, shape, namespaces: string[], services: Service[],
 * calls: Call[], namespaceLabels, teamCalls, denies }` where a Service is `{ name, namespace, tier,
 * labels, port: { name, number } }`, a Call is `{ from, to }` (indices into services). For the
 * realistic shape, `namespaceLabels[i]` are namespace i's labels, a team call `{ team, to }` lets
 * every pod of the team's namespaces call service `to`, and `denies[i]` is `"metadata"` or
 * `"sandbox"`, and `worldCalls` are the services that may reach `world` on 443. Deterministic in (n, seed, shape); the single shape's topology is the one this
 * bench always had.
 */
export function generateTopology(n, seed = "secpolc-bench", shape = "single") {
  if (!SHAPES.includes(shape)) throw new Error(`unknown shape ${shape}`);
  const realistic = shape === "realistic";
  const random = mulberry32(hash32(realistic ? `${seed}/${n}/realistic` : `${seed}/${n}`));
  const pick = (length) => Math.floor(random() * length);
  const nsCount = Math.max(1, Math.floor(n / 20));
  const nsWidth = Math.max(3, String(nsCount - 1).length);
  const svcWidth = Math.max(5, String(n - 1).length);
  const namespaces = Array.from({ length: nsCount }, (_, i) => `ns-${pad(i, nsWidth)}`);
  const totalWeight = TIERS.reduce((s, t) => s + t.weight, 0);
  const tierOf = () => {
    let r = random() * totalWeight;
    for (const t of TIERS) {
      if ((r -= t.weight) < 0) return t;
    }
    return TIERS[TIERS.length - 1];
  };
  // services are spread over the namespaces in contiguous blocks
  const members = namespaces.map(() => []);
  const services = Array.from({ length: n }, (_, i) => {
    const nsIndex = Math.min(nsCount - 1, Math.floor((i * nsCount) / n));
    const t = tierOf();
    const name = `svc-${pad(i, svcWidth)}`;
    members[nsIndex].push(i);
    const labels = realistic
      ? {
          [NAME_KEY]: name,
          [COMPONENT_KEY]: t.tier,
          ...(i % 3 !== 0 ? { [PART_OF_KEY]: `${namespaces[nsIndex]}-part-${(i >> 3) % 3}` } : {}),
        }
      : { app: name, tier: t.tier };
    // the labels the workload is selected by: in the single shape only `app`
    const selector = realistic ? labels : { app: name };
    return { name, namespace: namespaces[nsIndex], nsIndex, tier: t.tier, labels, selector, port: { ...t.port } };
  });
  const team = (nsIndex) => `team-${pad(Math.floor(nsIndex / 5), nsWidth)}`;
  const sandbox = (nsIndex) => realistic && nsIndex % 10 === 9;
  const namespaceLabels = namespaces.map((_, i) =>
    realistic ? { team: team(i), ...(sandbox(i) ? { env: "sandbox" } : {}) } : {},
  );
  // a non-sandbox namespace with an odd index denies sandbox namespaces' pods; the others the metadata address
  const denies = namespaces.map((_, i) =>
    !realistic ? undefined : i % 2 === 1 && !sandbox(i) ? "sandbox" : "metadata",
  );
  const denied = (fromNs, toNs) => sandbox(fromNs) && denies[toNs] === "sandbox";
  const calls = [];
  const teamCalls = [];
  const teamCallKeys = new Set();
  for (let i = 0; i < n; i++) {
    if (n < 2) break;
    const own = members[services[i].nsIndex];
    const wanted = 1 + pick(3);
    const chosen = new Set();
    for (let attempt = 0; chosen.size < wanted && attempt < 50; attempt++) {
      const cross = nsCount > 1 && (own.length < 2 || random() < CROSS_NAMESPACE_SHARE);
      let j;
      if (cross) {
        let other = pick(nsCount - 1);
        if (other >= services[i].nsIndex) other++;
        j = members[other][pick(members[other].length)];
      } else {
        j = own[pick(own.length)];
      }
      if (j === i || chosen.has(j)) continue;
      if (denied(services[i].nsIndex, services[j].nsIndex)) continue; // a call the callee's deny removes entirely
      chosen.add(j);
      if (realistic && cross && random() < TEAM_CALL_SHARE) {
        const key = `${team(services[i].nsIndex)}/${j}`;
        if (!teamCallKeys.has(key)) teamCalls.push({ team: team(services[i].nsIndex), from: i, to: j });
        teamCallKeys.add(key);
      } else {
        calls.push({ from: i, to: j });
      }
    }
  }
  // where the metadata address is denied, the namespace's first workload calls out to the world on 443
  const worldCalls = realistic
    ? members.filter((m, i) => m.length > 0 && denies[i] === "metadata").map((m) => m[0])
    : [];
  return {
    n,
    seed,
    shape,
    cluster: CLUSTER,
    dns: DNS,
    namespaces,
    namespaceLabels,
    services,
    calls,
    teamCalls,
    worldCalls,
    denies,
  };
}

/** Whether pods of a namespace with labels `from` are denied into namespace index `to`. */
export function deniedInto(topology, fromLabels, to) {
  return topology.denies?.[to] === "sandbox" && fromLabels.env === "sandbox";
}

const selectorText = (labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** Statistics of a topology, for the report. */
export function describeTopology(topology) {
  const cross = topology.calls.filter(
    (c) => topology.services[c.from].namespace !== topology.services[c.to].namespace,
  ).length;
  return {
    shape: topology.shape,
    services: topology.n,
    namespaces: topology.namespaces.length,
    calls: topology.calls.length + topology.teamCalls.length,
    crossNamespaceCalls: cross + topology.teamCalls.length,
    teamCalls: topology.teamCalls.length,
    denies: topology.denies.filter((d) => d !== undefined).length,
  };
}

/**
 * The program as `.secpol` files: `cluster.secpol`, and per namespace `<ns>.secpol` holding the
 * namespace block (posture and workloads) and the rules whose caller lives there. Returns
 * `[{ path, text }]`.
 */
export function toSecpol(topology) {
  const { cluster } = topology;
  const files = [
    {
      path: "cluster.secpol",
      text: `cluster { version ${cluster.version}; podCIDR ${cluster.podCIDR}; serviceCIDR ${cluster.serviceCIDR} }\n`,
    },
  ];
  const byNamespace = new Map(topology.namespaces.map((ns) => [ns, { workloads: [], rules: [] }]));
  for (const s of topology.services) {
    byNamespace
      .get(s.namespace)
      .workloads.push(`  workload ${s.name} ${selectorText(s.selector)} port ${s.port.name} ${s.port.number}`);
  }
  for (const c of topology.calls) {
    const from = topology.services[c.from];
    const to = topology.services[c.to];
    byNamespace
      .get(from.namespace)
      .rules.push(`allow ${from.namespace}/${from.name} -> ${to.namespace}/${to.name}: ${to.port.name}`);
  }
  for (const c of topology.teamCalls) {
    const to = topology.services[c.to];
    byNamespace
      .get(topology.services[c.from].namespace)
      .rules.push(`allow ns(team=${c.team}) -> ${to.namespace}/${to.name}: ${to.port.name}`);
  }
  for (const i of topology.worldCalls) {
    const from = topology.services[i];
    byNamespace.get(from.namespace).rules.push(`allow ${from.namespace}/${from.name} -> world: ${WORLD_PORT}`);
  }
  topology.namespaces.forEach((ns, i) => {
    const { workloads, rules } = byNamespace.get(ns);
    const labels =
      Object.keys(topology.namespaceLabels[i]).length > 0
        ? [
            `  labels ${Object.entries(topology.namespaceLabels[i])
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")}`,
          ]
        : [];
    const deny =
      topology.denies[i] === "metadata"
        ? [`deny ${ns}/* -> cidr ${METADATA_CIDR}`]
        : topology.denies[i] === "sandbox"
          ? [`deny ns(env=sandbox) -> ${ns}/*`]
          : [];
    const text = [
      `namespace ${ns} {`,
      "  default deny",
      ...labels,
      ...workloads,
      "}",
      "",
      ...rules,
      `allow ${ns}/* -> dns`,
      ...deny,
      "",
    ].join("\n");
    files.push({ path: `${ns}.secpol`, text });
  });
  return files;
}

/** The topology as the JSON the peer variants read (services without derived fields). */
export function toJson(topology) {
  return JSON.stringify({
    n: topology.n,
    cluster: topology.cluster,
    dns: topology.dns,
    shape: topology.shape,
    namespaces: topology.namespaces,
    namespaceLabels: topology.namespaceLabels,
    denies: topology.denies,
    services: topology.services.map((s) => ({
      name: s.name,
      namespace: s.namespace,
      nsIndex: s.nsIndex,
      labels: s.labels,
      selector: s.selector,
      port: s.port,
    })),
    calls: topology.calls.map((c) => [c.from, c.to]),
    teamCalls: topology.teamCalls.map((c) => ({ team: c.team, to: c.to })),
    worldCalls: topology.worldCalls,
  });
}
