import { entry } from "../catalogue.js";

/** Compilation and meaning: SP3xxx; their warnings SP9xxx. */
export const compile = {
  ruleHasNoEffect: entry(
    "SP3002",
    "error",
    () => "this rule has no effect: neither of its ends lies in a managed direction of an owned namespace",
  ),
  rangeTooWideWithoutEndPort: entry(
    "SP3003",
    "error",
    (range: string, version: string, max: number) =>
      `port range \`${range}\` needs \`endPort\`, which cluster version ${version} lacks, and it is wider than the ${max} ports secpolc expands one by one`,
  ),
  cidrInsideClusterRange: entry(
    "SP3004",
    "error",
    (cidr: string, range: string) =>
      `\`${cidr}\` lies inside the cluster's \`${range}\`: pods are addressed by labels, never by IP, so this block admits no external address`,
  ),
  denyNeedsPodCidr: entry(
    "SP3005",
    "error",
    () =>
      "this deny removes pods from everything a `default allow` admits, which needs the cluster's `podCIDR`: without it, the ipBlock for the outside world would admit pods by address on some CNIs",
  ),
  inexactPortDifference: entry(
    "SP3006",
    "error",
    () =>
      "this deny cannot be compiled exactly: it cuts a named port out of numeric ports (or the reverse), and which number a name stands for differs from pod to pod",
  ),
  translationValidationFailed: entry(
    "SP3007",
    "error",
    (description: string) =>
      `internal error: the emitted NetworkPolicies do not mean what the program means: ${description}`,
  ),
  admissionValidationFailed: entry(
    "SP3040",
    "error",
    (description: string) =>
      `internal error: the emitted ValidatingAdmissionPolicy does not mean what the program means: ${description}`,
  ),
  admissionUnverified: entry(
    "SP9050",
    "warning",
    (count: number) =>
      `${count} admission ${count === 1 ? "policy was" : "policies were"} not checked against the program: this runtime cannot load the CEL evaluator (@bufbuild/cel needs Node 20.16 or newer)`,
  ),
  assertionFailed: entry(
    "SP3008",
    "error",
    (flow: string, verdict: string) => `assertion failed: ${flow} is ${verdict}`,
  ),
  explainQuery: entry("SP3009", "error", (problem: string) => `cannot explain this query: ${problem}`),
  explainUnknownPort: entry(
    "SP3012",
    "error",
    (workload: string, port: string) =>
      `cannot explain this query: workload \`${workload}\` declares no port named \`${port}\``,
  ),
  denyRemovesNothing: entry(
    "SP9102",
    "warning",
    () => "this deny removes nothing: no flow it names is admitted where it applies",
  ),
  allowRemovedByDenies: entry(
    "SP9103",
    "warning",
    () => "this allow has no effect: deny rules remove every flow it admits",
  ),
  duplicateRule: entry("SP9104", "warning", () => "this rule repeats another one"),
  egressWithoutDns: entry(
    "SP9105",
    "warning",
    (pods: string) => `egress is closed and DNS is not allowed, so these cannot resolve names: ${pods}`,
  ),
  namespaceLabelsUnowned: entry(
    "SP9106",
    "warning",
    (labels: string) =>
      `no namespace this program owns has the labels \`${labels}\`: the selector only matches namespaces labelled outside this program`,
  ),
  tooManyRegions: entry(
    "SP3030",
    "error",
    (what: string, why: string) =>
      `${what} cannot be decided: ${why} to check each, and a representative would not stand for them all`,
  ),
  badManifest: entry("SP3010", "error", (problem: string) => `cannot audit this manifest: ${problem}`),
  unnamablePsp: entry(
    "SP3013",
    "error",
    (name: string, why: string) => `PodSecurityPolicy \`${name}\` cannot be written in secpol: ${why}`,
  ),
  kustomizeConfigSkipped: entry(
    "SP9020",
    "note",
    (path: string) => `\`${path}\` is a kustomize configuration, not a manifest: skipped`,
  ),
  denyTooCostly: entry(
    "SP3011",
    "error",
    (limit: number) =>
      `these deny rules cut this rule into more than ${limit} pieces or pod selectors: compiled exactly, its NetworkPolicies would hold thousands of selectors`,
  ),
  repeatedIdentity: entry(
    "SP3020",
    "error",
    (identity: string) =>
      `internal error: two different objects would be written as \`${identity}\`, and whichever is applied last would replace the other`,
  ),
  redundantUnderDefaultAllow: entry(
    "SP9101",
    "warning",
    () => "this rule is redundant: every pod it reaches is under `default allow` in that direction",
  ),
} as const;
