/**
 * `secpolc explain ... --exit-code`: 0 when the flow is permitted, 1 when it is not, 2 when there is
 * no answer (a program with errors, a bad query), so that `1` always means "not permitted". Without
 * the flag, any answered query exits 0 and a program with errors 1, as before.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/baseline.js";

const bin = join(repoRoot, "bin", "secpolc.js");
const dir = mkdtempSync(join(tmpdir(), "secpolc-explain-"));
writeFileSync(
  join(dir, "shop.secpol"),
  "namespace shop {\n  default deny\n  workload web app=web port http 8080\n  workload db app=db port sql 5432\n}\nallow web -> db: sql\n",
);
const broken = mkdtempSync(join(tmpdir(), "secpolc-explain-broken-"));
writeFileSync(join(broken, "shop.secpol"), "namespace shop {\n  workload web app=web\n}\nallow web -> dbb: 5432\n");

const explain = (cwd: string, query: string, ...flags: string[]) => {
  const r = spawnSync(process.execPath, [bin, "explain", ".", query, ...flags], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test("with --exit-code: 0 permitted, 1 not permitted, in text and JSON", () => {
  const permitted = explain(dir, "shop/web -> shop/db:5432/tcp", "--exit-code");
  assert.is(permitted.code, 0, permitted.stderr);
  assert.match(permitted.stdout, "shop/web -> shop/db:5432/tcp: permitted");
  const denied = explain(dir, "shop/db -> shop/web:8080/tcp", "--exit-code");
  assert.is(denied.code, 1, denied.stderr);
  assert.match(denied.stdout, "shop/db -> shop/web:8080/tcp: not permitted");
  assert.is(explain(dir, "shop/db -> shop/web:8080/tcp", "--exit-code", "--format", "json").code, 1);
  assert.is(explain(dir, "shop/web -> shop/db:5432/tcp", "--format", "json", "--exit-code").code, 0);
});

test("with --exit-code, no answer is 2, never 1: a program with errors, a bad query", () => {
  const errors = explain(broken, "shop/web -> shop/web:80/tcp", "--exit-code");
  assert.is(errors.code, 2, errors.stderr);
  assert.match(errors.stderr, "SP2001");
  assert.is(explain(dir, "shop/web -> shop/nope:80/tcp", "--exit-code").code, 2);
});

test("without --exit-code: 0 for any answer, 1 for a program with errors (unchanged)", () => {
  assert.is(explain(dir, "shop/web -> shop/db:5432/tcp").code, 0);
  assert.is(explain(dir, "shop/db -> shop/web:8080/tcp").code, 0);
  assert.is(explain(broken, "shop/web -> shop/web:80/tcp").code, 1);
});

test.after(() => {
  rmSync(dir, { recursive: true });
  rmSync(broken, { recursive: true });
});

test.run();
