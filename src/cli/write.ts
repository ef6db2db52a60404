/**
 * The output directory, written atomically: the whole tree goes to a fresh sibling directory, which
 * then replaces OUT by rename. On any failure OUT keeps its old content. OUT must be secpolc's own:
 * an existing non-empty directory without secpolc's kustomization.yaml header is never replaced.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import type { OutputFile } from "../index.js";
import { KUSTOMIZATION_HEADER } from "../compile/output.js";

export class OutputError extends Error {
  constructor(readonly kind: "not-ours" | "write", readonly path: string, message: string) {
    super(message);
  }
}

/** Whether `dir` may be replaced: it does not exist, is empty, or holds secpolc's own output. */
export function isOurs(dir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) return false;
  if (readdirSync(dir).length === 0) return true;
  try {
    return readFileSync(join(dir, "kustomization.yaml"), "utf8").startsWith(KUSTOMIZATION_HEADER);
  } catch {
    return false;
  }
}

/** Test hook: fail after writing this many files (simulates a crash mid-write). */
export interface WriteHooks {
  failAfterFiles?: number;
}

export function writeOutputDirectory(dir: string, files: readonly OutputFile[], hooks: WriteHooks = {}): void {
  if (!isOurs(dir)) throw new OutputError("not-ours", dir, "not written by secpolc");
  const parent = dirname(dir);
  const unique = `${process.pid}-${Date.now().toString(36)}`;
  const staging = join(parent, `.${basename(dir)}.secpolc-new-${unique}`);
  const retired = join(parent, `.${basename(dir)}.secpolc-old-${unique}`);
  try {
    mkdirSync(staging, { recursive: true });
    files.forEach((file, i) => {
      if (hooks.failAfterFiles !== undefined && i >= hooks.failAfterFiles) throw new Error("injected failure");
      const path = join(staging, ...file.path.split("/"));
      mkdirSync(dirname(path), { recursive: true });
      const fd = openSync(path, "w");
      try {
        writeSync(fd, file.content);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
    const existed = existsSync(dir);
    if (existed) renameSync(dir, retired);
    try {
      renameSync(staging, dir);
    } catch (e) {
      if (existed) renameSync(retired, dir);
      throw e;
    }
    if (existed) rmSync(retired, { recursive: true, force: true });
  } catch (e) {
    try {
      rmSync(staging, { recursive: true, force: true });
    } catch {
      // nothing was staged (e.g. the parent is not a directory)
    }
    throw new OutputError("write", dir, (e as Error).message);
  }
}

/** The paths whose content differs between `dir` and `files` (missing, extra or changed). */
export function differingFiles(dir: string, files: readonly OutputFile[]): string[] {
  const existing = new Map<string, string>();
  const walk = (d: string) => {
    if (!existsSync(d) || !statSync(d).isDirectory()) return;
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else existing.set(relative(dir, path).split(sep).join("/"), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  const wanted = new Map(files.map((f) => [f.path, f.content]));
  const paths = new Set([...existing.keys(), ...wanted.keys()]);
  return [...paths].filter((p) => existing.get(p) !== wanted.get(p)).sort();
}
