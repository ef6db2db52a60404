import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { SourceText } from "../../src/index.js";
import { repoRoot } from "./baseline.js";

/** Every `.secpol` file under `dir`, with paths relative to the repository root, sorted. */
export function readSources(dir: string): SourceText[] {
  const result: SourceText[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".secpol")) result.push({ path: relative(repoRoot, path).split("\\").join("/"), text: readFileSync(path, "utf8") });
    }
  };
  walk(dir);
  return result;
}

export const exampleNames = (): string[] =>
  readdirSync(join(repoRoot, "examples"))
    .filter((n) => statSync(join(repoRoot, "examples", n)).isDirectory())
    .sort();
