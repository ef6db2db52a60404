/**
 * The host: how a program's files are found and read from disk — the build set, the import resolver
 * that never leaves the project root, manifests — for the command line and the language server alike
 * (the editor's open documents stand in for their files, `Overlay`). The compiler's core reads no file.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { ImportResolver, SourceText } from "./index.js";
import { codePointName } from "./output/yaml.js";
import { YAML_UNSAFE } from "./kubernetes.js";

/** A path as shown to the user: relative to `root` when inside it, always with `/`. */
export const displayPath = (root: string, path: string): string => {
  const rel = relative(root, path);
  return (rel.startsWith("..") || isAbsolute(rel) ? path : rel).split(sep).join("/");
};

/**
 * The program's name for a file: its path relative to the program's root, `/`-separated on every
 * OS, with `../` when it lies above the root (a file imported from beside it). The same sources
 * get the same names, and so the same output, from any working directory.
 */
export const programPath = (root: string, path: string): string => {
  const rel = relative(root, path);
  return (isAbsolute(rel) ? path : rel).split(sep).join("/");
};

/**
 * The program's root: the deepest directory holding every input (a directory input itself, a file
 * input's directory). `build policies/` and `cd policies && build .` have the same root, so the
 * same names; `build a/ b/` names files `a/...` and `b/...`.
 */
export function programRoot(cwd: string, inputs: readonly string[]): string {
  const dirs = inputDirectories(cwd, inputs);
  if (dirs.length === 0) return resolve(cwd);
  let root = dirs[0];
  for (const dir of dirs.slice(1)) {
    while (!isInside(root, dir) && dirname(root) !== root) root = dirname(root);
  }
  // (on Windows, inputs on two drives have no common directory: the names of the other drive's files are absolute)
  return root;
}

/** The directories named on the command line: each directory input, and each file input's directory. */
export const inputDirectories = (cwd: string, inputs: readonly string[]): string[] =>
  inputs.map((input) => {
    const path = resolve(cwd, input);
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? path : dirname(path);
  });

/**
 * The first character of a program name that cannot be written into the output as itself (the
 * source annotations name every file), as `U+2028 (LINE SEPARATOR)`; undefined when there is none.
 */
export function unsafeCharacter(name: string): string | undefined {
  const c = YAML_UNSAFE.exec(name)?.[0];
  return c === undefined ? undefined : codePointName(c);
}

export type Discovered = {
  /** The program's root: source paths are relative to it. */
  root: string;
  /** The directories the inputs name (`inputDirectories`): imports may read inside them. */
  directories: string[];
  sources: SourceText[];
  problems: { input: string; reason: string }[];
  /** Files whose names cannot be written into the output (control characters, line separators): each with the argument that led to it and its path as shown. */
  unsafe: { input: string; path: string; character: string }[];
};

/** Texts that stand for files (by absolute path) in place of what is on disk: an editor's open documents, as edited. */
export type Overlay = ReadonlyMap<string, string>;

/** Whether `path` is `base` or lies under it (both absolute). */
export const isInside = (base: string, path: string): boolean => {
  const rel = relative(base, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
};

/**
 * Every `.secpol` file named or found under the inputs (recursively; skipping dot directories and
 * node_modules), sorted, named relative to the program's root (`programRoot`, or `root` when given:
 * `diff` names both programs from one root). A symbolic link met while walking is followed only
 * when it stays inside the project root (`cwd`) or a directory the inputs name (a link to `/` must
 * not read the whole disk), and each real directory is walked once (a link to
 * `..` must not loop). A file reached by two paths (through a link) is read once, under the first
 * of them in order. A file whose name cannot be written into the output is not read. A file of
 * `overlay` is read from there; one that is not on disk yet is found where the walk would find it.
 */
export function discoverSources(
  cwd: string,
  inputs: readonly string[],
  root = programRoot(cwd, inputs),
  overlay: Overlay = new Map(),
): Discovered {
  const found = new Map<string, { path: string; input: string }>();
  const problems: Discovered["problems"] = [];
  const unsafe: Discovered["unsafe"] = [];
  const directories = inputDirectories(cwd, inputs);
  const bounds = [cwd, ...directories].map(realpathOrSelf);
  // whether a symbolic link was followed: without one, no two paths found reach the same file
  let linked = false;
  const walk = (dir: string, top: string, input: string) =>
    walkTree(dir, {
      skip: (name, path, link) => {
        if (name.startsWith(".") || name === "node_modules") return true;
        if (!link) return false;
        const target = realpathOrSelf(path);
        const outside = ![...bounds, top].some((bound) => isInside(bound, target));
        if (!outside) linked = true;
        return outside;
      },
      wanted: (name) => name.endsWith(".secpol"),
      file: (path) => found.set(programPath(root, path), { path, input }),
      problem: (path, e) => problems.push({ input: displayPath(cwd, path), reason: describeError(e) }),
    });
  for (const input of inputs) {
    const path = resolve(cwd, input);
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) {
        walk(path, realpathOrSelf(path), input);
        const walked = new Set([...found.values()].map((f) => f.path));
        for (const file of overlay.keys())
          if (!walked.has(file) && unsavedFileWithin(path, file) && !existsSync(file))
            found.set(programPath(root, file), { path: file, input });
      } else if (path.endsWith(".secpol")) found.set(programPath(root, path), { path, input });
      else problems.push({ input, reason: "not a `.secpol` file" });
    } catch (e) {
      problems.push({ input, reason: describeError(e) });
    }
  }
  const sources: SourceText[] = [];
  const read = new Set<string>();
  // Two paths can reach one file only through a symbolic link the walk followed, or through
  // inputs that overlap (by real path: one is, or lies inside, another); otherwise each file's
  // path is the only one to it, and the real path of each (a system call per component, a tenth
  // of reading a 1,000-file program) is not needed.
  const roots = inputs.map((input) => realpathOrSelf(resolve(cwd, input)));
  const overlapping = roots.some((a, i) => roots.some((b, j) => i !== j && isInside(a, b)));
  const distinct = linked || overlapping ? realpathOrSelf : (path: string) => path;
  for (const [name, { path, input }] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const real = distinct(path);
    if (read.has(real)) continue;
    read.add(real);
    const character = unsafeCharacter(name);
    if (character) {
      unsafe.push({ input, path: displayPath(cwd, path), character });
      continue;
    }
    try {
      sources.push({ path: name, text: overlay.get(path) ?? overlay.get(real) ?? readFileSync(path, "utf8") });
    } catch (e) {
      problems.push({ input: displayPath(cwd, path), reason: describeError(e) });
    }
  }
  return { root, directories, sources, problems, unsafe };
}

