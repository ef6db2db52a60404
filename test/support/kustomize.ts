import { spawnSync } from "node:child_process";

/** Runs the real `kubectl kustomize DIR`. */
export function kustomizeBuild(dir: string): { ok: boolean; output: string; error: string } {
  const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
  const error = run.error ? String(run.error) : run.stderr;
  return { ok: run.status === 0, output: run.stdout ?? "", error };
}

/** Why `kubectl` cannot be run here, or undefined when it can. */
export function kubectlMissing(): string | undefined {
  const run = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8", timeout: 60_000 });
  return run.status === 0 ? undefined : run.error ? String(run.error) : run.stderr;
}
