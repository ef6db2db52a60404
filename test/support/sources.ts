import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { SourceText } from "../../src/index.js";
import { repoRoot } from "./baseline.js";

/**
 * Every `.secpol` file under `dir`, sorted, named as `secpolc` names them: relative to the
 * program's root (`dir`, or a directory above it), `/`-separated.
 */
export function readSources(dir: string, root = dir): SourceText[] {
  const result: SourceText[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".secpol"))
        result.push({ path: relative(root, path).split(sep).join("/"), text: readFileSync(path, "utf8") });
    }
  };
  walk(dir);
  return result;
}

export const exampleNames = (): string[] =>
  readdirSync(join(repoRoot, "examples"))
    .filter((n) => statSync(join(repoRoot, "examples", n)).isDirectory())
    .sort();
