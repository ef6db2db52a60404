/**
 * Golden files: `assertBaseline(name, actual)` compares with test/baselines/<name>. With
 * UPDATE_BASELINES=1 (`npm run test:update`) it writes them instead; review the diff like code.
 * CI never updates them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";

export const testRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = join(testRoot, "..");
const baselines = join(testRoot, "baselines");
const updating = process.env.UPDATE_BASELINES === "1" && !process.env.CI;

export function assertBaseline(name: string, actual: string): void {
  const file = join(baselines, name);
  if (updating) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    assert.unreachable(`missing baseline test/baselines/${name}: run \`npm run test:update\` and review it`);
  assert.fixture(
    actual,
    readFileSync(file, "utf8"),
    `baseline test/baselines/${name} differs (\`npm run test:update\` to accept)`,
  );
}