/**
 * Whether a file that is not on disk (an editor's new document) would be found by walking `dir`: a
 * `.secpol` file below it, under no dot directory or node_modules, in directories that exist.
 */
function unsavedFileWithin(dir: string, file: string): boolean {
  if (!file.endsWith(".secpol") || !isInside(dir, file) || file === dir) return false;
  const steps = relative(dir, file).split(sep);
  if (steps.some((step) => step.startsWith(".") || step === "node_modules")) return false;
  return statSync(dirname(file), { throwIfNoEntry: false })?.isDirectory() === true;
}

/** `relativePath` under `dir` or under the nearest of its ancestors that has it as a file, or undefined. */
export function findUpward(dir: string, relativePath: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const path = resolve(at, relativePath);
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
    if (dirname(at) === at) return undefined;
  }
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
    // (the system's realpath: one call, where Node's own walks every component of the path)
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/**
 * Resolves `import "./x.secpol.js"` relative to the importing file (named relative to `root`); nothing
 * outside the project root (`cwd`) or the directories the inputs name (`named`: those outside the
 * current directory, in `build /abs/policies` from elsewhere) is read. The written path is checked first, before the file system is asked anything (so a
 * refusal says nothing about what exists outside), then the real path (a symbolic link must not
 * lead out). Imported files are named by their real path relative to the program's root (with
 * `../` above it), so one file reached through links is loaded once (and a link to `.` cannot make
 * an endless chain of imports). A file of `overlay` is read from there (an import of a file never
 * saved is not found, as on the command line).
 */
export function importResolver(
  cwd: string,
  root = cwd,
  named: readonly string[] = [],
  overlay: Overlay = new Map(),
): ImportResolver {
  const realBounds = [realpathSync(cwd), ...named.map(realpathOrSelf)];
  const bounds = [cwd, ...named, ...realBounds];
  const realRoot = realpathOrSelf(root);
  const inside = (within: readonly string[], path: string) => within.some((bound) => isInside(bound, path));
  const outside = {
    error: realBounds.every((bound) => isInside(realBounds[0], bound))
      ? "it lies outside the project root (the current directory)"
      : "it lies outside the current directory and the directories named on the command line",
  };
  return (spec, from) => {
    if (isAbsolute(spec))
      return { error: "imports are relative to the importing file; absolute paths are not allowed" };
    if (!spec.endsWith(".secpol")) return { error: "only `.secpol` files can be imported" };
    const target = resolve(root, dirname(from), spec);
    if (!inside(bounds, target)) return outside;
    let real: string;
    try {
      real = realpathSync(target);
    } catch (e) {
      // a missing file behind a directory link that leads out is outside too: say that, not
      // whether it exists
      let ancestor = dirname(target);
      while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
      if (!inside(realBounds, realpathOrSelf(ancestor))) return outside;
      return { error: describeError(e) };
    }
    if (!inside(realBounds, real)) return outside;
    if (!real.endsWith(".secpol")) return { error: "only `.secpol` files can be imported" };
    const name = programPath(realRoot, real);
    const character = unsafeCharacter(name);
    if (character) return { error: `its name holds ${character}, which the output's YAML cannot hold as written` };
    try {
      if (!statSync(real).isFile()) return { error: "it is not a regular file" };
      return { path: name, text: overlay.get(real) ?? overlay.get(target) ?? readFileSync(real, "utf8") };
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
 * must not loop), telling `file` of each file `wanted` by name. What `skip` says is left out (`link`:
 * the entry is a symbolic link); an entry that cannot be looked at (a link that loops) is a
 * `problem` when wanted, else left out too. Entries are typed by the directory listing: only
 * symbolic links are looked at one by one (a stat per file was a fifth of reading a large program).
 */
function walkTree(
  top: string,
  on: {
    skip: (name: string, path: string, link: boolean) => boolean;
    wanted: (name: string) => boolean;
    file: (path: string) => void;
    problem: (path: string, e: unknown) => void;
  },
): void {
  const walked = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathOrSelf(dir);
    if (walked.has(real)) return;
    walked.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
    } catch (e) {
      on.problem(dir, e);
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      const path = resolve(dir, name);
      const link = entry.isSymbolicLink();
      let type: { isDirectory(): boolean; isFile(): boolean } | undefined = entry;
      try {
        if (on.skip(name, path, link)) continue;
        if (link) type = statSync(path, { throwIfNoEntry: false });
      } catch (e) {
        if (on.wanted(name)) on.problem(path, e);
        continue;
      }
      if (type?.isDirectory()) walk(path);
      else if (type?.isFile() && on.wanted(name)) on.file(path);
    }
  };
  walk(top);
}
