import { entry } from "../catalogue.js";

/** Pod-security consistency: SP4xxx; its warnings SP92xx. */
export const security = {
  denyAndAllow: entry(
    "SP4001",
    "error",
    (item: string) => `\`${item}\` is both allowed and denied for the same pods: say which one holds`,
  ),
  exceptionForbiddenByLevel: entry(
    "SP4002",
    "error",
    (item: string, check: string, level: string, version: string, namespace: string) =>
      `\`allow ${item}\` is forbidden by the Pod Security check \`${check}\` of level \`${level}\` (${version}) that namespace \`${namespace}\` enforces: the API server would reject these pods`,
  ),
  exceptionOverridesWider: entry(
    "SP9036",
    "note",
    (item: string, workload: string, overridden: string, how: string) =>
      `\`allow ${item}\` for workload \`${workload}\` overrides \`${overridden}\` that reaches it only through ${how}: its pods are exempt from it`,
  ),
  setForbiddenByLevel: entry(
    "SP4030",
    "error",
    (set: string, check: string, level: string, version: string, namespace: string) =>
      `\`set ${set}\` is forbidden by the Pod Security check \`${check}\` of level \`${level}\` (${version}) that namespace \`${namespace}\` enforces: the API server would reject the patched pods`,
  ),
  rootUserRequiredNonRoot: entry(
    "SP4031",
    "error",
    (workload: string) =>
      `${workload} would be patched with both \`runAsNonRoot: true\` and \`runAsUser: 0\`: the kubelet refuses to start such containers`,
  ),
  patchRefusedByRule: entry(
    "SP4032",
    "error",
    (pods: string, rule: string) =>
      `the SecurityContext patch writes values for ${pods} that \`${rule}\` refuses: the program contradicts itself, and the admission policy would refuse the patched pods`,
  ),
  unknownProfile: entry("SP4003", "error", (name: string) => `cannot find a profile named \`${name}\``),
  securityRuleNeedsTarget: entry(
    "SP4004",
    "error",
    (action: string) => `this \`${action}\` rule names no pods: outside a profile it needs a target`,
  ),
  notOwnedNamespace: entry(
    "SP4005",
    "error",
    (name: string) => `namespace \`${name}\` is not owned by this program, so its pods cannot be patched`,
  ),
  unknownSecurityItem: entry("SP4006", "error", (what: string, name: string) => `unknown ${what} \`${name}\``),
  unknownCapability: entry("SP4007", "error", (name: string) => `unknown capability \`${name}\``),
  conflictingValues: entry(
    "SP4008",
    "error",
    (path: string) => `\`${path}\` is given two different values for the same pods`,
  ),
  denyNotEnforced: entry(
    "SP9202",
    "warning",
    (item: string) =>
      `\`deny ${item}\` is not enforced by the namespace's Pod Security level: the API server will not stop pods that use it`,
  ),
  capabilityAddedAndDropped: entry(
    "SP4009",
    "error",
    (caps: string) => `capabilities ${caps} are both added by default and required to drop`,
  ),
  pspRemoved: entry(
    "SP4010",
    "error",
    (version: string) =>
      `PodSecurityPolicy was removed in Kubernetes 1.25 and this program targets ${version}: Pod Security Standards replaced it`,
  ),
  unknownPsp: entry("SP4011", "error", (name: string) => `cannot find a psp named \`${name}\``),
  derivedPspNameTaken: entry(
    "SP4020",
    "error",
    (name: string, target: string) =>
      `this \`psp\` has the name \`${name}\` of the PodSecurityPolicy derived from the pod-security rules of ${target}: both would be written as \`PodSecurityPolicy ${name}\`, and whichever is applied last wins`,
  ),
  workloadPspUnbound: entry(
    "SP9203",
    "warning",
    (workload: string) =>
      `workload \`${workload}\` has its own pod-security rules but no \`serviceAccount\`, so no PodSecurityPolicy can be bound for it; only its SecurityContext patch applies`,
  ),
  derivedPspPrivileged: entry(
    "SP9040",
    "warning",
    (target: string, namespace: string) =>
      `the PodSecurityPolicy derived for ${target} admits privileged pods (and every capability, volume type and host port its rules do not deny): namespace \`${namespace}\` enforces no Pod Security level and no rule denies \`privileged\``,
  ),
  hostNetworkBypassesPolicy: entry(
    "SP9201",
    "warning",
    (workload: string) =>
      `workload \`${workload}\` may use the host network, and NetworkPolicy does not apply to host-network pods: the network rules naming it will not hold for them`,
  ),
} as const;
