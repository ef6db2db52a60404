/**
 * Facts about Kubernetes that the checker and the compile targets share: the label secpolc marks
 * its objects with, the admission API a cluster version has, the characters a manifest cannot
 * carry. Their own module, so that the checker does not import the targets.
 */
import type { Cluster, OwnedNamespace } from "./semantics/model.js";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

/** `admissionregistration.k8s.io/v1` from 1.30, `v1beta1` in 1.28–1.29, none before; `latest` when no version is declared. */
export function admissionApiVersion(cluster: Cluster): string | undefined {
  const v = cluster.version;
  if (!v || v.major > 1 || v.minor >= 30) return "admissionregistration.k8s.io/v1";
  if (v.minor >= 28) return "admissionregistration.k8s.io/v1beta1";
  return undefined;
}

/** A namespace's admission policy binding: `enforce` → Deny; otherwise the `warn`/`audit` modes; Deny when the namespace sets no level. */
export function validationActions(namespace: OwnedNamespace): string[] {
  const ps = namespace.podSecurity;
  if (ps.enforce || (!ps.warn && !ps.audit)) return ["Deny"];
  return [...(ps.warn ? ["Warn"] : []), ...(ps.audit ? ["Audit"] : [])];
}

/**
 * Characters that do not survive a YAML plain or double-quoted scalar written as themselves: what
 * YAML does not allow in a stream (C0 and C1 controls, DEL, lone surrogates, U+FFFE, U+FFFF), the
 * line breaks of YAML 1.1 that YAML 1.2 reads as text (U+0085, U+2028, U+2029: `kubectl kustomize`
 * and `yaml` disagree on them), the byte-order mark, and tab. Free-form strings and file names that
 * reach the output are refused when they hold one.
 */
export const YAML_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/u;

/** A Kubernetes object, or a part of one, as read from JSON or YAML (or written to them): untyped. */
export type Json = Record<string, any>;

/** The PodSecurityPolicy fields that are booleans. */
export const PSP_BOOLEAN_FIELDS = [
  "privileged",
  "hostNetwork",
  "hostPID",
  "hostIPC",
  "readOnlyRootFilesystem",
  "allowPrivilegeEscalation",
  "defaultAllowPrivilegeEscalation",
];

/**
 * The strategies a PodSecurityPolicy must state, at their documented default (`RunAsAny`): what a
 * PSP leaves out of them admits any id or SELinux context. A fresh object on each call.
 */
export const pspDefaultStrategies = () => ({
  runAsUser: { rule: "RunAsAny" },
  seLinux: { rule: "RunAsAny" },
  fsGroup: { rule: "RunAsAny" },
  supplementalGroups: { rule: "RunAsAny" },
});
