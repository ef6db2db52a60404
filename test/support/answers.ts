/**
 * The answers users read — `diff`, `explain` and `assert -/->` — checked against the independent
 * NetworkPolicy evaluator (netpol-eval.ts) on the policies the compiler emits, over generated
 * programs and universes, as the compiler itself is (test/semantics/network.test.ts). Shared by the
 * in-suite sample (test/semantics/answers.test.ts) and the campaign (`npm run fuzz`).
 *
 * - `diff`: a universe pod pair whose verdict went from denied to permitted (or back) on a port is
 *   reported as a gained (lost) flow between the regions holding the pair, on that port; and every
 *   reported change is real: its regions' representatives, put in a universe, change verdict.
 * - `explain`: every universe pair of the query's ends has the verdict the answer gives its region.
 * - `assert -/->`: it holds exactly when no universe pair of its ends is permitted, and when it
 *   fails, its counterexample, put in a universe, is permitted.
 * - the connectivity matrix (the playground's): every universe pod pair has, on every port, the
 *   verdict of the cell of the regions holding it.
 * A workload's pods carry its named ports (docs/decisions.md): universe pairs whose destination is
 * a workload's pod declaring other ports are skipped and counted. A pod of no workload may declare
 * any port name on any number: it is compared with the region of the names it declares on the port.
 */
import fc from "fast-check";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build, connectivityOf, explainQuery } from "../../src/index.js";
import { checkModel } from "../../src/pipeline.js";
import { diffPrograms, endpointOn, regionEndpoints, type NamedEndpoint } from "../../src/analysis/diff.js";
import { regionCounterexample } from "../../src/analysis/explain.js";
import { addressInBlock, formatAddress, parseIp } from "../../src/semantics/ip.js";
import { conjunctionMatches, type Labels } from "../../src/semantics/labels.js";
import { inEndpointSet, type Endpoint as MeaningEndpoint } from "../../src/semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Model } from "../../src/semantics/model.js";
import { universeRegions } from "../../src/semantics/universe.js";
import { isFlowAllowed, type Endpoint, type Pod, type Universe } from "./netpol-eval.js";
import { NAMESPACES, programArbitrary, type GeneratedProgram } from "./programs.js";
import { arbitraryUniverse } from "./universe.js";

export const PROTOCOLS = ["TCP", "UDP"] as const;
export const PORTS = [1, 53, 79, 80, 81, 443, 5432, 8000, 8080, 8081, 65535];
const EXTERNAL = ["8.8.8.8", "10.0.0.1", "172.16.0.1", "172.17.3.4", "192.168.1.7", "2001:db8::1"];

export const stats = { programs: 0, pairs: 0, skipped: 0, undecided: 0 };

/** The policies a program compiles to, or undefined when it has errors. */
export function policiesOf(text: string): unknown[] | undefined {
  const result = build([{ path: "p.secpol", text }]);
  if (result.files.length === 0) return undefined;
  return result.files
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
    .filter((o) => o?.kind === "NetworkPolicy");
}

const modelOf = (text: string): Model | undefined => checkModel([{ path: "p.secpol", text }]).model;

const toMeaning = (e: Endpoint): MeaningEndpoint => {
  if ("pod" in e)
    return {
      pod: {
        namespace: e.pod.namespace,
        labels: e.pod.labels,
        ports: e.pod.ports.map((p) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? "TCP" })),
      },
    };
  const ip = parseIp(e.ip)!;
  return { ip: { family: ip.family, value: ip.value } };
};

/** The universe's pods and a few external addresses. */
const endpointsOf = (u: Universe): Endpoint[] => [
  ...u.pods.map((pod: Pod) => ({ pod })),
  ...EXTERNAL.map((ip) => ({ ip })),
];

/**
 * Which selectors and blocks of the programs hold an endpoint: two endpoints in the same region have
 * the same key (the namespace's name, when some program owns it). `nsLabels` gives the namespaces'
 * labels in each program (an owned namespace's may differ between two versions).
 */
