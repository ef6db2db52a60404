/**
 * The NetworkPolicy writer (src/output/policy-yaml.ts) writes what the general YAML writer writes:
 * on every NetworkPolicy of the golden files, on fuzzed policies of the compiler's shape sharing
 * their parts between objects, and on policies of other shapes (which it leaves to the general
 * writer); its texts of shared parts are kept for one `writeOutput` call only; and a source
 * annotation it takes as plain without reading it is one `namePlain` takes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { plainPlaces, policyLines, PolicyTexts } from "../../src/output/policy-yaml.js";
import { namePlain, toYaml, toYamlSlow, writesPlain } from "../../src/output/yaml.js";
import { sourceAnnotation, writeOutput } from "../../src/output/layout.js";
import type { Manifest } from "../../src/output/manifest.js";
import type { Span } from "../../src/diagnostics/diagnostic.js";
import { testRoot } from "../support/baseline.js";

/**
 * `policyLines`' text, or undefined where it leaves the object to the general writer; `next`, as
 * a document after another (its text then starts with the `---` line, taken off here).
 */
function written(o: unknown, texts = new PolicyTexts(), plainSource = false, next = false): string | undefined {
  const out = ["x"];
  if (!policyLines(o, out, texts, plainSource, next)) {
    assert.equal(out, ["x"], "out as it was");
    return undefined;
  }
  const text = `${out.slice(1).join("\n")}\n`;
  if (!next) return text;
  assert.ok(text.startsWith("---\n"), "the separator first");
  return text.slice(4);
}

function goldenPolicies(): Record<string, unknown>[] {
  const dir = join(testRoot, "baselines", "examples");
  const objects: Record<string, unknown>[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml")))
    for (const part of readFileSync(join(dir, f), "utf8")
      .split(/^--- .*$/m)
      .filter((p) => p.trim() !== ""))
      for (const d of parseAllDocuments(part)) {
        const o = d.toJS() as Record<string, unknown> | null;
        if (o !== null && o.kind === "NetworkPolicy") objects.push(o);
      }
  return objects;
}

test("every NetworkPolicy of every golden file: taken, and written as the general writer writes it", () => {
  const policies = goldenPolicies();
  assert.ok(policies.length > 30, `${policies.length} policies`);
  const texts = new PolicyTexts();
  // twice with the same texts: the second time from the kept parts
  for (const [i, o] of [...policies, ...policies].entries()) {
    const text = written(o, texts, false, i % 3 === 1);
    assert.ok(text !== undefined, JSON.stringify(o));
    assert.fixture(text!, toYamlSlow(o));
  }
});

// policies of the compiler's shape, their parts shared between them
const word = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/),
  fc.constantFrom("yes", "1.30", "a: b", "x #y", "", "üñî", "-", "null", "svc-1", "a\nb", "8080"),
);
const selector = fc.oneof(
  fc.constant({}),
  fc.dictionary(word, word, { minKeys: 1, maxKeys: 3 }).map((matchLabels) => ({ matchLabels })),
  fc
    .record({
      key: word,
      operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist"),
      values: fc.array(word, { maxLength: 2 }),
    })
    .map((e) => ({ matchExpressions: [e] })),
);
const peer = fc.oneof(
  selector.map((podSelector) => ({ podSelector })),
  fc.tuple(selector, selector).map(([namespaceSelector, podSelector]) => ({ namespaceSelector, podSelector })),
  selector.map((namespaceSelector) => ({ namespaceSelector })),
  fc
    .tuple(fc.constantFrom("10.0.0.0/8", "::/0", "0.0.0.0/0"), fc.array(fc.constantFrom("10.1.0.0/16", "::1/128")))
    .map(([cidr, except]) => ({ ipBlock: except.length > 0 ? { cidr, except } : { cidr } })),
);
const port = fc.oneof(
  fc.record({ protocol: fc.constantFrom("TCP", "UDP", "SCTP") }),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP"), port: fc.oneof(fc.integer({ min: 1, max: 65535 }), word) }),
  fc.record({ protocol: fc.constant("TCP"), port: fc.integer({ min: 1, max: 99 }), endPort: fc.constant(100) }),
);

