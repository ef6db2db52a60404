/**
 * The ValidatingAdmissionPolicy target (LANGUAGE.md 7.5): per owned namespace with `deny`,
 * `require` or `set` rules, one ValidatingAdmissionPolicy whose CEL validations admit a pod, or any
 * object that makes pods, exactly when the program's requirement set holds for it less its
 * exceptions (and what its `set`s establish is there, as the SecurityContext patch writes it), and
 * one binding that selects the namespace. Each rule is written twice, side by side: as CEL for the
 * API server and as the program's meaning in TypeScript (`holds`), which the build's translation
 * validation (src/targets/admission-policy/verify.ts) compares on representative pods.
 */
import { compareStrings, type Diagnostic, type Span } from "../../diagnostics/diagnostic.js";
import { diagnostic } from "../../diagnostics/catalogue.js";
import { security as sm } from "../../diagnostics/messages/security.js";
import type { Cluster, Model, OwnedNamespace, Workload } from "../../semantics/model.js";
import { NAMESPACE_NAME_LABEL } from "../../semantics/model.js";
import { witness, type Conjunction } from "../../semantics/labels.js";
import {
  namesAdding,
  podWith,
  runtimeUpper,
  runtimeUpperCel,
  setText,
  type FieldValue,
  type SecurityEntry,
} from "../../semantics/security.js";

import { LATEST } from "../../semantics/pss.js";
import type { Manifest } from "../../output/manifest.js";
import { admissionApiVersion, validationActions, type Json } from "../../kubernetes.js";

/** The minor version the checks follow (version-dependent ones: AppArmor fields, SELinux types, user namespaces). */
export const minorOf = (cluster: Cluster): number =>
  !cluster.version ? LATEST.minor : cluster.version.major > 1 ? 1000 : cluster.version.minor;

/** A rule as CEL (over `variables.spec` and `variables.meta`) and as its meaning over a pod spec and metadata. */
export interface Check {
  cel: string;
  holds(spec: Json, meta: Json): boolean;
}

const S = "variables.spec";
const M = "variables.meta";
const kinds = ["initContainers", "containers", "ephemeralContainers"] as const;
const containersOf = (spec: Json): Json[] => kinds.flatMap((k) => (spec[k] ?? []) as Json[]);
const sc = (o: Json | undefined): Json => o?.securityContext ?? {};
const quote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** `P` for every container of every kind; `c` is the container. */
const everyContainer = (p: string) => kinds.map((k) => `(!has(${S}.${k}) || ${S}.${k}.all(c, ${p}))`).join(" && ");
/** `has(x.a) && has(x.a.b) && x.a.b` as a guard chain: the field at `path` under `base` is present. */
const present = (base: string, path: string) => {
  const parts = path.split(".");
  return `(${parts.map((_, i) => `has(${base}.${parts.slice(0, i + 1).join(".")})`).join(" && ")})`;
};
/** The field at `path` is present and `test` holds of it. */
const fieldIs = (base: string, path: string, test: string) =>
  `(${present(base, path).slice(1, -1)} && ${base}.${path}${test})`;

const isWindows: Check = { cel: fieldIs(S, "os.name", " == 'windows'"), holds: (spec) => spec.os?.name === "windows" };
const ownUserNamespace = (minor: number): Check =>
  minor >= 35
    ? { cel: fieldIs(S, "hostUsers", " == false"), holds: (spec) => spec.hostUsers === false }
    : { cel: "false", holds: () => false };

const or = (a: Check, b: Check): Check => ({
  cel: `(${a.cel}) || (${b.cel})`,
  holds: (s, m) => a.holds(s, m) || b.holds(s, m),
});
const and = (a: Check, b: Check): Check => ({
  cel: `(${a.cel}) && (${b.cel})`,
  holds: (s, m) => a.holds(s, m) && b.holds(s, m),
});
const containersHold = (cel: string, holds: (c: Json, spec: Json) => boolean): Check => ({
  cel: everyContainer(cel),
  holds: (spec) => containersOf(spec).every((c) => holds(c, spec)),
});