function regionKey(models: readonly Model[], nsLabels: readonly ((n: string) => Labels)[], e: MeaningEndpoint): string {
  if ("ip" in e) {
    const blocks = models.flatMap((m) =>
      [...m.rules, ...m.assertions].flatMap((r) => r.clauses.flatMap((c) => [...c.sources.ips, ...c.destinations.ips])),
    );
    return `ip${e.ip.family}:${blocks.map((b) => (addressInBlock(e.ip.family, e.ip.value, b) ? 1 : 0)).join("")}`;
  }
  const owned = models.some((m) => m.namespaces.some((n) => n.name === e.pod.namespace));
  const workloads = models
    .flatMap((m) => m.workloads)
    .map((w) => (w.namespace === e.pod.namespace && conjunctionMatches(w.pods, e.pod.labels) ? 1 : 0));
  const held = models.map((m, i) => {
    const labels = nsLabels[i](e.pod.namespace);
    const terms = [...m.rules, ...m.assertions].flatMap((r) =>
      r.clauses.flatMap((c) => [...c.sources.pods, ...c.destinations.pods]),
    );
    return terms
      .map(
        (t) =>
          (conjunctionMatches(t.namespaces, labels) ? 1 : 0) +
          (conjunctionMatches(t.namespaces, labels) && conjunctionMatches(t.pods, e.pod.labels) ? 2 : 0),
      )
      .join("");
  });
  return `pod:${owned ? e.pod.namespace : ""}:${held.join("|")}:${workloads.join("")}`;
}

/** Whether some clause names a port by name (only then do a pod's declared ports matter). */
const namesPorts = (models: readonly Model[]) =>
  models.some((m) => [...m.rules, ...m.assertions].some((r) => r.clauses.some((c) => c.ports.named.length > 0)));

/**
 * The destination region holding a universe pod on a flow's protocol and port, given the plain region
 * `plain` holding its labels: a pod of no workload is in the region of the port names it declares on
 * that port (as the clauses' named ports tell them apart); a workload's pod declaring other ports than
 * its workload is in none (undefined: regions take a workload's pods to declare its ports).
 */
function destinationOn(models: readonly Model[], destinations: readonly NamedEndpoint[]) {
  const clauses = models.flatMap((m) => [...m.rules, ...m.assertions]).flatMap((r) => r.clauses);
  const named = namesPorts(models);
  const admitting = (names: readonly { name?: string; protocol: string }[], protocol: string) =>
    clauses
      .map((c) =>
        c.ports.named.some(
          (n) => n.protocol === protocol && names.some((x) => x.name === n.name && x.protocol === protocol),
        )
          ? 1
          : 0,
      )
      .join("");
  const found = new Map<string, NamedEndpoint | undefined>();
  return (plain: NamedEndpoint, dst: MeaningEndpoint, protocol: string, port: number): NamedEndpoint | undefined => {
    if (!("pod" in dst) || !named) return plain;
    const pod = dst.pod;
    const declaring = pod.ports.filter((p) => p.protocol === protocol && p.port === port);
    const key = `${plain.name}\n${portsKey(dst)}\n${JSON.stringify(declaring)}`;
    if (found.has(key)) return found.get(key);
    let result: NamedEndpoint | undefined;
    if (
      models.some((m) =>
        m.workloads.some((w) => w.namespace === pod.namespace && conjunctionMatches(w.pods, pod.labels)),
      )
    ) {
      result = portsKey(plain.endpoint) === portsKey(dst) ? plain : undefined;
    } else {
      const declared = admitting(declaring, protocol);
      result = destinations.find(
        (e) => e.endpoint === plain.endpoint && admitting(e.portNames ?? [], protocol) === declared,
      );
      assert.ok(result, `no region of ${plain.name} declares ${JSON.stringify(pod.ports)} on ${protocol}/${port}`);
    }
    found.set(key, result);
    return result;
  };
}

