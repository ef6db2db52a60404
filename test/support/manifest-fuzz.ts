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
  [], ["metadata"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "annotations"], ["metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/c"],
  ["metadata", "labels"], ["spec"], ["spec", "containers"], ["spec", "containers", 0], ["spec", "containers", 0, "name"], ["spec", "containers", 0, "securityContext"],
  ["spec", "containers", 0, "securityContext", "capabilities"], ["spec", "containers", 0, "securityContext", "capabilities", "add"], ["spec", "containers", 0, "securityContext", "capabilities", "drop"],
  ["spec", "containers", 0, "securityContext", "seLinuxOptions"], ["spec", "containers", 0, "ports"], ["spec", "containers", 0, "ports", 0], ["spec", "containers", 0, "livenessProbe"],
  ["spec", "containers", 0, "lifecycle"], ["spec", "containers", 0, "lifecycle", "preStop"], ["spec", "initContainers"], ["spec", "securityContext"], ["spec", "securityContext", "seccompProfile"],
  ["spec", "securityContext", "sysctls"], ["spec", "securityContext", "sysctls", 0], ["spec", "volumes"], ["spec", "volumes", 0], ["spec", "os"], ["spec", "template"], ["spec", "template", "spec"],
  ["spec", "jobTemplate"], ["spec", "runAsUser"], ["spec", "runAsUser", "ranges"], ["spec", "seLinux"], ["spec", "allowedCapabilities"], ["spec", "hostPorts"], ["spec", "hostPorts", 0],
  ["spec", "allowedHostPaths"], ["spec", "allowedUnsafeSysctls"], ["spec", "allowedProcMountTypes"],
];

function base(kind: string): Json {
  const pod = { containers: [{ name: "c", image: "i", securityContext: { capabilities: { add: ["NET_ADMIN"] } } }], volumes: [{ name: "v", hostPath: { path: "/" } }] };
  const spec = kind === "Pod" ? pod : kind === "CronJob" ? { jobTemplate: { spec: { template: { spec: pod } } } } : kind === "PodSecurityPolicy" ? { volumes: ["*"], runAsUser: { rule: "RunAsAny" } } : { template: { spec: pod } };
  return { apiVersion: kind === "Pod" ? "v1" : "apps/v1", kind, metadata: { name: "x", namespace: "a" }, spec };
}

/** `o` with `value` at `path` (objects or lists made on the way). */
function setAt(o: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const holder: Json = typeof o === "object" && o !== null ? (o as Json) : typeof path[0] === "number" ? [] : {};
  holder[path[0]] = setAt(holder[path[0]], path.slice(1), value);
  return holder;
}

export const hostileManifest: fc.Arbitrary<SourceText> = fc
  .tuple(
    fc.constantFrom("Pod", "Deployment", "CronJob", "Job", "PodSecurityPolicy"),
    fc.array(fc.tuple(fc.constantFrom(...podFields), fc.anything({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }),
    fc.boolean(),
  )
  .map(([kind, edits, json]) => {
    const object = edits.reduce<unknown>((o, [path, value]) => setAt(o, path, value), base(kind));
    return { path: json ? "m.json" : "m.yaml", text: json ? (JSON.stringify(object) ?? "null") : (stringify(object) ?? "") };
  });

/** Audits a manifest at two levels and migrates it as a PSP; throws when the property fails. */
export function checkManifest(m: SourceText): void {
  for (const result of [audit({ manifests: [m], level: "restricted", version: "latest", suggest: true }), audit({ manifests: [m], level: "baseline", version: { major: 1, minor: 24 } }), migratePsps([m])]) {
    checkDiagnostics(result.diagnostics, { [m.path]: m.text });
  }
}
