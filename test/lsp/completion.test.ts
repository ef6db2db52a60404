/**
 * Completion knows where it is (issue 19): over the language server protocol, at each place of a
 * statement being written (`|` marks the cursor), what the grammar allows there and nothing else.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { languageServer, positionAt } from "../support/lsp.js";

const dir = mkdtempSync(join(tmpdir(), "secpolc-completion-"));
const lsp = languageServer(dir);

const program = [
  "namespace shop {",
  "  default deny",
  "  workload web app=web port http 8080",
  "  workload db  app=db  port pg 5432 port metrics 9100",
  "  pss enforce baseline",
  "  |",
  "}",
  "namespace other {",
  "  workload db app=other-db",
  "}",
  "group backends = shop/db, other/db",
  "profile hardened {",
  "  deny hostPID",
  "}",
  "psp legacy { privileged false }",
  "",
].join("\n");

let documents = 0;

/** The labels offered at `|` when `statement` is written at the `|` of `program` (or replaces the whole text, with `alone`). */
async function labelsAt(statement: string, alone = false): Promise<string[]> {
  const whole = alone ? statement : program.replace("|", statement);
  const offset = whole.indexOf("|");
  const text = whole.replace("|", "");
  const uri = `untitled:completion-${documents++}`;
  await lsp.open(uri, text);
  const items = await lsp.completion(uri, positionAt(text, offset));
  await lsp.close(uri);
  return items.map((i: any) => i.label);
}

const has = (labels: string[], ...expected: string[]) => {
  for (const e of expected) assert.ok(labels.includes(e), `${e} is missing from ${JSON.stringify(labels)}`);
};
const hasNone = (labels: string[], ...unexpected: string[]) => {
  for (const u of unexpected) assert.not.ok(labels.includes(u), `${u} is offered: ${JSON.stringify(labels)}`);
};

test.before(async () => {
  await lsp.initialize();
});

test("statement keywords at a statement start: the block's own", async () => {
  const top = await labelsAt(`${program.replace("  |\n", "")}|`, true);
  has(top, "namespace", "workload", "allow", "deny", "apply", "grant", "psp", "import");
  hasNone(top, "default", "pss", "labels", "web", "NET_ADMIN", "hostPID");
  const inNamespace = await labelsAt("|");
  has(inNamespace, "workload", "default", "pss", "labels", "allow");
  hasNone(inNamespace, "namespace", "import", "psp", "grant", "web");
  has(await labelsAt("}\nprofile p {\n  |"), "deny", "require", "set", "allow");
  hasNone(await labelsAt("}\nprofile p {\n  |"), "workload", "namespace");
});

test("workloads, groups and namespaces after `allow`/`deny` and after `->`; a namespace's own after `NAME/`", async () => {
  const afterAllow = await labelsAt("allow |");
  has(afterAllow, "web", "shop/web", "shop/db", "other/db", "backends", "dns", "ns shop", "pods", "world");
  // `db` alone is this block's: written here it denotes `shop/db`
  has(afterAllow, "db");
  const afterArrow = await labelsAt("allow web -> |");
  has(afterArrow, "web", "shop/db", "backends", "dns", "ns other", "cidr");
  hasNone(afterArrow, "hostPID", "allow", "NET_ADMIN");
  const afterComma = await labelsAt("deny web, | -> db");
  has(afterComma, "shop/db", "dns");
  hasNone(afterComma, "hostPID");
  const qualified = await labelsAt("allow web -> other/|");
  has(qualified, "db", "*");
  hasNone(qualified, "web", "shop/db");
  has(await labelsAt("allow web -> ns |"), "shop", "other");
});

test("the destination's named ports after `:` and after `,` of the port list", async () => {
  const ports = await labelsAt("allow web -> db: |");
  assert.equal(ports.sort(), ["metrics", "pg"]);
  assert.equal((await labelsAt("allow web -> shop/web: 8080, |")).sort(), ["http"]);
  assert.equal(await labelsAt("allow web -> other/db: |"), []);
});

test("features after `deny`/`allow` of pod-security statements, requirements after `require`, fields after `set`, capabilities after `capability`", async () => {
  const features = await labelsAt("deny hostPID, |");
  has(features, "hostNetwork", "privileged", "capability", "hostPath");
  hasNone(features, "web", "shop/db", "runAsUser");
  has(await labelsAt("}\nprofile p {\n  allow |"), "hostNetwork", "privilegeEscalation");
  has(await labelsAt("require |"), "runAsNonRoot", "drop", "seccomp");
  const fields = await labelsAt("set |");
  has(fields, "runAsUser", "seccomp", "seLinux");
  hasNone(fields, "hostPID", "web");
  has(await labelsAt("allow capability |"), "NET_ADMIN", "SYS_TIME");
  has(await labelsAt("require drop |"), "ALL");
  // a statement that is either: at its first item both, the peers and the features
  has(await labelsAt("allow |"), "hostNetwork", "web");
});

test("targets: workloads after `for`, namespaces after `in ns`", async () => {
  const forWorkload = await labelsAt("deny hostPID for |");
  has(forWorkload, "web", "shop/db");
  hasNone(forWorkload, "backends", "dns", "hostPID");
  has(await labelsAt("deny hostPID in |"), "ns", "all");
  has(await labelsAt("deny hostPID in ns |"), "shop", "other");
});

test("levels after `pss enforce`, modes after `pss`; profiles after `apply`, then `to`; PSPs after `grant psp`", async () => {
  assert.equal(await labelsAt("pss audit |"), ["privileged", "baseline", "restricted"]);
  assert.equal(await labelsAt("pss |"), ["enforce", "warn", "audit"]);
  const profiles = await labelsAt("apply |");
  has(profiles, "baseline", "restricted", "hardened");
  hasNone(profiles, "web", "apply");
  assert.equal(await labelsAt("apply hardened |"), ["to"]);
  has(await labelsAt("apply hardened to |"), "web", "ns", "all");
  assert.equal(await labelsAt(`${program.replace("  |\n", "")}grant psp |`, true), ["legacy"]);
  has(await labelsAt(`${program.replace("  |\n", "")}grant psp legacy to |`, true), "user", "serviceaccount");
});

test("postures: `deny`/`allow` after `default`, then directions, and the block's workloads after `for`", async () => {
  assert.equal(await labelsAt("default |"), ["deny", "allow"]);
  has(await labelsAt("default allow |"), "ingress", "egress", "for");
  assert.equal((await labelsAt("default allow egress for |")).sort(), ["db", "web"]);
});

test.after(async () => {
  assert.is(await lsp.shutdown(), 0);
  rmSync(dir, { recursive: true });
});

test.run();