const portsKey = (e: MeaningEndpoint) =>
  "pod" in e ? JSON.stringify([...e.pod.ports].map((p) => `${p.name}/${p.protocol}/${p.port}`).sort()) : "";

/** A universe holding exactly these representatives (and their namespaces, with their labels). */
function universeOf(
  endpoints: readonly MeaningEndpoint[],
  nsLabels: (n: string) => Labels,
): { universe: Universe; endpoints: Endpoint[] } {
  const namespaces = new Map<string, Record<string, string>>();
  const result: Endpoint[] = endpoints.map((e, i) => {
    if ("ip" in e) return { ip: formatAddress(e.ip.family, e.ip.value) };
    namespaces.set(e.pod.namespace, { ...nsLabels(e.pod.namespace) });
    return {
      pod: {
        name: `r${i}`,
        namespace: e.pod.namespace,
        labels: { ...e.pod.labels },
        ips: [],
        ports: e.pod.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
      },
    };
  });
  return {
    universe: {
      namespaces: [...namespaces].map(([name, labels]) => ({ name, labels })),
      pods: result.flatMap((e) => ("pod" in e ? [e.pod] : [])),
    },
    endpoints: result,
  };
}

const vocabulary = (program: GeneratedProgram, owned: { name: string; labels: Record<string, string> }[]) => ({
  ownedNamespaces: owned,
  otherNamespaces: ["a", "b", "c", "ext", "kube-system", "prod"],
  labelKeys: [...program.labelKeys, "purpose"],
  labelValues: [...program.labelValues, "production"],
  namedPorts: program.namedPorts,
  podCIDRs: program.podCIDRs,
});

/** Peers an assertion or a query names (pods and addresses, in the programs' vocabulary). */
const peer = fc.constantFrom(
  "a/w1",
  "b/w2",
  "ns a",
  "ns b",
  "ns ext",
  "c/*",
  "pods(app=w1) in ns ext",
  "pods(tier=fe) in ns(team=x)",
  "pods(app=w2) in ns a",
  "ns(purpose=production)",
  "cluster",
);

const edits = [
  "allow a/* -> b/*: 80",
  "deny ns a -> cidr 10.0.0.0/8",
  "allow pods(app=w1) in ns(team=x) -> world: 443",
  "allow cluster -> a/w1: 80",
  "allow ns(purpose=production) -> b/*: 8080",
  "namespace a {\n  default deny ingress\n}",
  "namespace b {\n  labels team=y\n}",
  "namespace a {\n  labels team=x\n}",
  "namespace c {\n  labels purpose=production\n}",
  "deny pods(tier=fe) in ns a -> cluster: 53/udp",
  "allow b/* -> cluster: http",
  "deny ns(team=x) -> c/*: http",
];

/** A program, an edit of it (a line dropped or a rule added) and a universe for both. */
export const diffCase = programArbitrary(true).chain((program) =>
  fc.tuple(fc.nat(), fc.constantFrom(...edits), fc.boolean()).chain(([at, added, drop]) => {
    const lines = program.text.trimEnd().split("\n");
    const after = `${(drop && lines.length > 2 ? [...lines.slice(0, 1 + (at % (lines.length - 1))), ...lines.slice(2 + (at % (lines.length - 1)))] : [...lines, added]).join("\n")}\n`;
    const owned = [...(modelOf(program.text)?.namespaces ?? []), ...(modelOf(after)?.namespaces ?? [])].map((n) => ({
      name: n.name,
      labels: { ...n.labels },
    }));
    const unique = [...new Map(owned.map((n) => [n.name, n])).values()];
    return arbitraryUniverse(vocabulary(program, unique)).map((universe) => ({
      before: program.text,
      after,
      universe,
    }));
  }),
);

