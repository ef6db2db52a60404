/**
 * `psp NAME { field value, ...; ... }` and `grant psp NAME to SUBJECT`: checked into the
 * PodSecurityPolicy specs and the grants of the model. PSP exists only before 1.25.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { Diagnostics } from "../diagnostics/catalogue.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { names as m } from "../diagnostics/messages/names.js";
import { security as sm } from "../diagnostics/messages/security.js";
import type * as ast from "../syntax/ast.js";
import type { Grant, Psp } from "../semantics/model.js";
import { capabilities, volumeTypes } from "../semantics/security.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { pspSupported } from "../semantics/model.js";
import { PSP_BOOLEAN_FIELDS, pspDefaultStrategies } from "../kubernetes.js";
import type { CheckContext } from "./context.js";
import {
  dns1123Label,
  dns1123Subdomain,
  hostPathPrefix,
  MAX_ID,
  profileName,
  shown,
  subjectName,
  sysctlName,
} from "./values.js";

const text = (v: ast.Value) => ("from" in v ? `${v.from.text}..${v.to.text}` : v.text);

const idRuleFields: Record<string, string[]> = {
  runAsUser: ["MustRunAs", "MustRunAsNonRoot", "RunAsAny"],
  runAsGroup: ["MustRunAs", "MayRunAs", "RunAsAny"],
  fsGroup: ["MustRunAs", "MayRunAs", "RunAsAny"],
  supplementalGroups: ["MustRunAs", "MayRunAs", "RunAsAny"],
};
const listFields = [
  "allowedCapabilities",
  "defaultAddCapabilities",
  "requiredDropCapabilities",
  "volumes",
  "allowedHostPaths",
  "allowedProcMountTypes",
  "forbiddenSysctls",
  "allowedUnsafeSysctls",
  "seccomp",
  "appArmor",
];
const allFields = [...PSP_BOOLEAN_FIELDS, ...Object.keys(idRuleFields), "hostPorts", "seLinux", ...listFields];

export const VOLUMES = ["*", ...volumeTypes];

function ranges(values: ast.Value[], d: Diagnostics, max: number): { min: number; max: number }[] | undefined {
  const result: { min: number; max: number }[] = [];
  for (const v of values) {
    const [from, to] = v.kind === "Range" ? [v.from.text, v.to.text] : [v.text, v.text];
    const a = Number(from);
    const b = Number(to);
    if (!/^\d+$/.test(from) || !/^\d+$/.test(to) || a > max || b > max) {
      d.report(m.invalidValue, v.span, ["range", text(v), `numbers from 0 to ${max}, as \`N\` or \`N..M\``]);
      return undefined;
    }
    if (a > b) {
      d.report(m.rangeNotOrdered, v.span, [from, to]);
      return undefined;
    }
    result.push({ min: a, max: b });
  }
  return result;
}

export function checkPsp(node: ast.PspDeclaration, d: Diagnostics): Psp | undefined {
  // PSP requires these four strategies; RunAsAny is the documented default when one is left out
  const spec: Record<string, unknown> = pspDefaultStrategies();
  const annotations: Record<string, string> = {};
  const seen = new Map<string, Span>();
  let ok = true;
  for (const field of node.fields) {
    const name = field.name.text;
    const values = field.values;
    if (seen.has(name)) {
      d.report(m.duplicateSetting, field.name.span, [name], {
        related: [{ span: seen.get(name)!, message: "first set here" }],
      });
      ok = false;
      continue;
    }
    seen.set(name, field.name.span);
    const bad = (expected: string) => {
      d.report(m.invalidValue, values[0]?.span ?? field.span, [name, shown(values.map(text).join(" ")), expected]);
      ok = false;
    };
    /** Each value checked by `validate`; the first invalid one is reported as a `what`. */
    const allValid = (what: string, validate: (value: string) => string | undefined): boolean => {
      for (const v of values) {
        const problem = validate(text(v));
        if (problem) {
          d.report(m.invalidName, v.span, [what, shown(text(v)), problem]);
          ok = false;
          return false;
        }
      }
      return true;
    };
    if (PSP_BOOLEAN_FIELDS.includes(name)) {
      if (values.length !== 1 || !["true", "false"].includes(text(values[0]))) bad("`true` or `false`");
      else spec[name] = text(values[0]) === "true";
    } else if (name in idRuleFields) {
      const rule = values[0] ? text(values[0]) : "";
      if (!idRuleFields[name].includes(rule)) bad(idRuleFields[name].map((r) => `\`${r}\``).join(", "));
      else if (rule === "MustRunAs" || rule === "MayRunAs") {
        const r = ranges(values.slice(1), d, MAX_ID);
        if (!r || r.length === 0) {
          if (r) bad(`\`${rule}\` and at least one range, e.g. \`${rule} 1000..2000\``);
          ok = false;
        } else spec[name] = { rule, ranges: r };
      } else if (values.length > 1) bad(`\`${rule}\` alone`);
      else spec[name] = { rule };
    } else if (name === "hostPorts") {
      const r = ranges(values, d, 65535);
      if (!r) ok = false;
      else spec.hostPorts = r;
    } else if (name === "seLinux") {
      const rule = values[0] ? text(values[0]) : "";
      if (rule !== "RunAsAny" && rule !== "MustRunAs") bad("`RunAsAny` or `MustRunAs`");
      else spec.seLinux = { rule };
    } else if (
      name === "allowedCapabilities" ||
      name === "defaultAddCapabilities" ||
      name === "requiredDropCapabilities"
    ) {
      const caps = values.map(text).map((c) => (c.startsWith("CAP_") ? c.slice(4) : c));
      const unknown = caps.find((c) => !capabilities.has(c) && !(c === "*" && name === "allowedCapabilities"));
      if (unknown !== undefined) {
        d.report(sm.unknownCapability, field.span, [shown(unknown)]);
        ok = false;
      } else spec[name] = caps;
    } else if (name === "volumes") {
      const unknown = values.map(text).find((v) => !VOLUMES.includes(v));
      if (unknown !== undefined) {
        d.report(
          m.invalidValue,
          field.span,
          ["volume type", shown(unknown), "a volume type such as `emptyDir`, `secret` or `*`"],
          didYouMean(unknown, VOLUMES),
        );
        ok = false;
      } else spec.volumes = values.map(text);
    } else if (name === "allowedHostPaths") {
      if (allValid("host path prefix", hostPathPrefix))
        spec.allowedHostPaths = values.map((v) => ({ pathPrefix: text(v) }));
    } else if (name === "allowedProcMountTypes") {
      if (values.some((v) => !["Default", "Unmasked"].includes(text(v)))) bad("`Default` or `Unmasked`");
      else spec.allowedProcMountTypes = values.map(text);
    } else if (name === "forbiddenSysctls" || name === "allowedUnsafeSysctls") {
      if (allValid("sysctl", sysctlName)) spec[name] = values.map(text);
    } else if (name === "seccomp") {
      // the annotation is a comma-separated list: a profile name with a comma would be two
      if (allValid("seccomp profile", profileName))
        annotations["seccomp.security.alpha.kubernetes.io/allowedProfileNames"] = values.map(text).join(",");
    } else if (name === "appArmor") {
      if (allValid("AppArmor profile", profileName))
        annotations["apparmor.security.beta.kubernetes.io/allowedProfileNames"] = values.map(text).join(",");
    } else {
      d.report(
        m.unknownPspField,
        field.name.span,
        [name],
        didYouMean(name, allFields, `the fields are ${allFields.map((f) => `\`${f}\``).join(", ")}`),
      );
      ok = false;
    }
  }
  const added = (spec.defaultAddCapabilities as string[] | undefined) ?? [];
  const dropped = (spec.requiredDropCapabilities as string[] | undefined) ?? [];
  const both = added.filter((c) => dropped.includes(c));
  if (both.length > 0) {
    d.report(sm.capabilityAddedAndDropped, node.name.span, [both.join(", ")]);
    ok = false;
  }
  return ok ? { name: node.name.text, spec, annotations, span: node.span } : undefined;
}

/** A grant, or undefined (reported) when its subject's names are not valid. */
export function checkGrant(node: ast.GrantStatement, d: Diagnostics): Grant | undefined {
  const s = node.subject;
  const problems: [ast.Word, string, string | undefined][] =
    s.kind === "User" || s.kind === "Group"
      ? [[s.name, `${s.kind.toLowerCase()} name`, subjectName(s.name.text)]]
      : s.kind === "ServiceAccount"
        ? [
            [s.namespace, "namespace name", dns1123Label(s.namespace.text)],
            [s.name, "service account name", dns1123Subdomain(s.name.text)],
          ]
        : [[s.namespace, "namespace name", dns1123Label(s.namespace.text)]];
  for (const [word, what, problem] of problems)
    if (problem) d.report(m.invalidName, word.span, [what, shown(word.text), problem]);
  if (problems.some(([, , problem]) => problem)) return undefined;
  switch (s.kind) {
    case "User":
    case "Group":
      return { psp: node.psp.text, subject: { kind: s.kind, name: s.name.text }, span: node.span };
    case "ServiceAccount":
      return {
        psp: node.psp.text,
        subject: { kind: "ServiceAccount", namespace: s.namespace.text, name: s.name.text },
        namespace: s.namespace.text,
        span: node.span,
      };
    case "ServiceAccounts":
      return {
        psp: node.psp.text,
        subject: { kind: "Group", name: `system:serviceaccounts:${s.namespace.text}` },
        namespace: s.namespace.text,
        span: node.span,
      };
  }
}

/** PodSecurityPolicies and their grants, for clusters older than 1.25 only. */
export function podSecurityPolicies(ctx: CheckContext): { psps: Psp[]; grants: Grant[] } {
  const { psps: pspNodes, grants: grantNodes } = ctx.binding.statements;
  const statements = [...pspNodes, ...grantNodes];
  if (statements.length === 0) return { psps: [], grants: [] };
  if (!pspSupported(ctx.cluster)) {
    const version = ctx.cluster.version
      ? `${ctx.cluster.version.major}.${ctx.cluster.version.minor}`
      : "the latest version (no `cluster { version }` is declared)";
    for (const s of statements) {
      ctx.d.report(sm.pspRemoved, s.span, [version], {
        help: "use `pss enforce LEVEL` in the namespace blocks; for an older cluster, declare `cluster { version 1.24 }`",
      });
    }
    return { psps: [], grants: [] };
  }
  const psps = new Map<string, Psp>();
  for (const node of pspNodes) {
    const existing = psps.get(node.name.text);
    if (existing) {
      ctx.d.report(m.duplicateDeclaration, node.name.span, ["psp", node.name.text], {
        related: [{ span: existing.span, message: "first declared here" }],
      });
      continue;
    }
    const nameProblem = dns1123Subdomain(node.name.text);
    if (nameProblem) {
      ctx.d.report(m.invalidName, node.name.span, ["PodSecurityPolicy name", node.name.text, nameProblem]);
      continue;
    }
    const psp = checkPsp(node, ctx.d);
    if (psp) psps.set(psp.name, psp);
  }
  const grants: Grant[] = [];
  for (const node of grantNodes) {
    if (!ctx.binding.referenceOf(node.psp)?.declarations.length) {
      ctx.d.report(sm.unknownPsp, node.psp.span, [node.psp.text], didYouMean(node.psp.text, psps.keys()));
      continue;
    }
    const grant = checkGrant(node, ctx.d);
    if (grant) grants.push(grant);
  }
  return { psps: [...psps.values()].sort((a, b) => compareStrings(a.name, b.name)), grants };
}
