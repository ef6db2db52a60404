// Targets are peers: each is a folder under src/targets/ with an index.ts exporting its `Target`,
// listed once in the registry (src/targets/index.ts); none imports another's folder, and the
// pipeline reaches them only through the registry, so adding a target touches its folder and one
// line of the registry.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { targets } from "../../src/targets/index.js";
import { importsOf, modules, root, src } from "../support/modules.js";

const targetsDir = join(src, "targets");
const registry = join(targetsDir, "index.ts");
const folders = readdirSync(targetsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const known = new Set(modules(src));
const importsOfFile = (file: string) => importsOf(file, readFileSync(file, "utf8"), known);
/** The target folder a module is in, or undefined for one outside the folders (shared files included). */
const folderOf = (file: string): string | undefined => {
  const path = relative(targetsDir, file).split(sep);
  return path.length > 1 && !path[0].startsWith("..") ? path[0] : undefined;
};
const shown = (files: readonly string[]) => files.map((f) => relative(root, f));

test("every folder under src/targets/ is a registered target, named after its folder", () => {
  assert.ok(folders.length >= 5, `only ${folders.join(", ")}`);
  assert.equal(targets.map((t) => t.name).sort(), folders);
  assert.equal(
    importsOfFile(registry)
      .filter((f) => folderOf(f) !== undefined)
      .sort(),
    folders.map((f) => join(targetsDir, f, "index.ts")),
    "the registry imports each folder's index.ts, and nothing else of a folder",
  );
});

test("no target imports another target's folder", () => {
  const crossing = [...known]
    .filter((file) => folderOf(file) !== undefined)
    .flatMap((file) =>
      importsOfFile(file)
        .filter((imported) => folderOf(imported) !== undefined && folderOf(imported) !== folderOf(file))
        .map((imported) => `${relative(root, file)} -> ${relative(root, imported)}`),
    );
  assert.equal(crossing, []);
});

test("the pipeline reaches the targets only through the registry", () => {
  const direct = importsOfFile(join(src, "pipeline.ts")).filter((f) => folderOf(f) !== undefined);
  assert.equal(shown(direct), []);
  assert.ok(importsOfFile(join(src, "pipeline.ts")).includes(registry));
});

test("the passes the targets name (`--stats`) are distinct, and not the pipeline's own", () => {
  const passes = ["check", "emit", ...targets.flatMap((t) => [t.pass, t.verification?.pass])].filter(
    (p) => p !== undefined,
  );
  assert.equal([...new Set(passes)], passes);
});

test.run();
