/**
 * The ValidatingAdmissionPolicy target against the program's meaning, over generated programs of
 * pod-security statements (`deny`, `require`, `allow`, `set`, `apply`, in a namespace, for a
 * workload, in all; PSS modes enforce, warn, audit; versions 1.28 to the newest) and generated pods (every
 * container kind, host namespaces, ports, volumes, security contexts, labels of the workloads and
 * others, templates without metadata) inside every pod-making kind and as a `kubectl debug` of a
 * Pod. The policies are read from the build's YAML and evaluated by test/support/admission-eval.ts;
 * the meaning is computed here from the checked model: the entries that reach the pod less those
 * its workloads' exceptions take back (a `set`: its values are there, but for those a workload
 * sets itself), each judged by the project's Pod Security checks
 * (src/semantics/pss.ts) where one states it, and by the rule's own words otherwise (docs/decisions.md,
 * "Meanings chosen"). Shared by the in-suite sample (test/pss/admission-property.test.ts) and the
 * campaign (`npm run fuzz -- --admission-runs N`).
 */
import fc from "fast-check";
import * as assert from "uvu/assert";
import { build } from "../../src/index.js";
import { checkModel } from "../../src/pipeline.js";
import { conjunctionMatches } from "../../src/semantics/labels.js";
import { NAMESPACE_NAME_LABEL, type Model } from "../../src/semantics/model.js";
import { evaluatePod, LATEST } from "../../src/semantics/pss.js";
import { setText, type FieldValue, type SecurityEntry } from "../../src/semantics/security.js";
import { judgeRequest, RESOURCES, type AdmissionRequest } from "./admission-eval.js";
import { readYaml11 } from "./yaml11.js";

type Json = Record<string, any>;

export const stats = { programs: 0, refused: 0, requests: 0, denied: 0 };

// ---------------------------------------------------------------------------------------------
// programs

const FEATURES = [
  "privileged",
  "hostNetwork",
  "hostPID",
  "hostIPC",
  "hostPort",
  "hostPort 9100",
  "hostPort 9000..9200",
  "hostPath",
  "capability SYS_ADMIN",
  "capability NET_ADMIN",
  "privilegeEscalation",
  "rootUser",
  "writableRootFilesystem",
  "unconfinedSeccomp",
  "unconfinedAppArmor",
  "customSELinux",
  "procMount",
  "sysctl kernel.msgmax",
  "volume nfs",
];
const REQUIREMENTS = [
  "runAsNonRoot",
  "readOnlyRootFilesystem",
  "noPrivilegeEscalation",
  "drop ALL",
  "drop NET_RAW",
  "drop NET_RAW CHOWN",
  "seccomp RuntimeDefault",
  "seccomp Localhost profiles/a.json",
];
const WORKLOADS = ["a/w1", "a/w2", "a/fe", "b/w1"];
const LEVELS = ["privileged", "baseline", "restricted"];

const items = (from: readonly string[]) =>
  fc.uniqueArray(fc.constantFrom(...from), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(", "));
const nsTarget = fc.constantFrom("in ns a", "in ns b", "in ns(team=x)", "in all");
const workloadTarget = fc.constantFrom(...WORKLOADS.map((w) => `for ${w}`));

const SETS = [
  "runAsUser 1000",
  "runAsUser 2000",
  "automountServiceAccountToken false",
  "runtimeClass gvisor",
  "supplementalGroups 666 777",
  "seccomp RuntimeDefault",
  'seLinux level "s0:c1"',
];

