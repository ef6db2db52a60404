/**
 * Translation validation of the ValidatingAdmissionPolicy target: every emitted CEL expression is
 * evaluated (with `@bufbuild/cel`, loaded on the first build that emits a policy) over representative
 * objects — a bare pod, a pod that meets `restricted`, and a pod using each feature the namespace's
 * rules name, with that use in each container kind, with each workload's pod labels and none, as a
 * Pod and inside every pod-making kind — and the policy's verdict is compared with the program's
 * meaning for the pod. The first difference is the counterexample.
 */
import type { Span } from "../../diagnostics/diagnostic.js";
import type { Model } from "../../semantics/model.js";
import { witness } from "../../semantics/labels.js";
import { podUsing, podWith } from "../../semantics/security.js";
import { POD_VARIABLES, type AdmissionPolicies, type Validation } from "./compile.js";
import type { Json } from "../../kubernetes.js";

type Program = (bindings: Json) => unknown;

let cel:
  | { compile(expression: string): Program; isTrue(value: unknown): boolean; isError(value: unknown): boolean }
  | undefined;

/** Node's `require` for this module, where the runtime has one (Node 20.16 and newer; not a browser). */
function nodeRequire(): ((id: string) => unknown) | undefined {
  const moduleApi = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => any } }
  ).process?.getBuiltinModule?.("node:module");
  return moduleApi?.createRequire(import.meta.url);
}

/** Whether this runtime can load the CEL evaluator. */
export const celAvailable = (): boolean => cel !== undefined || nodeRequire() !== undefined;

/** The CEL evaluator, loaded once and only by builds that emit admission policies. */
function evaluator(): NonNullable<typeof cel> {
  if (!cel) {
    const load = nodeRequire();
    if (!load) throw new Error("the CEL evaluator cannot be loaded in this runtime");
    const lib = load("@bufbuild/cel") as typeof import("@bufbuild/cel");
    // Kubernetes' CEL has the strings library (`upperAscii`, `replace`, ...); the policies use it
    const { strings } = load("@bufbuild/cel/ext") as typeof import("@bufbuild/cel/ext");
    const env = lib.celEnv({ funcs: strings });
    // builds repeat the same expressions (the pod variables, a rule in every namespace); planning them is most of the cost
    const planned = new Map<string, (b: Json) => unknown>();
    cel = {
      compile: (expression) => {
        let run = planned.get(expression);
        if (!run) {
          if (planned.size >= 4096) planned.clear();
          run = lib.plan(env, lib.parse(expression)) as (b: Json) => unknown;
          planned.set(expression, run);
        }
        return (bindings) => {
          try {
            return run!(bindings);
          } catch (e) {
            return e;
          }
        };
      },
      isTrue: (value) => value === true,
      isError: (value) => value instanceof Error || lib.isCelError(value),
    };
  }
  return cel;
}

/** A pod inside each kind the policy matches (ReplicaSet, StatefulSet, ... share Deployment's shape); a template without metadata when `meta` is undefined. */
export function wrapPod(kind: string, meta: Json | undefined, spec: Json): Json {
  const template = meta === undefined ? { spec } : { metadata: meta, spec };
  switch (kind) {
    case "Pod":
      return { apiVersion: "v1", kind, metadata: meta ?? {}, spec };
    case "PodTemplate":
      return { apiVersion: "v1", kind, metadata: { name: "t" }, template };
    case "CronJob":
      return {
        apiVersion: "batch/v1",
        kind,
        metadata: { name: "c" },
        spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } },
      };
    default:
      return { apiVersion: "apps/v1", kind, metadata: { name: "w" }, spec: { template } };
  }
}

export const POD_KINDS = [
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "ReplicationController",
  "PodTemplate",
];

/** What a validation may read besides `variables`; one that reads none of them is a function of the variables alone. */
const BEYOND_VARIABLES = /\b(object|oldObject|request|params|namespaceObject|authorizer)\b/;

