/**
 * Hostile manifests for `audit` and `migrate-psp`, shared by the in-suite sample
 * (test/robustness/manifests.test.ts) and the campaign (`npm run fuzz`): any value in any field the
 * Pod Security checks or the PSP migration read, in YAML or JSON. The property: neither ever throws,
 * and every diagnostic is coded, with a message and a span inside the manifest.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { audit, migratePsps, type SourceText } from "../../src/index.js";
import { checkDiagnostics } from "./fuzz.js";

type Json = Record<string, any>;

const podFields = [
  [],
  ["metadata"],
  ["metadata", "name"],
  ["metadata", "namespace"],
  ["metadata", "annotations"],
  ["metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/c"],
  ["metadata", "labels"],
  ["spec"],
  ["spec", "containers"],
  ["spec", "containers", 0],
  ["spec", "containers", 0, "name"],
  ["spec", "containers", 0, "securityContext"],
  ["spec", "containers", 0, "securityContext", "capabilities"],
  ["spec", "containers", 0, "securityContext", "capabilities", "add"],
  ["spec", "containers", 0, "securityContext", "capabilities", "drop"],
  ["spec", "containers", 0, "securityContext", "seLinuxOptions"],
  ["spec", "containers", 0, "ports"],
  ["spec", "containers", 0, "ports", 0],
  ["spec", "containers", 0, "livenessProbe"],
  ["spec", "containers", 0, "lifecycle"],
  ["spec", "containers", 0, "lifecycle", "preStop"],
  ["spec", "initContainers"],
  ["spec", "securityContext"],
  ["spec", "securityContext", "seccompProfile"],
  ["spec", "securityContext", "sysctls"],
  ["spec", "securityContext", "sysctls", 0],
  ["spec", "volumes"],
  ["spec", "volumes", 0],
  ["spec", "os"],
  ["spec", "template"],
  ["spec", "template", "spec"],
  ["spec", "jobTemplate"],
  ["spec", "runAsUser"],
  ["spec", "runAsUser", "ranges"],
  ["spec", "seLinux"],
  ["spec", "allowedCapabilities"],
  ["spec", "hostPorts"],
  ["spec", "hostPorts", 0],
  ["spec", "allowedHostPaths"],
  ["spec", "allowedUnsafeSysctls"],
  ["spec", "allowedProcMountTypes"],
  ["spec", "hostNetwork"],
  ["spec", "hostPID"],
  ["spec", "privileged"],
  ["spec", "containers", 0, "securityContext", "privileged"],
  ["spec", "containers", 0, "securityContext", "runAsUser"],
  ["spec", "containers", 0, "ports", 0, "hostPort"],
  ["spec", "securityContext", "runAsNonRoot"],
  ["template"],
  ["template", "spec", "hostNetwork"],
];
/** The fields of lists and kustomize configurations. */
const listFields = [
  ["items"],
  ["items", 0],
  ["items", 0, "kind"],
  ["items", 0, "apiVersion"],
  ["items", 0, "items"],
  ["items", 1],
  ["items", 0, "spec", "hostNetwork"],
  ["kind"],
  ["apiVersion"],
];

function base(kind: string): Json {
  const pod = {
    containers: [{ name: "c", image: "i", securityContext: { capabilities: { add: ["NET_ADMIN"] } } }],
    volumes: [{ name: "v", hostPath: { path: "/" } }],
  };
  if (kind === "PodTemplate")
    return { apiVersion: "v1", kind, metadata: { name: "x", namespace: "a" }, template: { spec: pod } };
  if (kind === "Kustomization") return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind, resources: ["m.yaml"] };
  // lists: a List of objects, a typed list whose items carry no kind
  if (kind === "List") return { apiVersion: "v1", kind, items: [base("Pod"), base("PodSecurityPolicy")] };
  if (kind === "PodList") return { apiVersion: "v1", kind, items: [{ metadata: { name: "x" }, spec: pod }] };
  const spec =
    kind === "Pod"
      ? pod
      : kind === "CronJob"
        ? { jobTemplate: { spec: { template: { spec: pod } } } }
        : kind === "PodSecurityPolicy"
          ? { volumes: ["*"], runAsUser: { rule: "RunAsAny" } }
          : { template: { spec: pod } };
  return {
    apiVersion: kind === "Pod" || kind === "ReplicationController" ? "v1" : "apps/v1",
    kind,
    metadata: { name: "x", namespace: "a" },
    spec,
  };
}