/** Inclusive port ranges of `hostPort [RANGE]`; none given is every port. */
const portRange = (argument: string | undefined): [number, number] => {
  if (!argument) return [1, 65535];
  const [from, to] = argument.split("..").map(Number);
  return [from, to ?? from];
};

/** Host ports the exceptions of a workload give back from a `deny hostPort`: its pods may use these ranges. */
interface PortExceptions {
  pods: Check;
  ranges: [number, number][];
}

/** The feature's absence (what `deny FEATURE` requires), less the host ports workloads' exceptions give back. */
function featureAbsent(item: string, minor: number, portExceptions: readonly PortExceptions[] = []): Check {
  const [feature, argument] = item.split(" ") as [string, string | undefined];
  switch (feature) {
    case "privileged":
      return containersHold(
        `!${fieldIs("c", "securityContext.privileged", " == true")}`,
        (c) => sc(c).privileged !== true,
      );
    case "hostNetwork":
    case "hostPID":
    case "hostIPC":
      return { cel: `!${fieldIs(S, feature, " == true")}`, holds: (spec) => spec[feature] !== true };
    case "hostPort": {
      const [from, to] = portRange(argument);
      const inRange = (p: string, [a, b]: [number, number]) =>
        a === b ? `(${p} == ${a})` : `(${p} >= ${a} && ${p} <= ${b})`;
      // a port in the denied range is fine for the pods of a workload whose exceptions give it back
      const given = portExceptions
        .map((x) => ` || ((${x.pods.cel}) && (${x.ranges.map((r) => inRange("p.hostPort", r)).join(" || ")}))`)
        .join("");
      return {
        cel: everyContainer(
          `!has(c.ports) || c.ports.all(p, !has(p.hostPort) || !${inRange("p.hostPort", [from, to])}${given})`,
        ),
        holds: (spec, meta) => {
          const mine = portExceptions.filter((x) => x.pods.holds(spec, meta)).flatMap((x) => x.ranges);
          return containersOf(spec).every((c) =>
            ((c.ports ?? []) as Json[]).every((p) => {
              const h = p.hostPort;
              return (
                h === undefined || h === null || !(h >= from && h <= to) || mine.some(([a, b]) => h >= a && h <= b)
              );
            }),
          );
        },
      };
    }
    case "hostPath":
      return volumeAbsent("hostPath");
    case "volume":
      return volumeAbsent(argument!);
    case "capability": {
      // every name the runtime reads as this capability (`net_admin`, `CAP_NET_ADMIN`, `ALL`)
      const names = namesAdding(argument!);
      return containersHold(
        `!${fieldIs("c", "securityContext.capabilities.add", `.exists(a, ${runtimeUpperCel("a")} in [${names.map(quote).join(", ")}])`)}`,
        (c) => !((sc(c).capabilities?.add ?? []) as string[]).some((a) => names.includes(runtimeUpper(a))),
      );
    }
    case "sysctl":
      return {
        cel: `!${fieldIs(S, "securityContext.sysctls", `.exists(s, s.name == ${quote(argument!)})`)}`,
        holds: (spec) => !((sc(spec).sysctls ?? []) as Json[]).some((s) => s.name === argument),
      };
    case "privilegeEscalation":
      return requirementHolds("noPrivilegeEscalation", minor);
    case "rootUser":
      return or(ownUserNamespace(minor), and(nonRoot, notUidZero));
    case "writableRootFilesystem":
      return requirementHolds("readOnlyRootFilesystem", minor);
    case "unconfinedSeccomp": {
      const confined = (base: string) => `!${fieldIs(base, "securityContext.seccompProfile.type", " == 'Unconfined'")}`;
      return {
        cel: `${confined(S)} && ${everyContainer(confined("c"))}`,
        holds: (spec) => [spec, ...containersOf(spec)].every((o) => sc(o).seccompProfile?.type !== "Unconfined"),
      };
    }
    case "unconfinedAppArmor": {
      const prefix = "container.apparmor.security.beta.kubernetes.io/";
      const annotations: Check = {
        cel: `!has(${M}.annotations) || ${M}.annotations.all(k, !k.startsWith('${prefix}') || ${M}.annotations[k] == '' || ${M}.annotations[k] == 'runtime/default' || ${M}.annotations[k].startsWith('localhost/'))`,
        holds: (_, meta) =>
          Object.entries((meta.annotations ?? {}) as Record<string, string>).every(
            ([k, v]) => !k.startsWith(prefix) || v === "" || v === "runtime/default" || v.startsWith("localhost/"),
          ),
      };
      if (minor < 30) return annotations;
      const good = (base: string) =>
        `!${present(base, "securityContext.appArmorProfile.type")} || ${base}.securityContext.appArmorProfile.type in ['RuntimeDefault', 'Localhost']`;
      const goodJs = (o: Json) =>
        sc(o).appArmorProfile?.type === undefined ||
        ["RuntimeDefault", "Localhost"].includes(sc(o).appArmorProfile.type);
      return and(annotations, {
        cel: `(${good(S)}) && ${everyContainer(`(${good("c")})`)}`,
        holds: (spec) => [spec, ...containersOf(spec)].every(goodJs),
      });
    }
    case "customSELinux": {
      const types = [
        "",
        "container_t",
        "container_init_t",
        "container_kvm_t",
        ...(minor >= 31 ? ["container_engine_t"] : []),
      ];
      const o = (base: string) => `${base}.securityContext.seLinuxOptions`;
      const good = (base: string) =>
        `!${present(base, "securityContext.seLinuxOptions")} || ((!has(${o(base)}.type) || ${o(base)}.type in [${types.map(quote).join(", ")}]) && (!has(${o(base)}.user) || ${o(base)}.user == '') && (!has(${o(base)}.role) || ${o(base)}.role == ''))`;
      const goodJs = (x: Json) => {
        const opts = sc(x).seLinuxOptions;
        return (
          opts === undefined ||
          (types.includes(opts.type ?? "") && (opts.user ?? "") === "" && (opts.role ?? "") === "")
        );
      };
      return {
        cel: `(${good(S)}) && ${everyContainer(`(${good("c")})`)}`,
        holds: (spec) => [spec, ...containersOf(spec)].every(goodJs),
      };
    }
    case "procMount":
      // any unmasked /proc, in a user namespace too (as `restricted` from 1.35; `baseline` from 1.35 lets such pods unmask it)
      return containersHold(
        `!${present("c", "securityContext.procMount")} || c.securityContext.procMount in ['', 'Default']`,
        (c) => [undefined, "", "Default"].includes(sc(c).procMount),
      );
  }
  throw new Error(`no admission check for feature ${feature}`);
}

