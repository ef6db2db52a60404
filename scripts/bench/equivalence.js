// The benchmark's flow-equivalence check: before anything is timed, the NetworkPolicies secpolc
// emitted and the ones the peers emitted are evaluated with the independent evaluator
// (test/support/netpol-eval.ts) over a universe of the generated services, and must permit exactly
// the same flows — and exactly the topology's intent.
//
// Runs under `node --import tsx` (it imports the evaluator's TypeScript source).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isFlowAllowed, matchesLabelSelector } from "../../test/support/netpol-eval.ts";
import { deniedInto, METADATA_CIDR, mulberry32, hash32, WORLD_PORT } from "./topology.js";

const NAME_LABEL = "kubernetes.io/metadata.name";

/** Every object in the YAML (or JSON) files under `dir`, except kustomize's own files. */
export function readObjects(dir) {
  const objects = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        if (name !== "security") walk(path);
      } else if (name === "kustomization.yaml") {
        continue;
      } else if (name.endsWith(".json")) {
        const parsed = JSON.parse(readFileSync(path, "utf8"));
        objects.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
        for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
          if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
          const value = doc.toJS();
          if (value) objects.push(value);
        }
      }
    }
  };
  walk(dir);
  return objects;
}

/**
 * The universe: every service as one pod (its labels, its named container port, an address in the
 * pod range) in its namespace; the DNS pods in kube-system; per owned namespace a pod with no labels
 * and a near miss (the labels of the namespace's first service but another name); an unowned
 * namespace holding impostor pods that carry some services' labels (in the realistic shape two,
 * labelled with the first team, one of them a sandbox); and external addresses (the metadata
 * address too in the realistic shape). Owned namespaces carry `kubernetes.io/metadata.name`, the
 * topology's labels and the labels secpolc's Namespace objects give them.
 */
export function buildUniverse(topology, namespaceObjects) {
  const emittedLabels = new Map(namespaceObjects.map((o) => [o.metadata.name, o.metadata.labels ?? {}]));
  const realistic = topology.shape === "realistic";
  const firstTeam = topology.namespaceLabels?.[0]?.team;
  const unowned = realistic
    ? [
        { name: "bench-other", labels: { [NAME_LABEL]: "bench-other", team: firstTeam } },
        { name: "bench-sandbox", labels: { [NAME_LABEL]: "bench-sandbox", team: firstTeam, env: "sandbox" } },
      ]
    : [{ name: "bench-other", labels: { [NAME_LABEL]: "bench-other" } }];
  const namespaces = [
    ...topology.namespaces.map((name, i) => ({
      name,
      labels: { ...(topology.namespaceLabels?.[i] ?? {}), ...(emittedLabels.get(name) ?? {}), [NAME_LABEL]: name },
    })),
    { name: topology.dns.namespace, labels: { [NAME_LABEL]: topology.dns.namespace } },
    ...unowned,
  ];
  let address = 1;
  const ip = () => {
    const a = address++;
    return `10.244.${(a >> 8) & 255}.${a & 255}`;
  };
  const endpoints = [];
  topology.services.forEach((s, i) => {
    const pod = {
      name: s.name,
      namespace: s.namespace,
      labels: { ...s.labels },
      ips: [ip()],
      ports: [{ name: s.port.name, containerPort: s.port.number, protocol: "TCP" }],
    };
    endpoints.push({ kind: "service", index: i, owned: true, endpoint: { pod } });
  });
  const dns = {
    name: "coredns",
    namespace: topology.dns.namespace,
    labels: { ...topology.dns.labels },
    ips: [ip()],
    ports: [
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
    ],
  };
  endpoints.push({ kind: "dns", owned: false, endpoint: { pod: dns } });
  const firstService = new Map();
  for (const s of topology.services) if (!firstService.has(s.namespace)) firstService.set(s.namespace, s);
  for (const ns of topology.namespaces) {
    endpoints.push({
      kind: "stray",
      owned: true,
      endpoint: { pod: { name: `${ns}-stray`, namespace: ns, labels: {}, ips: [ip()], ports: [] } },
    });
    const s = firstService.get(ns);
    if (!s) continue;
    const labels = Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, v === s.name ? `${v}-x` : v]));
    const pod = {
      name: `${ns}-near-miss`,
      namespace: ns,
      labels,
      ips: [ip()],
      ports: [{ name: s.port.name, containerPort: s.port.number, protocol: "TCP" }],
    };
    endpoints.push({ kind: "stray", owned: true, endpoint: { pod } });
  }
  const random = mulberry32(hash32(`impostors/${topology.n}`));
  const impostors = Math.min(20, topology.services.length);
  for (let k = 0; k < impostors; k++) {
    const s = topology.services[Math.floor(random() * topology.services.length)];
    const pod = {
      name: `impostor-${k}`,
      namespace: unowned[k % unowned.length].name,
      labels: { ...s.labels },
      ips: [ip()],
      ports: [{ name: s.port.name, containerPort: s.port.number, protocol: "TCP" }],
    };
    endpoints.push({ kind: "impostor", owned: false, endpoint: { pod } });
  }
  endpoints.push({ kind: "external", owned: false, endpoint: { ip: "8.8.8.8" } });
  if (realistic) endpoints.push({ kind: "external", owned: false, endpoint: { ip: METADATA_CIDR.split("/")[0] } });
  return {
    universe: { namespaces, pods: endpoints.filter((e) => "pod" in e.endpoint).map((e) => e.endpoint.pod) },
    endpoints,
  };
}

