/**
 * `writeOutput`'s bookkeeping around the YAML: the finished objects' keys (copied key by key, not by
 * rest and spread), the source annotation's places (short lists sorted by insertion), and the files'
 * documents (a file's path made once per run of its objects, documents sorted only when out of
 * order), each against what it is defined as.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  repeatedIdentities,
  repeatedIdentityTexts,
  SOURCE_ANNOTATION,
  sourceAnnotation,
  writeOutput,
} from "../../src/output/layout.js";
import { MANAGED_BY_LABEL } from "../../src/kubernetes.js";
import type { Manifest } from "../../src/output/manifest.js";
import type { Span } from "../../src/diagnostics/diagnostic.js";

const span = (file: string, line: number): Span => ({
  file,
  start: { line, column: 1, offset: 0 },
  end: { line, column: 2, offset: 1 },
});

const policy = (namespace: string, name: string, sources: Span[] = [span("a.secpol", 1)]): Manifest => ({
  object: {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec: { podSelector: {} },
  },
  sources,
});

test("finished objects: metadata keys in their fixed order, the object's other keys after, in theirs", () => {
  const m: Manifest = {
    object: {
      kind: "Role",
      data: { x: "1" },
      metadata: {
        extra: "e",
        annotations: { "z.io/a": "1", "secpol.dev/source": "old" },
        labels: { zeta: "z", alpha: "a" },
        namespace: "shop",
        name: "r",
      },
      apiVersion: "rbac.authorization.k8s.io/v1",
      rules: [],
    },
    sources: [span("a.secpol", 3)],
  };
  const [o] = writeOutput([m]).objects as Record<string, any>[];
  assert.equal(Object.keys(o), ["apiVersion", "kind", "metadata", "data", "rules"]);
  assert.equal(Object.keys(o.metadata), ["name", "namespace", "labels", "annotations", "extra"]);
  assert.equal(o.metadata.labels, { alpha: "a", "app.kubernetes.io/managed-by": "secpolc", zeta: "z" });
  assert.equal(Object.keys(o.metadata.labels), ["alpha", "app.kubernetes.io/managed-by", "zeta"]);
  // the source annotation replaces one of the same key where it stands
  assert.equal(Object.entries(o.metadata.annotations), [
    ["z.io/a", "1"],
    ["secpol.dev/source", "a.secpol:3"],
  ]);
  const cluster: Manifest = {
    object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
    sources: [],
  };
  const [n] = writeOutput([cluster]).objects as Record<string, any>[];
  // (an object without labels or annotations of its own)
  assert.equal(Object.keys(n), ["apiVersion", "kind", "metadata"]);
  assert.equal(Object.entries(n.metadata.labels), [["app.kubernetes.io/managed-by", "secpolc"]]);
  assert.equal(Object.entries(n.metadata.annotations), [["secpol.dev/source", ""]]);
  // (the label and annotation of an object without its own are literals: their keys are the constants')
  assert.equal(Object.keys(n.metadata.labels), [MANAGED_BY_LABEL]);
  assert.equal(Object.keys(n.metadata.annotations), [SOURCE_ANNOTATION]);
  const [p] = writeOutput([policy("shop", "p")]).objects as Record<string, any>[];
  assert.equal(Object.entries(p.metadata.labels), [[MANAGED_BY_LABEL, "secpolc"]]);
  assert.equal(Object.entries(p.metadata.annotations), [[SOURCE_ANNOTATION, "a.secpol:1"]]);
  // the manifest's own objects are not changed
  assert.equal(Object.keys(m.object.metadata), ["extra", "annotations", "labels", "namespace", "name"]);
});

/** The finished object by the general rule (`finish` without its usual shapes made at once). */
function finishedByRule(m: Manifest, annotation: string): Record<string, unknown> {
  const source = m.object.metadata as Record<string, unknown>;
  const metadata: Record<string, unknown> = { name: source.name };
  if (source.namespace !== undefined) metadata.namespace = source.namespace;
  metadata.labels = Object.fromEntries(
    Object.entries({ ...(source.labels as object), "app.kubernetes.io/managed-by": "secpolc" }).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    ),
  );
  metadata.annotations = { ...(source.annotations as object), "secpol.dev/source": annotation };
  for (const key of Object.keys(source))
    if (!["name", "namespace", "labels", "annotations"].includes(key)) metadata[key] = source[key];
  const result: Record<string, unknown> = { apiVersion: m.object.apiVersion, kind: m.object.kind, metadata };
  for (const key of Object.keys(m.object))
    if (!["apiVersion", "kind", "metadata"].includes(key)) result[key] = m.object[key];
  return result;
}

