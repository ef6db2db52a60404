import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { readYaml11 } from "./yaml11.js";

/** Runs the real `kubectl kustomize DIR`. */
export function kustomizeBuild(dir: string): { ok: boolean; output: string; error: string } {
  const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
  const error = run.error ? String(run.error) : run.stderr;
  return { ok: run.status === 0, output: run.stdout ?? "", error };
}

/**
 * The objects kustomize renders from `workloads` with a build's SecurityContext Component of
 * `namespace` included (`OUT/NAMESPACE/security`), as a user's overlay would; the build's files are
 * written to a scratch directory, removed afterwards.
 */
export function renderWithComponent(
  files: readonly { path: string; content: string }[],
  workloads: readonly object[],
  namespace: string,
): any[] {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-overlay-"));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(dir, "out", f.path)), { recursive: true });
      writeFileSync(join(dir, "out", f.path), f.content);
    }
    mkdirSync(join(dir, "overlay"));
    writeFileSync(join(dir, "overlay", "workloads.yaml"), workloads.map((o) => JSON.stringify(o)).join("\n---\n"));
    writeFileSync(
      join(dir, "overlay", "kustomization.yaml"),
      `resources: [workloads.yaml]\ncomponents: [../out/${namespace}/security]\n`,
    );
    const rendered = kustomizeBuild(join(dir, "overlay"));
    assert.ok(rendered.ok, rendered.error);
    return parseAllDocuments(rendered.output).map((d) => d.toJS());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why `kubectl` cannot be run here, or undefined when it can. */
export function kubectlMissing(): string | undefined {
  const run = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8", timeout: 60_000 });
  return run.status === 0 ? undefined : run.error ? String(run.error) : run.stderr;
}

/**
 * Writes an output directory's files, runs the real `kubectl kustomize` on it and asserts that what
 * it read and wrote back holds the same objects (by identity), every string the same string, as
 * YAML 1.1 readers see it.
 */
export function assertKustomizeReadsBack(files: readonly { path: string; content: string }[]): void {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-kustomize-"));
  try {
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    const kustomized = kustomizeBuild(dir);
    assert.ok(kustomized.ok, kustomized.error);
    const identity = (o: any) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const written = new Map(
      files
        .filter((f) => f.path !== "kustomization.yaml" && !f.path.includes("/security/"))
        .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
        .map((o) => [identity(o), o]),
    );
    // kustomize writes `=` or `<<` back plain: strings to go-yaml v2, which Kubernetes reads with,
    // though not to the YAML 1.1 spec's readers, which secpolc's own output is checked against too
    const read = readYaml11(kustomized.output, { spec: false }) as any[];
    assert.is(read.length, written.size);
    for (const o of read) assert.equal(o, written.get(identity(o)), identity(o));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
