/**
 * The emitted CEL stays within the shape issue 18 allows for the API server's cost budget: no
 * comprehension (`all`, `exists`) or list scan (`x in LIST`) nested in another over an unbounded
 * list, except one list inside a loop over a pod's containers (containers × ports, containers ×
 * capabilities). A comprehension over a list literal (`[profile].all(...)`) is bounded and does not
 * count, nor is `KEY in variables.meta.labels` (a map lookup). Walked on the parsed expressions of
 * the policies of generated programs and of one program that uses every rule form (the same
 * strings the build writes into the YAML).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parse } from "@bufbuild/cel";
import { checkModel } from "../../src/pipeline.js";
import { compileAdmissionPolicies } from "../../src/targets/admission-policy/compile.js";
import { admissionProgram } from "../support/admission.js";

type Expr = ReturnType<typeof parse>["expr"];

const CONTAINER_LISTS = /^variables\.spec\.(containers|initContainers|ephemeralContainers)$/;
const MAPS = /^variables\.meta\.(labels|annotations)$/;

/** `a.b.c` for a chain of field selections, or undefined for any other expression. */
function pathOf(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === "identExpr") return e.exprKind.value.name;
  if (e.exprKind.case === "selectExpr" && !e.exprKind.value.testOnly) {
    const operand = pathOf(e.exprKind.value.operand);
    return operand === undefined ? undefined : `${operand}.${e.exprKind.value.field}`;
  }
  return undefined;
}

/** Where the expression loops over unbounded lists inside each other beyond containers × one list. */
export function shapeProblems(expression: string): string[] {
  const problems: string[] = [];
  const enter = (loops: string[], range: string) => {
    const nested = [...loops, range];
    if (nested.length > 2 || (nested.length === 2 && !CONTAINER_LISTS.test(nested[0])))
      problems.push(nested.join(" × "));
    return nested;
  };
  const walk = (e: Expr | undefined, loops: string[]): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case "comprehensionExpr": {
        const c = k.value;
        walk(c.iterRange, loops);
        walk(c.accuInit, loops);
        const inner =
          c.iterRange?.exprKind.case === "listExpr" ? loops : enter(loops, pathOf(c.iterRange) ?? "an expression");
        walk(c.loopCondition, inner);
        walk(c.loopStep, inner);
        walk(c.result, loops);
        return;
      }
      case "callExpr": {
        const [, list] = k.value.args;
        if (k.value.function === "@in" && list && list.exprKind.case !== "listExpr" && !MAPS.test(pathOf(list) ?? ""))
          enter(loops, pathOf(list) ?? "an expression");
        walk(k.value.target, loops);
        for (const a of k.value.args) walk(a, loops);
        return;
      }
      case "selectExpr":
        return walk(k.value.operand, loops);
      case "listExpr":
        for (const x of k.value.elements) walk(x, loops);
        return;
      case "structExpr":
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value, loops);
          walk(entry.value, loops);
        }
        return;
    }
  };
  walk(parse(expression).expr, []);
  return problems;
}

/** The expressions of the policies the program compiles to (as written into them; translation validation is left to other tests). */
const expressionsOf = (text: string): string[] => {
  const { model } = checkModel([{ path: "p.secpol", text }]);
  if (!model) return [];
  return compileAdmissionPolicies(model)
    .manifests.map(
      (m) =>
        m.object as unknown as {
          kind: string;
          spec: { variables: { expression: string }[]; validations: { expression: string }[] };
        },
    )
    .filter((o) => o.kind === "ValidatingAdmissionPolicy")
    .flatMap((o) => [...o.spec.variables, ...o.spec.validations].map((v) => v.expression));
};

const EVERY_FORM = `cluster { version 1.37 }
namespace a {
  workload w1 app=w1
  workload w2 app in (w2, w3), tier
}
apply restricted to ns a
deny hostPort 9000..9200, capability SYS_ADMIN, sysctl kernel.msgmax, volume nfs, unconfinedAppArmor, writableRootFilesystem in ns a
allow hostPort 9100, capability SYS_ADMIN for a/w1
allow hostPort 9150..9160 for a/w2
require drop NET_RAW CHOWN, seccomp Localhost profiles/a.json for a/w2
set runAsUser 1000, supplementalGroups 666 777, seccomp RuntimeDefault in ns a
set runAsUser 2000 for a/w1
`;

test("the walker finds a loop nested beyond containers × one list", () => {
  assert.equal(shapeProblems("variables.spec.containers.all(c, c.ports.all(p, p.hostPort > 0))"), []);
  assert.equal(
    shapeProblems("variables.spec.containers.all(c, [c.x].all(p, 'a' in c.securityContext.capabilities.drop))"),
    [],
  );
  assert.equal(
    shapeProblems("variables.spec.containers.all(c, c.ports.all(p, variables.spec.volumes.exists(v, has(v.nfs))))"),
    ["variables.spec.containers × c.ports × variables.spec.volumes"],
  );
  assert.equal(shapeProblems("variables.spec.volumes.all(v, variables.spec.containers.exists(c, true))"), [
    "variables.spec.volumes × variables.spec.containers",
  ]);
  assert.equal(
    shapeProblems("variables.spec.containers.all(c, c.ports.all(p, 'x' in c.securityContext.capabilities.add))"),
    ["variables.spec.containers × c.ports × c.securityContext.capabilities.add"],
  );
});

test("every emitted expression stays within containers × one list", () => {
  const programs = [EVERY_FORM, ...fc.sample(admissionProgram, { numRuns: 150, seed: 18 })];
  let expressions = 0;
  const problems: string[] = [];
  for (const text of programs) {
    for (const e of expressionsOf(text)) {
      expressions++;
      for (const p of shapeProblems(e)) problems.push(`${p} in ${e}`);
    }
  }
  assert.ok(expressionsOf(EVERY_FORM).length > 20);
  assert.ok(expressions > 500, `only ${expressions} expressions`);
  assert.equal(problems, []);
});

test.run();