/** Keys and values, in order, at every level (`undefined` values kept). */
const entriesDeep = (v: unknown): unknown =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? Object.entries(v).map(([k, x]) => [k, entriesDeep(x)]) : v;

test("finished objects: the usual shapes, made with their keys at once, are those of the general rule", () => {
  const key = fc.constantFrom("name", "namespace", "labels", "annotations", "extra");
  const value = (k: string) =>
    k === "labels"
      ? fc.constant({ b: "2", a: "1" })
      : k === "annotations"
        ? fc.constant({ "z.io/a": "1" })
        : fc.option(fc.constantFrom("x", "shop"), { nil: undefined });
  const metadata = fc
    .uniqueArray(key, { maxLength: 5 })
    .chain((keys) => fc.tuple(...keys.map((k) => value(k).map((v) => [k, v] as const))))
    .map((entries) => Object.fromEntries(entries));
  const objectKeys = fc.uniqueArray(fc.constantFrom("apiVersion", "kind", "metadata", "spec", "data"), {
    minLength: 3,
    maxLength: 5,
  });
  fc.assert(
    fc.property(metadata, objectKeys, (meta, keys) => {
      const object: Record<string, unknown> = {};
      for (const k of keys)
        object[k] = k === "apiVersion" ? "v1" : k === "kind" ? "ConfigMap" : k === "metadata" ? meta : { k };
      // (metadata, apiVersion and kind are always there)
      object.metadata ??= meta;
      object.apiVersion ??= "v1";
      object.kind ??= "ConfigMap";
      const m = { object, sources: [span("a.secpol", 2)] } as unknown as Manifest;
      const [o] = writeOutput([m]).objects;
      assert.equal(entriesDeep(o), entriesDeep(finishedByRule(m, "a.secpol:2")));
    }),
    { numRuns: 300 },
  );
  // the usual shapes themselves
  for (const metadata of [{ name: "p", namespace: "shop" }, { name: "p" }, { name: "p", namespace: undefined }]) {
    const m: Manifest = {
      object: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec: { podSelector: {} } },
      sources: [span("a.secpol", 2)],
    };
    const [o] = writeOutput([m]).objects;
    assert.equal(entriesDeep(o), entriesDeep(finishedByRule(m, "a.secpol:2")));
  }
});

