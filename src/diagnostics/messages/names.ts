import { entry } from "../catalogue.js";

/** Names, scopes, values and types: SP2xxx; their warnings SP9xxx. */
export const names = {
  unknownName: entry("SP2001", "error", (name: string) => `cannot find a workload or group named \`${name}\``),
  ambiguousName: entry(
    "SP2002",
    "error",
    (name: string, places: string) => `\`${name}\` is ambiguous: it names ${places}`,
  ),
  duplicateDeclaration: entry(
    "SP2003",
    "error",
    (what: string, name: string) => `${what} \`${name}\` is declared twice`,
  ),
  invalidName: entry(
    "SP2004",
    "error",
    (what: string, name: string, problem: string) => `${what} \`${name}\` is not valid: it ${problem}`,
  ),
  invalidLabelKey: entry(
    "SP2005",
    "error",
    (key: string, problem: string) => `label key \`${key}\` is not valid: ${problem}`,
  ),
  invalidLabelValue: entry(
    "SP2006",
    "error",
    (value: string, problem: string) => `label value \`${value}\` is not valid: it ${problem}`,
  ),
  portOutOfRange: entry("SP2007", "error", (port: string) => `port \`${port}\` is out of range: ports are 1 to 65535`),
  rangeNotOrdered: entry(
    "SP2008",
    "error",
    (from: string, to: string) => `range \`${from}..${to}\` is empty: its start is after its end`,
  ),
  unknownProtocol: entry(
    "SP2009",
    "error",
    (protocol: string) => `unknown protocol \`${protocol}\`: NetworkPolicy knows \`tcp\`, \`udp\` and \`sctp\``,
  ),
  invalidCidr: entry(
    "SP2010",
    "error",
    (cidr: string, problem: string) => `\`${cidr}\` is not a valid CIDR: ${problem}`,
  ),
  exceptNotInside: entry(
    "SP2011",
    "error",
    (except: string, cidr: string) => `except block \`${except}\` is not strictly inside \`${cidr}\``,
  ),
  invalidVersion: entry(
    "SP2012",
    "error",
    (version: string) => `cluster version \`${version}\` is not valid: write MAJOR.MINOR, e.g. \`1.30\``,
  ),
  unknownClusterSetting: entry("SP2013", "error", (name: string) => `unknown cluster setting \`${name}\``),
  duplicateSetting: entry("SP2014", "error", (name: string) => `\`${name}\` is set twice`),
  oneCidrPerFamily: entry(
    "SP2015",
    "error",
    (setting: string, family: string) => `\`${setting}\` takes at most one IPv${family} block`,
  ),
  portsOnTwoDestinations: entry(
    "SP2016",
    "error",
    () => "ports after `:` apply to every destination of the rule; they cannot be given per destination",
  ),
  unqualifiedTopLevelWorkload: entry(
    "SP2017",
    "error",
    (name: string) => `workload \`${name}\` is declared outside a namespace block, so it needs its namespace`,
  ),
  podsWithoutNamespace: entry("SP2018", "error", () => "`pods(...)` at top level needs a namespace"),
  contradictorySelector: entry(
    "SP2019",
    "error",
    () => "this selector can never match: its requirements contradict each other",
  ),
  conflictingPosture: entry(
    "SP2021",
    "error",
    (what: string, direction: string) => `${what} has two postures for ${direction}`,
  ),
  overlappingPostures: entry(
    "SP2022",
    "error",
    (a: string, b: string, direction: string) =>
      `workloads \`${a}\` and \`${b}\` may select the same pods but state different ${direction} postures`,
  ),
  invalidValue: entry(
    "SP2024",
    "error",
    (what: string, value: string, expected: string) => `${what} \`${value}\` is not valid: expected ${expected}`,
  ),
  groupCycle: entry("SP2025", "error", (name: string) => `group \`${name}\` contains itself`),
  namedPortToAddress: entry(
    "SP2026",
    "error",
    (port: string) => `named port \`${port}\` cannot apply to an address block: names are container ports of pods`,
  ),
  duplicateLabel: entry("SP2027", "error", (key: string) => `label \`${key}\` is given twice`),
  importNotFound: entry("SP2028", "error", (spec: string, reason: string) => `cannot import \`${spec}\`: ${reason}`),
  misplacedStatement: entry("SP2029", "error", (what: string, where: string) => `${what} ${where}`),
  unknownPostureWorkload: entry(
    "SP2030",
    "error",
    (name: string, namespace: string) => `namespace \`${namespace}\` has no workload named \`${name}\``,
  ),
  assertNeedsPort: entry("SP2031", "error", () => "an `assert ... ->` names the port it expects to be open"),
  unknownPssMode: entry("SP2032", "error", (mode: string) => `unknown Pod Security mode \`${mode}\``),
  unknownPssLevel: entry("SP2033", "error", (level: string) => `unknown Pod Security level \`${level}\``),
  invalidPssVersion: entry(
    "SP2034",
    "error",
    (version: string, newest: string) =>
      `Pod Security version \`${version}\` is not valid: write \`latest\` or a version from \`v1.0\` to \`${newest}\``,
  ),
  unknownPspField: entry("SP2035", "error", (name: string) => `unknown PodSecurityPolicy field \`${name}\``),
  tooManyRequirements: entry(
    "SP2036",
    "error",
    (count: number, limit: number) =>
      `this selector has ${count} requirements; secpolc accepts at most ${limit} in one selector`,
  ),
  restTooCostly: entry(
    "SP2037",
    "error",
    (namespace: string, direction: string, limit: number) =>
      `the other pods of \`${namespace}\` (those of no workload with its own ${direction} posture) need more than ${limit} label selectors to be written`,
  ),
  groupsTooDeep: entry(
    "SP2038",
    "error",
    (name: string, limit: number) => `group \`${name}\` is named inside more than ${limit} nested groups`,
  ),
  clusterTooOld: entry(
    "SP2039",
    "error",
    (version: string, oldest: string) =>
      `cluster version \`${version}\` is older than ${oldest}, the oldest that secpolc compiles for`,
  ),
  unknownPortName: entry(
    "SP9001",
    "warning",
    (workload: string, port: string) =>
      `workload \`${workload}\` declares no port named \`${port}\`; it is emitted as a named port`,
  ),
  capPrefix: entry(
    "SP9002",
    "warning",
    (name: string) => `\`${name}\`: the \`CAP_\` prefix is not part of Kubernetes capability names and is stripped`,
  ),
  servicePortTranslated: entry(
    "SP9003",
    "note",
    (service: string, target: string, workload: string) =>
      `port ${service} is a Service port of \`${workload}\`; NetworkPolicy matches pod ports, so it is compiled to ${target}`,
  ),
  noPodCidr: entry(
    "SP9004",
    "warning",
    () => "an ipBlock is emitted but no `podCIDR` is declared: some CNIs admit pods by their address through it",
  ),
  nameLabelBefore122: entry(
    "SP9005",
    "warning",
    (name: string, version: string) =>
      `namespace \`${name}\` is selected by its \`kubernetes.io/metadata.name\` label, which clusters before 1.22 (this is ${version}) do not set on namespaces the program does not own`,
  ),
  namespaceNearMiss: entry(
    "SP9006",
    "warning",
    (name: string) => `no namespace block declares \`${name}\`: it may be a misspelling`,
  ),
  portNotDeclared: entry(
    "SP9007",
    "warning",
    (port: string, workload: string, declared: string) =>
      `workload \`${workload}\` declares no port ${port}: it declares ${declared}`,
  ),
  podSecurityNotEnforced: entry(
    "SP9008",
    "warning",
    (version: string, why: string) =>
      `these Pod Security labels have no effect by default on Kubernetes ${version}: ${why}`,
  ),
  // a `# secpol-ignore` comment (src/analysis/suppressions.ts) that silenced nothing
  unusedSuppression: entry(
    "SP9010",
    "warning",
    (code: string, why: string) => `this suppression of \`${code}\` silences nothing: ${why}`,
  ),
} as const;
