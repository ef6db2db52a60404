/**
 * The upstream Pod Security fixtures as one file, test/fixtures/pss/fixtures.zip.gz: a zip of
 * `baseline/` and `restricted/` with the files stored (sorted, every date 1980-01-01), gzipped as a
 * whole so the repeats across versions compress (1.6 MB as a deflated zip, ~160 kB this way).
 * Packing the same files always gives the same bytes.
 *
 *   node --import tsx scripts/pss-fixtures.ts DIR [OUT]
 *
 * packs DIR/baseline and DIR/restricted (an upstream `test/testdata` folder) into OUT
 * (test/fixtures/pss/fixtures.zip.gz by default). `gunzip -c OUT > x.zip && unzip x.zip` unpacks it.
 */
import { gunzipSync, gzipSync, unzipSync, zipSync, type Zippable } from "fflate";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const fixturesArchive = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "test",
  "fixtures",
  "pss",
  "fixtures.zip.gz",
);

const EPOCH = new Date(1980, 0, 1);

/** The archive of `files` (path `/`-separated → bytes), the same bytes for the same files. */
export function packFixtures(files: Record<string, Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const path of Object.keys(files).sort()) zippable[path] = [files[path]!, { level: 0, mtime: EPOCH }];
  return gzipSync(zipSync(zippable, { level: 0, mtime: EPOCH }), { level: 9, mtime: 0 });
}

/** The files of an archive `packFixtures` made. */
export function unpackFixtures(archive: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(gunzipSync(archive));
}

/** Every file under DIR/baseline and DIR/restricted, keyed by its path from DIR. */
export function readFixtureDir(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = `${rel}/${name}`;
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else files[path] = readFileSync(join(dir, path));
    }
  };
  walk("baseline");
  walk("restricted");
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir, out = fixturesArchive] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node --import tsx scripts/pss-fixtures.ts DIR [OUT]");
    process.exit(2);
  }
  const files = readFixtureDir(dir);
  writeFileSync(out, packFixtures(files));
  console.log(`wrote ${out}: ${Object.keys(files).length} files`);
}
