/**
 * Random `.secpol` programs of allow rules and postures, as text, for the property tests. The
 * vocabulary is small on purpose: names and labels collide often, which is where bugs hide.
 */
import fc from "fast-check";

export const NAMESPACES = ["a", "b", "c"] as const;
export const OTHER_NAMESPACES = ["ext", "kube-system"] as const;
export const APPS = ["w1", "w2", "w3"] as const;
export const TEAMS = ["x", "y"] as const;

export interface GeneratedProgram {
  text: string;
  /** Labels and ports the program mentions, for building universes around it. */
  labelKeys: string[];
  labelValues: string[];
  namedPorts: { name: string; port: number; protocol: "TCP" | "UDP" | "SCTP" }[];
  podCIDRs: string[];
}

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

const posture = fc.constantFrom<string[]>(
  [],
  ["default deny"],
  ["default allow"],
  ["default deny ingress"],
  ["default deny egress"],
  ["default deny ingress", "default allow egress"],
  ["default allow ingress", "default deny egress"],
);

const workloadPosture = fc.constantFrom(
  undefined,
  "default deny ingress",
  "default allow ingress",
  "default deny egress",
  "default allow",
);

const namespaceBlock = fc.record({
  name: pick(NAMESPACES),
  team: fc.option(pick(TEAMS), { nil: undefined }),
  postures: posture,
  workloads: fc.uniqueArray(
    fc.record({
      app: pick(APPS),
      port: fc.option(fc.constantFrom(8080, 5432, 53), { nil: undefined }),
      posture: workloadPosture,
    }),
    { selector: (w) => w.app, maxLength: 3 },
  ),
});