/** Lists of policies drawing their peers, port lists and `policyTypes` from shared pools. */
const policies = fc
  .record({
    peers: fc.array(peer, { minLength: 1, maxLength: 4 }),
    ports: fc.array(fc.array(port, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    names: fc.array(word, { minLength: 1, maxLength: 3 }),
    shapes: fc.array(
      fc.record({
        name: fc.nat(),
        source: word,
        selector,
        types: fc.constantFrom<string[]>(["Ingress"], ["Egress"], ["Ingress", "Egress"]),
        ingress: fc.array(fc.record({ peers: fc.array(fc.nat(), { maxLength: 3 }), ports: fc.option(fc.nat()) })),
        egress: fc.array(fc.record({ peers: fc.array(fc.nat(), { maxLength: 3 }), ports: fc.option(fc.nat()) })),
        order: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ peers, ports, names, shapes }) => {
    const types = new Map<string, string[]>();
    return shapes.map((s) => {
      const rules = (list: typeof s.ingress, key: "from" | "to") =>
        list
          .map((r) => {
            const rule: Record<string, unknown> = {};
            const ruleDirect = r.peers.map((i) => peers[i % peers.length]);
            const rulePorts = r.ports === null ? undefined : ports[r.ports % ports.length];
            // either order of the keys, as written
            if (s.order && rulePorts) rule.ports = rulePorts;
            if (ruleDirect.length > 0) rule[key] = ruleDirect;
            if (!s.order && rulePorts) rule.ports = rulePorts;
            return rule;
          })
          .filter((r) => Object.keys(r).length > 0);
      const spec: Record<string, unknown> = { podSelector: s.selector };
      const key = s.types.join();
      if (!types.has(key)) types.set(key, s.types);
      spec.policyTypes = types.get(key);
      const ingress = rules(s.ingress, "from");
      const egress = rules(s.egress, "to");
      if (ingress.length > 0) spec.ingress = ingress;
      if (egress.length > 0) spec.egress = egress;
      return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: {
          name: names[s.name % names.length],
          namespace: names[(s.name + 1) % names.length],
          labels: { "app.kubernetes.io/managed-by": "secpolc" },
          annotations: { "secpol.dev/source": s.source },
        },
        spec,
      };
    });
  });

test("fuzzed policies sharing peers, port lists and policyTypes: taken, and written as the general writer writes them", () => {
  fc.assert(
    fc.property(policies, (list) => {
      const texts = new PolicyTexts();
      for (const [i, o] of [...list, ...list].entries()) {
        const text = written(o, texts, false, i % 2 === 1);
        assert.ok(text !== undefined);
        assert.fixture(text!, toYaml(o));
        assert.fixture(text!, toYamlSlow(o));
      }
    }),
    { numRuns: 400 },
  );
});

test("a shared part at the one place it stands, as a peer of either direction and in rules of either order", () => {
  const shared = { podSelector: { matchLabels: { app: "web" } } };
  const ports = [{ protocol: "TCP", port: 8080 }];
  const o = (spec: Record<string, unknown>) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "p",
      namespace: "n",
      labels: { "app.kubernetes.io/managed-by": "secpolc" },
      annotations: { "secpol.dev/source": "a.secpol:1" },
    },
    spec,
  });
  const texts = new PolicyTexts();
  const objects = [
    o({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [shared], ports }] }),
    o({ podSelector: shared.podSelector, policyTypes: ["Egress"], egress: [{ ports, to: [shared] }] }),
    o({ podSelector: {}, policyTypes: ["Egress"], egress: [{ ports }, { to: [shared] }] }),
  ];
  for (const x of [...objects, ...objects.reverse()]) {
    assert.fixture(written(x, texts)!, toYamlSlow(x));
    assert.fixture(written(x, texts, false, true)!, toYamlSlow(x));
  }
});

test("other shapes are left to the general writer, whole", () => {
  const base = () => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "p",
      namespace: "n",
      labels: { "app.kubernetes.io/managed-by": "secpolc" } as Record<string, unknown>,
      annotations: { "secpol.dev/source": "a.secpol:1" } as Record<string, unknown>,
    } as Record<string, unknown>,
    spec: {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] as unknown[], ports: [{ protocol: "TCP" }] }] as Record<
        string,
        unknown
      >[],
    } as Record<string, unknown>,
  });
  assert.ok(written(base()) !== undefined);
  const others: ((o: Record<string, any>) => void)[] = [
    (o) => (o.status = {}),
    (o) => (o.apiVersion = "networking.k8s.io/v2"),
    (o) => (o.kind = "Policy"),
    (o) => (o.metadata.labels.team = "a"),
    (o) => (o.metadata.labels = { "app.kubernetes.io/managed-by": "other" }),
    (o) => (o.metadata.annotations.note = "x"),
    (o) => (o.metadata.annotations = {}),
    (o) => (o.metadata.generateName = "x"),
    (o) => (o.metadata.name = 7),
    (o) => (o.metadata.namespace = undefined),
    (o) => (o.metadata.annotations["secpol.dev/source"] = undefined),
    (o) => (o.spec.ingress = []),
    (o) => (o.spec.policyTypes = []),
    (o) => (o.spec.podSelector = []),
    (o) => (o.spec.podSelector = undefined),
    (o) => (o.spec.egress = undefined),
    (o) => (o.spec.other = "x"),
    (o) => (o.spec.other = { a: 1 }),
    (o) => (o.spec.ingress[0].x = [{ a: 1 }]),
    (o) => (o.spec.ingress[0] = {}),
    (o) => (o.spec.ingress[0].ports = []),
    (o) => (o.spec.ingress[0].ports = undefined),
    (o) => (o.spec.ingress[0].x = [1]),
    (o) => (o.spec.ingress[0].from = [{}]),
    (o) => (o.spec.ingress[0].from = ["x"]),
    (o) => (o.spec.ingress[0].from = [[{ a: 1 }]]),
    (o) => (o.spec.ingress[0].from = [{ podSelector: undefined }]),
  ];
  for (const change of others) {
    const o = base();
    change(o);
    assert.is(written(o), undefined, JSON.stringify(o));
    // and the file is what the general writer writes
    const text = writeOutput([{ object: o as unknown as Manifest["object"], sources: [] }]).files.find((f) =>
      f.path.endsWith("networkpolicies.yaml"),
    );
    if (text) assert.ok(!text.content.includes("undefined"));
  }
});

