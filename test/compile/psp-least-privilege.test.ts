/**
 * Least-privilege derived PSPs (issue 18, item 4): a derived PSP admits what the program allows and
 * nothing wider. Each is judged by the PSS checks on the widest pod it admits: admitted at the
 * namespace's enforced level (less what a PSP leaves to PodSecurity admission) and not at the next
 * stricter one; and the pods the program's exceptions allow are admitted.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { PSP_LEAVES_TO_ADMISSION } from "../../src/targets/psp-rbac/compile.js";
import { evaluatePod, type Level } from "../../src/semantics/pss.js";
import { pspRefuses, widestPod } from "../support/psp-widest-pod.js";

const CLUSTER = "cluster { version 1.24; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";

const psps = (text: string) => {
  const result = build([{ path: "p.secpol", text }]);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  const docs = result.files
    .filter((f) => f.path.endsWith("podsecuritypolicies.yaml"))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
  return { psps: docs, diagnostics: result.diagnostics };
};

const stricter: Record<Level, Level | undefined> = {
  privileged: "baseline",
  baseline: "restricted",
  restricted: undefined,
};

/** The checks the widest pod of `psp` fails at `level`, less those a PSP leaves to admission. */
const failed = (psp: any, level: Level) =>
  evaluatePod(...(Object.values(widestPod(psp.spec, psp.metadata.annotations ?? {})) as [any, any]), level, {
    major: 1,
    minor: 24,
  })
    .map((v) => v.check)
    .filter((c) => !PSP_LEAVES_TO_ADMISSION.includes(c));

/** The widest pod is admitted exactly at `level`: passes it, fails the next stricter one. */
const admittedExactlyAt = (psp: any, level: Level) => {
  assert.equal(failed(psp, level), [], `${psp.metadata.name} admits a pod that ${level} forbids`);
  const next = stricter[level];
  if (next) assert.ok(failed(psp, next).length > 0, `${psp.metadata.name} admits no pod wider than ${next}`);
};

test("an exception in a namespace that says nothing: privileged PSP, with a warning that says how to narrow it", () => {
  const {
    psps: [psp],
    diagnostics,
  } = psps(
    `${CLUSTER}namespace monitoring {\n  workload node-exporter app=node-exporter serviceAccount node-exporter\n}\nallow hostNetwork, hostPID for monitoring/node-exporter\n`,
  );
  assert.is(psp.spec.hostNetwork, true);
  assert.is(psp.spec.hostPID, true);
  const warning = diagnostics.find((d) => d.code === "SP9040");
  assert.ok(warning, "before: no word that the PSP admits privileged pods");
  assert.match(warning.message, /workload `monitoring\/node-exporter` admits privileged pods/);
  assert.match(warning.help ?? "", /apply baseline to ns monitoring/);
  admittedExactlyAt(psp, "privileged");
});

test("`allow privileged` says it in so many words: no warning", () => {
  const { diagnostics } = psps(
    `${CLUSTER}namespace m {\n  workload w app=w serviceAccount w\n}\nallow privileged for m/w\n`,
  );
  assert.not.ok(diagnostics.some((d) => d.code === "SP9040"));
});

test("the enforced level is part of the meaning: a PSP under `pss enforce baseline` admits no more than baseline", () => {
  const { psps: all, diagnostics } = psps(
    `${CLUSTER}namespace m {\n  pss enforce baseline\n  workload w app=w serviceAccount w\n}\nrequire readOnlyRootFilesystem for m/w\n`,
  );
  const [psp] = all;
  assert.is(psp.spec.privileged, false, "before: privileged: true");
  assert.is(psp.spec.hostIPC, false, "before: hostIPC: true");
  assert.not.ok(psp.spec.allowedCapabilities.includes("*"), "before: every capability");
  assert.not.ok(psp.spec.volumes.includes("hostPath"), "before: every volume type");
  assert.is(psp.spec.readOnlyRootFilesystem, true);
  assert.not.ok(diagnostics.some((d) => d.code === "SP9040"));
  admittedExactlyAt(psp, "baseline");
});

