import { test } from "uvu";
import * as assert from "uvu/assert";
import { closest, didYouMean, editDistance } from "../../src/diagnostics/suggest.js";

test("an adjacent transposition is one edit: `dsn` is meant as `dns`", () => {
  assert.is(editDistance("dsn", "dns"), 1);
  assert.is(editDistance("ingres-nginx", "ingress-nginx"), 1);
  assert.is(editDistance("kitten", "sitting"), 3);
  assert.is(editDistance("", "abc"), 3);
  assert.is(closest("dsn", ["db", "dns", "web"]), "dns");
});

test("no suggestion when nothing is close, nor the name itself", () => {
  assert.is(closest("postgres", ["web", "api"]), undefined);
  assert.is(closest("web", ["web"]), undefined);
  assert.equal(didYouMean("postgres", ["web"]), {});
  assert.equal(didYouMean("postgres", ["web"], "the workloads are `web`"), { help: "the workloads are `web`" });
  assert.equal(didYouMean("wbe", ["web"]), { help: "did you mean `web`?" });
});

test.run();
