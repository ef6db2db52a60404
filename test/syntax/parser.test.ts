import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "../../src/syntax/parse.js";
import { SecpolParser } from "../../src/syntax/parser.js";
import type * as ast from "../../src/syntax/ast.js";

/** The AST without spans, for comparing shapes. */
const shape = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (k, v) => (k === "span" ? undefined : v)));

function statements(text: string): ast.Statement[] {
  const result = parse(text, "t.secpol");
  assert.equal(
    result.diagnostics.map((d) => d.message),
    [],
    text,
  );
  return result.file.statements;
}

const errors = (text: string) =>
  parse(text, "t.secpol").diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`);

test("the grammar passes Chevrotain's validations (ambiguities, left recursion, ...)", () => {
  // building the parser throws on the first definition error it finds; the compiler's own instance skips them to start faster
  assert.not.throws(() => new SecpolParser({ validate: true }));
});

test("a network rule: peers, arrow without spaces, ports with protocols", () => {
  const [rule] = statements("allow web->db:5432, 53/udp");
  assert.equal(shape(rule), {
    kind: "NetworkRule",
    action: "allow",
    sources: [{ kind: "Reference", ref: { kind: "QualifiedName", name: { text: "web" } } }],
    destinations: [{ kind: "Reference", ref: { kind: "QualifiedName", name: { text: "db" } } }],
    ports: [
      { kind: "PortSpec", port: { kind: "Number", text: "5432" } },
      { kind: "PortSpec", port: { kind: "Number", text: "53" }, protocol: { text: "udp" } },
    ],
    extraPortLists: [],
  });
});

test("a workload's clause names may be spelled like the clause keywords", () => {
  // each was dropped, or taken for the next clause, before: a container called `kind` went unpatched
  const cases: [string, string[], string | undefined, string | undefined][] = [
    ["workload w app=w containers main, serviceAccount", ["main", "serviceAccount"], undefined, undefined],
    ["workload w app=w containers kind", ["kind"], undefined, undefined],
    ["workload w app=w containers main, kind kind Deployment", ["main", "kind"], undefined, "Deployment"],
    ["workload w app=w serviceAccount containers containers kind", ["kind"], "containers", undefined],
    ["workload w app=w kind kind serviceAccount serviceAccount", [], "serviceAccount", "kind"],
  ];
  for (const [text, containers, serviceAccount, kind] of cases) {
    // the same with a syntax error after it, which recovery parses past
    for (const source of [text, `${text}\nallow ->`]) {
      const w = parse(source, "t.secpol").file.statements[0] as ast.WorkloadDeclaration;
      assert.equal(
        w.containers.map((c) => c.text),
        containers,
        source,
      );
      assert.is(w.serviceAccount?.text, serviceAccount, source);
      assert.is(w.workloadKind?.text, kind, source);
    }
  }
});

test("a workload's selector may start with a clause keyword used as a label key", () => {
  const cases: [string, string, string | undefined][] = [
    ["workload web service=web", "service=web", undefined],
    ["workload a kind==batch kind Job", "kind=batch", "Job"],
    ["workload b port!=x port http 80", "port!=x", undefined],
    ["workload c containers in (x, y) containers main", "containers in x|y", undefined],
    ["workload d serviceAccount/team=a serviceAccount runner", "serviceAccount/team=a", undefined],
  ];
  for (const [text, selector, kind] of cases) {
    for (const source of [text, `${text}\nallow ->`]) {
      const w = parse(source, "t.secpol").file.statements[0] as ast.WorkloadDeclaration;
      const r = w.selector.requirements[0];
      assert.is(
        `${r.key.text}${r.operator === "in" ? " in " : r.operator}${r.values.map((v) => v.text).join("|")}`,
        selector,
        source,
      );
      assert.is(w.workloadKind?.text, kind, source);
    }
  }
  // a clause keyword that starts a clause is not a selector: the workload still needs one
  assert.equal(errors("workload e service 80 -> http"), [
    "1:12 SP1003 expected a label selector (e.g. `app=web`) after the workload name, found `service`",
  ]);
});

test("every peer form", () => {
  const [rule] = statements(
    "allow shop/*, ns shop, ns(team=x), pods(app=a, tier!=b) in ns(team in (x, y)), cidr 10.0.0.0/8 except 10.1.0.0/16, 10.2.0.0/16, world, cluster, any, shop/web -> db",
  );
  const kinds = (rule as ast.NetworkRule).sources.map((p) => p.kind);
  assert.equal(kinds, [
    "NamespacePeer",
    "NamespacePeer",
    "NamespaceSelectorPeer",
    "PodsPeer",
    "CidrPeer",
    "KeywordPeer",
    "KeywordPeer",
    "KeywordPeer",
    "Reference",
  ]);
  const cidr = (rule as ast.NetworkRule).sources[4] as ast.CidrPeer;
  assert.equal(
    cidr.except.map((e) => e.text),
    ["10.1.0.0/16", "10.2.0.0/16"],
  );
  const pods = (rule as ast.NetworkRule).sources[3] as ast.PodsPeer;
  assert.equal(
    pods.selector.requirements.map((r) => `${r.key.text}${r.operator}${r.values.map((v) => v.text).join("|")}`),
    ["app=a", "tier!=b"],
  );
});

test("ranges, versions, DNS-prefixed label keys and IPv6 blocks lex as meant", () => {
  const [cluster, workload, rule] = statements(
    "cluster { version 1.30; podCIDR 10.244.0.0/16, fd00:10:244::/56 }\nworkload shop/web app.kubernetes.io/name=web, !legacy port http 8080/tcp service 80 -> http\nallow web -> cidr fd00::/8: 8000..8080",
  );
  assert.equal(shape((cluster as ast.ClusterBlock).settings.map((s) => s.values)), [
    [{ kind: "Number", text: "1.30" }],
    [
      { kind: "Word", text: "10.244.0.0/16", quoted: false },
      { kind: "Word", text: "fd00:10:244::/56", quoted: false },
    ],
  ]);
  const w = workload as ast.WorkloadDeclaration;
  assert.is(w.selector.requirements[0].key.text, "app.kubernetes.io/name");
  assert.is(w.selector.requirements[0].key.prefix?.text, "app.kubernetes.io");
  assert.is(w.selector.requirements[1].operator, "!exists");
  assert.is(w.services[0].port.text, "80");
  assert.equal(shape((rule as ast.NetworkRule).ports[0].range), {
    kind: "Range",
    from: { kind: "Number", text: "8000" },
    to: { kind: "Number", text: "8080" },
  });
});

test("statements end at newlines or `;`, and continue after `->`, `,`, `:` and inside parentheses", () => {
  const list = statements(
    "allow a ->\n  b,\n  c :\n  80; allow pods(app=x,\n tier=y) -> d\n\n# a comment\ndefault deny ingress for web",
  );
  assert.equal(
    list.map((s) => s.kind),
    ["NetworkRule", "NetworkRule", "Default"],
  );
  assert.equal(errors("allow a -> b c"), [
    "1:14 SP1003 expected the end of the statement (a new line or `;`), found `c`",
  ]);
});

test("comments are kept with their spans", () => {
  const { file } = parse("# head\nnamespace a { default deny # zero trust\n}\n", "t.secpol");
  assert.equal(
    file.comments.map((c) => [c.text, c.span.start.line, c.span.start.column]),
    [
      ["# head", 1, 1],
      ["# zero trust", 2, 28],
    ],
  );
});

test("allow/deny are network rules with an arrow and pod-security rules without", () => {
  const [network, security, allowFeature] = statements(
    "deny web -> cidr 169.254.169.254/32\ndeny hostNetwork, privileged in ns shop\nallow capability SYS_TIME for web",
  );
  assert.is(network.kind, "NetworkRule");
  assert.equal(shape(security), {
    kind: "SecurityRule",
    action: "deny",
    items: [
      { kind: "SecurityItem", name: { text: "hostNetwork" }, args: [] },
      { kind: "SecurityItem", name: { text: "privileged" }, args: [] },
    ],
    target: { kind: "InNamespace", namespace: { text: "shop" } },
  });
  assert.is((allowFeature as ast.SecurityRule).items[0].args[0].kind, "Word");
});

test("the rest of the grammar parses: profiles, psp, grant, pss, labels, apply, import, assert", () => {
  const list = statements(`import "std/dns"
