/**
 * Debian's Chromium for browser tests: used where it is (/usr/bin/chromium), else installed from
 * Debian's packages (`apt-get update && apt-get install -y chromium`). Never a downloaded browser.
 * The install says one line; apt-get's own output is shown only when it fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  console.log("installing Debian's chromium for the browser tests (apt-get) ...");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  for (const args of [
    ["apt-get", "update", "-qq"],
    ["apt-get", "install", "-y", "-qq", "chromium"],
  ]) {
    const [cmd, ...rest] = [...sudo, ...args];
    runQuietly(cmd!, rest, `\`${args.join(" ")}\``, "the browser tests need Debian's chromium");
  }
  if (!existsSync(CHROMIUM)) throw new Error(`chromium was installed but ${CHROMIUM} is missing`);
  return CHROMIUM;
}

/** Runs `cmd args` with its output captured: nothing shown when it succeeds, all of it in the error when not. */
export function runQuietly(cmd: string, args: string[], what: string, why: string): void {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.status === 0) return;
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trimEnd();
  throw new Error(`${what} failed (exit ${r.status}): ${why}\n${output}`);
}
