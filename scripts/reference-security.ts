/**
 * The pod-security vocabulary and the quoting rules of docs/reference.md, made from the compiler's
 * own catalogues so that they cannot drift: every FEATURE of `features`, REQUIREMENT of
 * `requirements` and field of `settable` (src/semantics/security.ts) gets a row, and generating the
 * page fails when one has no description here. What a row compiles to is not written here: each
 * example is checked by the compiler and its SecurityContext values shown; which Pod Security level
 * admits an `allow` comes from running the checks (src/semantics/pss.ts) on a pod that uses it. The
 * quoting table shows what the parser reads from each spelling.
 */
import { checkModel } from "../src/pipeline.js";
import { parse } from "../src/syntax/parse.js";
import type * as ast from "../src/syntax/ast.js";
import { MAX_ID } from "../src/check/values.js";
import { features, podUsing, requirements, settable, type FieldValue } from "../src/semantics/security.js";
import { evaluatePod } from "../src/semantics/pss.js";
import { security as sm } from "../src/diagnostics/messages/security.js";

interface Row {
  /** What it is about. */
  what: string;
  /** Its arguments, when it takes any. */
  values?: string;
  /** Examples after the keyword (`deny EXAMPLE for ...`), each compiled for the table; the first is the item alone when it takes no argument. */
  examples: string[];
}

const featureDocs: Record<string, Row> = {
  privileged: { what: "privileged containers", examples: ["privileged"] },
  hostNetwork: {
    what: "the node's network namespace (NetworkPolicy does not apply to such pods)",
    examples: ["hostNetwork"],
  },
  hostPID: { what: "the node's process namespace", examples: ["hostPID"] },
  hostIPC: { what: "the node's IPC namespace", examples: ["hostIPC"] },
  hostPort: {
    what: "ports of the node",
    values: "optional: a port or a range `FROM..TO` (without one: any)",
    examples: ["hostPort 8080"],
  },
  hostPath: { what: "`hostPath` volumes", examples: ["hostPath"] },
  capability: {
    what: "adding a Linux capability",
    values: "a capability, without `CAP_` (`NET_ADMIN`, `SYS_TIME`, ... or `ALL`)",
    examples: ["capability NET_BIND_SERVICE", "capability SYS_TIME"],
  },
  privilegeEscalation: {
    what: "gaining more privileges than the parent process (setuid)",
    examples: ["privilegeEscalation"],
  },
  rootUser: { what: "running as user 0", examples: ["rootUser"] },
  writableRootFilesystem: { what: "writing to the container's root filesystem", examples: ["writableRootFilesystem"] },
  unconfinedSeccomp: { what: "running without a seccomp profile", examples: ["unconfinedSeccomp"] },
  unconfinedAppArmor: { what: "running without an AppArmor profile", examples: ["unconfinedAppArmor"] },
  customSELinux: { what: "a custom SELinux type or user", examples: ["customSELinux"] },
  procMount: { what: "an unmasked `/proc`", examples: ["procMount"] },
  sysctl: {
    what: "setting a sysctl",
    values: "optional: a sysctl name (without one: any)",
    examples: ["sysctl net.ipv4.ip_local_port_range", "sysctl kernel.msgmax"],
  },
  volume: {
    what: "a type of volume",
    values: "optional: a volume type (`configMap`, `hostPath`, ...)",
    examples: ["volume configMap", "volume hostPath"],
  },
};

const requirementDocs: Record<string, Row> = {
  runAsNonRoot: { what: "containers must not run as user 0", examples: ["runAsNonRoot"] },
  readOnlyRootFilesystem: { what: "a read-only root filesystem", examples: ["readOnlyRootFilesystem"] },
  noPrivilegeEscalation: { what: "no privilege escalation", examples: ["noPrivilegeEscalation"] },
  drop: {
    what: "capabilities every container drops",
    values: "one or more capabilities, space-separated, or `ALL`",
    examples: ["drop ALL", "drop NET_RAW SYS_ADMIN"],
  },
  seccomp: {
    what: "a seccomp profile",
    values: "`RuntimeDefault` or `Localhost PATH` (a relative path)",
    examples: ["seccomp RuntimeDefault", "seccomp Localhost profiles/audit.json"],
  },
};