/**
 * Plain scalars that YAML 1.1 (as kubectl reads it) and YAML 1.2 read differently, or that a Go
 * number parser finds hard, written into the YAML text as they are (not quoted): booleans,
 * numbers with `_`, 0x/0o/0b and leading-zero octals, base 60, timestamps, out-of-range numbers.
 */
const rawScalar = fc.constantFrom(
  ...["y", "Y", "n", "N", "yes", "Yes", "NO", "on", "On", "OFF", "off", "true", "FALSE", "~", "null", ""],
  ...[
    "0x1F",
    "0X1F",
    "0o17",
    "0O17",
    "017",
    "08",
    "0b101",
    "0B11",
    "-0b1",
    "+0x1f",
    "1_000",
    "0_0",
    "1e1_0",
    ".5",
    ".5_0",
    "1.",
    "+.inf",
    "-.INF",
    ".NaN",
    "1:20",
    "-1:20:30.5",
  ],
  ...[
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "9223372036854775808",
    "18446744073709551616",
    "0xFFFFFFFFFFFFFFFFFF",
    "1e999",
    "0x",
    "0b",
    "+",
    "-",
    "<<",
  ],
);
const RAW = "__raw__";

/** `o` with `value` at `path` (objects or lists made on the way). */
function setAt(o: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const holder: Json = typeof o === "object" && o !== null ? (o as Json) : typeof path[0] === "number" ? [] : {};
  holder[path[0]] = setAt(holder[path[0]], path.slice(1), value);
  return holder;
}

export const hostileManifest: fc.Arbitrary<SourceText> = fc
  .tuple(
    fc.constantFrom(
      "Pod",
      "Deployment",
      "CronJob",
      "Job",
      "PodSecurityPolicy",
      "ReplicationController",
      "PodTemplate",
      "List",
      "PodList",
      "Kustomization",
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom(...podFields, ...listFields),
        fc.oneof(
          fc.anything({ maxDepth: 2 }),
          rawScalar.map((r) => `${RAW}${r}${RAW}`),
        ),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fc.constantFrom("m.yaml", "m.yaml", "m.yaml", "m.yaml", "m.yaml", "m.yaml", "m.json", "kustomization.yaml"),
  )
  .map(([kind, edits, path]) => {
    const object = edits.reduce<unknown>((o, [at, value]) => setAt(o, at, value), base(kind));
    if (path.endsWith(".json"))
      return { path, text: (JSON.stringify(object) ?? "null").replace(new RegExp(`${RAW}(.*?)${RAW}`, "g"), "$1") };
    // a raw scalar stands where yaml wrote its marker (plain, or quoted if yaml quoted it)
    const text = (stringify(object) ?? "").replace(
      new RegExp(`(["']?)${RAW}(.*?)${RAW}\\1`, "g"),
      (_, _q, raw: string) => raw,
    );
    return { path, text };
  });

/** Audits a manifest at two levels and migrates it as a PSP; throws when the property fails. */
export function checkManifest(m: SourceText): void {
  for (const result of [
    audit({ manifests: [m], level: "restricted", version: "latest", suggest: true }),
    audit({ manifests: [m], level: "baseline", version: { major: 1, minor: 24 } }),
    migratePsps([m]),
  ]) {
    checkDiagnostics(result.diagnostics, { [m.path]: m.text });
  }
}