test("a file of policies, some left to the general writer: the documents' texts, `---` lines between them", () => {
  const policy = (name: string, spec: Record<string, unknown>): Manifest => ({
    object: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "n" }, spec },
    sources: [span("a.secpol", 1)],
  });
  const peers = [{ podSelector: { matchLabels: { app: "web" } } }];
  const ports = [{ protocol: "TCP", port: 80 }];
  const shapes: Record<string, unknown>[] = [
    { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: peers, ports }, { ports }] },
    // left to the general writer (an empty list)
    { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [] }] },
    { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Egress"], egress: [{ ports }, { to: peers }] },
    { podSelector: {}, policyTypes: ["Egress"], other: "x" },
    { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ ports, from: peers }], egress: [{ to: peers }] },
    // keys the compiler does not write in these directions (taken all the same)
    { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ to: peers }], egress: [{ from: peers, ports }] },
  ];
  // every order of taken and left documents (names order the file)
  for (let mask = 0; mask < 1 << shapes.length; mask++) {
    const manifests = shapes
      .map((spec, i) => ((mask >> i) & 1 ? policy(`p${i}`, spec) : undefined))
      .filter((m): m is Manifest => m !== undefined);
    if (manifests.length === 0) continue;
    const { files, objects } = writeOutput(manifests);
    const file = files.find((f) => f.path === "n/networkpolicies.yaml")!.content;
    assert.fixture(file, objects.map((o) => toYamlSlow(o)).join("---\n"));
  }
});

test("the kept texts are one writeOutput call's: an object changed between two calls is written as it is", () => {
  const peer = { podSelector: { matchLabels: { app: "web" } } };
  const manifest = (name: string): Manifest => ({
    object: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: "n" },
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [peer] }] },
    },
    sources: [span("a.secpol", 1)],
  });
  const file = (manifests: Manifest[]) =>
    writeOutput(manifests).files.find((f) => f.path === "n/networkpolicies.yaml")!.content;
  const first = file([manifest("a"), manifest("b")]);
  assert.is(first.split("app: web").length, 3);
  peer.podSelector.matchLabels.app = "db";
  const second = file([manifest("a"), manifest("b")]);
  assert.is(second.split("app: db").length, 3);
  assert.not.ok(second.includes("app: web"));
});

const span = (file: string, line: number): Span => ({
  file,
  start: { line, column: 1, offset: 0 },
  end: { line, column: 2, offset: 1 },
});

const fileName = fc.string({
  unit: fc.constantFrom("a", "Z", "0", "-", ".", "/", ":", " ", ",", "_", "#", "'", "é", "\t"),
  maxLength: 6,
});

test("a source annotation taken as plain from its files' names is one namePlain and writesPlain take", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fileName, fc.integer({ min: 1, max: 3000 })), { maxLength: 5 }), (places) => {
      const sources = places.map(([f, l]) => span(f, l));
      const text = sourceAnnotation({ object: { apiVersion: "v1", kind: "X", metadata: { name: "x" } }, sources });
      if (plainPlaces(sources, new PolicyTexts())) {
        assert.ok(namePlain(text), text);
        assert.ok(writesPlain(text), text);
      }
    }),
    { numRuns: 5000 },
  );
  // those it takes, and those it leaves to be read (the empty annotation among them)
  const plain = (...files: string[]) =>
    plainPlaces(
      files.map((f) => span(f, 1)),
      new PolicyTexts(),
    );
  assert.ok(plain("a.secpol", "b/c.secpol", "a.secpol"));
  assert.ok(plain("a b.secpol"));
  for (const files of [[], ["1.secpol"], ["a  b"], ["a: b"], ["a #b"], ["a.secpol", "-b"], ["a é"], ["a\tb"]])
    assert.not.ok(plain(...files), files.join());
});

test("a policy whose annotation is taken as plain: the same file as when it is read", () => {
  for (const file of ["a.secpol", "a b.secpol", "a:b.secpol", "1.secpol", "a  b", "yes", "a: b", "ns/x.secpol"]) {
    const m: Manifest = {
      object: {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "p", namespace: "n" },
        spec: { podSelector: {}, policyTypes: ["Ingress"] },
      },
      sources: [span(file, 3), span(file, 1)],
    };
    const { files, objects } = writeOutput([m]);
    const content = files.find((f) => f.path === "n/networkpolicies.yaml")!.content;
    assert.fixture(content, toYamlSlow(objects[0]));
  }
});

test.run();