/**
 * The ports checked: `core` (every port a service declares, and DNS) for every pair; `extra` (ports
 * nobody declared: each declared port's neighbour and its UDP twin, other protocols, the extremes)
 * all of them for the pairs that matter most (calls either way, DNS, non-service endpoints) and two
 * of them, in rotation, for the other pairs.
 */
export function portsToCheck(topology) {
  const declared = [...new Set(topology.services.map((s) => s.port.number))].sort((a, b) => a - b);
  const core = new Map();
  const extra = new Map();
  const add = (into, protocol, port) => {
    const key = `${protocol}/${port}`;
    if (!core.has(key) && !extra.has(key)) into.set(key, { protocol, port });
  };
  for (const p of declared) add(core, "TCP", p);
  for (const p of topology.dns.ports) add(core, p.protocol, p.port);
  if ((topology.worldCalls ?? []).length > 0) add(core, "TCP", WORLD_PORT);
  for (const p of declared) {
    add(extra, "TCP", p + 1);
    add(extra, "UDP", p);
  }
  for (const p of [1, 80, 443, 65535]) add(extra, "TCP", p);
  add(extra, "SCTP", declared[0] ?? 8080);
  return { core: [...core.values()], extra: [...extra.values()] };
}

/**
 * What the topology means: the verdict the program intends for a flow. `calls` holds the direct
 * calls, the team calls and the world calls; `labelsOf(namespace)` a namespace's labels.
 */
function intended(topology, calls, labelsOf, src, dst, protocol, port) {
  const called = calledBy();
  const toWorld =
    src.kind === "service" &&
    calls.world.has(src.index) &&
    dst.kind === "external" &&
    dst.endpoint.ip !== METADATA_CIDR.split("/")[0] &&
    protocol === "TCP" &&
    port === WORLD_PORT;
  const egressOk =
    !src.owned ||
    (dst.kind === "dns" && topology.dns.ports.some((p) => p.protocol === protocol && p.port === port)) ||
    called ||
    toWorld;
  const ingressOk = !dst.owned || called;
  return egressOk && ingressOk;
  function calledBy() {
    if (
      dst.kind !== "service" ||
      !("pod" in src.endpoint) ||
      protocol !== "TCP" ||
      port !== topology.services[dst.index].port.number
    )
      return false;
    const labels = labelsOf(src.endpoint.pod.namespace);
    if (deniedInto(topology, labels, topology.services[dst.index].nsIndex)) return false;
    return (
      (src.kind === "service" && calls.direct.has(src.index * topology.n + dst.index)) ||
      (labels.team !== undefined && calls.team.has(`${labels.team}/${dst.index}`))
    );
  }
}

