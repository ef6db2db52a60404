/**
 * The Pod Security Standards checks agree with every upstream fixture, shipped in the repository as
 * test/fixtures/pss/fixtures.zip.gz (see SOURCE.md there) and unpacked in memory: each `pass` pod
 * is allowed and each `fail` pod denied at its level and version.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { strFromU8 } from "fflate";
import { parse } from "yaml";
import { evaluatePod, parseVersion, type Level } from "../../src/semantics/pss.js";
import { fixturesArchive, packFixtures, unpackFixtures } from "../../scripts/pss-fixtures.js";

const archive = readFileSync(fixturesArchive);
const files = unpackFixtures(archive);

test("the archive holds all 4,537 upstream fixtures, and packing them again gives the same bytes", () => {
  const paths = Object.keys(files);
  assert.is(paths.length, 4537);
  for (const path of paths) assert.match(path, /^(baseline|restricted)\/v1\.\d+\/(pass|fail)\/[a-z0-9_]+\.yaml$/, path);
  assert.ok(
    Buffer.from(packFixtures(files)).equals(archive),
    "scripts/pss-fixtures.ts no longer reproduces the archive",
  );
});

test("every upstream Pod Security fixture gets the verdict its folder states", () => {
  const wrong: string[] = [];
  const count: Record<string, number> = { baseline: 0, restricted: 0 };
  for (const [path, bytes] of Object.entries(files)) {
    const [level, versionDir, outcome, file] = path.split("/") as [Level, string, string, string];
    const version = parseVersion(versionDir);
    assert.ok(version && version !== "latest", versionDir);
    const pod = parse(strFromU8(bytes));
    const violations = evaluatePod(pod.metadata, pod.spec, level, version);
    count[level]++;
    // a fail fixture is named after the check that must deny it: `<lowercased check id><n>.yaml`
    const named = file.replace(/\d*\.yaml$/, "");
    const right =
      outcome === "pass" ? violations.length === 0 : violations.some((v) => v.check.toLowerCase() === named);
    if (!right) wrong.push(`${path}: ${violations.map((v) => v.check).join(", ") || "allowed"}`);
  }
  assert.equal(count, { baseline: 1555, restricted: 2982 }, "the whole corpus is read");
  assert.equal(wrong, [], `${wrong.length} fixtures disagree:\n${wrong.slice(0, 40).join("\n")}`);
});

test.run();