export function checkDiff({ before, after, universe }: { before: string; after: string; universe: Universe }): void {
  const old = modelOf(before);
  const current = modelOf(after);
  const policiesBefore = policiesOf(before);
  const policiesAfter = policiesOf(after);
  if (!old || !current || !policiesBefore || !policiesAfter) return;
  const diff = diffPrograms(old, current);
  if ("tooMany" in diff) {
    stats.undecided++;
    return;
  }
  stats.programs++;
  const context = `before:\n${before}\nafter:\n${after}`;
  // the cluster before and after: an owned namespace carries each version's labels
  const universes = [0, 1].map((i) => versionOf(universe, [old, current], i));
  const nsLabels = universes.map(
    (u) => (n: string) => u.namespaces.find((x) => x.name === n)?.labels ?? { [NAMESPACE_NAME_LABEL]: n },
  );
  const byKey = new Map<string, NamedEndpoint>();
  const regions = universeRegions([old, current]);
  assert.ok(!("tooMany" in regions));
  const repLabels = [0, 1].map(
    (i) => (n: string) => regions.namespaces.find((x) => x.name === n)?.labels[i] ?? { [NAMESPACE_NAME_LABEL]: n },
  );
  const destinations = regionEndpoints(regions, true);
  for (const e of destinations) if (!e.portNames) byKey.set(regionKey([old, current], repLabels, e.endpoint), e);
  const regionOn = destinationOn([old, current], destinations);
  const reported = (list: typeof diff.gained, src: string, dst: string, protocol: string, port: number) =>
    list.some((c) => c.source === src && c.destination === dst && c.ports.some((p) => inPortText(p, protocol, port)));
  const all = endpointsOf(universe);
  for (const src of all) {
    for (const dst of all) {
      if (!("pod" in src) && !("pod" in dst)) continue;
      const s = byKey.get(regionKey([old, current], nsLabels, toMeaning(src)));
      const d = byKey.get(regionKey([old, current], nsLabels, toMeaning(dst)));
      assert.ok(s && d, `no region holds ${JSON.stringify(src)} or ${JSON.stringify(dst)}\n${context}`);
      for (const protocol of PROTOCOLS) {
        for (const port of PORTS) {
          const on = regionOn(d, toMeaning(dst), protocol, port);
          if (!on) {
            stats.skipped++;
            continue;
          }
          const flow = { src, dst, protocol, port };
          const was = isFlowAllowed(policiesBefore, universes[0], flow, { ipBlockMatchesPodIPs: false });
          const is = isFlowAllowed(policiesAfter, universes[1], flow, { ipBlockMatchesPodIPs: false });
          stats.pairs++;
          if (was === is) continue;
          assert.ok(
            reported(is ? diff.gained : diff.lost, s.name, on.name, protocol, port),
            `${s.name} -> ${on.name} ${protocol}/${port} was ${was}, is ${is}: not reported\n${context}`,
          );
        }
      }
    }
  }
  // every change reported is real: the representatives of its regions change verdict on its first port
  for (const [list, gained] of [
    [diff.gained, true],
    [diff.lost, false],
  ] as const) {
    for (const c of list) {
      const src = destinations.find((e) => e.name === c.source)!;
      const dst = destinations.find((e) => e.name === c.destination)!;
      const [protocol, port] = firstPort(c.ports[0]);
      const [was, is] = [policiesBefore, policiesAfter].map((policies, i) => {
        const { universe: u, endpoints } = universeOf([src.endpoint, endpointOn(dst, protocol, port)], repLabels[i]);
        return isFlowAllowed(
          policies,
          u,
          { src: endpoints[0], dst: endpoints[1], protocol, port },
          { ipBlockMatchesPodIPs: false },
        );
      });
      assert.equal([was, is], [!gained, gained], `${c.source} -> ${c.destination} ${c.ports[0]}\n${context}`);
    }
  }
}

/**
 * The universe as the i-th program's cluster: a namespace that program owns carries its labels; one
 * only the other version owns carries the other's (as the regions take it).
 */
