/** Reading the build set from disk, and the import resolver that never leaves the project root. */
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { ImportResolver, SourceText } from "../index.js";

/** A path as shown to the user: relative to `root` when inside it, always with `/`. */
export const displayPath = (root: string, path: string): string => {
  const rel = relative(root, path);
  return (rel.startsWith("..") || isAbsolute(rel) ? path : rel).split(sep).join("/");
};

export type Discovered = { sources: SourceText[]; problems: { input: string; reason: string }[] };

/** Whether `path` is `base` or lies under it (both absolute). */
export const isInside = (base: string, path: string): boolean => {
  const rel = relative(base, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
};

/**
 * Every `.secpol` file named or found under the inputs (recursively; skipping dot directories and
 * node_modules), sorted. A symbolic link met while walking is followed only when it stays inside
 * the project root or the directory being walked (a link to `/` must not read the whole disk), and
 * each real directory is walked once (a link to `..` must not loop). A file reached by two paths
 * (through a link) is read once, under the first of them in order.
 */
export function discoverSources(root: string, inputs: readonly string[]): Discovered {
  const found = new Map<string, string>();
  const problems: Discovered["problems"] = [];
  const realRoot = realpathOrSelf(root);
  const walk = (dir: string, top: string) =>
    walkTree(dir, {
      skip: (name, path) => {
        if (name.startsWith(".") || name === "node_modules") return true;
        if (!lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return false;
        const target = realpathOrSelf(path);
        return !isInside(realRoot, target) && !isInside(top, target);
      },
      wanted: (name) => name.endsWith(".secpol"),
      file: (path) => found.set(displayPath(root, path), path),
      problem: (path, e) => problems.push({ input: displayPath(root, path), reason: describeError(e) }),
    });
  for (const input of inputs) {
    const path = resolve(root, input);
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path, realpathOrSelf(path));
      else if (path.endsWith(".secpol")) found.set(displayPath(root, path), path);
      else problems.push({ input, reason: "not a `.secpol` file" });
    } catch (e) {
      problems.push({ input, reason: describeError(e) });
    }
  }
  const sources: SourceText[] = [];
  const read = new Set<string>();
  for (const [shown, path] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const real = realpathOrSelf(path);
    if (read.has(real)) continue;
    read.add(real);
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
  if (code === "ELOOP") return "a symbolic link that leads back to itself";
  return (e as Error).message ?? String(e);
};

/** The real path (symbolic links resolved), or the path itself when it cannot be resolved. */
function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const OUTSIDE_ROOT = "it lies outside the project root (the current directory)";

/**
 * Resolves `import "./x.secpol"` relative to the importing file; nothing outside `root` is read.
 * The written path is checked first, before the file system is asked anything (so a refusal says
 * nothing about what exists outside), then the real path (a symbolic link must not lead out).
 * Imported files are named by their real path under the root, so one file reached through links
 * is loaded once (and a link to `.` cannot make an endless chain of imports).
 */
export function importResolver(root: string): ImportResolver {
  const realRoot = realpathSync(root);
  return (spec, from) => {
    if (isAbsolute(spec)) return { error: "imports are relative to the importing file; absolute paths are not allowed" };
    if (!spec.endsWith(".secpol")) return { error: "only `.secpol` files can be imported" };
    const target = resolve(root, dirname(from), spec);
    if (!isInside(root, target) && !isInside(realRoot, target)) return { error: OUTSIDE_ROOT };
    let real: string;
    try {
      real = realpathSync(target);
    } catch (e) {
      // a missing file behind a directory link that leads out is outside too: say that, not
      // whether it exists
      let ancestor = dirname(target);
      while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
      if (!isInside(realRoot, realpathOrSelf(ancestor))) return { error: OUTSIDE_ROOT };
      return { error: describeError(e) };
    }
    if (!isInside(realRoot, real)) return { error: OUTSIDE_ROOT };
    if (!real.endsWith(".secpol")) return { error: "only `.secpol` files can be imported" };
    try {
      if (!statSync(real).isFile()) return { error: "it is not a regular file" };
      return { path: displayPath(realRoot, real), text: readFileSync(real, "utf8") };
    } catch (e) {
      return { error: describeError(e) };
    }
  };
}

/**
 * Every manifest (`*.yaml`, `*.yml`, `*.json`, and kustomize's `Kustomization`) in a directory, recursively, or the one file named.
 * Each real directory is read once (a link to `..` must not loop); an entry that cannot be looked
 * at is skipped unless it is named like a manifest, which is a problem naming it.
 */
export function readManifests(root: string, input: string): { files: SourceText[] } | { problem: string } {
  const files: SourceText[] = [];
  let problem: string | undefined;
  const failed = (path: string, e: unknown) => (problem ??= `\`${displayPath(root, path)}\`: ${describeError(e)}`);
  const walk = (dir: string) =>
    walkTree(dir, {
      skip: (name) => name.startsWith("."),
      // `Kustomization` too, to say it is skipped (like `kustomization.yaml`)
      wanted: (name) => /\.(ya?ml|json)$/.test(name) || name === "Kustomization",
      file: (path) => {
        try {
          files.push({ path: displayPath(root, path), text: readFileSync(path, "utf8") });
        } catch (e) {
          failed(path, e);
        }
      },
      problem: failed,
    });
  try {
    const path = resolve(root, input);
    if (statSync(path).isDirectory()) {
      walk(path);
      if (problem) return { problem };
    } else files.push({ path: displayPath(root, path), text: readFileSync(path, "utf8") });
  } catch (e) {
    return { problem: describeError(e) };
  }
  return { files };
}

/**
 * Walks a directory tree, entries in sorted order and each real directory once (a link to `..`
 * must not loop), telling `file` of each file `wanted` by name. What `skip` says is left out; an
 * entry that cannot be looked at (a link that loops) is a `problem` when wanted, else left out too.
 */
function walkTree(
  top: string,
  on: { skip: (name: string, path: string) => boolean; wanted: (name: string) => boolean; file: (path: string) => void; problem: (path: string, e: unknown) => void },
): void {
  const walked = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathOrSelf(dir);
    if (walked.has(real)) return;
    walked.add(real);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      on.problem(dir, e);
      return;
    }
    for (const name of names) {
      const path = resolve(dir, name);
      let stat;
      try {
        if (on.skip(name, path)) continue;
        stat = statSync(path, { throwIfNoEntry: false });
      } catch (e) {
        if (on.wanted(name)) on.problem(path, e);
        continue;
      }
      if (stat?.isDirectory()) walk(path);
      else if (stat?.isFile() && on.wanted(name)) on.file(path);
    }
  };
  walk(top);
}
