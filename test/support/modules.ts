// The modules under src/ and what each imports, read from its text, for the architecture tests.
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const src = join(root, "src");

/** Every `.ts` file under `dir`, recursively. */
export function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const importPattern = /^\s*(?:import|export)\b[^;'"()=]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;

/** The modules under src/ that `file` imports (relative specifiers only). */
export function importsOf(file: string, text: string, known: Set<string>): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith(".")) continue;
    const base = resolve(dirname(file), specifier).replace(/\.js$/, "");
    for (const candidate of [`${base}.ts`, join(base, "index.ts")]) {
      if (known.has(candidate)) {
        found.add(candidate);
        break;
      }
    }
  }
  return [...found];
}
