import { test } from "uvu";
import * as assert from "uvu/assert";
import { check } from "../../src/index.js";

const program = `namespace shop {
  default deny
  workload web app=web port http 8080 service 80 -> http
  workload db app=db port sql 5432
  workload cache app=cache
}
namespace team-a { default deny ingress }
namespace app1 { default deny ingress }
allow shop/* -> dns
`;

/** The warnings of the program with `rules` added: code, line text and help. */
function warnings(rules: string): string[] {
  const { diagnostics } = check([{ path: "p.secpol", text: `${program}${rules}\n` }]);
  assert.not.ok(
    diagnostics.some((d) => d.severity === "error"),
    diagnostics.map((d) => d.message).join("\n"),
  );
  return diagnostics.filter((d) => d.code === "SP9006" || d.code === "SP9007").map((d) => `${d.code} ${d.help ?? ""}`);
}

test("a namespace one or two edits from a declared, well-known or more used one is a near miss", () => {
  assert.equal(warnings("allow shp/* -> shop/db: sql"), [
    "SP9006 did you mean `shop` (declared by a namespace block)?",
  ]);
  assert.equal(warnings("allow ns kube-sytem -> shop/web: http"), [
    "SP9006 did you mean `kube-system` (a namespace every cluster has)?",
  ]);
  // the name used less often is the suspect; on a tie, the one named later
  assert.equal(warnings("allow ns ingress-nginx -> shop/web: http\nallow ns ingres-nginx -> shop/web: http"), [
    "SP9006 did you mean `ingress-nginx` (named by another rule)?",
  ]);
  assert.equal(
    warnings(
      "allow ns ingres-nginx -> shop/web: http\nallow ns ingress-nginx -> shop/web: http\nallow ns ingress-nginx -> shop/db: sql",
    ),
    ["SP9006 did you mean `ingress-nginx` (named by 2 other rules)?"],
  );
});

test("names of a series and names far from any other are no near misses", () => {
  assert.equal(warnings("allow ns team-b -> shop/web: http\nallow ns app2 -> shop/web: http"), []);
  assert.equal(warnings("allow ns monitoring -> shop/web: http"), []);
  assert.equal(warnings("allow ns shop -> shop/web: http"), []);
});

test("a numeric port the destination does not declare, while it declares others, is a warning", () => {
  assert.equal(warnings("allow shop/web -> shop/db: 5433"), ["SP9007 did you mean `5432`?"]);
  assert.equal(warnings("allow shop/web -> shop/db: 6379"), [
    "SP9007 if its pods listen on 6379, declare it: `port NAME 6379`",
  ]);
  // declared, a Service port, a workload that declares none, a range: no warning
  assert.equal(
    warnings(
      "allow shop/db -> shop/web: 8080\nallow shop/db -> shop/web: 80\nallow shop/web -> shop/cache: 6379\nallow shop/web -> shop/db: 5000..6000",
    ),
    [],
  );
});

test.run();
