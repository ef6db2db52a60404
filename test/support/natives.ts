/**
 * A module run in a child process with V8's natives (`--allow-natives-syntax`), TypeScript loaded
 * through tsx, for tests that read what V8 made of an array or a function (an elements kind, an
 * optimization): the natives are not the test runner's to use.
 */
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./baseline.js";

const tsx = import.meta.resolve("tsx");

/** A repository file's URL, as the child's `import` takes it (JSON-quoted). */
export const moduleUrl = (path: string): string => JSON.stringify(pathToFileURL(join(repoRoot, path)).href);

/** The JSON the child's module `source` writes to its standard output. */
export function withNatives<T>(source: string): T {
  const child = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--import", tsx, "--input-type=module", "-e", source],
    { encoding: "utf8", cwd: repoRoot },
  );
  assert.is(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as T;
}