/**
 * Compares the flows each policy set permits. `sets` is `[{ name, objects }]`. Checks every
 * (source, destination, port) when the endpoints number at most `fullUpTo`, and otherwise a sample:
 * every declared call and its reverse, and `samplePairs` random pairs (half within a namespace).
 * Returns `{ endpoints, ports, pairs, flows, mode, differing, differences: [first few] }`.
 */
export function compareFlows(topology, sets, { fullUpTo = 1200, samplePairs = 100_000, maxDifferences = 10 } = {}) {
  const namespaceObjects = sets[0].objects.filter((o) => o?.kind === "Namespace");
  const { universe, endpoints } = buildUniverse(topology, namespaceObjects);
  const ports = portsToCheck(topology);
  const callSet = new Set(
    topology.calls.map((c) => (Array.isArray(c) ? c[0] * topology.n + c[1] : c.from * topology.n + c.to)),
  );
  const calls = {
    direct: callSet,
    team: new Set((topology.teamCalls ?? []).map((c) => `${c.team}/${c.to}`)),
    world: new Set(topology.worldCalls ?? []),
  };
  const ipBlocks = sets.some((s) => JSON.stringify(s.objects).includes('"ipBlock"'));
  const cniModes = ipBlocks ? [false, true] : [false];

  // The policies that select each pod (exactly the evaluator's rule: same namespace, podSelector
  // matches). Only those can decide a flow that pod takes part in; passing just them to the
  // evaluator keeps the check fast without changing its verdicts.
  const selecting = sets.map((set) => {
    const policies = set.objects.filter((o) => o?.kind === "NetworkPolicy");
    const byNamespace = new Map();
    for (const p of policies) {
      const ns = p.metadata?.namespace;
      if (!byNamespace.has(ns)) byNamespace.set(ns, []);
      byNamespace.get(ns).push(p);
    }
    return endpoints.map((e) =>
      "pod" in e.endpoint
        ? (byNamespace.get(e.endpoint.pod.namespace) ?? []).filter((p) =>
            matchesLabelSelector(p.spec?.podSelector ?? {}, e.endpoint.pod.labels),
          )
        : [],
    );
  });

  // The evaluator reads only the namespaces of a flow's two endpoints (a peer is matched against
  // the other endpoint's namespace), so each pair gets a universe of just those: same verdicts, no
  // linear search over every namespace per peer.
  const namespaceByName = new Map(universe.namespaces.map((n) => [n.name, n]));
  const pairUniverse = (src, dst) => {
    const names = new Set([
      "pod" in src.endpoint ? src.endpoint.pod.namespace : undefined,
      "pod" in dst.endpoint ? dst.endpoint.pod.namespace : undefined,
    ]);
    return { namespaces: [...names].filter((n) => n !== undefined).map((n) => namespaceByName.get(n)), pods: [] };
  };

  const differences = [];
  let differing = 0;
  let flows = 0;
  let pairs = 0;
  const checkPair = (a, b) => {
    pairs++;
    const src = endpoints[a];
    const dst = endpoints[b];
    const local = pairUniverse(src, dst);
    const related =
      src.kind !== "service" ||
      dst.kind !== "service" ||
      callSet.has(src.index * topology.n + dst.index) ||
      callSet.has(dst.index * topology.n + src.index) ||
      calls.world.has(src.index);
    const extras = related ? ports.extra : [0, 1].map((k) => ports.extra[(pairs * 2 + k) % ports.extra.length]);
    for (const { protocol, port } of [...ports.core, ...extras]) {
      const flow = { src: src.endpoint, dst: dst.endpoint, protocol, port };
      const expected = intended(topology, calls, (ns) => namespaceByName.get(ns).labels, src, dst, protocol, port);
      for (const ipBlockMatchesPodIPs of cniModes) {
        flows++;
        const verdicts = sets.map((set, k) => {
          const relevant = a === b ? selecting[k][a] : [...selecting[k][a], ...selecting[k][b]];
          return isFlowAllowed(relevant, local, flow, { ipBlockMatchesPodIPs });
        });
        if (verdicts.every((v) => v === expected)) continue;
        differing++;
        if (differences.length < maxDifferences) {
          differences.push({
            flow: `${describe(src)} -> ${describe(dst)} on ${protocol}/${port}${ipBlocks ? ` (ipBlocks match pod IPs: ${ipBlockMatchesPodIPs})` : ""}`,
            intended: expected,
            verdicts: Object.fromEntries(sets.map((s, k) => [s.name, verdicts[k]])),
          });
        }
      }
    }
  };

  let mode;
  if (endpoints.length <= fullUpTo) {
    mode = "every pair";
    for (let a = 0; a < endpoints.length; a++) for (let b = 0; b < endpoints.length; b++) checkPair(a, b);
  } else {
    mode = `sample: every call and its reverse, every pod of a team call's namespaces, ${samplePairs} random pairs`;
    const random = mulberry32(hash32(`flows/${topology.n}`));
    const pick = (n) => Math.floor(random() * n);
    for (const c of topology.calls) {
      const [from, to] = Array.isArray(c) ? c : [c.from, c.to];
      checkPair(from, to);
      checkPair(to, from);
    }
    // the services' indices are their endpoint indices; the rest follow them
    const byNamespace = new Map();
    endpoints.forEach((e, i) => {
      if (!("pod" in e.endpoint)) return;
      const ns = e.endpoint.pod.namespace;
      if (!byNamespace.has(ns)) byNamespace.set(ns, []);
      byNamespace.get(ns).push(i);
    });
    // every pod of a team call's namespaces (and the unowned ones of the team) to its callee, both ways
    for (const { team, to } of topology.teamCalls ?? []) {
      for (const [ns, members] of byNamespace) {
        if (namespaceByName.get(ns).labels.team !== team) continue;
        for (const a of members) {
          checkPair(a, to);
          checkPair(to, a);
        }
      }
    }
    for (let k = 0; k < samplePairs; k++) {
      const a = pick(endpoints.length);
      let b;
      if (k % 2 === 0 && "pod" in endpoints[a].endpoint) {
        const same = byNamespace.get(endpoints[a].endpoint.pod.namespace);
        b = same[pick(same.length)];
      } else {
        b = pick(endpoints.length);
      }
      checkPair(a, b);
    }
    // and every endpoint that is not a service, against a sample of services both ways
    for (let a = topology.services.length; a < endpoints.length; a++) {
      for (let k = 0; k < 50; k++) {
        const b = pick(topology.services.length);
        checkPair(a, b);
        checkPair(b, a);
      }
    }
  }
  return {
    endpoints: endpoints.length,
    ports: ports.core.length + ports.extra.length,
    pairs,
    flows,
    mode,
    differing,
    differences,
  };

  function describe(e) {
    if (!("pod" in e.endpoint)) return e.endpoint.ip;
    const p = e.endpoint.pod;
    return `${p.namespace}/${p.name}{${Object.entries(p.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",")}}`;
  }
}

const canonical = (value) =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : value && typeof value === "object"
      ? `{${Object.keys(value)
          .filter((k) => value[k] !== undefined)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
          .join(",")}}`
      : JSON.stringify(value);

/**
 * Whether two object sets hold the same NetworkPolicies (key order aside), for the serialisation
 * floors, which are meant to be the cdk8s-plus variant's objects. Returns the first difference or
 * undefined.
 */
export function samePolicies(a, b) {
  const policies = (objects) =>
    new Map(
      objects
        .filter((o) => o?.kind === "NetworkPolicy")
        .map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, canonical(o)]),
    );
  const left = policies(a);
  const right = policies(b);
  if (left.size !== right.size) return `${left.size} NetworkPolicies against ${right.size}`;
  for (const [key, text] of left) {
    if (!right.has(key)) return `${key} is missing`;
    if (right.get(key) !== text) return `${key} differs:\n  ${text}\n  ${right.get(key)}`;
  }
  return undefined;
}