function versionOf(universe: Universe, models: readonly Model[], i: number): Universe {
  const owned = (n: string) =>
    models[i].namespaces.find((x) => x.name === n) ??
    models.find((m) => m.namespaces.some((x) => x.name === n))?.namespaces.find((x) => x.name === n);
  const namespaces = universe.namespaces.map((n) => {
    const o = owned(n.name);
    return o ? { name: n.name, labels: { ...o.labels, [NAMESPACE_NAME_LABEL]: n.name } } : n;
  });
  return { ...universe, namespaces };
}

function inPortText(text: string, protocol: string, port: number): boolean {
  const [range, p] = text.split("/");
  const [from, to] = range.split("..").map(Number);
  return p === protocol.toLowerCase() && port >= from && port <= (to ?? from);
}

const firstPort = (text: string): ["TCP" | "UDP" | "SCTP", number] => [
  text.split("/")[1].toUpperCase() as "TCP",
  Number(text.split("/")[0].split("..")[0]),
];

/** A program, an assertion `-/->` or a query between two peers, and a universe. */
export const queryCase = programArbitrary(true).chain((program) =>
  fc
    .tuple(peer, peer, fc.constantFrom("", ": 80", ": 53/udp", ": 8080", ": 1..1000", ": http"))
    .chain(([src, dst, ports]) => {
      const owned = (modelOf(program.text)?.namespaces ?? []).map((n) => ({ name: n.name, labels: { ...n.labels } }));
      return arbitraryUniverse(vocabulary(program, owned)).map((universe) => ({
        program: program.text,
        src,
        dst,
        ports,
        universe,
      }));
    }),
);

export function checkAssertion({
  program,
  src,
  dst,
  ports,
  universe,
}: {
  program: string;
  src: string;
  dst: string;
  ports: string;
  universe: Universe;
}): void {
  const policies = policiesOf(program);
  const text = `${program}assert ${src} -/-> ${dst}${ports}\n`;
  const model = checkModel([{ path: "p.secpol", text }]);
  if (!policies || !model) return;
  const { diagnostics } = model;
  if (diagnostics.some((d) => d.code === "SP3030")) {
    stats.undecided++;
    return;
  }
  if (diagnostics.some((d) => d.severity === "error" && d.code !== "SP3008")) return;
  stats.programs++;
  const failed = diagnostics.some((d) => d.code === "SP3008");
  // the assertion's clauses, from the program with the assertion checked as a query (no error)
  const queried = checkModel(
    [
      { path: "p.secpol", text: program },
      { path: "q", text: `assert ${src} -/-> ${dst}${ports}\n` },
    ],
    {},
    "q",
  ).model!;
  const assertion = queried.assertions.find((a) => a.span.file === "q")!;
  const nsLabels = (n: string) =>
    universe.namespaces.find((x) => x.name === n)?.labels ?? { [NAMESPACE_NAME_LABEL]: n };
  for (const clause of assertion.clauses) {
    for (const s of endpointsOf(universe)) {
      for (const d of endpointsOf(universe)) {
        if (!("pod" in s) && !("pod" in d)) continue;
        if (
          !inEndpointSet(clause.sources, toMeaning(s), nsLabels) ||
          !inEndpointSet(clause.destinations, toMeaning(d), nsLabels)
        )
          continue;
        for (const protocol of PROTOCOLS) {
          for (const port of PORTS) {
            if (!portIn(clause.ports, protocol, port, toMeaning(d))) continue;
            stats.pairs++;
            if (isFlowAllowed(policies, universe, { src: s, dst: d, protocol, port }, { ipBlockMatchesPodIPs: false }))
              assert.ok(
                failed,
                `assert ${src} -/-> ${dst}${ports} holds, but ${JSON.stringify(s)} -> ${JSON.stringify(d)} ${protocol}/${port} is allowed\n${program}`,
              );
          }
        }
      }
    }
  }
  if (!failed) return;
  // the counterexample is real
  const regions = universeRegions([queried]);
  assert.ok(!("tooMany" in regions));
  const found = regionCounterexample(queried, regions, assertion.clauses);
  assert.ok(found, `assert ${src} -/-> ${dst}${ports} failed without a counterexample\n${program}`);
  const repLabels = (n: string) =>
    regions.namespaces.find((x) => x.name === n)?.labels[0] ?? { [NAMESPACE_NAME_LABEL]: n };
  const { universe: u, endpoints } = universeOf([found.flow.src, found.flow.dst], repLabels);
  assert.ok(
    isFlowAllowed(
      policies,
      u,
      { src: endpoints[0], dst: endpoints[1], protocol: found.flow.protocol, port: found.flow.port },
      { ipBlockMatchesPodIPs: false },
    ),
    `${found.text} is not allowed by the policies\n${program}`,
  );
}

