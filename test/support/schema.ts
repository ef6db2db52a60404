/**
 * Schema validation of emitted objects with kubernetes-models (the OpenAPI schemas of the
 * Kubernetes API, compiled to validators). Returns the problems; empty when the object is valid.
 * kubernetes-models has no schema of the `v1beta1` ValidatingAdmissionPolicy kinds (1.28-1.29):
 * those are checked against kubernetes-types' definitions of that version (./kubernetes-types.ts).
 */
import { Namespace } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
// policy/v1beta1 left the API in 1.25; the release of kubernetes-models that still has its schema
import { PodSecurityPolicy } from "kubernetes-models-v3/policy/v1beta1";
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { TYPED_KINDS, typeProblems } from "./kubernetes-types.js";

interface Validatable {
  validate(): void;
}

const models: Record<string, new (data: any) => Validatable> = {
  "v1/Namespace": Namespace,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "policy/v1beta1/PodSecurityPolicy": PodSecurityPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": ValidatingAdmissionPolicyBinding,
};

/** kustomize's own kinds have no OpenAPI schema in the Kubernetes API. */
const kustomizeKinds = new Set([
  "kustomize.config.k8s.io/v1beta1/Kustomization",
  "kustomize.config.k8s.io/v1alpha1/Component",
]);

export function validateManifest(obj: unknown): string[] {
  const o = obj as { apiVersion?: string; kind?: string } | null;
  const key = `${o?.apiVersion}/${o?.kind}`;
  if (kustomizeKinds.has(key)) return [];
  // kustomize-local inputs (a Component's value source) are never sent to the API server
  if (
    (o as { metadata?: { annotations?: Record<string, string> } })?.metadata?.annotations?.[
      "config.kubernetes.io/local-config"
    ] === "true"
  )
    return [];
  if (Object.hasOwn(TYPED_KINDS, key)) return typeProblems([o!])[0];
  const Model = models[key];
  if (!Model) return [`no schema for ${key}`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [String((e as Error).message ?? e)];
  }
}
