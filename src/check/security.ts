/**
 * Pod-security statements: `deny|require|set|allow ITEM, ... TARGET` and `apply PROFILE to TARGET`,
 * resolved into per-target settings (the values the SecurityContext patch sets), exceptions and
 * denials, with the conflicts the language refuses: a feature both denied and allowed for the same
 * pods, and an exception that the namespace's enforced Pod Security level forbids.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { Diagnostics } from "../diagnostics/catalogue.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { names as m } from "../diagnostics/messages/names.js";
import { security as sm } from "../diagnostics/messages/security.js";
import type * as ast from "../syntax/ast.js";
import { conjunctionMatches, conjunctionOf, witness, type Requirement } from "../semantics/labels.js";
import { inEndpointSet, ownedNamespaceLabels } from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Model, type Workload } from "../semantics/model.js";
import {
  capabilities,
  features,
  podUsing,
  requirements,
  setText,
  settable,
  type FieldValue,
  type SecurityEntry,
  type SecurityTarget,
} from "../semantics/security.js";
import { evaluatePod, parseVersion } from "../semantics/pss.js";
import { dns1123Subdomain, localProfile, MAX_ID, seLinuxOption, shown, sysctlName } from "./values.js";
import { VOLUMES } from "./psp.js";
import { admissionApiVersion, validationActions } from "../kubernetes.js";
import { groupBy } from "../arrays.js";
import type { Binding, Scoped } from "./binder.js";

export type ScopedSecurity = Scoped<ast.SecurityRule | ast.ApplyStatement>;

const text = (v: ast.Value) => ("from" in v ? `${v.from.text}..${v.to.text}` : v.text);

export function checkSecurity(
  statements: readonly ScopedSecurity[],
  binding: Binding,
  model: Model,
  d: Diagnostics,
  admissionPolicies = true,
): SecurityEntry[] {
  const { profiles } = binding;
  const entries: SecurityEntry[] = [];
  for (const { node } of statements) {
    if (node.kind === "Apply") {
      const profile = binding.referenceOf(node.profile)?.declarations[0]?.node as ast.ProfileDeclaration | undefined;
      if (!profile) {
        d.report(
          sm.unknownProfile,
          node.profile.span,
          [node.profile.text],
          didYouMean(node.profile.text, profiles.keys()),
        );
        continue;
      }
      const targets = resolveTarget(node.target, binding, model, d);
      for (const rule of profile.rules)
        entries.push(...ruleEntries(rule, targets, d, { span: node.span, profile: profile.name.text }));
      continue;
    }
    if (!node.target) {
      // what a `set` or `require` says is checked first: `set sysctl …` is wrong before it lacks a
      // target (an `allow web db` is more likely a network rule without `->` than an unknown
      // feature); and a rule that a syntax error cut short lacks its target because of that error
      const errors = d.errors;
      if (node.action === "set" || node.action === "require") ruleEntries(node, [], d);
      if (d.errors === errors && !node.truncated)
        d.report(sm.securityRuleNeedsTarget, node.span, [node.action], {
          help: "end it with `for WORKLOAD`, `in ns NAME`, `in ns(LABELS)` or `in all`",
        });
      continue;
    }
    entries.push(...ruleEntries(node, resolveTarget(node.target, binding, model, d), d));
  }
  checkConflicts(entries, model, d, admissionPolicies && admissionApiVersion(model.cluster) !== undefined);
  checkSets(entries, model, d);
  return entries;
}

function resolveTarget(target: ast.SecurityTarget, binding: Binding, model: Model, d: Diagnostics): SecurityTarget[] {
  switch (target.kind) {
    case "InAll":
      return model.namespaces.map((n) => ({ kind: "namespace" as const, namespace: n }));
    case "InNamespace": {
      const owned = model.namespaces.find((n) => n.name === target.namespace.text);
      if (!owned) {
        d.report(sm.notOwnedNamespace, target.namespace.span, [target.namespace.text], {
          help: `declare it: \`namespace ${target.namespace.text} { }\``,
        });
        return [];
      }
      return [{ kind: "namespace", namespace: owned }];
    }
    case "InNamespaceSelector": {
      const operators = {
        "=": "In",
        "!=": "NotIn",
        in: "In",
        notin: "NotIn",
        exists: "Exists",
        "!exists": "DoesNotExist",
      } as const;
      const selector = conjunctionOf(
        target.selector.requirements.map(
          (r) =>
            ({ key: r.key.text, operator: operators[r.operator], values: r.values.map((v) => v.text) }) as Requirement,
        ),
      );
      return model.namespaces
        .filter((n) => selector && conjunctionMatches(selector, n.labels))
        .map((n) => ({ kind: "namespace" as const, namespace: n }));
    }
    case "ForWorkload": {
      const name = target.workload.name.text;
      const { declarations } = binding.referenceOf(target.workload)!;
      // a workload whose selector is invalid (already reported) is in no model
      const candidates = declarations.flatMap(
        (decl) => model.workloads.find((w) => w.namespace === decl.namespace && w.name === decl.name) ?? [],
      );
      if (candidates.length !== 1) {
        if (candidates.length === 0)
          d.report(
            m.unknownName,
            target.workload.span,
            [name],
            didYouMean(
              name,
              model.workloads.map((w) => w.name),
            ),
          );
        else
          d.report(m.ambiguousName, target.workload.span, [
            name,
            candidates.map((w) => `workload \`${w.namespace}/${w.name}\``).join(", "),
          ]);
        return [];
      }
      if (!model.namespaces.some((n) => n.name === candidates[0].namespace)) {
        d.report(sm.notOwnedNamespace, target.workload.span, [candidates[0].namespace], {
          help: `declare it: \`namespace ${candidates[0].namespace} { }\``,
        });
        return [];
      }
      return [{ kind: "workload", workload: candidates[0] }];
    }
  }
}

function ruleEntries(
  rule: ast.SecurityRule,
  targets: SecurityTarget[],
  d: Diagnostics,
  via?: { span: Span; profile: string },
): SecurityEntry[] {
  const entries: SecurityEntry[] = [];
  for (const item of rule.items) {
    const values = itemValues(rule.action, item, d);
    if (!values) continue;
    for (const target of targets)
      entries.push({
        target,
        action: rule.action,
        item: values.item,
        values: values.values,
        span: via?.span ?? item.span,
        ...(via ? { viaProfile: true, profile: via.profile } : {}),
      });
  }
  return entries;
}

/** Fields people `set` that the language writes as a requirement or an exception: what `true` and `false` are written as. */
const requiredOrAllowed: Readonly<Record<string, { true: string; false: string }>> = {
  runAsNonRoot: { true: "require runAsNonRoot", false: "allow rootUser" },
  readOnlyRootFilesystem: { true: "require readOnlyRootFilesystem", false: "allow writableRootFilesystem" },
  allowPrivilegeEscalation: { true: "allow privilegeEscalation", false: "require noPrivilegeEscalation" },
  privileged: { true: "allow privileged", false: "deny privileged" },
  hostNetwork: { true: "allow hostNetwork", false: "deny hostNetwork" },
  hostPID: { true: "allow hostPID", false: "deny hostPID" },
  hostIPC: { true: "allow hostIPC", false: "deny hostIPC" },
};