/**
 * A compiled policy: its verdict on an object (the messages of the validations that fail; an
 * evaluation error fails, as `failurePolicy: Fail` does). When the validations read only the
 * variables and an object's variables equal (CEL `==`) those of the object judged just before, the
 * verdict is that object's: the same pod in another kind costs two comparisons, not every rule.
 */
export function policyJudge(validations: readonly Validation[]): (object: Json) => string[] {
  const e = evaluator();
  const variables = POD_VARIABLES.map((v) => ({ name: v.name, run: e.compile(v.expression) }));
  const programs = validations.map((v) => ({ v, run: e.compile(v.cel) }));
  const sameVariables = e.compile(POD_VARIABLES.map((v) => `variables.${v.name} == last.${v.name}`).join(" && "));
  const pure = validations.every((v) => !BEYOND_VARIABLES.test(v.cel));
  let last: { vars: Json; verdict: string[] } | undefined;
  return (object) => {
    const vars: Json = {};
    for (const v of variables) vars[v.name] = v.run({ object, variables: vars });
    const whole = Object.values(vars).every((value) => !e.isError(value));
    if (pure && whole && last && e.isTrue(sameVariables({ variables: vars, last: last.vars }))) return last.verdict;
    const verdict = programs.filter((p) => !e.isTrue(p.run({ object, variables: vars }))).map((p) => p.v.message);
    last = whole ? { vars, verdict } : undefined;
    return verdict;
  };
}

/** The program's meaning: the messages of the rules the pod breaks. */
export const programJudge =
  (validations: readonly Validation[]) =>
  (spec: Json, meta: Json): string[] =>
    validations.filter((v) => !v.holds(spec, meta)).map((v) => v.message);

/** The pod in `spec` with its containers moved to another container kind. */
function moveContainers(spec: Json, to: "initContainers" | "ephemeralContainers"): Json {
  return { ...spec, containers: [{ name: "main", image: "app" }], [to]: spec.containers };
}

export interface AdmissionCounterexample {
  span: Span;
  description: string;
}

export function verifyAdmissionPolicies(
  model: Model,
  compiled: AdmissionPolicies,
): { checks: number; counterexample?: AdmissionCounterexample; unverified?: number } {
  let checks = 0;
  if (compiled.policies.length > 0 && !celAvailable()) return { checks, unverified: compiled.policies.length };
  for (const { namespace, validations } of compiled.policies) {
    const judge = policyJudge(validations);
    const meaning = programJudge(validations);
    const items = [...new Set(validations.map((v) => v.entry.item))];
    const bases: Json[] = [
      { containers: [{ name: "app", image: "app" }] },
      podUsing("").spec,
      ...items.map((i) => podUsing(i).spec),
      ...validations.filter((v) => v.entry.action === "set").map((v) => podWith(v.entry.values)),
    ];
    const specs = bases.flatMap((s) => [
      s,
      moveContainers(s, "initContainers"),
      moveContainers(s, "ephemeralContainers"),
    ]);
    const labelSets: (Json | undefined)[] = [
      undefined,
      {},
      ...model.workloads.filter((w) => w.namespace === namespace.name).map((w) => witness(w.pods)),
    ];
    for (const spec of specs) {
      for (const labels of labelSets) {
        const meta = labels === undefined ? undefined : { labels, annotations: {} };
        const expected = meaning(spec, meta ?? {});
        for (const kind of POD_KINDS) {
          checks++;
          const got = judge(wrapPod(kind, meta, spec));
          if (got.join("\n") !== expected.join("\n")) {
            const wrong = validations.find((v) => got.includes(v.message) !== expected.includes(v.message))!;
            return {
              checks,
              counterexample: {
                span: wrong.entry.span,
                description: `the admission policy of namespace \`${namespace.name}\` ${got.includes(wrong.message) ? "refuses" : "admits"} the ${kind} ${JSON.stringify({ labels, spec })}, which the program ${got.includes(wrong.message) ? "admits" : "refuses"}`,
              },
            };
          }
        }
      }
    }
  }
  return { checks };
}