const volumeAbsent = (type: string): Check => ({
  cel: `!has(${S}.volumes) || ${S}.volumes.all(v, !has(v.${type}))`,
  holds: (spec) => ((spec.volumes ?? []) as Json[]).every((v) => v[type] === undefined || v[type] === null),
});

/** PSS `runAsNonRoot`: the pod or every container says `runAsNonRoot: true`, and none says false. */
const nonRoot: Check = {
  cel: `!${fieldIs(S, "securityContext.runAsNonRoot", " == false")} && ${everyContainer(`!${fieldIs("c", "securityContext.runAsNonRoot", " == false")} && (${fieldIs(S, "securityContext.runAsNonRoot", " == true")} || ${fieldIs("c", "securityContext.runAsNonRoot", " == true")})`)}`,
  holds: (spec) =>
    sc(spec).runAsNonRoot !== false &&
    containersOf(spec).every(
      (c) => sc(c).runAsNonRoot !== false && (sc(spec).runAsNonRoot === true || sc(c).runAsNonRoot === true),
    ),
};
/** PSS `runAsUser`: neither the pod nor a container runs as UID 0. */
const notUidZero: Check = {
  cel: `!${fieldIs(S, "securityContext.runAsUser", " == 0")} && ${everyContainer(`!${fieldIs("c", "securityContext.runAsUser", " == 0")}`)}`,
  holds: (spec) => [spec, ...containersOf(spec)].every((o) => sc(o).runAsUser !== 0),
};