/** The help for `set NAME …` of something that is not a field but a requirement or a feature (`set runAsNonRoot false`, `set sysctl …`). */
function insteadOfSetting(name: string, args: readonly ast.Value[]): string | undefined {
  const choice = requiredOrAllowed[name];
  if (choice) {
    const value = args.length === 1 ? text(args[0]) : undefined;
    if (value === "true" || value === "false") {
      const other = value === "true" ? "false" : "true";
      return `\`${name}\` is not set but required or allowed: for \`${value}\` write \`${choice[value]}\` (and for \`${other}\`, \`${choice[other]}\`)`;
    }
    return `\`${name}\` is not set but required or allowed: write \`${choice.true}\` or \`${choice.false}\``;
  }
  if (name === "sysctl" || name === "sysctls") {
    const sysctl = args[0] && "text" in args[0] ? args[0].text : "NAME";
    return `a sysctl is a feature that pods are allowed, not a field secpolc sets: write \`allow sysctl ${sysctl}\`; its value stays in the pod's own \`securityContext.sysctls\``;
  }
  if (name === "capabilities" || name === "capability")
    return "capabilities are allowed or dropped, not set: write `allow capability NAME` or `require drop NAME`";
  return undefined;
}

/** A user or group ID (runAsUser, runAsGroup, fsGroup, supplementalGroups). */
const id = (v: ast.Value | undefined, d: Diagnostics, what: string, fallback: Span): number | undefined => {
  if (!v || v.kind !== "Number" || !/^\d+$/.test(v.text) || Number(v.text) > MAX_ID) {
    d.report(m.invalidValue, v?.span ?? fallback, [what, v ? text(v) : "", `a whole number from 0 to ${MAX_ID}`]);
    return undefined;
  }
  return Number(v.text);
};

