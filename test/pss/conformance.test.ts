/**
 * The Pod Security Standards checks agree with every upstream fixture, read in place from
 * ../shared/conformance/pss: each `pass` pod is allowed and each `fail` pod denied at its level
 * and version.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { evaluatePod, parseVersion, type Level } from "../../src/semantics/pss.js";
import { repoRoot } from "../support/baseline.js";

const corpus = join(repoRoot, "..", "shared", "conformance", "pss");

test("every upstream Pod Security fixture gets the verdict its folder states", () => {
  assert.ok(existsSync(corpus), `the fixtures are expected at ${corpus}`);
  const wrong: string[] = [];
  let count = 0;
  for (const level of ["baseline", "restricted"] as Level[]) {
    for (const versionDir of readdirSync(join(corpus, level))) {
      const version = parseVersion(versionDir);
      assert.ok(version && version !== "latest", versionDir);
      for (const outcome of ["pass", "fail"]) {
        const dir = join(corpus, level, versionDir, outcome);
        if (!existsSync(dir)) continue;
        for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
          const pod = parse(readFileSync(join(dir, file), "utf8"));
          const violations = evaluatePod(pod.metadata, pod.spec, level, version);
          count++;
          // a fail fixture is named after the check that must deny it: `<lowercased check id><n>.yaml`
          const named = file.replace(/\d*\.yaml$/, "");
          const right = outcome === "pass" ? violations.length === 0 : violations.some((v) => v.check.toLowerCase() === named);
          if (!right) wrong.push(`${level}/${versionDir}/${outcome}/${file}: ${violations.map((v) => v.check).join(", ") || "allowed"}`);
        }
      }
    }
  }
  assert.is(count, 4537, "the whole corpus is read");
  assert.equal(wrong, [], `${wrong.length} fixtures disagree:\n${wrong.slice(0, 40).join("\n")}`);
});

test.run();