/** What `require REQUIREMENT` requires. Windows pods have no privilege escalation, capabilities or seccomp to require. */
function requirementHolds(item: string, minor: number): Check {
  const [requirement, ...args] = item.split(" ");
  switch (requirement) {
    case "runAsNonRoot":
      return or(ownUserNamespace(minor), nonRoot);
    case "readOnlyRootFilesystem":
      return containersHold(
        fieldIs("c", "securityContext.readOnlyRootFilesystem", " == true"),
        (c) => sc(c).readOnlyRootFilesystem === true,
      );
    case "noPrivilegeEscalation":
      return or(
        isWindows,
        containersHold(
          fieldIs("c", "securityContext.allowPrivilegeEscalation", " == false"),
          (c) => sc(c).allowPrivilegeEscalation === false,
        ),
      );
    case "drop": {
      // every capability named (`drop NET_RAW CHOWN`), or ALL
      const dropsAll = "c.securityContext.capabilities.drop.exists(d, d == 'ALL')";
      const dropsEach = args.map((cap) => `${quote(cap)} in c.securityContext.capabilities.drop`).join(" && ");
      return or(
        isWindows,
        containersHold(
          `(${present("c", "securityContext.capabilities.drop").slice(1, -1)} && (${dropsAll} || (${dropsEach})))`,
          (c) => {
            const dropped = (sc(c).capabilities?.drop ?? []) as string[];
            return dropped.includes("ALL") || args.every((cap) => dropped.includes(cap));
          },
        ),
      );
    }
    case "seccomp": {
      // RuntimeDefault: confined, as Pod Security `restricted` means it (RuntimeDefault or a Localhost profile); Localhost PATH: exactly that profile
      const [type, path] = args;
      const wanted =
        type === "Localhost"
          ? `(p.type == 'Localhost' && has(p.localhostProfile) && p.localhostProfile == ${quote(path)})`
          : "p.type in ['RuntimeDefault', 'Localhost']";
      const wantedJs = (p: Json) =>
        type === "Localhost"
          ? p.type === "Localhost" && p.localhostProfile === path
          : p.type === "RuntimeDefault" || p.type === "Localhost";
      const own = "c.securityContext.seccompProfile";
      const podProfile = `${S}.securityContext.seccompProfile`;
      const effective = `(${present("c", "securityContext.seccompProfile.type")} ? [${own}].all(p, ${wanted}) : (${present(S, "securityContext.seccompProfile.type")} && [${podProfile}].all(p, ${wanted})))`;
      const podOk = `(!${present(S, "securityContext.seccompProfile.type")} || [${podProfile}].all(p, ${wanted}))`;
      return or(isWindows, {
        cel: `${podOk} && ${everyContainer(effective)}`,
        holds: (spec) => {
          const pod = sc(spec).seccompProfile;
          if (pod?.type !== undefined && !wantedJs(pod)) return false;
          return containersOf(spec).every((c) => {
            const p = sc(c).seccompProfile;
            return p?.type !== undefined ? wantedJs(p) : pod?.type !== undefined && wantedJs(pod);
          });
        },
      });
    }
  }
  throw new Error(`no admission check for requirement ${requirement}`);
}

/** A workload's pods by their labels, in CEL over `variables.meta` and in TypeScript. */
function podsOf(pods: Conjunction): Check {
  const parts = pods.map(([key, c]) => {
    const k = quote(key);
    const value = `${M}.labels[${k}]`;
    const has = `(has(${M}.labels) && ${k} in ${M}.labels)`;
    const list = `[${c.values.values.map(quote).join(", ")}]`;
    const valueOk =
      c.values.kind === "only"
        ? `${value} in ${list}`
        : c.values.values.length === 0
          ? "true"
          : `!(${value} in ${list})`;
    return c.absentOk ? `(!${has} || ${valueOk})` : `(${has} && ${valueOk})`;
  });
  return {
    cel: parts.length === 0 ? "true" : parts.join(" && "),
    holds: (_, meta) =>
      pods.every(([key, c]) => {
        const labels = (meta.labels ?? {}) as Record<string, string>;
        const value = Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
        if (value === undefined) return c.absentOk;
        return c.values.kind === "only" ? c.values.values.includes(value) : !c.values.values.includes(value);
      }),
  };
}

