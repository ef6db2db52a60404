/**
 * An admission request judged by the ValidatingAdmissionPolicies and bindings a build wrote, as the
 * API server judges it, for tests: the objects are read from the emitted YAML (as kubectl reads
 * it), a binding applies when its namespace selector matches the request's namespace, its policy
 * when a resource rule matches the request's group, version, resource and operation; variables and
 * validations are evaluated with `@bufbuild/cel`, and an evaluation error fails the validation
 * (`failurePolicy: Fail`). Independent of the build's own check (src/targets/admission-policy/verify.ts).
 */
import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

type Json = Record<string, any>;

const env = celEnv({ funcs: strings }); // Kubernetes' CEL libraries include strings
const compiled = new Map<string, (bindings: Json) => unknown>();

/** The value of a CEL expression, or `error` when it fails to evaluate. */
function evaluate(expression: string, bindings: Json): unknown {
  let program = compiled.get(expression);
  if (!program) {
    program = plan(env, parse(expression)) as (bindings: Json) => unknown;
    compiled.set(expression, program);
  }
  try {
    const value = program(bindings);
    return isCelError(value) ? ERROR : value;
  } catch {
    return ERROR;
  }
}
const ERROR = Symbol("error");

/** Each pod-making kind's API group, version and resource. */
export const RESOURCES: Record<string, [group: string, version: string, resource: string]> = {
  Pod: ["", "v1", "pods"],
  PodTemplate: ["", "v1", "podtemplates"],
  ReplicationController: ["", "v1", "replicationcontrollers"],
  Deployment: ["apps", "v1", "deployments"],
  StatefulSet: ["apps", "v1", "statefulsets"],
  DaemonSet: ["apps", "v1", "daemonsets"],
  ReplicaSet: ["apps", "v1", "replicasets"],
  Job: ["batch", "v1", "jobs"],
  CronJob: ["batch", "v1", "cronjobs"],
};

export interface AdmissionRequest {
  namespace: { name: string; labels: Record<string, string> };
  operation: "CREATE" | "UPDATE";
  /** `ephemeralcontainers` for `kubectl debug` on a Pod. */
  subresource?: string;
  object: Json;
}

export interface AdmissionVerdict {
  /** The messages of the failing validations of each binding that applies, with its actions. */
  failures: { message: string; actions: string[] }[];
  /** Whether the API server refuses the request (a failure under a `Deny` binding). */
  denied: boolean;
}

const has = (list: readonly string[] | undefined, value: string) =>
  (list ?? []).includes(value) || (list ?? []).includes("*");

export function judgeRequest(emitted: readonly Json[], request: AdmissionRequest): AdmissionVerdict {
  const [group, version, resource] = RESOURCES[request.object.kind];
  const fullResource = request.subresource ? `${resource}/${request.subresource}` : resource;
  const policies = new Map(
    emitted.filter((o) => o.kind === "ValidatingAdmissionPolicy").map((o) => [o.metadata.name, o]),
  );
  const failures: AdmissionVerdict["failures"] = [];
  for (const binding of emitted.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding")) {
    const selector: Record<string, string> = binding.spec.matchResources?.namespaceSelector?.matchLabels ?? {};
    if (!Object.entries(selector).every(([k, v]) => request.namespace.labels[k] === v)) continue;
    const policy = policies.get(binding.spec.policyName);
    if (!policy) throw new Error(`binding ${binding.metadata.name} names no emitted policy`);
    const rules: Json[] = policy.spec.matchConstraints?.resourceRules ?? [];
    const matched = rules.some(
      (r) =>
        has(r.apiGroups, group) &&
        has(r.apiVersions, version) &&
        has(r.operations, request.operation) &&
        has(r.resources, fullResource),
    );
    if (!matched) continue;
    // variables in order; one that fails makes every expression that reads it fail
    const variables: Json = {};
    const failed = new Set<string>();
    for (const v of policy.spec.variables ?? []) {
      const value = [...failed].some((f) => v.expression.includes(`variables.${f}`))
        ? ERROR
        : evaluate(v.expression, { object: request.object, variables });
      if (value === ERROR) failed.add(v.name);
      else variables[v.name] = value;
    }
    for (const validation of policy.spec.validations ?? []) {
      const reads = [...failed].some((f) => validation.expression.includes(`variables.${f}`));
      const value = reads ? ERROR : evaluate(validation.expression, { object: request.object, variables });
      if (value !== true) failures.push({ message: validation.message, actions: binding.spec.validationActions });
    }
  }
  return { failures, denied: failures.some((f) => f.actions.includes("Deny")) };
}
