// The benchmark's deterministic service topology, and its renderings: a `.secpol` program (one file
// per namespace plus cluster.secpol) and a JSON description that the peer variants read.
//
// N services over max(1, N/20) namespaces; each service calls 1–3 others, about a quarter of the
// calls across namespaces; each service listens on the port of its tier; every namespace is zero
// trust (default deny, both directions) and may resolve names (DNS egress to kube-system).

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
export const DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ports: [{ protocol: "TCP", port: 53 }, { protocol: "UDP", port: 53 }] };
export const CROSS_NAMESPACE_SHARE = 0.25;

const pad = (i, width) => String(i).padStart(width, "0");

/**
 * The topology for `n` services: `{ n, seed, namespaces: string[], services: Service[], calls: Call[] }`
 * where a Service is `{ name, namespace, tier, labels, port: { name, number } }` and a Call is
 * `{ from, to }` (indices into services). Deterministic in (n, seed).
 */
export function generateTopology(n, seed = "secpolc-bench") {
  const random = mulberry32(hash32(`${seed}/${n}`));
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
    return { name, namespace: namespaces[nsIndex], nsIndex, tier: t.tier, labels: { app: name, tier: t.tier }, port: { ...t.port } };
  });
  const calls = [];
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
      chosen.add(j);
      calls.push({ from: i, to: j });
    }
  }
  return { n, seed, cluster: CLUSTER, dns: DNS, namespaces, services, calls };
}

/** Statistics of a topology, for the report. */
export function describeTopology(topology) {
  const cross = topology.calls.filter((c) => topology.services[c.from].namespace !== topology.services[c.to].namespace).length;
  return { services: topology.n, namespaces: topology.namespaces.length, calls: topology.calls.length, crossNamespaceCalls: cross };
}

/**
 * The program as `.secpol` files: `cluster.secpol`, and per namespace `<ns>.secpol` holding the
 * namespace block (posture and workloads) and the rules whose caller lives there. Returns
 * `[{ path, text }]`.
 */
export function toSecpol(topology) {
  const { cluster } = topology;
  const files = [
    { path: "cluster.secpol", text: `cluster { version ${cluster.version}; podCIDR ${cluster.podCIDR}; serviceCIDR ${cluster.serviceCIDR} }\n` },
  ];
  const byNamespace = new Map(topology.namespaces.map((ns) => [ns, { workloads: [], rules: [] }]));
  for (const s of topology.services) {
    byNamespace.get(s.namespace).workloads.push(`  workload ${s.name} app=${s.name} port ${s.port.name} ${s.port.number}`);
  }
  for (const c of topology.calls) {
    const from = topology.services[c.from];
    const to = topology.services[c.to];
    byNamespace.get(from.namespace).rules.push(`allow ${from.namespace}/${from.name} -> ${to.namespace}/${to.name}: ${to.port.name}`);
  }
  for (const [ns, { workloads, rules }] of byNamespace) {
    const text = [`namespace ${ns} {`, "  default deny", ...workloads, "}", "", ...rules, `allow ${ns}/* -> dns`, ""].join("\n");
    files.push({ path: `${ns}.secpol`, text });
  }
  return files;
}

/** The topology as the JSON the peer variants read (services without derived fields). */
export function toJson(topology) {
  return JSON.stringify({
    n: topology.n,
    cluster: topology.cluster,
    dns: topology.dns,
    namespaces: topology.namespaces,
    services: topology.services.map((s) => ({ name: s.name, namespace: s.namespace, labels: s.labels, port: s.port })),
    calls: topology.calls.map((c) => [c.from, c.to]),
  });
}