/** A CEL literal of a value a `set` writes (numbers, booleans, strings and lists of them). */
const literal = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(literal).join(", ")}]`
    : typeof value === "string"
      ? quote(value)
      : String(value);

/** The field at `path` holds `value` (an object: each of its fields holds), as the patch writes it. */
function valueIs(base: string, path: string, value: unknown): { cel: string; holds(o: Json): boolean } {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const parts = Object.entries(value).map(([k, v]) => valueIs(base, `${path}.${k}`, v));
    return { cel: parts.map((p) => p.cel).join(" && "), holds: (o) => parts.every((p) => p.holds(o)) };
  }
  const at = (o: Json) => path.split(".").reduce<any>((x, k) => (x === undefined || x === null ? undefined : x[k]), o);
  return {
    cel: fieldIs(base, path, ` == ${literal(value)}`),
    holds: (o) => JSON.stringify(at(o)) === JSON.stringify(value),
  };
}

/**
 * What `set` establishes: the values the patch writes are there, at the pod (or in every container)
 * — except those a workload sets itself for its own pods (`overriddenBy`: its pods, per path), as the
 * patch writes the workload's value last.
 */
function valuesSet(values: readonly FieldValue[], overriddenBy: (path: string) => Check[] = () => []): Check {
  const parts = values.map((v): Check => {
    const is = valueIs(v.scope === "pod" ? S : "c", v.path, v.value);
    const own: Check =
      v.scope === "pod" ? { cel: is.cel, holds: (spec) => is.holds(spec) } : containersHold(is.cel, (c) => is.holds(c));
    return overriddenBy(v.path).reduceRight<Check>((rest, pods) => or(pods, rest), own);
  });
  return parts.reduce((a, b) => and(a, b));
}

export interface Validation extends Check {
  entry: SecurityEntry;
  message: string;
}

/**
 * The namespace's validations: one per `deny`/`require` entry that reaches its pods. A namespace-wide
 * entry holds for every pod but those of workloads whose exceptions (`allow ... for WORKLOAD`) take
 * it back; a workload's entry holds for its pods.
 */
export function namespaceValidations(model: Model, namespace: OwnedNamespace, minor: number): Validation[] {
  const mine = model.security.filter(
    (e) => (e.target.kind === "namespace" ? e.target.namespace.name : e.target.workload.namespace) === namespace.name,
  );
  const rules = mine.filter((e) => e.action !== "allow");
  const allowsOf = (w: Workload) =>
    mine
      .filter((e) => e.action === "allow" && e.target.kind === "workload" && e.target.workload === w)
      .map((e) => e.item);
  // one validation per rule and target, in an order that moving statements does not change
  const byKey = new Map<string, SecurityEntry>();
  for (const entry of rules) {
    const key = `${entry.target.kind === "workload" ? `1 ${entry.target.workload.name}` : "0"} ${ruleText(entry)}`;
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  const validations: Validation[] = [];
  for (const [, entry] of [...byKey].sort(([a], [b]) => compareStrings(a, b))) {
    let check: Check;
    if (entry.target.kind === "workload") {
      const base =
        entry.action === "deny"
          ? featureAbsent(entry.item, minor)
          : entry.action === "require"
            ? requirementHolds(entry.item, minor)
            : valuesSet(entry.values);
      const pods = podsOf(entry.target.workload.pods);
      check = { cel: `!(${pods.cel}) || (${base.cel})`, holds: (s, m) => !pods.holds(s, m) || base.holds(s, m) };
    } else if (entry.action === "set") {
      // a workload's own value of a field (its `set`, or what its `require` or `deny` patches) wins
      // over its namespace's for its pods, as in the SecurityContext patch
      const own = mine.filter((e) => e.target.kind === "workload");
      check = valuesSet(entry.values, (path) =>
        own
          .filter((e) => e.values.some((v) => v.path === path))
          .map((e) => podsOf((e.target as { workload: Workload }).workload.pods)),
      );
    } else {
      check = withExceptions(entry, allowsOf, minor);
    }
    const place = `${entry.span.file}:${entry.span.start.line}`;
    const what =
      entry.action === "deny"
        ? `must not use ${entry.item}`
        : entry.action === "require"
          ? `must meet ${entry.item}`
          : `must set ${setText(entry)} (the SecurityContext patch sets it)`;
    validations.push({
      ...check,
      entry,
      message: `${place}: ${ruleText(entry)}${entry.target.kind === "workload" ? ` for ${entry.target.workload.name}` : ""}: the pod ${what}`,
    });
  }
  return validations;
}

/** How a rule reads in a message: `deny hostPort 9100`, `require drop ALL`, `set runAsUser 1000`. */
const ruleText = (entry: SecurityEntry) => `${entry.action} ${entry.action === "set" ? setText(entry) : entry.item}`;

/**
 * A namespace-wide entry less the exceptions that override it (the checker's `exempt`: workloads
 * whose `allow` wins by specificity): the pods of a workload whose exception names the feature (or
 * restricts what a `require` writes) are not held to it; `allow hostPort RANGE` gives back those
 * ports. A pod of several such workloads has the exceptions of each.
 */
function withExceptions(entry: SecurityEntry, allowsOf: (w: Workload) => string[], minor: number): Check {
  const [feature] = entry.item.split(" ");
  const exempt = entry.exempt ?? [];
  const whole = exempt
    .filter((w) => entry.action === "require" || allowsOf(w).some((a) => a === entry.item || a === feature))
    .map((w) => podsOf(w.pods));
  const ports =
    entry.action === "deny" && feature === "hostPort"
      ? exempt
          .map((w) => ({
            pods: podsOf(w.pods),
            ranges: allowsOf(w)
              .filter((a) => a.startsWith("hostPort "))
              .map((a) => portRange(a.split(" ")[1])),
          }))
          .filter((x) => x.ranges.length > 0)
      : [];
  const base = entry.action === "deny" ? featureAbsent(entry.item, minor, ports) : requirementHolds(entry.item, minor);
  return whole.reduceRight<Check>((rest, pods) => or(pods, rest), base);
}

/** Where each matched kind keeps its pod template (a Pod is its own). */
const byKind = (field: (template: string) => string) =>
  `object.kind == 'Pod' ? ${field("object")} : object.kind == 'CronJob' ? ${field("object.spec.jobTemplate.spec.template")} : object.kind == 'PodTemplate' ? ${field("object.template")} : ${field("object.spec.template")}`;

/**
 * The pod spec and pod metadata of every kind the policy matches. A template's metadata may be left
 * out (a Job's, a PodTemplate's): it is then an empty map, not an evaluation error that
 * `failurePolicy: Fail` would turn into a refusal.
 */
const podVariables = [
  { name: "spec", expression: byKind((t) => `${t}.spec`) },
  {
    name: "meta",
    expression: byKind((t) => (t === "object" ? "object.metadata" : `(has(${t}.metadata) ? ${t}.metadata : {})`)),
  },
];

export const POD_VARIABLES: readonly { name: string; expression: string }[] = podVariables;

const resourceRules = [
  {
    apiGroups: [""],
    apiVersions: ["v1"],
    operations: ["CREATE", "UPDATE"],
    resources: ["pods", "pods/ephemeralcontainers", "podtemplates", "replicationcontrollers"],
  },
  {
    apiGroups: ["apps"],
    apiVersions: ["v1"],
    operations: ["CREATE", "UPDATE"],
    resources: ["daemonsets", "deployments", "replicasets", "statefulsets"],
  },
  { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["cronjobs", "jobs"] },
];

export interface AdmissionPolicies {
  manifests: Manifest[];
  /** Per emitted policy, its validations (for translation validation). */
  policies: { namespace: OwnedNamespace; validations: Validation[] }[];
  /** Rules that refuse the program's own patched pods (SP4032), with or without policies written. */
  diagnostics: Diagnostic[];
}

/**
 * The pods of each workload of a namespace, and a pod of none, as the SecurityContext patch writes
 * them (a pod that passes every check, with its namespace's values and then the workload's own),
 * must pass the namespace's rules: a rule that refuses them contradicts the statements giving the
 * values (SP4032), e.g. `require seccomp Localhost p.json in ns a` and `set seccomp RuntimeDefault for web`.
 */
function patchContradictions(
  model: Model,
  namespace: OwnedNamespace,
  validations: readonly Validation[],
): Diagnostic[] {
  const entries = model.security.filter(
    (e) =>
      e.action !== "allow" &&
      (e.target.kind === "namespace" ? e.target.namespace.name : e.target.workload.namespace) === namespace.name,
  );
  const shared = (w?: Workload) =>
    entries.filter((e) => e.target.kind === "namespace" && !(w && e.exempt?.includes(w)));
  const own = (w: Workload) => entries.filter((e) => e.target.kind === "workload" && e.target.workload === w);
  const pods = [
    { pods: `the pods of namespace \`${namespace.name}\``, labels: {}, giving: shared() },
    ...model.workloads
      .filter((w) => w.namespace === namespace.name)
      .map((w) => ({
        pods: `workload \`${w.namespace}/${w.name}\``,
        labels: witness(w.pods),
        giving: [...shared(w), ...own(w)],
      })),
  ];
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<Validation>();
  // a field given two values at one level is SP4008 already: the patch is not written
  const conflicting = (level: readonly SecurityEntry[]): boolean => {
    const given = new Map<string, string>();
    for (const v of level.flatMap((e) => e.values)) {
      const field = `${v.scope} ${v.path}`;
      const value = JSON.stringify(v.value);
      if ((given.get(field) ?? value) !== value) return true;
      given.set(field, value);
    }
    return false;
  };
  for (const { pods: what, labels, giving } of pods) {
    const levels = [
      giving.filter((e) => e.target.kind === "namespace"),
      giving.filter((e) => e.target.kind === "workload"),
    ];
    if (levels.some(conflicting)) continue;
    const spec = podWith(giving.flatMap((e) => e.values));
    const meta = { labels, annotations: {} };
    for (const v of validations) {
      if (reported.has(v) || v.holds(spec, meta)) continue;
      reported.add(v);
      diagnostics.push(
        diagnostic(sm.patchRefusedByRule, v.entry.span, [what, ruleText(v.entry)], {
          help: "give these pods the value the rule asks for, or exempt their workload from it with an `allow`",
          related: giving
            .filter((e) => e !== v.entry && e.values.length > 0)
            .map((e) => ({ span: e.span, message: `\`${ruleText(e)}\` writes values into the patch` })),
        }),
      );
    }
  }
  return diagnostics;
}