test("repeated identities: by group and name, the pairs found by their texts (`identityOf`), also where a name holds `/` or a space", () => {
  const manifest = fc
    .record({
      apiVersion: fc.constantFrom("v1", "a b"),
      kind: fc.constantFrom("K", "b K"),
      namespace: fc.constantFrom(undefined, "x", "x/y", "y"),
      name: fc.constantFrom("z", "y/z", "x/z", "y z", "K x/z"),
    })
    .map(({ apiVersion, kind, namespace, name }): Manifest => ({
      object: { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } },
      sources: [],
    }));
  let slashOrSpace = 0;
  let found = 0;
  fc.assert(
    fc.property(fc.array(manifest, { maxLength: 12 }), (manifests) => {
      const expected = repeatedIdentityTexts(manifests);
      if (manifests.some((m) => /[ /]/.test(m.object.metadata.name)) && expected.length > 0) slashOrSpace++;
      found += expected.length;
      const got = repeatedIdentities(manifests);
      assert.is(got.length, expected.length);
      got.forEach((r, i) => {
        assert.is(r.identity, expected[i].identity);
        assert.ok(r.first === expected[i].first && r.second === expected[i].second);
      });
    }),
    { numRuns: 1000 },
  );
  assert.ok(slashOrSpace > 100 && found > 150, `${slashOrSpace} ${found}`);
  // the texts of other groups and names that are one text
  const one = (namespace: string | undefined, name: string): Manifest => ({
    object: { apiVersion: "v1", kind: "K", metadata: namespace === undefined ? { name } : { name, namespace } },
    sources: [],
  });
  for (const [a, b] of [
    [one("x", "y/z"), one("x/y", "z")],
    [one(undefined, "x/z"), one("x", "z")],
  ] as const) {
    assert.is(repeatedIdentities([a, b]).length, 1);
    assert.is(repeatedIdentities([b, a]).length, 1);
  }
  // runs of one group apart, and other groups between them
  const ms = [
    policy("a", "p"),
    policy("a", "q"),
    policy("b", "p"),
    policy("a", "p"),
    policy("b", "q"),
    policy("b", "p"),
  ];
  assert.equal(
    repeatedIdentities(ms).map((r) => [ms.indexOf(r.first), ms.indexOf(r.second)]),
    [
      [0, 3],
      [2, 5],
    ],
  );
});

test("source annotations: places in order of file and line, each once, whatever their number", () => {
  const place = fc.record({
    file: fc.constantFrom("a.secpol", "b.secpol", "a/b.secpol", "B.secpol"),
    line: fc.nat(40),
  });
  fc.assert(
    fc.property(fc.array(place, { maxLength: 70 }), (places) => {
      const sources = places.map((p) => span(p.file, p.line));
      const expected = [...new Set(places.map((p) => JSON.stringify([p.file, p.line])))]
        .map((t) => JSON.parse(t) as [string, number])
        .sort(([f, l], [g, k]) => (f < g ? -1 : f > g ? 1 : l - k))
        .map(([f, l]) => `${f}:${l}`)
        .join(", ");
      const before = [...sources];
      assert.is(
        sourceAnnotation({ object: { apiVersion: "v1", kind: "X", metadata: { name: "x" } }, sources }),
        expected,
      );
      assert.equal(sources, before);
    }),
    { numRuns: 500 },
  );
});

test("files: a file's documents by name, its objects wherever they come among the others", () => {
  const manifests = [
    policy("b", "secpol-web"),
    policy("b", "secpol-api"),
    policy("a", "secpol-z"),
    policy("b", "secpol-db"),
    policy("a", "secpol-a"),
    { ...policy("b", "b"), object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } } },
    policy("b", "secpol-cache"),
  ];
  const { files, objects } = writeOutput(manifests);
  assert.equal(
    files.map((f) => f.path),
    ["a/networkpolicies.yaml", "b/namespace.yaml", "b/networkpolicies.yaml", "kustomization.yaml"],
  );
  const names = (path: string) =>
    [...files.find((f) => f.path === path)!.content.matchAll(/^  name: (.*)$/gm)].map((m) => m[1]);
  assert.equal(names("a/networkpolicies.yaml"), ["secpol-a", "secpol-z"]);
  assert.equal(names("b/networkpolicies.yaml"), ["secpol-api", "secpol-cache", "secpol-db", "secpol-web"]);
  assert.equal(names("b/namespace.yaml"), ["b"]);
  // the objects, in the manifests' order
  assert.equal(
    objects.map((o: any) => o.metadata.name),
    manifests.map((m) => m.object.metadata.name),
  );
  // in JSON, one file per object
  assert.equal(
    writeOutput(manifests.slice(0, 2), "json").files.map((f) => f.path),
    ["b/networkpolicy-secpol-api.json", "b/networkpolicy-secpol-web.json", "kustomization.yaml"],
  );
});

test.run();