/** Peers; workload references only name the workloads that `declared` holds (`ns/app`). */
const peerOf = (declared: string[]) =>
  fc.oneof(
    ...(declared.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...declared) }] : []),
    { weight: 1, arbitrary: pick(NAMESPACES).map((n) => `ns ${n}`) },
    { weight: 1, arbitrary: pick([...NAMESPACES, ...OTHER_NAMESPACES]).map((n) => `${n}/*`) },
    { weight: 1, arbitrary: pick(TEAMS).map((t) => `ns(team=${t})`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(APPS), pick([...NAMESPACES, ...OTHER_NAMESPACES]))
        .map(([a, n]) => `pods(app=${a}) in ns ${n}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick(["tier=fe", "tier!=fe", "app in (w1, w2)", "app notin (w1)", "tier", "!tier"]), pick(TEAMS))
        .map(([s, t]) => `pods(${s}) in ns(team=${t})`),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "cidr 172.16.0.0/12 except 172.17.0.0/16",
        "cidr 10.0.0.0/8",
        "cidr 192.168.1.0/24",
        "world",
        "cluster",
        "any",
        "dns",
      ),
    },
  );

const ports = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      ": 80",
      ": 5432",
      ": 53/udp",
      ": 80, 443",
      ": 8000..8080",
      ": http",
      ": 8080, 53/udp",
      ": 1..65535/udp",
    ),
  },
);

const ruleOf = (declared: string[], actions: readonly ("allow" | "deny")[]) =>
  fc
    .record({
      action: fc.constantFrom(...actions),
      sources: fc.array(peerOf(declared), { minLength: 1, maxLength: 2 }),
      destinations: fc.array(peerOf(declared), { minLength: 1, maxLength: 2 }),
      ports,
    })
    .map((r) => `${r.action} ${r.sources.join(", ")} -> ${r.destinations.join(", ")}${r.ports}`);

/** Random programs; `withDeny` mixes deny rules in with the allows. */
export const programArbitrary = (withDeny: boolean): fc.Arbitrary<GeneratedProgram> =>
  fc
    .record({
      version: fc.constantFrom("1.30", "1.21"),
      dualStack: fc.boolean(),
      namespaces: fc.uniqueArray(namespaceBlock, { selector: (n) => n.name, minLength: 1, maxLength: 3 }),
    })
    .chain((p) => {
      const declared = p.namespaces.flatMap((n) => n.workloads.map((w) => `${n.name}/${w.app}`));
      return fc
        .array(ruleOf(declared, withDeny ? ["allow", "deny"] : ["allow"]), { minLength: 1, maxLength: 5 })
        .map((rules) => ({ ...p, rules }));
    })
    .map(({ version, dualStack, namespaces, rules }) => {
      const podCIDRs = dualStack ? ["10.244.0.0/16", "fd00:10:244::/56"] : ["10.244.0.0/16"];
      const lines = [`cluster { version ${version}; podCIDR ${podCIDRs.join(", ")}; serviceCIDR 10.96.0.0/12 }`];
      for (const n of namespaces) {
        lines.push(`namespace ${n.name} {`);
        if (n.team) lines.push(`  labels team=${n.team}`);
        for (const p of n.postures) lines.push(`  ${p}`);
        for (const w of n.workloads) {
          lines.push(`  workload ${w.app} app=${w.app}${w.port ? ` port http ${w.port}` : ""}`);
          if (w.posture) lines.push(`  ${w.posture} for ${w.app}`);
        }
        lines.push("}");
      }
      lines.push(...rules);
      return {
        text: `${lines.join("\n")}\n`,
        labelKeys: ["app", "tier", "team", "k8s-app"],
        labelValues: [...APPS, ...TEAMS, "fe", "kube-dns"],
        namedPorts: [
          { name: "http", port: 8080, protocol: "TCP" as const },
          { name: "http", port: 80, protocol: "TCP" as const },
          { name: "dns", port: 53, protocol: "UDP" as const },
        ],
        podCIDRs,
      };
    });

// ---------------------------------------------------------------------------------------------
// Programs of every statement form, for the formatter's properties

/**
 * Where a statement may go on over a line break: after `,`, `->`, `:` and `(`. The layout
 * (`laidOut`) puts a space there, nothing, or a line break with or without a comment.
 */
const BREAK = "\u0001";
const list = (items: readonly string[]) => items.join(`,${BREAK}`);

/** Some of `items` (at least `min`), in any order. */
const someOf = (items: readonly string[], min = 1, max = items.length) =>
  fc.shuffledSubarray([...items], { minLength: min, maxLength: max });
/** All of `items`, in any order. */
const anyOrder = <T>(items: readonly T[]) =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

const SELECTORS = [
  "app=APP",
  "app==APP",
  `app in (${BREAK}APP,${BREAK}"v2")`,
  "app.kubernetes.io/name=APP",
  "app=APP, tier!=cache",
  "app=APP,!legacy",
  "app=APP, team",
  'app="APP"',
  "app=APP, tier notin (x)",
  "version=APP, kind",
  "zone=APP, port, !legacy",
];

/** A workload (`name` inside its namespace's block, `ns/name` at top level) with every kind of clause, in any order. */
const workloadOf = (app: string, qualified: string) =>
  fc
    .record({
      selector: pick(SELECTORS),
      ports: someOf(["port http 8080", "port metrics 9090/tcp", "port dns 53/udp", "port sctp 9000/sctp"], 0, 2),
      services: someOf(["service 80 -> 8080", "service 443 -> 8443", "service 9000 -> 9000"], 0, 2),
      serviceAccount: fc.option(pick([`sa-${app}`, "default", "kind"]), { nil: undefined }),
      containers: fc.option(someOf(["app", "sidecar", "init-db"], 1, 3), { nil: undefined }),
      kind: fc.option(pick(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]), { nil: undefined }),
    })
    .chain((w) =>
      anyOrder([
        ...w.ports,
        // a service targets a declared named port, or a number
        ...w.services.map((s) =>
          w.ports.includes("port http 8080") && s === "service 80 -> 8080" ? "service 80 -> http" : s,
        ),
        ...(w.serviceAccount ? [`serviceAccount ${w.serviceAccount}`] : []),
        ...(w.containers ? [`containers ${list(w.containers)}`] : []),
        ...(w.kind ? [`kind ${w.kind}`] : []),
      ]).map((clauses) => [`workload ${qualified}`, w.selector.replace(/APP/g, app), ...clauses].join(" ")),
    );

/**
 * Every kind of peer (`peerOf`'s and more): `declared` workloads, `groups` declared; inside a
 * namespace block (`local`: its workloads), unqualified names and `pods(...)` alone too.
 */
const everyPeer = (declared: string[], groups: string[], local?: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: peerOf(declared) },
    ...(groups.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...groups) }] : []),
    ...(local && local.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...local) }] : []),
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "cidr fd00:1::/64 except fd00:1::/80",
        `cidr 172.16.0.0/12 except 172.17.0.0/16,${BREAK}172.18.0.0/16`,
        "cidr 203.0.113.7/32",
        'pods(app="w1", tier in (fe, be)) in ns(team=x, env!=dev)',
        `ns(${BREAK}team=y)`,
        "pods(k8s-app=kube-dns) in ns kube-system",
        ...(local ? ["pods(!legacy)", "pods(app=w1, tier=fe)"] : []),
      ),
    },
  );

/** Port lists; named ports only where every destination is a workload (a name cannot apply to an address). */
const portList = (named: boolean) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant("") },
    {
      weight: 5,
      arbitrary: someOf(
        ["80", "53/udp", "8000..8080", "1..1024/tcp", "9000/sctp", "443", ...(named ? ["http", "http/tcp"] : [])],
        1,
        3,
      ).map((ps) => `:${BREAK}${list(ps)}`),
    },
  );

const FEATURES = [
  "privileged",
  "hostNetwork",
  "hostPID",
  "hostIPC",
  "hostPort",
  "hostPort 10000..11000",
  "hostPort 8080",
  "hostPath",
  "capability SYS_TIME",
  "capability NET_ADMIN",
  "privilegeEscalation",
  "rootUser",
  "writableRootFilesystem",
  "unconfinedSeccomp",
  "unconfinedAppArmor",
  "customSELinux",
  "procMount",
  "sysctl kernel.shm_rmid_forced",
  "volume hostPath",
  "volume nfs",
];
const REQUIREMENTS = [
  "runAsNonRoot",
  "readOnlyRootFilesystem",
  "noPrivilegeEscalation",
  "drop ALL",
  "drop CHOWN NET_RAW",
  "seccomp RuntimeDefault",
  'seccomp Localhost "profiles/audit.json"',
  "seccomp Localhost profiles/x.json",
];
const FIELDS = [
  "runAsUser 1000",
  "runAsGroup 3000",
  "fsGroup 2000",
  "supplementalGroups 555 666",
  "seccomp RuntimeDefault",
  "appArmor runtime/default",
  "appArmor localhost/k8s-apparmor",
  'seLinux level "s0:c1,c2"',
  "seLinux type spc_t",
  "runtimeClass gvisor",
  "automountServiceAccountToken false",
];

/**
 * `deny`/`allow`/`require`/`set` with items of one kind, and a target (none in a profile). An
 * `allow` is for one workload only, so that it overrides a wider `deny` rather than contradicts one.
 */
const securityRule = (targets: { any: fc.Arbitrary<string>; workload: fc.Arbitrary<string> } | undefined) =>
  fc
    .oneof(
      fc.tuple(fc.constant("deny"), someOf(FEATURES, 1, 3), targets?.any ?? fc.constant("")),
      // in a profile, whose rules all have one specificity, an `allow` would contradict its `deny`s
      ...(targets ? [fc.tuple(fc.constant("allow"), someOf(FEATURES, 1, 3), targets.workload)] : []),
      fc.tuple(fc.constant("require"), someOf(REQUIREMENTS, 1, 3), targets?.any ?? fc.constant("")),
      fc.tuple(fc.constant("set"), someOf(FIELDS, 1, 3), targets?.any ?? fc.constant("")),
    )
    .map(([action, items, target]) => `${action} ${list(items)}${target}`);

/** Each field of a psp block, in the forms it takes (a block sets a field once). */
const PSP_FIELDS = [
  ["privileged false", "privileged true"],
  ["hostNetwork true"],
  ["hostPID false"],
  ["hostIPC false"],
  ["hostPorts 10000..11000, 13000..14000", "hostPorts 0..65535"],
  ["runAsUser MustRunAs 2..10", "runAsUser MustRunAsNonRoot", "runAsUser RunAsAny"],
  ["runAsGroup MayRunAs 1..65535", "runAsGroup MustRunAs 1..10 20..30"],
  ["fsGroup MustRunAs 2..10, 20..30", "fsGroup RunAsAny"],
  ["supplementalGroups RunAsAny", "supplementalGroups MayRunAs 1..65535"],
  ["seLinux RunAsAny", "seLinux MustRunAs"],
  ["readOnlyRootFilesystem true"],
  ["allowPrivilegeEscalation false"],
  ["defaultAllowPrivilegeEscalation false"],
  ["allowedCapabilities SYS_TIME, NET_ADMIN", "allowedCapabilities *"],
  ["defaultAddCapabilities CHOWN"],
  ["requiredDropCapabilities SYS_ADMIN SYS_MODULE", "requiredDropCapabilities ALL"],
  ["volumes emptyDir, configMap, secret", "volumes *"],
  ['allowedHostPaths "/var/log", "/data"'],
  ["allowedProcMountTypes Default", "allowedProcMountTypes Default, Unmasked"],
  ["forbiddenSysctls kernel.msgmax"],
  ["allowedUnsafeSysctls net.core.somaxconn"],
  ["seccomp runtime/default", "seccomp runtime/default, docker/default"],
  ["appArmor runtime/default"],
];

const GRANT_SUBJECTS = [
  "user b",
  'user "jane@example.com"',
  'user "DOMAIN\\\\jane"',
  'user "say \\"hi\\""',
  "group system:authenticated",
  "group system:serviceaccounts:a",
  'group "ops team"',
  'user "1000"',
  'group "system:1.30"',
  "user system:serviceaccount:abc:def",
  'group "dead:beef:cafe"',
  "serviceaccount a/sa-w1",
  "serviceaccounts in ns b",
];

/** A statement of a generated program, before layout: `BREAK` marks where it may span lines. */
interface Statement {
  text: string;
  /** The statements of its block, for `namespace`, `profile`, `psp` and `cluster` (settings). */
  block?: { header: string; items: Statement[] };
}

const simple = (text: string): Statement => ({ text });
const block = (header: string, items: string[]): Statement => ({
  text: "",
  block: { header, items: items.map(simple) },
});

/** Postures that manage both directions, so that every rule reaches a managed direction. */
const bothDirections = fc.constantFrom<string[]>(
  ["default deny"],
  ["default allow"],
  ["default deny ingress", "default allow egress"],
  ["default allow ingress", "default deny egress"],
);

/**
 * Programs that use every statement form of the grammar, every option of each in every order:
 * imports, a cluster block, namespace blocks (labels, postures, pss, workloads, rules), top-level
 * workloads, groups with default ports, profiles, psp blocks with every field, grants to every
 * kind of subject (quoted names too), allow/deny/assert with every kind of peer and port, and
 * the pod-security statements with every feature, requirement and field. Most check without
 * errors; those that do not (an assertion that fails, a deny and an allow of the same feature
 * for one workload) still parse. The text comes with comments and blank lines in every position
 * (`laidOut`).
 */
export const everyFormProgram: fc.Arbitrary<string> = fc
  .record({
    // with `endPort` (1.22 and later): ranges cut by a deny compile
    version: fc.constantFrom("1.24", "1.30", "1.22"),
    imports: someOf(['import "std/dns"', 'import "./lib.secpol"', 'import "std/pss"'], 0, 2),
    namespaces: fc.uniqueArray(
      fc.record({
        name: pick(NAMESPACES),
        labels: fc
          .tuple(
            fc.option(pick(TEAMS), { nil: undefined }),
            someOf(['env="prod"', "app.kubernetes.io/part-of=shop"], 0, 2),
          )
          .map(([team, more]) => [...(team ? [`team=${team}`] : []), ...more]),
        postures: bothDirections,
        // enforcing `privileged` only: an `allow` never contradicts the enforced level
        pss: fc.option(
          fc
            .tuple(
              someOf(["enforce privileged", "audit restricted@latest"], 0),
              pick(["warn baseline@v1.24", "warn restricted", "warn baseline@1.30"]),
            )
            .map(([modes, warn]) => [...modes, warn]),
          { nil: undefined },
        ),
        apps: fc.uniqueArray(pick(APPS), { minLength: 1, maxLength: 3 }),
      }),
      { selector: (n) => n.name, minLength: 1, maxLength: 3 },
    ),
    topLevelWorkload: fc.boolean(),
  })
  .chain((p) => {
    const namespaces = p.namespaces.map((n) => n.name);
    const declared = [
      ...p.namespaces.flatMap((n) => n.apps.map((a) => `${n.name}/${a}`)),
      ...(p.topLevelWorkload ? [`${namespaces[0]}/w4`] : []),
    ];
    const groups = ["g1", "g2", ...(p.imports.includes('import "./lib.secpol"') ? ["lib"] : [])];
    const owned = fc.oneof(
      fc.constantFrom(...declared),
      pick(namespaces).map((n) => `ns ${n}`),
      pick(namespaces).map((n) => `${n}/*`),
    );
    /** A network rule (or assertion) whose destinations start with an owned peer, so it reaches a managed direction. */
    /** `local`: the workloads of the namespace block the rule is written in. */
    const rule = (local?: string[]) =>
      fc
        .tuple(
          fc.array(everyPeer(declared, groups, local), { minLength: 1, maxLength: 3 }),
          owned,
          fc.array(everyPeer(declared, groups, local), { maxLength: 2 }),
        )
        .chain(([sources, first, more]) =>
          portList([first, ...more].every((d) => declared.includes(d) || (local ?? []).includes(d))).map((ports) => ({
            sources: list(sources),
            destinations: list([first, ...more]),
            ports,
          })),
        );
    const network = (local?: string[]) =>
      fc
        .tuple(fc.constantFrom("allow", "deny"), rule(local))
        .map(([action, r]) => `${action} ${r.sources} ->${BREAK}${r.destinations}${r.ports}`);
    const assertion = fc
      .tuple(fc.constantFrom("->", "-/->"), rule())
      .map(
        ([arrow, r]) =>
          `assert ${r.sources} ${arrow}${BREAK}${r.destinations}${r.ports || (arrow === "->" ? ": 80" : "")}`,
      );
    const targetsIn = (local: string[]) => {
      const forWorkload = fc.constantFrom(...declared, ...local).map((w) => ` for ${w}`);
      return {
        workload: forWorkload,
        any: fc.oneof(
          forWorkload,
          pick(namespaces).map((n) => ` in ns ${n}`),
          pick(TEAMS).map((t) => ` in ns(team=${t})`),
          fc.constant(" in all"),
        ),
      };
    };
    const targets = targetsIn([]);
    const applyStatement = fc
      .tuple(
        pick(["p1", "baseline", "restricted"]),
        fc.oneof(
          fc.constantFrom(...declared),
          pick(namespaces).map((n) => `ns ${n}`),
          fc.constant("all"),
          pick(TEAMS).map((t) => `ns(team=${t})`),
        ),
      )
      .map(([profile, to]) => `apply ${profile} to ${to}`);
    const namespaceBlocks = fc.tuple(
      ...p.namespaces.map((n) =>
        fc
          .tuple(
            fc.tuple(...n.apps.map((a) => workloadOf(a, a))),
            fc.array(fc.oneof(network(n.apps), securityRule(targetsIn(n.apps))), { maxLength: 2 }),
            fc.option(
              fc
                .tuple(
                  pick(["default deny ingress", "default allow egress", "default deny", "default allow ingress"]),
                  pick(n.apps),
                )
                .map(([posture, a]) => `${posture} for ${a}`),
              { nil: undefined },
            ),
          )
          .chain(([workloads, rules, workloadPosture]) =>
            anyOrder([
              ...(n.labels.length > 0 ? [`labels ${list(n.labels)}`] : []),
              ...n.postures,
              ...(n.pss ? [`pss ${list(n.pss)}`] : []),
              ...workloads,
              ...(workloadPosture ? [workloadPosture] : []),
              ...rules,
            ]).map((items) => block(`namespace ${n.name}`, items)),
          ),
      ),
    );
    // PodSecurityPolicy exists before 1.25 only
    const psp =
      p.version === "1.30"
        ? fc.constant([])
        : fc
            .shuffledSubarray(PSP_FIELDS, { maxLength: 8 })
            .chain((fields) => fc.tuple(...fields.map(pick)))
            .map((fields) => [block("psp restricted-psp", fields)]);
    const grants =
      p.version === "1.30"
        ? fc.constant([])
        : fc.array(
            pick(GRANT_SUBJECTS).map((s) => `grant psp restricted-psp to ${s}`),
            { maxLength: 2 },
          );
    // a podCIDR, which a deny under `default allow` needs
    const cluster = fc
      .tuple(
        pick([
          "podCIDR 10.244.0.0/16, fd00:10:244::/56",
          "podCIDR 10.244.0.0/16 fd00:10:244::/56",
          "podCIDR 10.244.0.0/16",
        ]),
        someOf(["serviceCIDR 10.96.0.0/12"], 0),
      )
      .chain(([pods, more]) => anyOrder([`version ${p.version}`, pods, ...more]).map((s) => block("cluster", s)));
    const groupPeers = fc.array(everyPeer(declared, []), { minLength: 1, maxLength: 3 }).map(list);
    return fc
      .tuple(
        cluster,
        namespaceBlocks,
        p.topLevelWorkload ? workloadOf("w4", `${namespaces[0]}/w4`).map((w) => [w]) : fc.constant([]),
        fc.tuple(groupPeers, portList(false)).map(([ps, ports]) => `group g1 = ${ps}${ports}`),
        groupPeers.map((x) => `group g2 = ${x}`),
        fc.array(securityRule(undefined), { minLength: 1, maxLength: 3 }).map((rules) => block("profile p1", rules)),
        psp,
        grants,
        fc.array(network(), { minLength: 1, maxLength: 4 }),
        // a third of the programs assert (most assertions of random rules fail, which is an error)
        fc.oneof(
          { weight: 2, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: fc.array(assertion, { minLength: 1, maxLength: 2 }) },
        ),
        fc.array(fc.oneof(securityRule(targets), applyStatement), { maxLength: 3 }),
      )
      .chain(([cluster, blocks, workload, g1, g2, profile, psp, grants, rules, asserts, security]) =>
        // imports first (as people write them), the rest in any order
        anyOrder([
          cluster,
          ...blocks,
          profile,
          ...psp,
          ...[...workload, g1, g2, ...grants, ...rules, ...asserts, ...security].map(simple),
        ]).chain((order) => laidOut([...p.imports.map(simple), ...order])),
      );
  });

/** What goes between two statements (`;` never after a block), and where a statement may span lines. */
const SEPARATORS = [
  "\n",
  "\n",
  "\n",
  "\n\n",
  "; ",
  ";",
  "  # trailing\n",
  "\n# own line\n",
  "\n\n# after a blank line\n\n",
  "\n  \t# indented comment\n",
];
const BREAKS = [" ", " ", " ", "", "\n    ", " # inside a statement\n  ", "\n\n  "];

/**
 * The statements as text: each separator, break, and opening and closing of a block drawn from
 * the lists above and below, and a comment at the start and the end of the file now and then.
 */
function laidOut(statements: Statement[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(fc.nat(), { minLength: 1, maxLength: 400 }),
      fc.constantFrom("", "# header comment\n\n", "# header\n"),
    )
    .map(([choices, header]) => {
      let next = 0;
      const choose = <T>(options: readonly T[]) => options[choices[next++ % choices.length] % options.length];
      const separator = (before: string) => {
        const sep = choose(SEPARATORS);
        return sep.startsWith(";") && before.endsWith("}") ? "\n" : sep;
      };
      const statement = (s: Statement): string => {
        if (!s.block) return s.text.split(BREAK).reduce((out, piece) => out + choose(BREAKS) + piece);
        const inner = s.block.items.map(statement);
        if (inner.length === 0) return `${s.block.header} {}`;
        const oneLine = choose([true, false, false]);
        const open = oneLine ? " " : choose(["\n", "\n", "  # on the brace\n", "\n\n# first\n"]);
        const close = oneLine ? " " : choose(["\n", "\n", "\n# last in the block\n", "  # after the last\n"]);
        return `${s.block.header} {${open}${inner.reduce((out, item) => out + (oneLine ? "; " : separator(out)) + item)}${close}}`;
      };
      const body = statements.map(statement).reduce((out, s) => out + separator(out) + s);
      const text = `${header}${body}${choose(["\n", "\n", "  # at the end\n", "\n# the end\n", "\n\n"])}`;
      return choose([false, false, false, true]) ? text.replace(/\n/g, "\r\n") : text;
    });
}