const statement = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .tuple(items(SETS), fc.oneof(fc.constantFrom("in ns a", "in ns b"), workloadTarget))
      .map(([v, t]) => `set ${v} ${t}`),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(items(FEATURES), fc.oneof(nsTarget, workloadTarget)).map(([f, t]) => `deny ${f} ${t}`),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(items(REQUIREMENTS), fc.oneof(nsTarget, workloadTarget)).map(([r, t]) => `require ${r} ${t}`),
  },
  { weight: 4, arbitrary: fc.tuple(items(FEATURES), workloadTarget).map(([f, t]) => `allow ${f} ${t}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("baseline", "restricted"), fc.constantFrom("ns a", "ns b", "all", ...WORKLOADS))
      .map(([p, t]) => `apply ${p} to ${t}`),
  },
);

const podSecurity = fc.constantFrom(
  "",
  ...LEVELS.map((l) => `pss enforce ${l}`),
  "pss warn baseline",
  "pss audit restricted",
  "pss warn restricted, audit baseline",
  "pss enforce privileged, warn restricted",
);

export interface AdmissionProgram {
  text: string;
}

export const admissionProgram: fc.Arbitrary<string> = fc
  .record({
    version: fc.option(fc.integer({ min: 28, max: LATEST.minor }), { nil: undefined }),
    a: podSecurity,
    b: podSecurity,
    team: fc.boolean(),
    statements: fc.array(statement, { minLength: 1, maxLength: 5 }),
  })
  .map(({ version, a, b, team, statements }) =>
    [
      ...(version === undefined ? [] : [`cluster { version 1.${version} }`]),
      "namespace a {",
      ...(team ? ["  labels team=x"] : []),
      ...(a ? [`  ${a}`] : []),
      "  workload w1 app=w1",
      "  workload w2 app=w2",
      "  workload fe tier=fe",
      "}",
      "namespace b {",
      ...(b ? [`  ${b}`] : []),
      "  workload w1 app=w1",
      "}",
      ...statements,
      "",
    ].join("\n"),
  );

// ---------------------------------------------------------------------------------------------
// pods

const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const bool = fc.boolean();
const seccompProfile = fc.constantFrom(
  { type: "RuntimeDefault" },
  { type: "Unconfined" },
  { type: "Localhost", localhostProfile: "profiles/a.json" },
  { type: "Localhost", localhostProfile: "other.json" },
);
const seLinuxOptions = fc.constantFrom(
  { type: "container_t" },
  { type: "spc_t" },
  { level: "s0:c1" },
  { user: "root" },
);
const appArmorProfile = fc.constantFrom(
  { type: "RuntimeDefault" },
  { type: "Unconfined" },
  { type: "Localhost", localhostProfile: "p" },
);
/** Drops the keys whose value is undefined (fast-check's optional record keys). */
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * Whether a container runtime grants `capability` for the name `added` in `capabilities.add`: Go's
 * `strings.ToUpper` (per rune; `ſ` and `ı` are the non-ASCII runes it maps into ASCII), then
 * containerd prefixes `CAP_`, CRI-O prefixes it where missing; `ALL` in any case (`strings.EqualFold`) is all.
 */
function grants(added: string, capability: string): boolean {
  const goUpper = [...added]
    .map((r) => ({ ſ: "S", ı: "I" })[r] ?? (r >= "a" && r <= "z" ? r.toUpperCase() : r))
    .join("");
  const containerd = `CAP_${goUpper}`;
  const crio = goUpper.startsWith("CAP_") ? goUpper : `CAP_${goUpper}`;
  return goUpper === "ALL" || containerd === `CAP_${capability}` || crio === `CAP_${capability}`;
}

const securityContext = fc
  .record({
    privileged: optional(bool),
    allowPrivilegeEscalation: optional(bool),
    capabilities: optional(
      fc
        .record({
          add: optional(
            fc.subarray(["SYS_ADMIN", "NET_ADMIN", "ALL", "CHOWN", "sys_admin", "CAP_NET_ADMIN", "all", "ſys_admin"], {
              minLength: 1,
            }),
          ),
          drop: optional(fc.subarray(["ALL", "NET_RAW", "CHOWN"], { minLength: 1 })),
        })
        .map(defined),
    ),
    readOnlyRootFilesystem: optional(bool),
    runAsNonRoot: optional(bool),
    runAsUser: optional(fc.constantFrom(0, 1000)),
    seccompProfile: optional(seccompProfile),
    procMount: optional(fc.constantFrom("Default", "Unmasked", "")),
    seLinuxOptions: optional(seLinuxOptions),
    appArmorProfile: optional(appArmorProfile),
  })
  .map(defined);

const container = (name: string) =>
  fc
    .record({
      securityContext: optional(securityContext),
      ports: optional(
        fc.array(
          fc
            .constantFrom(0, 80, 9000, 9100, 9150, 9200, 9300, undefined)
            .map((hostPort) => defined({ containerPort: 8080, hostPort })),
          { minLength: 1, maxLength: 2 },
        ),
      ),
    })
    .map((c) => defined({ name, image: "app", ...c }));

const podSpec = fc
  .record({
    hostNetwork: optional(bool),
    hostPID: optional(bool),
    hostIPC: optional(bool),
    hostUsers: optional(bool),
    automountServiceAccountToken: optional(bool),
    runtimeClassName: optional(fc.constantFrom("gvisor", "kata")),
    os: optional(fc.constantFrom({ name: "windows" }, { name: "linux" })),
    securityContext: optional(
      fc
        .record({
          runAsNonRoot: optional(bool),
          runAsUser: optional(fc.constantFrom(0, 1000, 2000)),
          supplementalGroups: optional(fc.constantFrom([666, 777], [666])),
          seccompProfile: optional(seccompProfile),
          seLinuxOptions: optional(seLinuxOptions),
          appArmorProfile: optional(appArmorProfile),
          sysctls: optional(
            fc.subarray(
              [
                { name: "kernel.msgmax", value: "1" },
                { name: "kernel.shm_rmid_forced", value: "0" },
              ],
              { minLength: 1 },
            ),
          ),
        })
        .map(defined),
    ),
    volumes: optional(
      fc.subarray(
        [
          { name: "h", hostPath: { path: "/" } },
          { name: "n", nfs: { server: "s", path: "/" } },
          { name: "e", emptyDir: {} },
        ],
        { minLength: 1 },
      ),
    ),
    containers: fc.array(container("app"), { minLength: 1, maxLength: 2 }),
    initContainers: optional(fc.array(container("init"), { minLength: 1, maxLength: 1 })),
    ephemeralContainers: optional(fc.array(container("debug"), { minLength: 1, maxLength: 1 })),
  })
  .map((s) => {
    const spec = defined(s);
    for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
      if (spec[list]) spec[list] = (spec[list] as Json[]).map((c, i) => ({ ...c, name: `${c.name}${i}` }));
    }
    return spec;
  });

const podMetadata = optional(
  fc
    .record({
      labels: optional(
        fc
          .record({ app: optional(fc.constantFrom("w1", "w2", "other")), tier: optional(fc.constantFrom("fe", "be")) })
          .map(defined),
      ),
      annotations: optional(
        fc.constantFrom(
          { "container.apparmor.security.beta.kubernetes.io/app0": "unconfined" },
          { "container.apparmor.security.beta.kubernetes.io/app0": "runtime/default" },
        ),
      ),
    })
    .map(defined),
);

/** The pod in `spec` and `meta` (undefined: a template without metadata) as an object of `kind`. */
function objectOf(kind: string, meta: Json | undefined, spec: Json): Json {
  const [group, version] = RESOURCES[kind];
  const apiVersion = group ? `${group}/${version}` : version;
  const template = defined({ metadata: meta, spec });
  switch (kind) {
    case "Pod":
      return { apiVersion, kind, metadata: { name: "p", ...meta }, spec };
    case "PodTemplate":
      return { apiVersion, kind, metadata: { name: "t" }, template };
    case "CronJob":
      return {
        apiVersion,
        kind,
        metadata: { name: "c" },
        spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } },
      };
    default:
      return {
        apiVersion,
        kind,
        metadata: { name: "w" },
        spec: { selector: { matchLabels: meta?.labels ?? {} }, template },
      };
  }
}

export interface PodCase {
  namespace: string;
  kind: string;
  /** A `kubectl debug` (an UPDATE of the Pod's ephemeralcontainers subresource) rather than a CREATE. */
  debug: boolean;
  meta: Json | undefined;
  spec: Json;
}

export const podCase: fc.Arbitrary<PodCase> = fc.record({
  namespace: fc.constantFrom("a", "a", "b", "ext"),
  kind: fc.constantFrom(...Object.keys(RESOURCES)),
  debug: fc.boolean(),
  meta: podMetadata,
  spec: podSpec,
});

export const admissionCase = fc.record({
  program: admissionProgram,
  pods: fc.array(podCase, { minLength: 1, maxLength: 6 }),
});

// ---------------------------------------------------------------------------------------------
// the meaning

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"];
const containersOf = (spec: Json): Json[] => CONTAINER_LISTS.flatMap((k) => spec[k] ?? []);
const sc = (o: Json): Json => o.securityContext ?? {};
const range = (argument: string | undefined): [number, number] => {
  if (argument === undefined) return [1, 65535];
  const [from, to = from] = argument.split("..").map(Number);
  return [from, to];
};
const hostPorts = (spec: Json): number[] =>
  containersOf(spec)
    .flatMap((c) => ((c.ports ?? []) as Json[]).map((p) => p.hostPort ?? 0))
    .filter((p) => p !== 0);

/**
 * Whether the pod breaks the entry `item` (a `deny` or a `require`); `allowedPorts` are the host
 * ports its workloads' exceptions give back from a `deny hostPort`.
 */
function breaks(
  action: "deny" | "require",
  item: string,
  meta: Json,
  spec: Json,
  minor: number,
  allowedPorts: [number, number][] = [],
): boolean {
  const failed = new Set(evaluatePod(meta, spec, "restricted", { major: 1, minor }).map((v) => v.check));
  const containers = containersOf(spec);
  const windows = spec.os?.name === "windows";
  const [name, ...args] = item.split(" ");
  if (action === "require") {
    switch (name) {
      case "runAsNonRoot":
        return failed.has("runAsNonRoot");
      case "readOnlyRootFilesystem":
        return containers.some((c) => sc(c).readOnlyRootFilesystem !== true);
      case "noPrivilegeEscalation":
        return failed.has("allowPrivilegeEscalation");
      case "drop":
        // every capability named, or ALL, dropped by every container
        return (
          !windows &&
          containers.some(
            (c) =>
              !args.every(
                (cap) =>
                  (sc(c).capabilities?.drop ?? []).includes(cap) || (sc(c).capabilities?.drop ?? []).includes("ALL"),
              ),
          )
        );
      case "seccomp": {
        if (args[0] === "RuntimeDefault") return failed.has("seccompProfile_restricted");
        const wanted = (p: Json | undefined) => p?.type === "Localhost" && p.localhostProfile === args[1];
        const pod = sc(spec).seccompProfile;
        return (
          !windows &&
          ((pod?.type !== undefined && !wanted(pod)) ||
            containers.some((c) => !wanted(sc(c).seccompProfile?.type !== undefined ? sc(c).seccompProfile : pod)))
        );
      }
    }
    throw new Error(`no meaning for require ${item}`);
  }
  switch (name) {
    case "privileged":
      return failed.has("privileged");
    case "hostNetwork":
    case "hostPID":
    case "hostIPC":
      return spec[name] === true;
    case "hostPort": {
      const [from, to] = range(args[0]);
      return hostPorts(spec).some((p) => p >= from && p <= to && !allowedPorts.some(([a, b]) => p >= a && p <= b));
    }
    case "hostPath":
      return failed.has("hostPathVolumes");
    case "capability":
      // what containerd or CRI-O grants for an added name; adding ALL adds every capability
      return containers.some((c) => ((sc(c).capabilities?.add ?? []) as string[]).some((a) => grants(a, args[0])));
    case "privilegeEscalation":
      return failed.has("allowPrivilegeEscalation");
    case "rootUser":
      return failed.has("runAsNonRoot") || failed.has("runAsUser");
    case "writableRootFilesystem":
      return containers.some((c) => sc(c).readOnlyRootFilesystem !== true);
    case "unconfinedSeccomp":
      return failed.has("seccompProfile_baseline");
    case "unconfinedAppArmor":
      return failed.has("appArmorProfile");
    case "customSELinux":
      return failed.has("seLinuxOptions");
    case "procMount":
      return containers.some((c) => ![undefined, "", "Default"].includes(sc(c).procMount));
    case "sysctl":
      return ((sc(spec).sysctls ?? []) as Json[]).some((s) => s.name === args[0]);
    case "volume":
      return ((spec.volumes ?? []) as Json[]).some((v) => v[args[0]] !== undefined && v[args[0]] !== null);
  }
  throw new Error(`no meaning for deny ${item}`);
}

/** Whether the value a `set` writes is there (an object: each of its fields). */
function isSet(spec: Json, v: FieldValue): boolean {
  const at = (o: Json | undefined, path: string): unknown =>
    path.split(".").reduce<any>((x, k) => (x === undefined || x === null ? undefined : x[k]), o);
  const equal = (o: Json, path: string, value: unknown): boolean =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.entries(value).every(([k, x]) => equal(o, `${path}.${k}`, x))
      : JSON.stringify(at(o, path)) === JSON.stringify(value);
  return (v.scope === "pod" ? [spec] : containersOf(spec)).every((o) => equal(o, v.path, v.value));
}

/** How an entry reads in a validation's message: `deny hostPort`, `require drop ALL for w1`, `set runAsUser 1000`. */
const entryKey = (e: SecurityEntry) =>
  `${e.action} ${e.action === "set" ? setText(e) : e.item}${e.target.kind === "workload" ? ` for ${e.target.workload.name}` : ""}`;
const messageKey = (message: string) =>
  /^[^:]*:\d+: (.*?): the pod (must not use|must meet|must set) /.exec(message)?.[1] ?? `unreadable message ${message}`;

/** The entries the pod breaks (as `entryKey`s) in its namespace, the program's meaning. */
export function meaning(model: Model, namespace: string, meta: Json | undefined, spec: Json): string[] {
  if (!model.namespaces.some((n) => n.name === namespace)) return [];
  const minor = model.cluster.version ? model.cluster.version.minor : LATEST.minor;
  const labels = (meta?.labels ?? {}) as Record<string, string>;
  const allowsOf = (w: unknown) =>
    model.security
      .filter((e) => e.action === "allow" && e.target.kind === "workload" && e.target.workload === w)
      .map((e) => e.item);
  const broken = new Set<string>();
  for (const e of model.security) {
    if (e.action === "allow") continue;
    if (
      e.target.kind === "workload"
        ? e.target.workload.namespace !== namespace || !conjunctionMatches(e.target.workload.pods, labels)
        : e.target.namespace.name !== namespace
    )
      continue;
    if (e.action === "set") {
      // the patch writes a workload's own value of a field (from any of its statements) after its namespace's
      const ownPaths = new Set(
        model.security.flatMap((o) =>
          o.target.kind === "workload" &&
          o.target.workload.namespace === namespace &&
          conjunctionMatches(o.target.workload.pods, labels)
            ? o.values.map((v) => v.path)
            : [],
        ),
      );
      const held = e.target.kind === "workload" ? e.values : e.values.filter((v) => !ownPaths.has(v.path));
      if (!held.every((v) => isSet(spec, v))) broken.add(entryKey(e));
      continue;
    }
    let allowedPorts: [number, number][] = [];
    if (e.target.kind === "namespace") {
      // the exceptions of the workloads the pod belongs to take the entry back, or (`allow hostPort RANGE`) those ports of it
      const exempting = (e.exempt ?? []).filter((w) => conjunctionMatches(w.pods, labels));
      const [feature] = e.item.split(" ");
      const allows = exempting.flatMap(allowsOf);
      if (exempting.length > 0 && (e.action === "require" || allows.includes(e.item) || allows.includes(feature)))
        continue;
      allowedPorts = allows.filter((a) => a.startsWith("hostPort ")).map((a) => range(a.split(" ")[1]));
    }
    if (breaks(e.action, e.item, meta ?? {}, spec, minor, allowedPorts)) broken.add(entryKey(e));
  }
  return [...broken].sort();
}

// ---------------------------------------------------------------------------------------------
// the property

/**
 * For each pod: the validations that fail are exactly the entries it breaks; the binding's actions
 * are the namespace's PSS modes (Deny for `enforce` or none); the request is refused exactly when
 * they include Deny and the pod breaks an entry.
 */
export function checkAdmission({ program, pods }: { program: string; pods: PodCase[] }): void {
  const result = build([{ path: "p.secpol", text: program }]);
  if (result.files.length === 0) {
    stats.refused++;
    return;
  }
  const model = checkModel([{ path: "p.secpol", text: program }]).model!;
  stats.programs++;
  const emitted = result.files
    .filter((f) => f.path.endsWith(".yaml"))
    .flatMap((f) => readYaml11(f.content, { spec: false }) as Json[])
    .filter((o) => o && typeof o === "object");
  for (const pod of pods) {
    const owned = model.namespaces.find((n) => n.name === pod.namespace);
    const kind = pod.debug ? "Pod" : pod.kind;
    const request: AdmissionRequest = {
      namespace: { name: pod.namespace, labels: { ...(owned?.labels ?? {}), [NAMESPACE_NAME_LABEL]: pod.namespace } },
      operation: pod.debug ? "UPDATE" : "CREATE",
      ...(pod.debug ? { subresource: "ephemeralcontainers" } : {}),
      object: objectOf(kind, kind === "Pod" ? (pod.meta ?? {}) : pod.meta, pod.spec),
    };
    const verdict = judgeRequest(emitted, request);
    const expected = meaning(model, pod.namespace, kind === "Pod" ? (pod.meta ?? {}) : pod.meta, pod.spec);
    const what = `${request.operation} ${kind} in ${pod.namespace}: ${JSON.stringify(request.object)}`;
    assert.equal([...new Set(verdict.failures.map((f) => messageKey(f.message)))].sort(), expected, what);
    const ps = owned?.podSecurity;
    const actions =
      !ps || ps.enforce || (!ps.warn && !ps.audit)
        ? ["Deny"]
        : [...(ps.warn ? ["Warn"] : []), ...(ps.audit ? ["Audit"] : [])];
    for (const f of verdict.failures) assert.equal(f.actions, actions, what);
    assert.is(verdict.denied, expected.length > 0 && actions.includes("Deny"), what);
    stats.requests++;
    if (verdict.denied) stats.denied++;
  }
}