profile locked { require runAsNonRoot, drop ALL; deny privileged }
psp restricted { privileged false; runAsUser MustRunAs 2..10; hostPorts 10000..11000, 13000..14000; volumes emptyDir, secret }
grant psp restricted to group system:serviceaccounts:prod
grant psp restricted to user "jane@example.com"
grant psp restricted to serviceaccount kube-system/kube-proxy
grant psp restricted to serviceaccounts in ns prod
namespace prod { pss enforce restricted@v1.30, warn baseline; labels tenant=acme, env=prod }
apply restricted to ns prod
set runAsUser 1000, seccomp RuntimeDefault, appArmor runtime/default, seLinux level "s0:c1,c2" for web
assert web -/-> cidr 169.254.169.254/32
assert web -> db: 5432`);
  assert.equal(
    list.map((s) => s.kind),
    [
      "Import",
      "Profile",
      "Psp",
      "Grant",
      "Grant",
      "Grant",
      "Grant",
      "Namespace",
      "Apply",
      "SecurityRule",
      "Assert",
      "Assert",
    ],
  );
  assert.equal(shape((list[3] as ast.GrantStatement).subject), {
    kind: "Group",
    name: { text: "system:serviceaccounts:prod" },
  });
  assert.is(((list[4] as ast.GrantStatement).subject as { name: ast.Word }).name.text, "jane@example.com");
  const set = list[9] as ast.SecurityRule;
  assert.equal(
    set.items.map((i) => [i.name.text, ...i.args.map((a) => ("text" in a ? a.text : "range"))]),
    [
      ["runAsUser", "1000"],
      ["seccomp", "RuntimeDefault"],
      ["appArmor", "runtime/default"],
      ["seLinux", "level", "s0:c1,c2"],
    ],
  );
  assert.ok((list[10] as ast.AssertStatement).negated);
});

test("names after declaring keywords may be keywords", () => {
  const [ns] = statements("namespace default { workload service app=x }");
  assert.is((ns as ast.NamespaceBlock).name.text, "default");
  assert.is(((ns as ast.NamespaceBlock).statements[0] as ast.WorkloadDeclaration).name.name.text, "service");
});

test("`allow a -> b:80, c:443` still parses, with an extra port list for the checker", () => {
  const [rule] = statements("allow a -> b:80, c:443") as ast.NetworkRule[];
  assert.is(rule.extraPortLists.length, 1);
});

test("parse errors say what was expected, in words", () => {
  assert.equal(errors("allow web -> -> db"), [
    "1:14 SP1003 expected a peer (a workload or group name, `ns`, `pods(...)`, `cidr`, `world`, `cluster` or `any`), found `->`",
  ]);
  assert.equal(errors("workload web port http 80"), [
    "1:14 SP1003 expected a label selector (e.g. `app=web`) after the workload name, found `port`",
  ]);
  assert.equal(errors('import "std'), [
    '1:8 SP1002 this string has no closing `"` on its line',
    "1:12 SP1003 expected a string after `import`, found the end of the file",
  ]);
  assert.equal(errors("namespace a {\n default deny"), [
    "1:13 SP1011 the block of `namespace a` is never closed: the file ends before its `}`",
  ]);
});