const id = `a whole number from 0 to ${MAX_ID}`;
const fieldDocs: Record<(typeof settable)[number], Row> = {
  runAsUser: { what: "the user ID processes run as", values: id, examples: ["runAsUser 1000"] },
  runAsGroup: { what: "the primary group ID", values: id, examples: ["runAsGroup 3000"] },
  fsGroup: { what: "the group that owns mounted volumes", values: id, examples: ["fsGroup 2000"] },
  supplementalGroups: {
    what: "further group IDs",
    values: `one or more, space-separated, each ${id}`,
    examples: ["supplementalGroups 4000 5000"],
  },
  seccomp: {
    what: "the seccomp profile",
    values: "`RuntimeDefault` or `Localhost PATH` (a relative path)",
    examples: ["seccomp RuntimeDefault", "seccomp Localhost profiles/audit.json"],
  },
  appArmor: {
    what: "the AppArmor profile",
    values: "`runtime/default` or `localhost/NAME`",
    examples: ["appArmor runtime/default", "appArmor localhost/k8s-nginx"],
  },
  seLinux: {
    what: "one SELinux option",
    values: "`level`, `user`, `role` or `type`, and its value (quoted when it has `:` or `,`)",
    examples: ['seLinux level "s0:c123,c456"', "seLinux type container_t"],
  },
  runtimeClass: {
    what: "the RuntimeClass",
    values: "a RuntimeClass name (a DNS subdomain)",
    examples: ["runtimeClass gvisor"],
  },
  automountServiceAccountToken: {
    what: "mounting the service account's token",
    values: "`true` or `false`",
    examples: ["automountServiceAccountToken false"],
  },
};

const code = (s: string) => `\`${s.replace(/\|/g, "\\|")}\``;

/** `path: value` in the pod spec or in every container, as the patch sets it. */
const shownValue = (v: FieldValue) =>
  `${code(`${v.path}: ${JSON.stringify(v.value)}`)} (${v.scope === "pod" ? "pod" : "every container"})`;

/** The values the checker gives `ACTION EXAMPLE for a/w`; throws when the example does not check. */
function compiledValues(action: string, example: string): FieldValue[] {
  const text = `cluster { version 1.30 }\nnamespace a {\n  workload w app=w serviceAccount w\n}\n${action} ${example} for a/w\n`;
  const result = checkModel([{ path: "example.secpol", text }]);
  const entries = result.model?.security.filter((e) => e.action === action);
  if (!entries || entries.length !== 1)
    throw new Error(
      `reference: \`${action} ${example}\` does not check:\n${result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n")}`,
    );
  return entries[0]!.values;
}

/** Which Pod Security levels admit a pod that uses the feature, and the check that refuses it. */
function admittedBy(example: string): string {
  const pod = podUsing(example);
  for (const level of ["baseline", "restricted"] as const) {
    const violations = evaluatePod(pod.metadata, pod.spec, level, "latest");
    if (violations.length > 0) {
      const checks = violations.map((v) => code(v.check)).join(", ");
      return level === "baseline"
        ? `privileged only (baseline check ${checks})`
        : `privileged, baseline (restricted check ${checks})`;
    }
  }
  return "every level";
}

function checkCovered(docs: Record<string, Row>, catalogue: readonly string[], what: string): void {
  const missing = catalogue.filter((k) => !docs[k]);
  const extra = Object.keys(docs).filter((k) => !catalogue.includes(k));
  if (missing.length + extra.length > 0)
    throw new Error(
      `reference: ${what} without a description: ${missing.join(", ") || "none"}; described but not in the compiler: ${extra.join(", ") || "none"}`,
    );
}

const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join(
    "\n",
  );

const item = (name: string, row: Row) => code(row.values ? `${name} ...` : name);