test("a PSP under `pss enforce restricted` admits no more than restricted", () => {
  const {
    psps: [psp],
  } = psps(
    `${CLUSTER}namespace m {\n  pss enforce restricted\n  workload w app=w serviceAccount w\n}\nset runAsUser 1000 for m/w\n`,
  );
  admittedExactlyAt(psp, "restricted");
});

test("an exception widens exactly the feature it names", () => {
  const {
    psps: [psp],
  } = psps(
    `${CLUSTER}namespace m {\n  pss enforce privileged\n  workload w app=w serviceAccount w\n}\ndeny privileged, hostIPC in ns m\nallow hostNetwork for m/w\n`,
  );
  const widest = widestPod(psp.spec, psp.metadata.annotations);
  assert.is(widest.spec.hostNetwork, true);
  assert.is(widest.spec.hostIPC, false);
  assert.is(pspRefuses(psp.spec, { spec: { hostNetwork: true, containers: [{ name: "c" }] } }), undefined);
});

/** The pod each exception of the generator allows, with the feature on in every container kind. */
const exceptionPods: Record<string, any> = {
  "allow hostNetwork": { hostNetwork: true },
  "allow hostPort 9100": { containers: [{ name: "c", ports: [{ containerPort: 9100, hostPort: 9100 }] }] },
  "allow capability SYS_TIME": {
    initContainers: [{ name: "i", securityContext: { capabilities: { add: ["SYS_TIME"] } } }],
  },
  "allow volume nfs": { volumes: [{ name: "v", nfs: {} }] },
  "allow privilegeEscalation": { containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: true } }] },
  "allow rootUser": { containers: [{ name: "c", securityContext: { runAsUser: 0 } }] },
};

test("property: every derived PSP admits no more than the enforced level, and every exception's pod", () => {
  const program = fc.record({
    level: fc.constantFrom(undefined, "privileged", "baseline", "restricted"),
    namespaceRules: fc.subarray([
      "deny hostIPC",
      "deny privileged",
      "require noPrivilegeEscalation",
      "deny capability NET_RAW",
      "deny hostPath",
      "require runAsNonRoot",
      "apply baseline to",
      "apply restricted to",
    ]),
    workloadRules: fc.subarray(
      [...Object.keys(exceptionPods), "require readOnlyRootFilesystem", "set runAsUser 1000"],
      { minLength: 1 },
    ),
  });
  let checked = 0;
  fc.assert(
    fc.property(program, ({ level, namespaceRules, workloadRules }) => {
      const text =
        `${CLUSTER}namespace m {\n${level ? `  pss enforce ${level}\n` : ""}  workload w app=w serviceAccount w\n}\n` +
        namespaceRules.map((r) => (r.startsWith("apply") ? `${r} ns m\n` : `${r} in ns m\n`)).join("") +
        workloadRules.map((r) => `${r} for m/w\n`).join("");
      const result = build([{ path: "p.secpol", text }]);
      if (result.diagnostics.some((d) => d.severity === "error")) return;
      checked++;
      const objects = result.files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
      const docs = objects.filter((o) => o?.kind === "PodSecurityPolicy");
      // targets with the same rules share a PSP: the workload's is the one its service account may use
      const binding = objects.find(
        (o) => o?.kind === "RoleBinding" && o.subjects[0].kind === "ServiceAccount" && o.subjects[0].name === "w",
      );
      const workloadPsp = docs.find((p) => binding && `secpol-psp-${p.metadata.name}` === binding.roleRef.name);
      assert.ok(workloadPsp, text);
      for (const psp of docs)
        assert.equal(
          failed(psp, (level ?? "privileged") as Level),
          [],
          `${psp.metadata.name} is wider than the level:\n${text}`,
        );
      for (const rule of workloadRules.filter((r) => r in exceptionPods)) {
        const pod = { containers: [{ name: "c" }], ...exceptionPods[rule] };
        assert.is(pspRefuses(workloadPsp.spec, { spec: pod }), undefined, `${rule} is not admitted:\n${text}`);
      }
      const privileged = docs.some((p) => p.spec.privileged === true) && !workloadRules.includes("allow privileged");
      assert.is(
        result.diagnostics.some((d) => d.code === "SP9040"),
        privileged,
        text,
      );
    }),
    { numRuns: 300, seed: 18 },
  );
  assert.ok(checked > 20, `only ${checked} generated programs built`);
});

test.run();
