/**
 * docs/reference.md: every statement of the language with an example and what it compiles to. The
 * descriptions are written here; the outputs are not: each example is compiled by the compiler
 * core when the page is generated (`npm run gen:reference`), and a test fails when the checked-in
 * page differs, so the reference cannot drift from the compiler.
 */
import { parseAllDocuments } from "yaml";
import { build, check, renderDiagnostics } from "../src/index.js";
import { renderQuoting, renderSecurityVocabulary } from "./reference-security.js";
import { importPolicies } from "../src/analysis/import.js";
import { checkImport } from "../src/analysis/import-check.js";

interface Entry {
  title: string;
  text: string;
  program: string;
  /** Which output to show: object kinds, or output file path patterns. */
  show: { kinds?: string[]; paths?: RegExp };
  /** The cluster block; 1.30 unless said. */
  cluster?: string;
}

const CLUSTER = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }";

const entries: Entry[] = [
  {
    title: "`cluster { ... }`",
    text: "The target cluster: its Kubernetes `version` (features and PSS versions follow it; without one the newest is assumed), and `podCIDR` / `serviceCIDR`, which every emitted ipBlock excludes, since pods are addressed by labels. Several CIDRs are comma-separated (dual stack). The block itself emits nothing.",
    program: "namespace apps { default deny egress }\nallow apps/* -> world: 443",
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`namespace NAME { ... }` and `labels`",
    text: "An owned namespace: secpolc emits its Namespace object (with the `labels` given) and manages its traffic. Statements inside the block are scoped to it.",
    program: "namespace shop { labels team=payments, env=prod }",
    show: { kinds: ["Namespace"] },
  },
  {
    title: "`workload NAME SELECTOR ...`",
    text: "A named set of pods (a label selector, as `kubectl -l` takes it), with optional named ports (`port NAME NUM[/proto]`), Service ports (`service PORT -> TARGET`), `serviceAccount`, `containers`, `initContainers` and `kind`. A declaration emits nothing by itself; rules that name it use its selector and ports. The SecurityContext patch sets init containers only of workloads that declare `initContainers NAME, ...` (kustomize fails on `initContainers.*` where an object has none); ephemeral containers are added to running pods through their own subresource, so no template or patch sets them.",
    program:
      "namespace shop {\n  default deny ingress\n  workload web app=web port http 8080 service 80 -> http\n}\nallow ns ingress -> shop/web: 80",
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`default deny|allow [ingress|egress] [for WORKLOAD]`",
    text: "The posture of a namespace (or of one workload): what is permitted when no rule says otherwise. `default deny` emits the isolating policy; `default allow` is Kubernetes' own default and emits nothing until a `deny` needs carving out.",
    program: "namespace shop { default deny }",
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`allow SOURCES -> DESTINATIONS [: PORTS]`",
    text: "Permits traffic. Sources and destinations are lists of peers (workloads, groups, `ns NAME`, `NS/*`, `ns(LABELS)`, `pods(LABELS) [in ns ...]`, `cidr ... [except ...]`, `world`, `cluster`, `any`); ports apply to every destination. Each owned side gets its half: egress on the source's namespace, ingress on the destination's.",
    program:
      "namespace shop {\n  default deny\n  workload web app=web\n  workload db  app=db  port pg 5432\n}\nallow shop/web -> shop/db: pg",
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`deny SOURCES -> DESTINATIONS [: PORTS]`",
    text: "Removes traffic, whatever allows it: deny beats allow and order never matters. NetworkPolicy has no deny, so secpolc compiles the allowed set minus the denied one into exact allow rules (here: the pods of `platform` may still reach every pod and every address but the metadata one).",
    program: "namespace platform { default allow }\ndeny platform/* -> cidr 169.254.169.254/32",
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`group NAME = PEERS [: PORTS]` and `import`",
    text: 'A named union of peers, with optional default ports used when a rule names none. `std/dns` (in the prelude) defines `dns`; `import "std/..."` or a relative path brings in other modules.',
    program: 'import "std/dns"\nnamespace shop { default deny egress }\nallow shop/* -> dns',
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`assert SRC -> DST : PORT` and `assert SRC -/-> DST`",
    text: "A promise checked at every build against the program's meaning: the build fails, pointing at the rules that decide, when it does not hold. Asserts emit nothing.",
    program:
      "namespace shop {\n  default deny\n  workload web app=web\n  workload db  app=db\n}\nallow shop/web -> shop/db: 5432\nassert shop/web -> shop/db: 5432\nassert shop/db -/-> shop/web",
    show: { kinds: ["NetworkPolicy"] },
  },
  {
    title: "`pss enforce|warn|audit LEVEL[@VERSION]`",
    text: "Pod Security Standards labels on the namespace. Without a version the level is pinned to the cluster's version, so upgrading the cluster never tightens admission by surprise.",
    program: "namespace shop { pss enforce restricted, warn restricted, audit baseline@v1.28 }",
    show: { kinds: ["Namespace"] },
  },
  {
    title: "`deny | require | set | allow` pod-security features",
    text: "Pod-security rules for a workload (`for W`), a namespace (`in ns N`), namespaces by labels (`in ns(LABELS)`) or everything (`in all`). They compile into SecurityContext patches in a kustomize Component per namespace (`components: [NS/security]` in an overlay), checked against the namespace's PSS level.",
    program:
      "namespace shop {\n  pss enforce baseline\n  workload web app=web kind Deployment\n}\nrequire runAsNonRoot, readOnlyRootFilesystem for shop/web\nset runAsUser 1000 for shop/web\ndeny privilegeEscalation in ns shop",
    show: { paths: /^shop\/security\// },
  },
  {
    title: "`profile NAME { ... }` and `apply PROFILE to TARGET`",
    text: "A named set of pod-security rules, applied to a workload, a namespace or `all`. `baseline` and `restricted` (the PSS levels) come with the prelude.",
    program:
      "namespace jobs { workload batch app=batch kind Job }\nprofile hardened {\n  deny hostNetwork, privileged\n  require drop ALL\n}\napply hardened to jobs/batch",
    show: { paths: /^jobs\/security\// },
  },
  {
    title: "`psp NAME { ... }` (clusters before 1.25)",
    text: "A PodSecurityPolicy with every policy/v1beta1 field; required strategies default to `RunAsAny`. On 1.25 and newer a `psp` is an error that points to `pss`.",
    cluster: "cluster { version 1.24 }",
    program:
      "psp restricted {\n  privileged false\n  runAsUser MustRunAsNonRoot\n  volumes configMap, secret, emptyDir\n}\ngrant psp restricted to group system:authenticated",
    show: { kinds: ["PodSecurityPolicy"] },
  },
  {
    title: "`grant psp NAME to user U | group G | serviceaccount NS/SA | serviceaccounts in ns NS`",
    text: "A PSP applies to a pod only when its creator may `use` it: each grant compiles into the ClusterRole granting `use` and a ClusterRoleBinding (or a RoleBinding in NS for service accounts).",
    cluster: "cluster { version 1.24 }",
    program: "psp privileged { privileged true }\ngrant psp privileged to serviceaccount kube-system/kube-proxy",
    show: { kinds: ["ClusterRole", "RoleBinding", "ClusterRoleBinding"] },
  },
];

const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.trimEnd()}\n\`\`\``;

function compiled(entry: Entry): string {
  const text = `${entry.cluster ?? CLUSTER}\n${entry.program}\n`;
  const result = build([{ path: "example.secpol", text }]);
  if (result.files.length === 0)
    throw new Error(
      `reference example "${entry.title}" does not compile:\n${renderDiagnostics(result.diagnostics, result.sources)}`,
    );
  const files = result.files.filter((f) => {
    if (entry.show.paths) return entry.show.paths.test(f.path);
    return parseAllDocuments(f.content).some((d) =>
      entry.show.kinds!.includes((d.toJS() as { kind?: string })?.kind ?? ""),
    );
  });
  if (files.length === 0) throw new Error(`reference example "${entry.title}" emits nothing to show`);
  return files.map((f) => `# ${f.path}\n${f.content}`).join("---\n");
}

/** `# secpol-ignore`: a comment the compiler reads; its example shows what `check` reports without it and with it. */
function suppressionSection(): string {
  const without = `${CLUSTER}\nnamespace shop {\n  default deny\n  workload web app=web\n}\nallow ns ingress-nginx -> shop/web: 8080\nallow ns ingress-nginx -> shop/web: 8080\n`;
  const suppressed = without
    .replace("  default deny\n", "  # secpol-ignore SP9105: DNS is served by a sidecar\n  default deny\n")
    .replace(/8080\n$/, "8080  # secpol-ignore SP9104: kept until the review of #42\n");
  const reported = (text: string) => {
    const result = check([{ path: "example.secpol", text }]);
    return result.diagnostics.length === 0 ? "(nothing)" : renderDiagnostics(result.diagnostics, result.sources);
  };
  return [
    "## `# secpol-ignore CODE[, CODE]: REASON` (suppressing a warning)",
    [
      "A comment that silences warnings and notes of the codes it names for one statement: the statement on its line or, alone on its line, the one on the next line (further comment lines between are skipped, a blank line is not; on a block's first line, the whole block).",
      "The reason after `:` is required (SP1016). Errors cannot be silenced (SP1018): fix the program instead. A code secpolc does not report is SP1017, and a suppression that silences nothing is a warning (SP9010).",
      "`check`, `build`, the language server and the playground apply the same suppressions; `--warnings-as-errors` then fails only on the warnings left.",
    ].join(" "),
    fence("secpol", without),
    "reports:",
    fence("text", reported(without)),
    "and with the suppressions",
    fence("secpol", suppressed),
    "reports:",
    fence("text", reported(suppressed)),
  ].join("\n\n");
}

/** `secpolc import`: hand-written NetworkPolicies and the program the import makes of them (made when the page is generated). */
function importSection(): string {
  const policies = [
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata: {name: deny-all, namespace: shop}",
    "spec:",
    "  podSelector: {}",
    "  policyTypes: [Ingress, Egress]",
    "---",
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata: {name: db, namespace: shop}",
    "spec:",
    "  podSelector: {matchLabels: {app: db}}",
    "  ingress:",
    "    - from: [{podSelector: {matchLabels: {app: web}}}, {podSelector: {matchLabels: {app: batch}}}]",
    "      ports: [{port: 5432}]",
    "---",
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata: {name: web, namespace: shop}",
    "spec:",
    "  podSelector: {matchLabels: {app: web}}",
    "  egress:",
    "    - to: [{podSelector: {matchLabels: {app: db}}}]",
    "      ports: [{port: 5432}]",
    "    - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]",
    "      ports: [{port: 53, protocol: UDP}]",
    "",
  ].join("\n");
  const imported = importPolicies([{ path: "netpol.yaml", text: policies }]);
  const checked = checkImport(imported, "imported.secpol");
  if (!checked.exact)
    throw new Error(
      `the reference's import is not exact:\n${renderDiagnostics(checked.diagnostics, { "imported.secpol": imported.program })}`,
    );
  return [
    "## `secpolc import` (existing NetworkPolicies as a program)",
    [
      "Not a statement but the way in: `secpolc import FILES|DIRS [-o FILE] [--pod-cidr CIDR] [--service-cidr CIDR] [--ipblock-pods yes|no] [--cluster-version X.Y] [--allow-inexact]` reads NetworkPolicy objects (and Namespace objects, for their labels) and writes a program with the same meaning end to end.",
      "A flow NetworkPolicy admits needs both ends; an `allow` opens both. So the import writes `default deny` for exactly the pods the policies isolate, and allows for exactly the flows both ends admit: below, `db` admits `batch` but `batch`'s egress is closed by `deny-all` and nothing opens it, so that flow is not in the program (a rule that admits nothing at all is a note, SP9075); `web`'s DNS egress needs only its own end where the DNS pods are in a namespace no policy isolates (those in `shop` are isolated by `deny-all`, hence the `!=shop`).",
      "The program is compiled and its NetworkPolicies compared with the policies on every region of flows, where the CNI matches ipBlocks against pod addresses (pods at addresses in `--pod-cidr`) and where it does not; a difference is an error with the flow (SP3050). CNIs differ there, so an ipBlock holding pod addresses can mean two things: `--ipblock-pods yes|no` says which the cluster's CNI does and the import keeps that meaning (`yes`: a block holding the pod range also admits every pod, SP9060); without `--pod-cidr` an ipBlock is an error (SP3041) unless `--ipblock-pods no`. Invalid policies are errors (SP5030), other objects notes (SP9070), and nothing is written on error.",
    ].join(" "),
    fence("yaml", policies),
    "imports as:",
    fence("secpol", imported.program),
  ].join("\n\n");
}

export function renderReference(): string {
  const sections = entries.map((e) =>
    [
      `## ${e.title}`,
      e.text,
      fence("secpol", `${e.cluster ?? CLUSTER}\n${e.program}`),
      "compiles to:",
      fence("yaml", compiled(e)),
    ].join("\n\n"),
  );
  return [
    "# The secpol language: a statement-by-statement reference",
    "",
    "Generated by `npm run gen:reference` from scripts/reference.ts: each example below is compiled by",
    "secpolc when this page is generated, and a test fails when the page differs from what the compiler",
    "emits now. The design choices behind the output are in [decisions.md](decisions.md).",
    "",
    sections.join("\n\n"),
    "",
    renderSecurityVocabulary(),
    "",
    renderQuoting(),
    "",
    suppressionSection(),
    "",
    importSection(),
    "",
  ].join("\n");
}