const portIn = (
  ports: import("../../src/semantics/ports.js").PortSet,
  protocol: "TCP" | "UDP",
  port: number,
  dst: MeaningEndpoint,
) =>
  ports.numeric[protocol].some((r) => port >= r.from && port <= r.to) ||
  ports.named.some(
    (n) =>
      n.protocol === protocol &&
      "pod" in dst &&
      dst.pod.ports.some((p) => p.name === n.name && p.protocol === protocol && p.port === port),
  );

export function checkExplain({
  program,
  src,
  dst,
  ports,
  universe,
}: {
  program: string;
  src: string;
  dst: string;
  ports: string;
  universe: Universe;
}): void {
  const policies = policiesOf(program);
  if (!policies) return;
  const port =
    ports === ": 53/udp"
      ? { protocol: "UDP" as const, port: 53 }
      : { protocol: "TCP" as const, port: ports === ": 8080" ? 8080 : 80 };
  const query = `${src} -> ${dst}:${port.port}/${port.protocol.toLowerCase()}`;
  const result = explainQuery([{ path: "p.secpol", text: program }], query);
  if (result.diagnostics.some((d) => d.code === "SP3030")) {
    stats.undecided++;
    return;
  }
  if (!result.explanation) return;
  stats.programs++;
  const queried = checkModel(
    [
      { path: "p.secpol", text: program },
      { path: "q", text: `assert ${src} -> ${dst}: ${port.port}/${port.protocol.toLowerCase()}\n` },
    ],
    {},
    "q",
  ).model!;
  const clause = queried.assertions.find((a) => a.span.file === "q")!.clauses[0];
  const { regionOf, regionOn, nsLabels } = regionsIn(queried, universe);
  const { explanation } = result;
  for (const s of endpointsOf(universe)) {
    for (const d of endpointsOf(universe)) {
      if (!("pod" in s) && !("pod" in d)) continue;
      if (
        !inEndpointSet(clause.sources, toMeaning(s), nsLabels) ||
        !inEndpointSet(clause.destinations, toMeaning(d), nsLabels)
      )
        continue;
      const sr = regionOf(s)!;
      const dr = regionOn(regionOf(d)!, toMeaning(d), port.protocol, port.port);
      if (!dr) {
        stats.skipped++;
        continue;
      }
      stats.pairs++;
      const allowed = isFlowAllowed(policies, universe, { src: s, dst: d, ...port }, { ipBlockMatchesPodIPs: false });
      const expected = explanation.cases
        ? explanation.cases.find((c) => c.flow === `${sr.name} -> ${dr.name}`)?.permitted
        : explanation.permitted;
      assert.is(
        allowed,
        expected,
        `explain ${query}: ${sr.name} -> ${dr.name}\n${JSON.stringify(explanation.cases)}\n${program}`,
      );
    }
  }
}

/**
 * Often a last rule opening a namespace's pods by port name (`-> c/*: http`): it admits only the
 * pods of no workload declaring `http`, which the matrix gives columns of their own (rarely made by
 * the program generator alone).
 */
const byPortName = fc.option(
  fc
    .tuple(fc.constantFrom("any", "a/*", "ns b", "cluster"), fc.constantFrom(...NAMESPACES))
    .map(([from, to]) => `allow ${from} -> ${to}/*: http\n`),
  { nil: "" },
);

