// The targets through their common interface (src/targets/target.ts), as the pipeline drives them:
// each compiles the model, its objects are written with every other target's, and its verification
// checks its own written objects and names the error a disagreement is.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkModel } from "../../src/pipeline.js";
import { writeOutput } from "../../src/output/layout.js";
import { targets } from "../../src/targets/index.js";

const text = `cluster { version 1.30 }
namespace shop {
  default deny
  workload web app=web port http 8080
  workload db app=db port sql 5432
}
allow web -> db: sql
deny capability SYS_ADMIN in ns shop
`;

const compiledTargets = () => {
  const model = checkModel([{ path: "t.secpol", text }]).model!;
  const compiled = targets.map((target) => ({ target, compiled: target.compile(model, {}) }));
  const objects = writeOutput(compiled.flatMap((c) => c.compiled.manifests)).objects;
  let at = 0;
  return {
    model,
    emitted: compiled.map((c) => ({ ...c, written: objects.slice(at, (at += c.compiled.manifests.length)) })),
  };
};

test("in registry order, the targets compile the objects build writes, and verify their own", () => {
  const { model, emitted } = compiledTargets();
  assert.equal(
    emitted.map(({ target, written }) => [target.name, [...new Set(written.map((o: any) => o.kind))]]),
    [
      ["namespace", ["Namespace"]],
      ["network-policy", ["NetworkPolicy"]],
      ["security-context", []],
      ["psp-rbac", []],
      ["admission-policy", ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]],
    ],
  );
  for (const { target, compiled, written } of emitted) {
    const verified = target.verification?.verify(model, compiled, written);
    if (verified) assert.equal(verified.counterexample, undefined, target.name);
  }
});

test("a target's verification finds what is wrong with its own output, and names its error", () => {
  const { model, emitted } = compiledTargets();
  const network = emitted.find((e) => e.target.name === "network-policy")!;
  // the database's own policy gone: the namespace's default deny drops what `allow web -> db` permits
  const written = network.written.filter((o: any) => o.metadata.name !== "secpol-db");
  const found = network.target.verification!.verify(model, network.compiled, written);
  assert.match(found.counterexample?.description ?? "", /app=db.*the program permits it, the emitted policies drop it/);
  assert.is(network.target.verification!.failed.code, "SP3007");
  const admission = emitted.find((e) => e.target.name === "admission-policy")!;
  const policies = (admission.compiled as any).policies;
  policies[0].validations[0].cel = "true";
  assert.ok(admission.target.verification!.verify(model, admission.compiled, admission.written).counterexample);
  assert.is(admission.target.verification!.failed.code, "SP3040");
});

test.run();
