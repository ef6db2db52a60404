/**
 * PodSecurityPolicy and the RBAC that makes it usable: a PSP applies to a pod only when the
 * creating user or service account may `use` it. One ClusterRole per PSP grants `use`; each grant
 * binds it with a ClusterRoleBinding, or a RoleBinding in the namespace of a namespace-scoped grant.
 */
import type { Grant, Model } from "../semantics/model.js";
import type { Manifest } from "./manifest.js";
import { stableHash } from "./names.js";

const RBAC = "rbac.authorization.k8s.io";

export const pspRoleName = (psp: string) => `secpol-psp-${psp}`;

function subjectOf(g: Grant): Record<string, string> {
  return g.subject.kind === "ServiceAccount"
    ? { kind: "ServiceAccount", name: g.subject.name, namespace: g.subject.namespace }
    : { kind: g.subject.kind, apiGroup: RBAC, name: g.subject.name };
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");

function bindingName(g: Grant): string {
  const who = g.subject.kind === "ServiceAccount" ? `sa-${g.subject.name}` : `${g.subject.kind.toLowerCase()}-${g.subject.name}`;
  const name = `${pspRoleName(g.psp)}-${slug(who)}`;
  return name.length <= 253 && slug(who).length > 0 ? name : `${pspRoleName(g.psp)}-${stableHash(who)}`;
}

export function compilePspRbac(model: Model): Manifest[] {
  const manifests: Manifest[] = [];
  for (const psp of model.psps) {
    manifests.push({
      object: {
        apiVersion: "policy/v1beta1",
        kind: "PodSecurityPolicy",
        metadata: { name: psp.name, ...(Object.keys(psp.annotations).length > 0 ? { annotations: psp.annotations } : {}) },
        // fields in a fixed order, whatever order the block lists them in
        spec: Object.fromEntries(Object.entries(psp.spec).sort(([a], [b]) => (a < b ? -1 : 1))),
      },
      sources: [psp.span],
    });
    const grants = model.grants.filter((g) => g.psp === psp.name);
    if (grants.length === 0) continue;
    manifests.push({
      object: {
        apiVersion: `${RBAC}/v1`,
        kind: "ClusterRole",
        metadata: { name: pspRoleName(psp.name) },
        rules: [{ apiGroups: ["policy"], resources: ["podsecuritypolicies"], verbs: ["use"], resourceNames: [psp.name] }],
      },
      sources: [psp.span, ...grants.map((g) => g.span)],
    });
  }
  const bindings = new Map<string, Manifest>();
  for (const g of model.grants) {
    const name = bindingName(g);
    const key = `${g.namespace ?? ""}/${name}`;
    if (bindings.has(key)) {
      bindings.get(key)!.sources.push(g.span);
      continue;
    }
    bindings.set(key, {
      object: {
        apiVersion: `${RBAC}/v1`,
        kind: g.namespace ? "RoleBinding" : "ClusterRoleBinding",
        metadata: { name, ...(g.namespace ? { namespace: g.namespace } : {}) },
        roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: pspRoleName(g.psp) },
        subjects: [subjectOf(g)],
      },
      sources: [g.span],
    });
  }
  return [...manifests, ...[...bindings.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, m]) => m)];
}