test("known mistakes are reported with their fix", () => {
  const fix = (text: string) =>
    parse(text, "t.secpol").diagnostics.map(
      (d) => `${d.span.start.line}:${d.span.start.column}-${d.span.end.column} ${d.code} ${d.help ?? ""}`,
    );
  assert.equal(fix("allow 10.0.0.0/8 -> a/w"), ["1:7-17 SP1008 write `cidr 10.0.0.0/8`"]);
  assert.equal(fix("allow a/w -> 10.0.0.1, 2001:db8::/32"), [
    "1:14-22 SP1008 write `cidr 10.0.0.1`",
    "1:24-37 SP1008 write `cidr 2001:db8::/32`",
  ]);
  assert.equal(fix("workload w app: w"), ["1:15-16 SP1009 label selectors use `=`: write `app=w`"]);
  assert.equal(fix("deny ns a -> pods(example.com/tier: db) in ns b"), [
    "1:35-36 SP1009 label selectors use `=`: write `example.com/tier=db`",
  ]);
  assert.equal(fix("grant psp p to user alice@example.com"), ['1:21-38 SP1010 write `"alice@example.com"`']);
  assert.equal(fix("psp p {\n  allowedHostPaths /proc, /var/log\n}"), [
    '2:20-25 SP1010 write `"/proc"`',
    '2:27-35 SP1010 write `"/var/log"`',
  ]);
  // the block left open is named where it opens, and the end of the file is a note
  const [open] = parse("profile p {\n  deny hostPID\nnamespace a {\n}\n", "t.secpol").diagnostics;
  assert.is(open.code, "SP1011");
  assert.is(open.message, "the block of `profile p` is never closed: the file ends before its `}`");
  assert.equal(
    open.related?.map((r) => [r.span.start.line, r.message]),
    [[5, "the file ends here, inside the block"]],
  );
});