/** The values an item sets, or undefined (reported) when it is not valid. */
function itemValues(
  action: SecurityEntry["action"],
  item: ast.SecurityItem,
  d: Diagnostics,
): { item: string; values: FieldValue[] } | undefined {
  const name = item.name.text;
  const args = item.args;
  if (action === "deny" || action === "allow") {
    const feature = features[name];
    if (!feature) {
      d.report(
        sm.unknownSecurityItem,
        item.name.span,
        ["feature", name],
        didYouMean(
          name,
          Object.keys(features),
          `the features are ${Object.keys(features)
            .map((f) => `\`${f}\``)
            .join(", ")}`,
        ),
      );
      return undefined;
    }
    let argument = "";
    if (feature.argument === "capability") {
      const capability = args[0] ? capabilityName(args[0], d) : undefined;
      if (!capability) return undefined;
      argument = ` ${capability}`;
    } else if (feature.argument && args[0]) {
      // the argument goes into the item (`sysctl NAME`), which is split at the space later
      const problem = featureArgumentProblem(name, args[0]);
      if (problem) {
        d.report(m.invalidValue, args[0].span, [`\`${name}\` argument`, shown(text(args[0])), problem]);
        return undefined;
      }
      argument = ` ${text(args[0])}`;
    }
    return { item: `${name}${argument}`, values: action === "deny" ? (feature.safe ?? []) : [] };
  }
  if (action === "require") {
    const requirement = requirements[name];
    if (!requirement) {
      d.report(
        sm.unknownSecurityItem,
        item.name.span,
        ["requirement", name],
        didYouMean(name, Object.keys(requirements)),
      );
      return undefined;
    }
    if (requirement === "drop") {
      const dropped = args.map((a) => capabilityName(a, d));
      if (dropped.length === 0 || dropped.some((c) => c === undefined)) return undefined;
      return {
        item: `drop ${dropped.join(" ")}`,
        values: [{ scope: "container", path: "securityContext.capabilities.drop", value: dropped }],
      };
    }
    if (requirement === "seccomp") return seccomp(item, d);
    return { item: name, values: requirement };
  }
  // set
  if (!(settable as readonly string[]).includes(name)) {
    const instead = insteadOfSetting(name, args);
    d.report(
      sm.unknownSecurityItem,
      item.name.span,
      ["field", name],
      instead ? { help: instead } : didYouMean(name, settable),
    );
    return undefined;
  }
  const pod = (path: string, value: unknown) => ({ item: name, values: [{ scope: "pod" as const, path, value }] });
  switch (name) {
    case "runAsUser":
    case "runAsGroup":
    case "fsGroup": {
      const value = id(args[0], d, name, item.span);
      return value === undefined ? undefined : pod(`securityContext.${name}`, value);
    }
    case "supplementalGroups": {
      const groups = args.map((a) => id(a, d, name, item.span));
      return groups.length === 0 || groups.some((g) => g === undefined)
        ? undefined
        : pod("securityContext.supplementalGroups", groups);
    }
    case "seccomp":
      return seccomp(item, d);
    case "appArmor": {
      const value = args[0] ? text(args[0]) : "";
      if (value === "runtime/default") return pod("securityContext.appArmorProfile", { type: "RuntimeDefault" });
      if (value.startsWith("localhost/")) {
        const problem = localProfile(value.slice("localhost/".length));
        if (!problem)
          return pod("securityContext.appArmorProfile", {
            type: "Localhost",
            localhostProfile: value.slice("localhost/".length),
          });
        d.report(m.invalidName, args[0]!.span, [
          "AppArmor profile",
          shown(value),
          `its name after \`localhost/\` ${problem}`,
        ]);
        return undefined;
      }
      d.report(m.invalidValue, args[0]?.span ?? item.span, [
        "AppArmor profile",
        shown(value),
        "`runtime/default` or `localhost/NAME`",
      ]);
      return undefined;
    }
    case "seLinux": {
      const [field, value] = args;
      const fields = ["level", "user", "role", "type"];
      if (!field || !value || !fields.includes(text(field))) {
        d.report(m.invalidValue, field?.span ?? item.span, [
          "SELinux option",
          field ? shown(text(field)) : "",
          `one of ${fields.map((f) => `\`${f}\``).join(", ")} and a value`,
        ]);
        return undefined;
      }
      const problem = seLinuxOption(text(value));
      if (problem) {
        d.report(m.invalidName, value.span, [`SELinux ${text(field)}`, shown(text(value)), problem]);
        return undefined;
      }
      return pod(`securityContext.seLinuxOptions.${text(field)}`, text(value));
    }
    case "runtimeClass": {
      const value = args[0] ? text(args[0]) : "";
      const problem = dns1123Subdomain(value);
      if (problem) {
        d.report(m.invalidName, args[0]?.span ?? item.span, ["runtime class name", shown(value), problem]);
        return undefined;
      }
      return pod("runtimeClassName", value);
    }
    case "automountServiceAccountToken": {
      const value = args[0] ? text(args[0]) : "";
      if (value !== "true" && value !== "false") {
        d.report(m.invalidValue, args[0]?.span ?? item.span, [
          "automountServiceAccountToken",
          value,
          "`true` or `false`",
        ]);
        return undefined;
      }
      return pod("automountServiceAccountToken", value === "true");
    }
  }
  return undefined;
}

function seccomp(item: ast.SecurityItem, d: Diagnostics): { item: string; values: FieldValue[] } | undefined {
  const [type, path] = item.args.map(text);
  if (type === "RuntimeDefault")
    return {
      item: "seccomp RuntimeDefault",
      values: [{ scope: "pod", path: "securityContext.seccompProfile", value: { type } }],
    };
  if (type === "Localhost" && path !== undefined) {
    const problem = localProfile(path);
    if (!problem)
      return {
        item: `seccomp Localhost ${path}`,
        values: [{ scope: "pod", path: "securityContext.seccompProfile", value: { type, localhostProfile: path } }],
      };
    d.report(m.invalidName, item.args[1].span, ["seccomp profile path", shown(path), problem]);
    return undefined;
  }
  d.report(m.invalidValue, item.args[0]?.span ?? item.span, [
    "seccomp profile",
    shown(item.args.map(text).join(" ")),
    "`RuntimeDefault` or `Localhost PATH`",
  ]);
  return undefined;
}

/** What is wrong with the argument of `hostPort RANGE`, `sysctl NAME` or `volume TYPE`, if anything. */
function featureArgumentProblem(feature: string, v: ast.Value): string | undefined {
  if (feature === "hostPort") {
    const [from, to] = v.kind === "Range" ? [v.from.text, v.to.text] : [v.text, v.text];
    const ok =
      /^\d+$/.test(from) && /^\d+$/.test(to) && Number(from) >= 1 && Number(to) <= 65535 && Number(from) <= Number(to);
    return ok ? undefined : "a port or a range of ports from 1 to 65535, e.g. `8080` or `8000..8080`";
  }
  if (feature === "sysctl") return sysctlName(text(v)) && "a sysctl name such as `kernel.shm_rmid_forced`";
  if (feature === "volume")
    return VOLUMES.includes(text(v)) && text(v) !== "*"
      ? undefined
      : "a volume type such as `hostPath`, `emptyDir` or `secret`";
  return undefined;
}

function capabilityName(v: ast.Value, d: Diagnostics): string | undefined {
  let name = text(v);
  if (name.startsWith("CAP_")) {
    d.report(m.capPrefix, v.span, [name]);
    name = name.slice(4);
  }
  if (!capabilities.has(name)) {
    d.report(sm.unknownCapability, v.span, [shown(name)], didYouMean(name, capabilities));
    return undefined;
  }
  return name;
}

const namespaceOf = (t: SecurityTarget) => (t.kind === "workload" ? t.workload.namespace : t.namespace.name);

/** Whether the pods of `a` and `b` can overlap: same workload, or a namespace and anything in it. */
const overlap = (a: SecurityTarget, b: SecurityTarget) =>
  namespaceOf(a) === namespaceOf(b) && (a.kind === "namespace" || b.kind === "namespace" || a.workload === b.workload);

/** Whether a deny and an allow name some of the same power: `deny hostPort` covers `allow hostPort 9100`, ranges of host ports that overlap meet. */
function sameFeature(deny: string, allow: string): boolean {
  const [feature, argument] = deny.split(" ");
  const [other, otherArgument] = allow.split(" ");
  if (feature !== other) return false;
  if (argument === undefined || otherArgument === undefined) return true;
  if (feature !== "hostPort") return argument === otherArgument;
  const range = (r: string) => r.split("..").map(Number);
  const [from, to = from] = range(argument);
  const [otherFrom, otherTo = otherFrom] = range(otherArgument);
  return from <= otherTo && otherFrom <= to;
}

/** Whether `entry` reaches the pods of the workload `allow` is for only through their namespace (`in ns`, `in ns(...)`, `in all`, a profile applied to a namespace or to all). */
const wider = (entry: SecurityEntry, allow: SecurityEntry) =>
  entry.target.kind === "namespace" && allow.target.kind === "workload";

/** Whether a `require` writes the field whose safe value a `deny` of the feature would write (`require runAsNonRoot` restricts `rootUser`). */
const restricts = (require: SecurityEntry, feature: string) =>
  require.values.some((v) => (features[feature]?.safe ?? []).some((s) => s.scope === v.scope && s.path === v.path));

/** Exempts the workload of `allow` from the wider entries it overrides, with a note naming each. */
function exempt(allow: SecurityEntry, overridden: readonly SecurityEntry[], d: Diagnostics): void {
  if (allow.target.kind !== "workload") return;
  const workload = allow.target.workload;
  for (const entry of overridden) {
    if (entry.exempt?.includes(workload)) continue;
    // kept in one order (by namespace and name) whatever the order written: the admission policy's
    // exceptions and the patch's rejects are written in it
    (entry.exempt ??= []).push(workload);
    entry.exempt.sort((a, b) =>
      a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const how = entry.profile
      ? `profile \`${entry.profile}\` applied to its namespace`
      : `a rule for every pod of namespace \`${workload.namespace}\``;
    d.report(
      sm.exceptionOverridesWider,
      allow.span,
      [allow.item, `${workload.namespace}/${workload.name}`, `${entry.action} ${entry.item}`, how],
      {
        related: [{ span: entry.span, message: `\`${entry.action} ${entry.item}\` for the whole namespace` }],
      },
    );
  }
}

function checkConflicts(
  entries: readonly SecurityEntry[],
  model: Model,
  d: Diagnostics,
  admissionEnforces: boolean,
): void {
  // in one order whatever the order written: of two allows that override one deny (`hostPort`,
  // `hostPort 9100`), the note names the same one
  const allows = entries
    .filter((e) => e.action === "allow")
    .sort((a, b) => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
  // each allow meets only the denies of its namespace and feature, and the requires of its
  // namespace (in the order written), so the check grows with the program, not with its square
  const denyKey = (namespace: string, item: string) => `${namespace} ${item.split(" ")[0]}`;
  const deniesBy = groupBy(
    entries.filter((e) => e.action === "deny"),
    (e) => denyKey(namespaceOf(e.target), e.item),
  );
  const requiresBy = groupBy(
    entries.filter((e) => e.action === "require"),
    (e) => namespaceOf(e.target),
  );
  const namespaces = new Map(model.namespaces.map((n) => [n.name, n]));
  for (const allow of allows) {
    const denies = (deniesBy.get(denyKey(namespaceOf(allow.target), allow.item)) ?? []).filter(
      (e) => sameFeature(e.item, allow.item) && overlap(e.target, allow.target),
    );
    // an exception wins by specificity: only a deny as specific as the allow (or more) is a conflict
    const deny = denies.find((e) => !wider(e, allow));
    if (deny) {
      d.report(sm.denyAndAllow, allow.span, [allow.item], {
        related: [{ span: deny.span, message: `\`deny ${deny.item}\` for the same pods` }],
      });
      continue;
    }
    exempt(
      allow,
      [
        ...denies,
        ...(requiresBy.get(namespaceOf(allow.target)) ?? []).filter((e) => wider(e, allow) && restricts(e, allow.item)),
      ],
      d,
    );
    const owned = namespaces.get(namespaceOf(allow.target));
    const enforce = owned?.podSecurity.enforce;
    if (!owned || !enforce) continue;
    const pod = podUsing(allow.item);
    const violations = evaluatePod(pod.metadata, pod.spec, enforce.level, parseVersion(enforce.version) ?? "latest");
    if (violations.length > 0) {
      // the ways out: a level that admits the exception, another namespace for the workload, or no exception
      const version = parseVersion(enforce.version) ?? "latest";
      const lower = (["baseline", "privileged"] as const).find(
        (level) => level !== enforce.level && evaluatePod(pod.metadata, pod.spec, level, version).length === 0,
      );
      const ways = [
        `lower the namespace's level to one that admits it (\`pss enforce ${lower ?? "privileged"}\` in \`${owned.name}\`)`,
        ...(allow.target.kind === "workload"
          ? [`move \`${allow.target.workload.name}\` to a namespace whose enforced level admits it`]
          : []),
        `or drop \`allow ${allow.item}\` if the pods can do without it`,
      ];
      d.report(
        sm.exceptionForbiddenByLevel,
        allow.span,
        [allow.item, violations.map((v) => v.check).join("`, `"), enforce.level, enforce.version, owned.name],
        {
          help: ways.join(", "),
          related: [{ span: enforce.span, message: `\`pss enforce ${enforce.level}\`` }],
        },
      );
    }
  }
  // a deny that the enforced level does not cover is only as strong as the patch, unless an admission policy enforces it
  // (a namespace's policy is bound with [Warn] or [Audit] when it sets only `pss warn`/`pss audit`: that stops no pod)
  for (const deny of entries.filter((e) => e.action === "deny" && !e.viaProfile)) {
    const namespace = model.namespaces.find((n) => n.name === namespaceOf(deny.target));
    if (admissionEnforces && namespace && validationActions(namespace).includes("Deny")) continue;
    const enforce = namespace?.podSecurity.enforce;
    const feature = features[deny.item.split(" ")[0]];
    const pod = podUsing(deny.item);
    const covered =
      enforce &&
      evaluatePod(pod.metadata, pod.spec, enforce.level, parseVersion(enforce.version) ?? "latest").length > 0;
    if (!covered)
      d.report(sm.denyNotEnforced, deny.span, [deny.item], {
        help: feature.safe
          ? "the patch sets the safe value; enforce it with `pss enforce` at a level that checks it"
          : "only a `pss enforce` level that checks it can stop such pods",
      });
  }
  // NetworkPolicy does not apply to host-network pods
  for (const allow of allows.filter((a) => a.item === "hostNetwork" && a.target.kind === "workload")) {
    const workload = (allow.target as { workload: Workload }).workload;
    const pod = { pod: { namespace: workload.namespace, labels: witness(workload.pods), ports: workload.ports } };
    const labels = ownedNamespaceLabels(model, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
    const targeted = model.rules.some((r) =>
      r.clauses.some((c) => inEndpointSet(c.sources, pod, labels) || inEndpointSet(c.destinations, pod, labels)),
    );
    if (targeted) d.report(sm.hostNetworkBypassesPolicy, allow.span, [workload.name]);
  }
}

/** Writes `value` at a dotted `path` under `holder`, making the objects on the way. */
function writeAt(holder: Record<string, any>, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = holder;
  for (const key of keys.slice(0, -1)) at = at[key] = typeof at[key] === "object" && at[key] !== null ? at[key] : {};
  at[keys[keys.length - 1]] = value;
}

/**
 * What a `set` writes must pass the level its namespace enforces, judged by the project's Pod
 * Security checks on a pod that passes every check but for the values set; and one patch must not
 * require a non-root user while setting user 0.
 */
function checkSets(entries: readonly SecurityEntry[], model: Model, d: Diagnostics): void {
  for (const set of entries.filter((e) => e.action === "set")) {
    const owned = model.namespaces.find((n) => n.name === namespaceOf(set.target));
    const enforce = owned?.podSecurity.enforce;
    if (!owned || !enforce) continue;
    const pod = podUsing("");
    for (const v of set.values) {
      if (v.scope === "pod") writeAt(pod.spec, v.path, v.value);
      else for (const c of pod.spec.containers) writeAt(c, v.path, v.value);
    }
    const violations = evaluatePod(pod.metadata, pod.spec, enforce.level, parseVersion(enforce.version) ?? "latest");
    if (violations.length === 0) continue;
    d.report(
      sm.setForbiddenByLevel,
      set.span,
      [setText(set), violations.map((v) => v.check).join("`, `"), enforce.level, enforce.version, owned.name],
      {
        help: `set a value the level admits, or lower the namespace's level (\`pss enforce\` in \`${owned.name}\`)`,
        related: [{ span: enforce.span, message: `\`pss enforce ${enforce.level}\`` }],
      },
    );
  }
  // `runAsNonRoot: true` (a require, or the safe value of `deny rootUser`) and `set runAsUser 0` for the same pods
  const nonRoot = entries.filter(
    (e) => e.action !== "set" && e.values.some((v) => v.path === "securityContext.runAsNonRoot" && v.value === true),
  );
  const root = entries.filter(
    (e) => e.action === "set" && e.values.some((v) => v.path === "securityContext.runAsUser" && v.value === 0),
  );
  const reported = new Set<string>();
  for (const user of root) {
    for (const required of nonRoot) {
      if (!overlap(user.target, required.target)) continue;
      // an exception exempts its workload from a namespace-wide requirement
      if (user.target.kind === "workload" && required.exempt?.includes(user.target.workload)) continue;
      const key = `${user.span.file}:${user.span.start.offset}/${required.span.file}:${required.span.start.offset}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const pods =
        user.target.kind === "workload"
          ? `workload \`${user.target.workload.namespace}/${user.target.workload.name}\``
          : required.target.kind === "workload"
            ? `workload \`${required.target.workload.namespace}/${required.target.workload.name}\``
            : `every pod of namespace \`${namespaceOf(user.target)}\``;
      d.report(sm.rootUserRequiredNonRoot, user.span, [pods], {
        help: "set a user ID other than 0, or `allow rootUser` for the workload that must run as root",
        related: [{ span: required.span, message: `\`${required.action} ${required.item}\` requires a non-root user` }],
      });
    }
  }
}