export function compileAdmissionPolicies(model: Model, enabled = true): AdmissionPolicies {
  const apiVersion = admissionApiVersion(model.cluster);
  const minor = minorOf(model.cluster);
  const manifests: Manifest[] = [];
  const policies: AdmissionPolicies["policies"] = [];
  const diagnostics: Diagnostic[] = [];
  for (const namespace of model.namespaces) {
    const validations = namespaceValidations(model, namespace, minor);
    if (validations.length === 0) continue;
    diagnostics.push(...patchContradictions(model, namespace, validations));
    if (!enabled || !apiVersion) continue;
    policies.push({ namespace, validations });
    const name = `secpol-${namespace.name}`;
    const sources: Span[] = validations.map((v) => v.entry.span);
    manifests.push({
      object: {
        apiVersion,
        kind: "ValidatingAdmissionPolicy",
        metadata: { name },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: { resourceRules },
          variables: podVariables,
          validations: validations.map((v) => ({ expression: v.cel, message: v.message })),
        },
      },
      sources,
    });
    manifests.push({
      object: {
        apiVersion,
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name },
        spec: {
          policyName: name,
          validationActions: validationActions(namespace),
          matchResources: { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace.name } } },
        },
      },
      sources,
    });
  }
  return { manifests, policies, diagnostics };
}
