/**
 * The trees' mostly empty lists are one frozen empty array (`NONE` in src/syntax/parser.ts), and a
 * reference's declarations are one frozen empty list until the binder resolves it: nothing may add
 * to them, so a workload with clauses gets lists of its own, and a resolved reference a list of its
 * own.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "../../src/syntax/parse.js";
import { NONE } from "../../src/syntax/parser.js";
import { bind } from "../../src/check/binder.js";
import { Diagnostics } from "../../src/diagnostics/catalogue.js";
import type * as ast from "../../src/syntax/ast.js";

const text = [
  "namespace shop {",
  "  workload web app=web port http 80",
  "  workload api app=api",
  "  workload db app=db port pg 5432 port admin 8432 containers main, side initContainers init",
  "  allow web -> api: 80",
  "  allow web -> db: pg, admin",
  "}",
  "",
].join("\n");

for (const lazySpans of [false, true]) {
  test(`the empty lists of workloads and rules are one frozen array, filled ones their own (lazySpans: ${lazySpans})`, () => {
    const { file, diagnostics } = parse(text, "a.secpol", { lazySpans });
    assert.equal(diagnostics, []);
    const block = file.statements[0] as ast.NamespaceBlock;
    const [web, api, db] = block.statements.slice(0, 3) as ast.WorkloadDeclaration[];
    const rules = block.statements.slice(3) as ast.NetworkRule[];
    assert.ok(Object.isFrozen(NONE) && NONE.length === 0);
    for (const w of [web, api]) {
      assert.is(w.containers, NONE);
      assert.is(w.initContainers, NONE);
      assert.is(w.services, NONE);
    }
    assert.is(api.ports, NONE);
    assert.equal(
      web.ports.map((p) => p.name.text),
      ["http"],
    );
    assert.equal(
      db.ports.map((p) => p.name.text),
      ["pg", "admin"],
    );
    assert.equal(
      db.containers.map((c) => c.text),
      ["main", "side"],
    );
    assert.equal(
      db.initContainers.map((c) => c.text),
      ["init"],
    );
    assert.not.ok(Object.isFrozen(db.containers) || Object.isFrozen(db.initContainers));
    for (const r of rules) assert.is(r.extraPortLists, NONE);
    assert.equal(
      rules[1].ports.map((p) => (p.port as ast.Word).text),
      ["pg", "admin"],
    );
  });
}

test("a one-shot bind's references to one workload share its frozen list of one; the unresolved share the frozen empty one", () => {
  const { file } = parse(`${text}allow shop/web -> shop/nothing: 80\nallow shop/web -> shop/web: 81\n`, "a.secpol");
  const binding = bind([file], new Diagnostics());
  const peers = binding.references.filter((r) => r.use === "peer");
  const resolved = peers.filter((r) => r.name === "web").map((r) => r.declarations);
  const empty = peers.map((r) => r.declarations).filter((l) => l.length === 0);
  // (`web` in the two rules of the block and in the two below)
  assert.ok(resolved.length === 5 && empty.length > 0);
  for (const l of resolved) assert.ok(Object.isFrozen(l) && l === resolved[0]);
  for (const l of empty) assert.ok(Object.isFrozen(l));
});

test.run();
