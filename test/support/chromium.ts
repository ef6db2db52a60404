/**
 * Debian's Chromium for browser tests: used where it is (/usr/bin/chromium), else installed from
 * Debian's packages (`apt-get update && apt-get install -y chromium`). Never a downloaded browser.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  console.log("installing Debian's chromium for the browser tests (apt-get) ...");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  for (const args of [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]]) {
    const [cmd, ...rest] = [...sudo, ...args];
    const r = spawnSync(cmd, rest, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) throw new Error(`\`${args.join(" ")}\` failed (exit ${r.status}): the browser tests need Debian's chromium`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`chromium was installed but ${CHROMIUM} is missing`);
  return CHROMIUM;
}