/** A program and a universe (for the connectivity matrix). */
export const matrixCase = fc.tuple(programArbitrary(true), byPortName).chain(([generated, rule]) => {
  const program = { ...generated, text: generated.text + rule };
  const owned = (modelOf(program.text)?.namespaces ?? []).map((n) => ({ name: n.name, labels: { ...n.labels } }));
  return arbitraryUniverse(vocabulary(program, owned)).map((universe) => ({ program: program.text, universe }));
});

export function checkMatrix({ program, universe }: { program: string; universe: Universe }): void {
  const policies = policiesOf(program);
  const result = connectivityOf([{ path: "p.secpol", text: program }]);
  const model = modelOf(program);
  if (result.diagnostics.some((d) => d.code === "SP3030")) {
    stats.undecided++;
    return;
  }
  if (!policies || !model || !result.connectivity) return;
  stats.programs++;
  const { rows, columns, cells } = result.connectivity;
  const { regionOf, regionOn } = regionsIn(model, universe);
  for (const s of endpointsOf(universe)) {
    for (const d of endpointsOf(universe)) {
      if (!("pod" in s) && !("pod" in d)) continue;
      const sr = regionOf(s);
      const plain = regionOf(d);
      assert.ok(sr && plain, `no region holds ${JSON.stringify(s)} or ${JSON.stringify(d)}\n${program}`);
      for (const protocol of PROTOCOLS) {
        for (const port of PORTS) {
          const dr = regionOn(plain, toMeaning(d), protocol, port);
          if (!dr) {
            stats.skipped++;
            continue;
          }
          // a column of pods declaring port names is left out when it is its plain column
          const column =
            columns.includes(dr.name) || !dr.portNames ? columns.indexOf(dr.name) : columns.indexOf(plain.name);
          const row = rows.indexOf(sr.name);
          assert.ok(row >= 0, `the matrix has no row for ${sr.name}\n${program}`);
          assert.ok(column >= 0, `the matrix has no column for ${dr.name} (${JSON.stringify(d)})\n${program}`);
          const cell = cells[row][column]!;
          const permitted = cell.permitted.some((p) => inPortText(p, protocol, port));
          assert.ok(
            permitted || cell.denied.some((p) => inPortText(p, protocol, port)),
            `${sr.name} -> ${dr.name}: ${protocol}/${port} is in no list of its cell\n${program}`,
          );
          stats.pairs++;
          assert.is(
            isFlowAllowed(policies, universe, { src: s, dst: d, protocol, port }, { ipBlockMatchesPodIPs: false }),
            permitted,
            `${sr.name} -> ${dr.name} ${protocol}/${port} (${JSON.stringify(s)} -> ${JSON.stringify(d)})\n${program}`,
          );
        }
      }
    }
  }
}

/**
 * The regions of one program, as the universe's endpoints fall into them: `regionOf` the plain
 * region holding an endpoint, `regionOn` a destination's on a flow's protocol and port.
 */
function regionsIn(model: Model, universe: Universe) {
  const regions = universeRegions([model]);
  assert.ok(!("tooMany" in regions));
  const repLabels = (n: string) =>
    regions.namespaces.find((x) => x.name === n)?.labels[0] ?? { [NAMESPACE_NAME_LABEL]: n };
  const destinations = regionEndpoints(regions, true);
  const byKey = new Map(
    destinations.filter((e) => !e.portNames).map((e) => [regionKey([model], [repLabels], e.endpoint), e]),
  );
  const nsLabels = (n: string) =>
    universe.namespaces.find((x) => x.name === n)?.labels ?? { [NAMESPACE_NAME_LABEL]: n };
  return {
    regionOf: (e: Endpoint) => byKey.get(regionKey([model], [nsLabels], toMeaning(e))),
    regionOn: destinationOn([model], destinations),
    nsLabels,
  };
}
