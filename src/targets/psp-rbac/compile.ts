/**
 * PodSecurityPolicy and the RBAC that makes it usable: a PSP applies to a pod only when the
 * creating user or service account may `use` it. One ClusterRole per PSP grants `use`; each grant
 * binds it with a ClusterRoleBinding, or a RoleBinding in the namespace of a namespace-scoped grant.
 */
import { pspSupported, type Grant, type Model, type Psp } from "../../semantics/model.js";
import { capabilities, volumeTypes, type SecurityEntry } from "../../semantics/security.js";
import { BASELINE_CAPABILITIES, RESTRICTED_VOLUMES, type Level } from "../../semantics/pss.js";
import type { Manifest } from "../../output/manifest.js";
import { pspDefaultStrategies } from "../../kubernetes.js";
import { stableHash, uniqueNames } from "../../output/names.js";
import type { Diagnostic, Span } from "../../diagnostics/diagnostic.js";
import { diagnostic } from "../../diagnostics/catalogue.js";
import { security as sm } from "../../diagnostics/messages/security.js";

const RBAC = "rbac.authorization.k8s.io";

export const pspRoleName = (psp: string) => `secpol-psp-${psp}`;

function subjectOf(g: Grant): Record<string, string> {
  return g.subject.kind === "ServiceAccount"
    ? { kind: "ServiceAccount", name: g.subject.name, namespace: g.subject.namespace }
    : { kind: g.subject.kind, apiGroup: RBAC, name: g.subject.name };
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

/** `secpol-psp-<psp>-user-alice`: readable, not unique (`user "Alice"` and `user alice` give the same), which `uniqueNames` settles. */
function bindingName(g: Grant): string {
  const who =
    g.subject.kind === "ServiceAccount" ? `sa-${g.subject.name}` : `${g.subject.kind.toLowerCase()}-${g.subject.name}`;
  const name = `${pspRoleName(g.psp)}-${slug(who)}`;
  return name.length <= 253 && slug(who).length > 0 ? name : `${pspRoleName(g.psp)}-${stableHash(who)}`;
}

/** What a binding is: the scope it is written in, the psp and the exact subject (two grants alike are one binding). */
const grantKey = (g: Grant): string =>
  JSON.stringify([
    g.namespace ?? null,
    g.psp,
    g.subject.kind,
    g.subject.kind === "ServiceAccount" ? g.subject.namespace : null,
    g.subject.name,
  ]);

/**
 * On clusters before 1.25, pod-security rules also become PodSecurityPolicies: a namespace's rules
 * one that all its service accounts may use, and a workload's own rules (with its namespace's) one
 * that its declared service account may use. Each is permissive where the rules say nothing and
 * restricted where they deny, require or set. PSP admits a pod when any usable policy does, so a
 * workload's stricter PSP adds nothing where its namespace has one; its patch still applies.
 */
export function derivedPsps(model: Model): {
  psps: Psp[];
  grants: Grant[];
  warnings: SecurityEntry[];
  clashes: { psp: Psp; derived: Psp; target: string }[];
  /** Derived PSPs that admit privileged pods though no `allow privileged` asks for it: the rule each is reported at. */
  privileged: { entry: SecurityEntry; target: string; namespace: string }[];
  /** Every statement a derived PSP or grant comes from (a PSP: those of every target that shares it). */
  sources: Map<Psp | Grant, Span[]>;
} {
  const none = { psps: [], grants: [], warnings: [], clashes: [], privileged: [], sources: new Map() };
  if (!pspSupported(model.cluster)) return none;
  // one PSP per distinct profile: targets with the same rules share it, named after the first
  const profiles = new Map<
    string,
    { psp: Psp; target: string; grants: { grant: Omit<Grant, "psp">; sources: Span[] }[] }
  >();
  const warnings: SecurityEntry[] = [];
  const privileged: { entry: SecurityEntry; target: string; namespace: string }[] = [];
  const add = (
    name: string,
    target: string,
    entries: readonly SecurityEntry[],
    namespace: string,
    subject: Grant["subject"],
    level: Level,
  ) => {
    const { spec, annotations } = derive(entries, level);
    // admitting privileged pods is what the program says only when it allows them in so many words
    if (spec.privileged === true && !entries.some((e) => e.action === "allow" && e.item === "privileged"))
      privileged.push({ entry: entries.find((e) => e.target.kind === "workload") ?? entries[0], target, namespace });
    const key = JSON.stringify([spec, annotations]);
    let profile = profiles.get(key);
    if (!profile)
      profiles.set(key, (profile = { psp: { name, spec, annotations, span: entries[0].span }, target, grants: [] }));
    profile.grants.push({ grant: { subject, namespace, span: entries[0].span }, sources: entries.map((e) => e.span) });
  };
  for (const namespace of model.namespaces) {
    const own = model.security.filter(
      (e) => e.target.kind === "namespace" && e.target.namespace.name === namespace.name,
    );
    const level = namespace.podSecurity.enforce?.level ?? "privileged";
    if (own.length > 0)
      add(
        `secpol-${namespace.name}`,
        `namespace \`${namespace.name}\``,
        own,
        namespace.name,
        { kind: "Group", name: `system:serviceaccounts:${namespace.name}` },
        level,
      );
    for (const w of model.workloads.filter((x) => x.namespace === namespace.name)) {
      const mine = model.security.filter((e) => e.target.kind === "workload" && e.target.workload === w);
      if (mine.length === 0) continue;
      if (!w.serviceAccount) {
        warnings.push(mine[0]);
        continue;
      }
      // less the namespace-wide entries the workload's own exceptions override
      add(
        `secpol-${namespace.name}-${w.name}`,
        `workload \`${namespace.name}/${w.name}\``,
        [...own.filter((e) => !e.exempt?.includes(w)), ...mine],
        namespace.name,
        { kind: "ServiceAccount", namespace: namespace.name, name: w.serviceAccount },
        level,
      );
    }
  }
  // derived names clash among themselves (namespace `a-b`, and workload `b` of namespace `a`): hash
  // suffixes settle that; a clash with a user's `psp` is an error naming both
  const all = [...profiles.values()];
  const names = uniqueNames(
    all,
    (p) => p.psp.name,
    (p) => p.target,
    253,
  );
  const psps: Psp[] = [];
  const grants: Grant[] = [];
  const clashes: { psp: Psp; derived: Psp; target: string }[] = [];
  const sources = new Map<Psp | Grant, Span[]>();
  for (const p of all) {
    const psp = { ...p.psp, name: names.get(p)! };
    const user = model.psps.find((u) => u.name === psp.name);
    if (user) clashes.push({ psp: user, derived: psp, target: p.target });
    psps.push(psp);
    sources.set(
      psp,
      p.grants.flatMap((g) => g.sources),
    );
    for (const g of p.grants) {
      const grant = { ...g.grant, psp: psp.name };
      grants.push(grant);
      sources.set(grant, g.sources);
    }
  }
  return { psps, grants, warnings, clashes, privileged, sources };
}

/**
 * The PSP a Pod Security level admits, as near as a PSP can say it: host namespaces, privileged,
 * capabilities, volume types, host ports, proc mounts and (restricted) privilege escalation, root
 * and seccomp. What a PSP cannot narrow to the level's set (the SELinux types and AppArmor profiles
 * baseline allows, `runAsNonRoot` beside a non-zero `runAsUser`, baseline's "anything but
 * Unconfined" seccomp) it leaves to PodSecurity admission, which enforces the same level.
 */
export function levelPsp(level: Level): { spec: Record<string, any>; annotations: Record<string, string> } {
  if (level === "privileged") {
    return {
      spec: {
        privileged: true,
        hostNetwork: true,
        hostPID: true,
        hostIPC: true,
        hostPorts: [{ min: 0, max: 65535 }],
        allowPrivilegeEscalation: true,
        allowedCapabilities: ["*"],
        volumes: ["*"],
        ...pspDefaultStrategies(),
      },
      annotations: {},
    };
  }
  const baseline = {
    privileged: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    hostPorts: [] as { min: number; max: number }[],
    allowedProcMountTypes: ["Default"],
    ...pspDefaultStrategies(),
  };
  if (level === "baseline") {
    return {
      spec: {
        ...baseline,
        allowPrivilegeEscalation: true,
        allowedCapabilities: [...BASELINE_CAPABILITIES].sort(),
        volumes: volumeTypes.filter((v) => v !== "hostPath"),
      },
      annotations: {},
    };
  }
  return {
    spec: {
      ...baseline,
      allowPrivilegeEscalation: false,
      allowedCapabilities: ["NET_BIND_SERVICE"],
      requiredDropCapabilities: ["ALL"],
      volumes: [...RESTRICTED_VOLUMES],
      runAsUser: { rule: "MustRunAsNonRoot" },
    },
    annotations: { [SECCOMP_ALLOWED]: "runtime/default,localhost/*", [SECCOMP_DEFAULT]: "runtime/default" },
  };
}

/**
 * The Pod Security checks a derived PSP leaves to PodSecurity admission (see `levelPsp`): a PSP
 * cannot list baseline's SELinux types or `localhost/*` AppArmor profiles, cannot forbid only an
 * Unconfined seccomp profile without defaulting every pod's, and admits a non-zero `runAsUser`
 * without the `runAsNonRoot: true` that restricted asks for in so many words.
 */
export const PSP_LEAVES_TO_ADMISSION: readonly string[] = [
  "seLinuxOptions",
  "appArmorProfile",
  "seccompProfile_baseline",
  "runAsNonRoot",
];

const SECCOMP_ALLOWED = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
const SECCOMP_DEFAULT = "seccomp.security.alpha.kubernetes.io/defaultProfileName";

/**
 * A PSP from the namespace's enforced level (everything, when it has none), narrowed by each
 * `deny`, `require` and `set`, and widened by each `allow` by exactly the feature it names.
 */
/** `hostPort 8000..8080`, `hostPort 8080`, or every port when no argument is given. */
function portRange(argument: string | undefined): { min: number; max: number } {
  if (!argument) return { min: 0, max: 65535 };
  const [from, to] = argument.split("..");
  return { min: Number(from), max: Number(to ?? from) };
}

function derive(
  entries: readonly SecurityEntry[],
  level: Level,
): { spec: Record<string, unknown>; annotations: Record<string, string> } {
  const base = levelPsp(level);
  const spec: Record<string, any> = base.spec;
  const annotations: Record<string, string> = base.annotations;
  const drop = new Set<string>((spec.requiredDropCapabilities as string[] | undefined) ?? []);
  const forbiddenVolumes = new Set<string>();
  const forbiddenSysctls = new Set<string>();
  const allowedVolumes = new Set<string>();
  const allowedCapabilities = new Set<string>();
  const forbiddenCapabilities = new Set<string>();
  const allowedSysctls = new Set<string>();
  // restrictions first, exceptions after them, explicit `set` values last (they are the more specific), in a fixed order
  const rank = { deny: 0, require: 1, allow: 2, set: 3 } as const;
  const ordered = [...entries].sort(
    (a, b) => rank[a.action] - rank[b.action] || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0),
  );
  for (const e of ordered) {
    const [item, argument] = e.item.split(" ");
    if (e.action === "allow") {
      if (item === "privileged" || item === "hostNetwork" || item === "hostPID" || item === "hostIPC")
        spec[item] = true;
      else if (item === "hostPort") spec.hostPorts = [...spec.hostPorts, portRange(argument)];
      else if (item === "hostPath") allowedVolumes.add("hostPath");
      else if (item === "volume" && argument) allowedVolumes.add(argument);
      else if (item === "capability" && argument) allowedCapabilities.add(argument);
      else if (item === "privilegeEscalation") spec.allowPrivilegeEscalation = true;
      else if (item === "rootUser") spec.runAsUser = { rule: "RunAsAny" };
      else if (item === "writableRootFilesystem") delete spec.readOnlyRootFilesystem;
      else if (item === "unconfinedSeccomp") {
        delete annotations[SECCOMP_ALLOWED];
        delete annotations[SECCOMP_DEFAULT];
      } else if (item === "unconfinedAppArmor")
        delete annotations["apparmor.security.beta.kubernetes.io/allowedProfileNames"];
      else if (item === "procMount") delete spec.allowedProcMountTypes;
      else if (item === "sysctl" && argument) allowedSysctls.add(argument);
    }
    if (e.action === "deny") {
      if (item === "privileged" || item === "hostNetwork" || item === "hostPID" || item === "hostIPC")
        spec[item] = false;
      else if (item === "hostPort") spec.hostPorts = [];
      else if (item === "hostPath") forbiddenVolumes.add("hostPath");
      else if (item === "volume" && argument) forbiddenVolumes.add(argument);
      else if (item === "capability" && argument) forbiddenCapabilities.add(argument);
      else if (item === "privilegeEscalation") spec.allowPrivilegeEscalation = false;
      else if (item === "rootUser") spec.runAsUser = { rule: "MustRunAsNonRoot" };
      else if (item === "writableRootFilesystem") spec.readOnlyRootFilesystem = true;
      else if (item === "unconfinedSeccomp")
        annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"] =
          "runtime/default,docker/default,localhost/*";
      else if (item === "unconfinedAppArmor")
        annotations["apparmor.security.beta.kubernetes.io/allowedProfileNames"] = "runtime/default";
      else if (item === "procMount") spec.allowedProcMountTypes = ["Default"];
      else if (item === "sysctl" && argument) forbiddenSysctls.add(argument);
    }
    for (const v of e.values) {
      if (v.path === "securityContext.runAsNonRoot" && v.value === true) spec.runAsUser = { rule: "MustRunAsNonRoot" };
      else if (v.path === "securityContext.allowPrivilegeEscalation" && v.value === false)
        spec.allowPrivilegeEscalation = false;
      else if (v.path === "securityContext.readOnlyRootFilesystem" && v.value === true)
        spec.readOnlyRootFilesystem = true;
      else if (v.path === "securityContext.capabilities.drop") (v.value as string[]).forEach((c) => drop.add(c));
      else if (v.path === "securityContext.runAsUser")
        spec.runAsUser = { rule: "MustRunAs", ranges: [{ min: v.value, max: v.value }] };
      else if (v.path === "securityContext.runAsGroup")
        spec.runAsGroup = { rule: "MustRunAs", ranges: [{ min: v.value, max: v.value }] };
      else if (v.path === "securityContext.fsGroup")
        spec.fsGroup = { rule: "MustRunAs", ranges: [{ min: v.value, max: v.value }] };
      else if (v.path === "securityContext.supplementalGroups")
        spec.supplementalGroups = { rule: "MustRunAs", ranges: (v.value as number[]).map((g) => ({ min: g, max: g })) };
      else if (v.path === "securityContext.seccompProfile") {
        const profile = v.value as { type: string; localhostProfile?: string };
        const name = profile.type === "RuntimeDefault" ? "runtime/default" : `localhost/${profile.localhostProfile}`;
        annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"] = name;
        annotations["seccomp.security.alpha.kubernetes.io/defaultProfileName"] = name;
      }
    }
  }
  const listed = (list: string[], all: readonly string[]) => (list.includes("*") ? [...all] : list);
  if (drop.size > 0) {
    spec.requiredDropCapabilities = [...drop].sort();
    // a capability required to drop cannot be added: ALL from the program's own rules leaves none
    const fromRules = entries.some(
      (e) =>
        e.action === "require" &&
        e.values.some((v) => v.path === "securityContext.capabilities.drop" && (v.value as string[]).includes("ALL")),
    );
    if (fromRules && drop.has("ALL")) spec.allowedCapabilities = [];
    else if (!spec.allowedCapabilities.includes("*"))
      spec.allowedCapabilities = spec.allowedCapabilities.filter((c: string) => !drop.has(c));
  }
  // `deny capability C` forbids adding C: C leaves the capabilities a pod may add (not `requiredDropCapabilities`,
  // which would also take C from the runtime's default set of every pod)
  if (forbiddenCapabilities.size > 0)
    spec.allowedCapabilities = listed(spec.allowedCapabilities, [...capabilities].sort()).filter(
      (c) => !forbiddenCapabilities.has(c),
    );
  if (allowedCapabilities.size > 0 && !spec.allowedCapabilities.includes("*"))
    spec.allowedCapabilities = [...new Set([...spec.allowedCapabilities, ...allowedCapabilities])].sort();
  if (forbiddenVolumes.size > 0)
    spec.volumes = listed(spec.volumes, volumeTypes).filter((v) => !forbiddenVolumes.has(v));
  if (allowedVolumes.size > 0 && !spec.volumes.includes("*"))
    spec.volumes = volumeTypes.filter((v) => spec.volumes.includes(v) || allowedVolumes.has(v));
  if (forbiddenSysctls.size > 0) spec.forbiddenSysctls = [...forbiddenSysctls].sort();
  if (allowedSysctls.size > 0) spec.allowedUnsafeSysctls = [...allowedSysctls].sort();
  const sorted = Object.fromEntries(
    Object.entries(spec)
      .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return { spec: sorted, annotations };
}

export function compilePspRbac(model: Model): { manifests: Manifest[]; diagnostics: Diagnostic[] } {
  const derived = derivedPsps(model);
  const diagnostics = derived.warnings.map((e) =>
    diagnostic(sm.workloadPspUnbound, e.span, [e.target.kind === "workload" ? e.target.workload.name : ""], {
      help: "declare it: `workload NAME SELECTOR serviceAccount NAME`",
    }),
  );
  for (const p of derived.privileged) {
    diagnostics.push(
      diagnostic(sm.derivedPspPrivileged, p.entry.span, [p.target, p.namespace], {
        help: `narrow it with rules, \`apply baseline to ns ${p.namespace}\` (a workload's \`allow\` then adds only the feature it names), or with a level, \`pss enforce baseline\` in namespace \`${p.namespace}\`, where no exception needs more`,
      }),
    );
  }
  for (const c of derived.clashes) {
    diagnostics.push(
      diagnostic(sm.derivedPspNameTaken, c.psp.span, [c.psp.name, c.target], {
        help: "rename this `psp`: `secpol-NAMESPACE` and `secpol-NAMESPACE-WORKLOAD` are the names of derived PodSecurityPolicies",
        related: [{ span: c.derived.span, message: "the pod-security rule it is derived from" }],
      }),
    );
  }
  model = { ...model, psps: [...model.psps, ...derived.psps], grants: [...model.grants, ...derived.grants] };
  const sourcesOf = (o: Psp | Grant) => derived.sources.get(o) ?? [o.span];
  const manifests: Manifest[] = [];
  for (const psp of model.psps) {
    manifests.push({
      object: {
        apiVersion: "policy/v1beta1",
        kind: "PodSecurityPolicy",
        metadata: {
          name: psp.name,
          ...(Object.keys(psp.annotations).length > 0 ? { annotations: psp.annotations } : {}),
        },
        // fields in a fixed order, whatever order the block lists them in
        spec: Object.fromEntries(Object.entries(psp.spec).sort(([a], [b]) => (a < b ? -1 : 1))),
      },
      sources: sourcesOf(psp),
    });
    const grants = model.grants.filter((g) => g.psp === psp.name);
    if (grants.length === 0) continue;
    manifests.push({
      object: {
        apiVersion: `${RBAC}/v1`,
        kind: "ClusterRole",
        metadata: { name: pspRoleName(psp.name) },
        rules: [
          { apiGroups: ["policy"], resources: ["podsecuritypolicies"], verbs: ["use"], resourceNames: [psp.name] },
        ],
      },
      sources: [...sourcesOf(psp), ...grants.flatMap(sourcesOf)],
    });
  }
  // one binding per scope, psp and exact subject; names unique per kind and namespace
  const bindings = new Map<string, { grant: Grant; sources: Span[] }>();
  for (const g of model.grants) {
    const key = grantKey(g);
    const existing = bindings.get(key);
    if (existing) existing.sources.push(...sourcesOf(g));
    else bindings.set(key, { grant: g, sources: [...sourcesOf(g)] });
  }
  const scopes = new Map<string, { key: string; grant: Grant; sources: Span[] }[]>();
  for (const [key, b] of [...bindings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const scope = b.grant.namespace ?? "";
    const group = scopes.get(scope);
    if (group) group.push({ key, ...b });
    else scopes.set(scope, [{ key, ...b }]);
  }
  const bound: Manifest[] = [];
  for (const group of scopes.values()) {
    const names = uniqueNames(
      group,
      (b) => bindingName(b.grant),
      (b) => b.key,
      253,
    );
    for (const b of group) {
      const g = b.grant;
      bound.push({
        object: {
          apiVersion: `${RBAC}/v1`,
          kind: g.namespace ? "RoleBinding" : "ClusterRoleBinding",
          metadata: { name: names.get(b)!, ...(g.namespace ? { namespace: g.namespace } : {}) },
          roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: pspRoleName(g.psp) },
          subjects: [subjectOf(g)],
        },
        sources: b.sources,
      });
    }
  }
  return { manifests: [...manifests, ...bound], diagnostics };
}