test("no message or help holds a line break, whatever the input quotes", () => {
  for (const text of [
    "namespace a {\n",
    "namespace a {\n  default deny\n\n",
    "allow a ->\n",
    "allow \u2028 a -> b",
    "workload w\u0085 app=w",
    'allow "a\u2029b" -> c',
    "cluster {\r\n version 1.30\r\n",
  ]) {
    for (const d of parse(text, "t.secpol").diagnostics) {
      assert.not.match(`${d.message} ${d.help ?? ""}`, /[\n\r\v\f\u0085\u2028\u2029]/, JSON.stringify(text));
    }
  }
});

test("a rule that a syntax error cuts short is not also reported for what it lacks", () => {
  const result = parse("set sysctl net.ipv4.ip_forward=1 for web\nset runAsUser 1000\n", "t.secpol");
  const [cut, whole] = result.file.statements as ast.SecurityRule[];
  assert.is(cut.truncated, true);
  assert.is(whole.truncated, undefined);
  // an error on another line, before it, and none after it, at the end of the file without a line break
  const last = parse("allow a -> -> b\nset runAsUser 1000", "t.secpol").file.statements.find(
    (s) => s.kind === "SecurityRule",
  ) as ast.SecurityRule;
  assert.is(last.truncated, undefined);
});

test("recovery: a line that starts no statement is skipped, in a block too, and the rest still parses", () => {
  const result = parse("namespace a {\n  frob x\n  default deny\n}\nallow x -> y\n}\n", "t.secpol");
  assert.equal(
    result.file.statements.map((s) => s.kind),
    ["Namespace", "NetworkRule"],
  );
  assert.equal(
    (result.file.statements[0] as ast.NamespaceBlock).statements.map((s) => s.kind),
    ["Default"],
  );
  assert.equal(
    result.diagnostics.map((d) => d.span.start.line),
    [2, 6],
  );
});

test("recovery: the statements around a broken line still parse", () => {
  const result = parse("allow a -> b\nallow ) ( nonsense\nallow c -> d\n", "t.secpol");
  assert.ok(result.diagnostics.length > 0);
  assert.equal(
    result.file.statements.map((s) => s.kind),
    ["NetworkRule", "NetworkRule"],
  );
});

test("a subject name whose parts after a `:` are hex digits parses: `user system:serviceaccount:abc:def` (`:abc:def` lexes as an IPv6 address)", () => {
  for (const name of [
    "system:serviceaccount:a:b",
    "system:serviceaccount:abc:def",
    "system:serviceaccount:cafe:beef:dead",
    "a:b:c",
    "dead:beef:cafe",
    "ab:cd",
    "system:serviceaccounts:default",
  ]) {
    const [grant] = statements(`grant psp p to user ${name}`);
    assert.is(((grant as ast.GrantStatement).subject as { name: ast.Word }).name.text, name);
    const [group] = statements(`grant psp p to group ${name}`);
    assert.is(((group as ast.GrantStatement).subject as { name: ast.Word }).name.text, name);
  }
  // an address that is no names joined by `:` stays an error where a name belongs
  for (const text of ["grant psp p to user ::1", "grant psp p to user a::b", "grant psp p to user system:a:1.2.3.4"])
    assert.ok(errors(text).length > 0, text);
});

test.run();