export function renderSecurityVocabulary(): string {
  checkCovered(featureDocs, Object.keys(features), "features");
  checkCovered(requirementDocs, Object.keys(requirements), "requirements");
  checkCovered(fieldDocs, settable, "set fields");
  const featureRows = Object.keys(features).map((name) => {
    const row = featureDocs[name]!;
    const denied = compiledValues("deny", row.examples[0]!);
    const sets =
      denied.length > 0
        ? denied.map(shownValue).join(", ")
        : `nothing it could set: only a \`pss enforce\` level that checks it stops such pods (warning ${sm.denyNotEnforced.code} otherwise)`;
    const allow = row.examples
      .map((e) => `${row.examples.length > 1 ? `${code(e)}: ` : ""}${admittedBy(e)}`)
      .join("; ");
    return [item(name, row), row.what, row.values ?? "", sets, allow];
  });
  const requirementRows = Object.keys(requirements).map((name) => {
    const row = requirementDocs[name]!;
    return [
      item(name, row),
      row.what,
      row.values ?? "",
      row.examples
        .map((e) => `${code(`require ${e}`)} → ${compiledValues("require", e).map(shownValue).join(", ")}`)
        .join("<br>"),
    ];
  });
  const fieldRows = settable.map((name) => {
    const row = fieldDocs[name];
    return [
      code(name),
      row.what,
      row.values ?? "",
      row.examples
        .map((e) => `${code(`set ${e}`)} → ${compiledValues("set", e).map(shownValue).join(", ")}`)
        .join("<br>"),
    ];
  });
  return [
    "## Pod-security features, requirements and fields",
    "Every item the pod-security statements take, generated from the compiler's catalogues (a new item fails the page's generation until it is described). The values shown are what the compiler sets for the example, in the namespace's SecurityContext patch (`OUT/NS/security/`): in the pod's spec or in every container.",
    "### `deny FEATURE` and `allow FEATURE`",
    `\`deny\` sets the safe value where there is one (and refuses \`allow\` of the same feature for the same pods); \`allow\` is an exception, a compile error (${sm.exceptionForbiddenByLevel.code}) when the namespace's enforced Pod Security level forbids it. The last column is the Pod Security levels (at the newest version) that admit a pod using the feature.`,
    table(["FEATURE", "what", "argument", "`deny` sets", "`allow` is admitted by"], featureRows),
    "### `require REQUIREMENT`",
    table(["REQUIREMENT", "what", "arguments", "compiles to"], requirementRows),
    "### `set FIELD VALUE`",
    table(["FIELD", "what", "values", "compiles to"], fieldRows),
  ].join("\n\n");
}

const valueText = (v: ast.Value) => ("from" in v ? `${v.from.text}..${v.to.text}` : v.text);

/** What the parser reads from one statement: the user name of a `grant`, or the argument of a `set`. */
function reads(statement: string): string {
  const { file, diagnostics } = parse(`${statement}\n`, "example.secpol");
  const error = diagnostics.find((d) => d.severity === "error");
  if (error) return `error ${error.code}: ${error.message}`;
  const node = file.statements[0];
  if (node?.kind === "Grant")
    return code(node.subject.kind === "User" || node.subject.kind === "Group" ? node.subject.name.text : "");
  if (node?.kind === "SecurityRule") {
    const text = valueText(node.items[0]!.args.at(-1)!);
    const checked = checkModel([
      { path: "example.secpol", text: `namespace a {\n  workload w app=w\n}\n${statement}\n` },
    ]).diagnostics.find((d) => d.severity === "error");
    return checked ? `${code(text)}, then error ${checked.code}: ${checked.message}` : code(text);
  }
  if (node?.kind === "Import") return code(node.path.text);
  if (node?.kind === "Psp") return code(valueText(node.fields[0]!.values.at(-1)!));
  throw new Error(`reference: \`${statement}\` is not a grant, set, psp or import`);
}

const quotingExamples = [
  "grant psp p to user system:serviceaccount:ci:deployer",
  "grant psp p to user jane@example.com",
  'grant psp p to user "jane@example.com"',
  'grant psp p to user "CORP\\\\jane"',
  'grant psp p to user "CORP\\jane"',
  'grant psp p to group "team \\"blue\\""',
  "set seccomp Localhost profiles/audit-v1.json for a/w",
  "psp p { allowedHostPaths /var/log }",
  'psp p { allowedHostPaths "/var/log" }',
  "set seLinux level s0:c123 for a/w",
  'set seLinux level "s0:c123,c456" for a/w',
  'import "./shared/common.secpol"',
];

export function renderQuoting(): string {
  return [
    "## Quoting: names, paths and strings",
    [
      "A value is written bare when it is a name: letters, digits, `_` and `-` (not at either end), in parts joined by `.`; `/` may join names (`profiles/audit.json`, `localhost/k8s-nginx`) and `:` joins the parts of a user or group name (`system:serviceaccounts:ci`). Numbers, ranges (`8000..8080`), addresses and CIDRs are bare too.",
      'Anything else is a string in double quotes, on one line: a path that starts with `/`, a user name with `@` or `\\`, an SELinux level with `:` or `,`, and every `import` path. In a string, `\\"` is a quote, `\\\\` a backslash, `\\n` a line break and `\\t` a tab; any other character after a backslash is an error (SP1020), so `"CORP\\jane"` is refused: write `"CORP\\\\jane"`. Quoting a name changes nothing (`"web"` is `web`), so quote when in doubt.',
      "What secpolc reads, for each spelling (generated by parsing each line):",
    ].join("\n\n"),
    table(
      ["you write", "secpolc reads"],
      quotingExamples.map((s) => [code(s), reads(s)]),
    ),
  ].join("\n\n");
}
