/** Reading the build set from disk, and the import resolver that never leaves the project root. */
import { readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { ImportResolver, SourceText } from "../index.js";

/** A path as shown to the user: relative to `root` when inside it, always with `/`. */
export const displayPath = (root: string, path: string): string => {
  const rel = relative(root, path);
  return (rel.startsWith("..") || isAbsolute(rel) ? path : rel).split(sep).join("/");
};

export type Discovered = { sources: SourceText[]; problems: { input: string; reason: string }[] };

/** Every `.secpol` file named or found under the inputs (recursively; skipping dot directories and node_modules), sorted. */
export function discoverSources(root: string, inputs: readonly string[]): Discovered {
  const found = new Map<string, string>();
  const problems: Discovered["problems"] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const path = resolve(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path);
      else if (stat?.isFile() && name.endsWith(".secpol")) found.set(displayPath(root, path), path);
    }
  };
  for (const input of inputs) {
    const path = resolve(root, input);
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (path.endsWith(".secpol")) found.set(displayPath(root, path), path);
      else problems.push({ input, reason: "not a `.secpol` file" });
    } catch (e) {
      problems.push({ input, reason: describeError(e) });
    }
  }
  const sources: SourceText[] = [];
  for (const [shown, path] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
    try {
      sources.push({ path: shown, text: readFileSync(path, "utf8") });
    } catch (e) {
      problems.push({ input: shown, reason: describeError(e) });
    }
  }
  return { sources, problems };
}

export const describeError = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (e as Error).message ?? String(e);
};

/** Resolves `import "./x.secpol"` relative to the importing file; nothing outside `root` (symlinks followed). */
export function importResolver(root: string): ImportResolver {
  const realRoot = realpathSync(root);
  return (spec, from) => {
    if (isAbsolute(spec)) return { error: "imports are relative to the importing file; absolute paths are not allowed" };
    const target = resolve(root, dirname(from), spec);
    let real: string;
    try {
      real = realpathSync(target);
    } catch (e) {
      return { error: describeError(e) };
    }
    const rel = relative(realRoot, real);
    if (rel.startsWith("..") || isAbsolute(rel)) return { error: "it lies outside the project root (the current directory)" };
    if (!real.endsWith(".secpol")) return { error: "only `.secpol` files can be imported" };
    try {
      return { path: displayPath(root, target), text: readFileSync(real, "utf8") };
    } catch (e) {
      return { error: describeError(e) };
    }
  };
}

/** Every manifest (`*.yaml`, `*.yml`, `*.json`) in a directory, recursively, or the one file named. */
export function readManifests(root: string, input: string): { files: SourceText[] } | { problem: string } {
  const files: SourceText[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith(".")) continue;
      const path = resolve(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path);
      else if (stat?.isFile() && /\.(ya?ml|json)$/.test(name)) files.push({ path: displayPath(root, path), text: readFileSync(path, "utf8") });
    }
  };
  try {
    const path = resolve(root, input);
    if (statSync(path).isDirectory()) walk(path);
    else files.push({ path: displayPath(root, path), text: readFileSync(path, "utf8") });
  } catch (e) {
    return { problem: describeError(e) };
  }
  return { files };
}
