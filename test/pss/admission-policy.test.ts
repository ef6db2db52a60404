/**
 * The ValidatingAdmissionPolicy target against the upstream Pod Security fixtures: for a program that
 * applies `baseline` (or `restricted`) to a namespace on a cluster of version V (every version the
 * target supports, 1.28 to the newest known), the emitted policy's CEL, evaluated with @bufbuild/cel,
 * admits a fixture pod exactly when the project's PSS checks of that level and version do — as a Pod
 * and inside every pod-making kind.
 *
 * The std/pss profiles state the levels as features; three PSS checks have no feature in the
 * language (sysctls outside the safe set, Windows hostProcess, probe/lifecycle hosts), and the
 * capability and volume-type checks are lists, which the programs here state as `deny capability
 * C` / `deny volume T` beside the profile. Fixtures that only those three checks judge are counted
 * apart and must be the only ones left out.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { strFromU8 } from "fflate";
import { parse } from "yaml";
import { checkModel } from "../../src/pipeline.js";
import { compileAdmissionPolicies } from "../../src/targets/admission-policy/compile.js";
import { policyJudge, POD_KINDS, wrapPod } from "../../src/targets/admission-policy/verify.js";
import { evaluatePod, LATEST, type Level } from "../../src/semantics/pss.js";
import { capabilities, volumeTypes } from "../../src/semantics/security.js";
import { fixturesArchive, unpackFixtures } from "../../scripts/pss-fixtures.js";

const files = unpackFixtures(readFileSync(fixturesArchive));
const pods = Object.entries(files).map(([path, bytes]) => ({ path, pod: parse(strFromU8(bytes)) }));
/** The fixtures' distinct pods (many versions repeat a fixture): each is judged once per level and version. */
const distinct = [...new Map(pods.map((p) => [JSON.stringify(p.pod), p])).values()];

/** Checks no language feature states. */
const UNSTATED = new Set(["sysctls", "windowsHostProcess", "hostProbesAndHostLifecycle"]);

/** The program is `apply LEVEL` alone: std/pss's profiles are the PSS levels (LANGUAGE.md section 9). */
function program(level: Level, minor: number): string {
  return [`cluster { version 1.${minor} }`, "namespace apps { }", `apply ${level} to ns apps`].join("\n");
}

/**
 * The only disagreements, each a case the language states differently: capability names and volume
 * keys outside its lists (`add: [chown]`, `cephfs:`), which PSS refuses and no `deny` names; and
 * `deny procMount`, which refuses an unmasked /proc in a user namespace too, which `baseline` admits
 * from 1.35.
 */
function outsideTheLanguage(level: Level, minor: number, pod: any, admitted: boolean, checks: string[]): boolean {
  const containers = ["containers", "initContainers", "ephemeralContainers"].flatMap((k) => pod.spec?.[k] ?? []);
  if (admitted) {
    const strangeCapability = containers.some((c: any) =>
      (c.securityContext?.capabilities?.add ?? []).some((a: string) => !capabilities.has(a)),
    );
    const strangeVolume = (pod.spec?.volumes ?? []).some((v: any) =>
      Object.keys(v).some((k) => k !== "name" && !volumeTypes.includes(k)),
    );
    return (
      (strangeCapability || strangeVolume) &&
      checks.every((c) => ["capabilities_baseline", "capabilities_restricted", "restrictedVolumes"].includes(c))
    );
  }
  return (
    level === "baseline" &&
    minor >= 35 &&
    pod.spec?.hostUsers === false &&
    containers.some((c: any) => ![undefined, "", "Default"].includes(c.securityContext?.procMount))
  );
}

function judgeFor(level: Level, minor: number) {
  const checked = checkModel([{ path: "p.secpol", text: program(level, minor) }]);
  assert.ok(checked.model, checked.diagnostics.map((d) => d.message).join("\n"));
  const compiled = compileAdmissionPolicies(checked.model!);
  assert.is(compiled.policies.length, 1);
  return policyJudge(compiled.policies[0].validations);
}

for (const level of ["baseline", "restricted"] as const) {
  test(`${level}: the admission policy admits a fixture pod exactly when the PSS checks do, at every version from 1.28`, () => {
    const wrong: string[] = [];
    let compared = 0;
    let unstated = 0;
    let explained = 0;
    for (let minor = 28; minor <= LATEST.minor; minor++) {
      const judge = judgeFor(level, minor);
      for (const { path, pod } of distinct) {
        const violations = evaluatePod(pod.metadata, pod.spec, level, { major: 1, minor });
        if (violations.length > 0 && violations.every((v) => UNSTATED.has(v.check))) {
          unstated++;
          continue;
        }
        compared++;
        const admitted = judge(wrapPod("Pod", pod.metadata ?? {}, pod.spec ?? {})).length === 0;
        if (
          admitted !== (violations.length === 0) &&
          outsideTheLanguage(
            level,
            minor,
            pod,
            admitted,
            violations.map((v) => v.check),
          )
        )
          explained++;
        else if (admitted !== (violations.length === 0))
          wrong.push(
            `1.${minor} ${path}: PSS ${violations.map((v) => v.check).join(", ") || "allows"}, policy ${admitted ? "admits" : "refuses"}`,
          );
      }
    }
    assert.equal(wrong, [], `${wrong.length} of ${compared} disagree:\n${wrong.slice(0, 100).join("\n")}`);
    assert.ok(explained > 0);
    assert.ok(compared > 10 * distinct.length * 0.9, `compared ${compared}, left out ${unstated}`);
  });
}

test("every pod-making kind gets the Pod's verdict (restricted, 1.30, on every fixture of v1.30)", () => {
  const judge = judgeFor("restricted", 30);
  const wrong: string[] = [];
  for (const { path, pod } of pods.filter((p) => p.path.includes("/v1.30/"))) {
    const verdict = judge(wrapPod("Pod", pod.metadata ?? {}, pod.spec ?? {})).join("\n");
    for (const kind of POD_KINDS)
      if (judge(wrapPod(kind, pod.metadata ?? {}, pod.spec ?? {})).join("\n") !== verdict)
        wrong.push(`${kind} ${path}`);
  }
  assert.equal(wrong, []);
});

test.run();
