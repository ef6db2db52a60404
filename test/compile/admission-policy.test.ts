/**
 * The ValidatingAdmissionPolicy target: which versions get it and in which API version, the
 * binding's namespace and actions, exceptions by pod labels, schema validity, and translation
 * validation that catches a wrong CEL expression.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build, check } from "../../src/index.js";
import { checkModel } from "../../src/pipeline.js";
import { compileAdmissionPolicies } from "../../src/targets/admission-policy/compile.js";
import { policyJudge, verifyAdmissionPolicies, wrapPod } from "../../src/targets/admission-policy/verify.js";
import { validateManifest } from "../support/schema.js";
import { renderWithComponent } from "../support/kustomize.js";
import { judgeRequest } from "../support/admission-eval.js";
import { readYaml11 } from "../support/yaml11.js";

const program = (version: string, pss = "") => `cluster { version ${version} }
namespace monitoring {
  ${pss}
  workload node-exporter app=node-exporter
  workload web app=web
}
deny hostNetwork, hostPort, capability SYS_ADMIN in ns monitoring
allow hostPort 9100 for monitoring/node-exporter
require readOnlyRootFilesystem, drop ALL for monitoring/web
`;

const objects = (text: string, options = {}) => {
  const result = build([{ path: "m.secpol", text }], options);
  assert.ok(result.files.length > 0, result.diagnostics.map((d) => d.message).join("\n"));
  return result.files
    .filter((f) => f.path.startsWith("cluster/"))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
};
const admission = (os: any[]) => os.filter((o) => o.apiVersion.startsWith("admissionregistration.k8s.io/"));

test("v1 from 1.30, v1beta1 in 1.28 and 1.29, none before 1.28 or with --no-admission-policies", () => {
  for (const [version, api] of [
    ["1.30", "v1"],
    ["1.33", "v1"],
    ["1.29", "v1beta1"],
    ["1.28", "v1beta1"],
  ]) {
    const os = admission(objects(program(version)));
    assert.equal(
      os.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`),
      [
        `admissionregistration.k8s.io/${api} ValidatingAdmissionPolicy secpol-monitoring`,
        `admissionregistration.k8s.io/${api} ValidatingAdmissionPolicyBinding secpol-monitoring`,
      ],
    );
    for (const o of os) assert.equal(validateManifest(o), [], `${version} ${o.kind}`);
  }
  assert.equal(
    admission(
      build([{ path: "m.secpol", text: program("1.27") }]).files.flatMap((f) =>
        parseAllDocuments(f.content).map((d) => d.toJS()),
      ),
    ),
    [],
  );
  const off = build([{ path: "m.secpol", text: program("1.30") }], { admissionPolicies: false });
  assert.not.ok(off.files.some((f) => f.content.includes("ValidatingAdmissionPolicy")));
});

test("v1beta1 objects are checked against v1beta1's own definitions (kubernetes-types), not v1's", () => {
  const [policy, binding] = admission(objects(program("1.29")));
  assert.equal(validateManifest(policy), []);
  assert.equal(validateManifest(binding), []);
  assert.match(
    validateManifest({ ...policy, spec: { ...policy.spec, mutations: [] } }).join("\n"),
    /'"mutations"' does not exist in type 'ValidatingAdmissionPolicySpec'/,
  );
  assert.match(
    validateManifest({ ...binding, spec: { ...binding.spec, policyName: 7 } }).join("\n"),
    /not assignable to type 'string'/,
  );
  assert.match(
    validateManifest({ ...policy, spec: { ...policy.spec, validations: [{ message: "m" }] } }).join("\n"),
    /'expression' is missing/,
  );
});

test("the binding selects the namespace by name; actions follow the PSS modes, Deny when none", () => {
  const actions = (pss: string) =>
    admission(objects(program("1.30", pss))).find((o) => o.kind === "ValidatingAdmissionPolicyBinding")!.spec;
  const deny = actions("");
  assert.equal(deny.matchResources, {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
  });
  assert.equal(deny.validationActions, ["Deny"]);
  assert.equal(actions("pss enforce privileged, warn restricted").validationActions, ["Deny"]);
  assert.equal(actions("pss warn restricted").validationActions, ["Warn"]);
  assert.equal(actions("pss warn restricted, audit restricted").validationActions, ["Warn", "Audit"]);
  assert.equal(actions("pss audit baseline").validationActions, ["Audit"]);
});

test("messages name the statement and the feature; the source annotation lists the statements", () => {
  const policy = admission(objects(program("1.30"))).find((o) => o.kind === "ValidatingAdmissionPolicy")!;
  assert.equal(policy.metadata.annotations["secpol.dev/source"], "m.secpol:7, m.secpol:9");
  assert.equal(
    policy.spec.validations.map((v: any) => v.message),
    [
      "m.secpol:7: deny capability SYS_ADMIN: the pod must not use capability SYS_ADMIN",
      "m.secpol:7: deny hostNetwork: the pod must not use hostNetwork",
      "m.secpol:7: deny hostPort: the pod must not use hostPort",
      "m.secpol:9: require drop ALL for web: the pod must meet drop ALL",
      "m.secpol:9: require readOnlyRootFilesystem for web: the pod must meet readOnlyRootFilesystem",
    ],
  );
});

const judge = () => {
  const { model } = checkModel([{ path: "m.secpol", text: program("1.30") }]);
  return policyJudge(compileAdmissionPolicies(model!).policies[0].validations);
};
const pod = (labels: Record<string, string>, spec: any) => wrapPod("Deployment", { labels }, spec);

test("exceptions by pod labels: node-exporter may use host port 9100 and no other; web's requirements hold for web only", () => {
  const verdict = judge();
  const ports = (hostPort: number) => ({
    containers: [{ name: "a", image: "a", ports: [{ containerPort: hostPort, hostPort }] }],
  });
  assert.equal(verdict(pod({ app: "node-exporter" }, ports(9100))), []);
  assert.equal(verdict(pod({ app: "node-exporter" }, ports(9101))), [
    "m.secpol:7: deny hostPort: the pod must not use hostPort",
  ]);
  assert.equal(verdict(pod({ app: "other" }, ports(9100))), [
    "m.secpol:7: deny hostPort: the pod must not use hostPort",
  ]);
  const plain = { containers: [{ name: "a", image: "a" }] };
  assert.equal(verdict(pod({ app: "other" }, plain)), []);
  assert.equal(verdict(pod({ app: "web" }, plain)), [
    "m.secpol:9: require drop ALL for web: the pod must meet drop ALL",
    "m.secpol:9: require readOnlyRootFilesystem for web: the pod must meet readOnlyRootFilesystem",
  ]);
  // in an init or ephemeral container too
  const sysAdmin = {
    containers: [{ name: "a", image: "a" }],
    ephemeralContainers: [{ name: "e", image: "e", securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }],
  };
  assert.equal(verdict(wrapPod("Pod", { labels: {} }, sysAdmin)), [
    "m.secpol:7: deny capability SYS_ADMIN: the pod must not use capability SYS_ADMIN",
  ]);
  assert.equal(verdict(wrapPod("CronJob", { labels: {} }, { ...plain, hostNetwork: true })), [
    "m.secpol:7: deny hostNetwork: the pod must not use hostNetwork",
  ]);
});

test("a workload's exception from the model's exception set takes a namespace-wide deny back for its pods only", () => {
  const { model } = checkModel([{ path: "m.secpol", text: program("1.30") }]);
  const exporter = model!.workloads.find((w) => w.name === "node-exporter")!;
  const deny = model!.security.find((e) => e.item === "hostNetwork")!;
  model!.security.push({ ...deny, action: "allow", target: { kind: "workload", workload: exporter } });
  (deny.exempt ??= []).push(exporter);
  const compiled = compileAdmissionPolicies(model!);
  assert.equal(verifyAdmissionPolicies(model!, compiled).counterexample, undefined);
  const verdict = policyJudge(compiled.policies[0].validations);
  const host = { hostNetwork: true, containers: [{ name: "a", image: "a" }] };
  assert.equal(verdict(pod({ app: "node-exporter" }, host)), []);
  assert.equal(verdict(pod({ app: "web" }, host)).length, 3);
});

test("a pod template without metadata (a PodTemplate, a Job, a CronJob) is judged, not an evaluation error", () => {
  const verdict = judge();
  const spec = { containers: [{ name: "a", image: "a" }] };
  const bare = [
    { apiVersion: "v1", kind: "PodTemplate", metadata: { name: "t" }, template: { spec } },
    { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec } } },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "c" },
      spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec } } } },
    },
  ];
  // before: the `meta` variable was a CEL error (no such field), so failurePolicy Fail refused them
  for (const o of bare) assert.equal(verdict(o), [], o.kind);
  for (const o of bare)
    assert.equal(
      verdict(
        JSON.parse(
          JSON.stringify(o).replace(
            '"containers":[{"name":"a","image":"a"}]',
            '"hostNetwork":true,"containers":[{"name":"a","image":"a"}]',
          ),
        ),
      ),
      ["m.secpol:7: deny hostNetwork: the pod must not use hostNetwork"],
      o.kind,
    );
});

test("`deny capability C` refuses a container that adds ALL, which adds C (found by the property test)", () => {
  const verdict = judge();
  const all = { containers: [{ name: "a", image: "a", securityContext: { capabilities: { add: ["ALL"] } } }] };
  assert.equal(
    verdict(pod({ app: "other" }, all)),
    ["m.secpol:7: deny capability SYS_ADMIN: the pod must not use capability SYS_ADMIN"],
    "before: admitted",
  );
});

test("`deny capability C` refuses every name a runtime reads as C (`sys_admin`, `CAP_SYS_ADMIN`, `ſys_admin`, `all`), and no other", () => {
  const verdict = judge();
  const adding = (name: string) => ({
    containers: [{ name: "a", image: "a", securityContext: { capabilities: { add: [name] } } }],
  });
  const refused = ["m.secpol:7: deny capability SYS_ADMIN: the pod must not use capability SYS_ADMIN"];
  // containerd and CRI-O upper-case the name (Go's strings.ToUpper) and prefix CAP_; before, all four were admitted
  for (const name of ["sys_admin", "Sys_Admin", "CAP_SYS_ADMIN", "cap_sys_admin", "ſys_admın", "all"])
    assert.equal(verdict(pod({ app: "other" }, adding(name))), refused, name);
  for (const name of ["SYS_ADMINX", "CAP_CAP_SYS_ADMIN", "sys-admin", "NET_ADMIN"])
    assert.equal(verdict(pod({ app: "other" }, adding(name))), [], name);
});

test("found by the property test: `deny hostPort PORT` admits other host ports; exceptions that override a namespace's `require`, or of two workloads, hold", () => {
  const text = `cluster { version 1.30 }
namespace a {
  workload fe tier=fe
}
deny hostPort 9100 in ns a
require seccomp RuntimeDefault in ns a
allow unconfinedSeccomp for a/fe
namespace b {
  workload x app=x
  workload y tier=y
}
deny hostPort 9000..9300 in ns b
allow hostPort 9100 for b/x
allow hostPort 9200 for b/y
`;
  const { model } = checkModel([{ path: "m.secpol", text }]);
  const [a, b] = compileAdmissionPolicies(model!).policies.map((p) => policyJudge(p.validations));
  const confined = { securityContext: { seccompProfile: { type: "RuntimeDefault" } } };
  const ports = (...hostPorts: number[]) => ({
    ...confined,
    containers: [
      { name: "a", image: "a", ports: hostPorts.map((hostPort) => ({ containerPort: hostPort, hostPort })) },
    ],
  });
  // before: `!p.hostPort == 9100` negated the port, an evaluation error, so any host port was refused
  assert.equal(a(pod({}, ports(9200))), []);
  assert.equal(a(pod({}, ports(9100))), ["m.secpol:5: deny hostPort 9100: the pod must not use hostPort 9100"]);
  // before: the exception (which the checker notes, SP9036) was left out of the policy
  assert.equal(a(pod({ tier: "fe" }, { containers: [{ name: "a", image: "a" }] })), []);
  // before: a pod of two workloads had the exceptions of the first declared only
  assert.equal(b(pod({ app: "x", tier: "y" }, ports(9100, 9200))), []);
  assert.equal(b(pod({ app: "x" }, ports(9100, 9200))).length, 1);
});

test("`require drop A B` holds when every container drops both (or ALL), not the first alone", () => {
  const { model } = checkModel([{ path: "m.secpol", text: "namespace a {\n}\nrequire drop NET_RAW CHOWN in ns a\n" }]);
  const verdict = policyJudge(compileAdmissionPolicies(model!).policies[0].validations);
  const dropping = (...drop: string[]) => ({
    containers: [{ name: "a", image: "a", securityContext: { capabilities: { drop } } }],
  });
  assert.equal(verdict(pod({}, dropping("NET_RAW"))).length, 1, "before: admitted");
  assert.equal(verdict(pod({}, dropping("CHOWN", "NET_RAW"))), []);
  assert.equal(verdict(pod({}, dropping("ALL"))), []);
});

test("what a `set` establishes is enforced: the patched workload passes, one deployed without the patch is refused; a workload's own value wins", () => {
  const text = `cluster { version 1.30 }
namespace a {
  workload w1 app=w1
}
set runAsUser 1000, automountServiceAccountToken false in ns a
set runAsUser 2000 for a/w1
`;
  const { model } = checkModel([{ path: "m.secpol", text }]);
  const compiled = compileAdmissionPolicies(model!);
  assert.equal(verifyAdmissionPolicies(model!, compiled).counterexample, undefined);
  const verdict = policyJudge(compiled.policies[0].validations);
  const user = (runAsUser?: number, automountServiceAccountToken?: boolean) => ({
    automountServiceAccountToken,
    securityContext: { runAsUser },
    containers: [{ name: "a", image: "a" }],
  });
  assert.equal(verdict(pod({}, user(1000, false))), []);
  // before: no policy at all for a namespace whose only pod-security statements are `set`s
  assert.equal(verdict(pod({}, user(undefined, false))), [
    "m.secpol:5: set runAsUser 1000: the pod must set runAsUser 1000 (the SecurityContext patch sets it)",
  ]);
  assert.equal(verdict(pod({ app: "w1" }, user(2000, false))), []);
  assert.equal(verdict(pod({ app: "w1" }, user(1000, false))), [
    "m.secpol:6: set runAsUser 2000 for w1: the pod must set runAsUser 2000 (the SecurityContext patch sets it)",
  ]);
  assert.equal(verdict(pod({ app: "w1" }, user(2000))), [
    "m.secpol:5: set automountServiceAccountToken false: the pod must set automountServiceAccountToken false (the SecurityContext patch sets it)",
  ]);
});

test("a workload's `require` patches its own value, which wins over its namespace's `set` in the policy as in the patch", () => {
  const text = `cluster { version 1.30 }
namespace a {
  workload web app=web
}
set seccomp RuntimeDefault in ns a
require seccomp Localhost prof.json for a/web
`;
  const { model } = checkModel([{ path: "m.secpol", text }]);
  const compiled = compileAdmissionPolicies(model!);
  const verdict = policyJudge(compiled.policies[0].validations);
  const seccomp = (profile: Record<string, string>) => ({
    securityContext: { seccompProfile: profile },
    containers: [{ name: "a", image: "a" }],
  });
  // web's pods as the patch writes them; before, the namespace's `set` refused them
  assert.equal(verdict(pod({ app: "web" }, seccomp({ type: "Localhost", localhostProfile: "prof.json" }))), []);
  assert.equal(verdict(pod({ app: "web" }, seccomp({ type: "RuntimeDefault" }))).length, 1);
  assert.equal(verdict(pod({ app: "other" }, seccomp({ type: "RuntimeDefault" }))), []);
  assert.equal(verdict(pod({ app: "other" }, seccomp({ type: "Localhost", localhostProfile: "prof.json" }))).length, 1);
  assert.equal(verifyAdmissionPolicies(model!, compiled).counterexample, undefined);
});

test("SP4032: a rule that refuses the program's own patched pods is an error, whether or not policies are written", () => {
  const text = (version: string) => `cluster { version ${version} }
namespace a {
  workload web app=web
  workload api app=api
}
require seccomp Localhost prof.json in ns a
set seccomp RuntimeDefault for a/web
`;
  for (const [version, options] of [
    ["1.30", {}],
    ["1.30", { admissionPolicies: false }],
    ["1.24", {}],
  ] as const) {
    const diagnostics = check([{ path: "m.secpol", text: text(version) }], options).diagnostics.filter(
      (d) => d.severity === "error",
    );
    // before: accepted, and the namespace's policy refused every pod of web as the patch wrote it
    assert.equal(
      diagnostics.map((d) => [d.code, d.span.start.line, d.related?.map((r) => r.span.start.line)]),
      [["SP4032", 6, [7]]],
      `${version} ${JSON.stringify(options)}`,
    );
    assert.match(diagnostics[0].message, "workload `a/web` that `require seccomp Localhost prof.json` refuses");
  }
  // the workload exempt from the rule, or agreeing with it: no contradiction
  for (const fix of ["set seccomp Localhost prof.json for a/web", "allow unconfinedSeccomp for a/web"]) {
    const fixed = text("1.30").replace("set seccomp RuntimeDefault for a/web", fix);
    assert.equal(
      check([{ path: "m.secpol", text: fixed }]).diagnostics.filter((d) => d.code === "SP4032"),
      [],
      fix,
    );
  }
});

test("the workloads the SecurityContext Component patches (real kustomize) pass the admission policy; the same workloads unpatched are refused", () => {
  const text = `cluster { version 1.30 }
namespace shop {
  pss enforce restricted
  workload api app=api kind Deployment initContainers migrate
  workload legacy app=legacy kind Deployment
}
apply restricted to ns shop
require readOnlyRootFilesystem for shop/api
set runAsUser 1000, automountServiceAccountToken false in ns shop
set runAsUser 405, runAsGroup 405 for shop/legacy
`;
  const result = build([{ path: "p.secpol", text }]);
  assert.ok(result.files.length > 0, result.diagnostics.map((d) => d.message).join("\n"));
  const emitted = result.files
    .filter((f) => f.path.startsWith("cluster/"))
    .flatMap((f) => readYaml11(f.content, { spec: false }) as any[]);
  const deploy = (app: string, init: boolean) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, namespace: "shop", labels: { app } },
    spec: {
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: {
          ...(init ? { initContainers: [{ name: "migrate", image: "m" }] } : {}),
          containers: [{ name: app, image: "a" }],
        },
      },
    },
  });
  const originals = [deploy("api", true), deploy("legacy", false)];
  const judged = (o: any) =>
    judgeRequest(emitted, {
      namespace: { name: "shop", labels: { "kubernetes.io/metadata.name": "shop" } },
      operation: "CREATE",
      object: o,
    });
  const rendered = renderWithComponent(result.files, originals, "shop");
  assert.is(rendered.length, 2);
  for (const o of rendered) assert.equal(judged(o).failures, [], o.metadata.name);
  for (const o of originals) assert.ok(judged(o).denied, `${o.metadata.name} deployed without the patch`);
  assert.ok(judged(originals[1]).failures.some((f) => /set runAsUser 405 for legacy/.test(f.message)));
});

test("translation validation refuses a policy whose CEL differs from the rule's meaning, with a counterexample", () => {
  const { model } = checkModel([{ path: "m.secpol", text: program("1.30") }]);
  const compiled = compileAdmissionPolicies(model!);
  assert.ok(verifyAdmissionPolicies(model!, compiled).checks > 100);
  // a CEL that forgets init and ephemeral containers
  const v = compiled.policies[0].validations.find((x) => x.entry.item === "capability SYS_ADMIN")!;
  v.cel =
    "object.kind == 'Pod' || true ? !has(variables.spec.containers) || variables.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || !('SYS_ADMIN' in c.securityContext.capabilities.add)) : false";
  const result = verifyAdmissionPolicies(model!, compiled);
  assert.ok(result.counterexample);
  assert.match(
    result.counterexample!.description,
    /admits the Pod .*initContainers.*SYS_ADMIN.*which the program refuses/,
  );
});

test("SP9202 (nothing enforces the deny) only where no admission policy does: before 1.28, or with --no-admission-policies", () => {
  const warned = (version: string, options = {}) =>
    build([{ path: "m.secpol", text: program(version) }], options).diagnostics.filter((d) => d.code === "SP9202")
      .length;
  assert.is(warned("1.30"), 0);
  assert.is(warned("1.28"), 0);
  assert.is(warned("1.27"), 3);
  assert.is(warned("1.30", { admissionPolicies: false }), 3);
});

test("SP9202 where the namespace's admission policy only warns or audits: a binding of [Warn] or [Audit] stops no pod", () => {
  const warned = (pss: string) =>
    build([{ path: "m.secpol", text: program("1.30", pss) }])
      .diagnostics.filter((d) => d.code === "SP9202")
      .map((d) => d.message);
  assert.is(warned("pss warn restricted").length, 3);
  assert.is(warned("pss audit baseline").length, 3);
  assert.is(warned("pss warn restricted; pss enforce privileged").length, 0);
});

test.run();
