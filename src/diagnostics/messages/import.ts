import { entry } from "../catalogue.js";

/** `secpolc import`: its input (SP503x), what it cannot import exactly (SP305x), notes and warnings (SP907x). */
export const importing = {
  invalidPolicy: entry(
    "SP5030",
    "error",
    (policy: string, problem: string) => `the API server would refuse NetworkPolicy \`${policy}\`: ${problem}`,
  ),
  repeatedPolicy: entry(
    "SP5031",
    "error",
    (policy: string) =>
      `NetworkPolicy \`${policy}\` is defined twice: whichever is applied last replaces the other, so the set has no one meaning`,
  ),
  noPolicies: entry("SP5032", "error", (where: string) => `no NetworkPolicy found in ${where}`),
  badCidrOption: entry(
    "SP5033",
    "error",
    (option: string, value: string, problem: string) =>
      `\`${value}\` is not a valid value for \`${option}\`: ${problem}`,
  ),
  unwritable: entry(
    "SP5034",
    "error",
    (what: string, object: string, why: string) => `${what} (of ${object}) cannot be written in secpol: ${why}`,
  ),
  inexact: entry(
    "SP3050",
    "error",
    (flow: string, why: string) => `the imported program does not mean what the policies mean: ${flow}: ${why}`,
  ),
  inexactAllowed: entry(
    "SP9076",
    "warning",
    (flow: string, why: string) => `the imported program does not mean what the policies mean: ${flow}: ${why}`,
  ),
  notChecked: entry(
    "SP3051",
    "error",
    (why: string) => `the imported program could not be checked against the policies: ${why}`,
  ),
  importedProgramInvalid: entry(
    "SP3052",
    "error",
    (problem: string) => `internal error: the imported program does not compile: ${problem}`,
  ),
  tooLarge: entry(
    "SP3053",
    "error",
    (what: string, limit: number) =>
      `the policies cannot be imported exactly within bounds: ${what} would take more than ${limit}`,
  ),
  skippedObject: entry(
    "SP9070",
    "note",
    (kind: string, name: string) => `${kind} \`${name}\` is not a NetworkPolicy or a Namespace: skipped`,
  ),
  namespaceAssumed: entry(
    "SP9071",
    "note",
    (policy: string) =>
      `NetworkPolicy \`${policy}\` names no namespace: taken as \`default\`, where \`kubectl apply\` puts it without \`-n\``,
  ),
  ipBlockNeedsPodCidrError: entry(
    "SP3041",
    "error",
    (block: string) =>
      `\`${block}\` may hold pod addresses, which some CNIs match ipBlocks against: without \`--pod-cidr\` the policies cannot be compared with the imported program on those CNIs`,
  ),
  ipBlockNeedsPodCidr: entry(
    "SP9072",
    "warning",
    (block: string) =>
      `\`${block}\` may hold pod addresses, which some CNIs match ipBlocks against: without \`--pod-cidr\` the policies were compared with the imported program only where the CNI matches ipBlocks against addresses outside the pods`,
  ),
  ipBlockHoldsPods: entry(
    "SP9073",
    "warning",
    (block: string, range: string) =>
      `\`${block}\` holds the pod range \`${range}\`: on CNIs that match ipBlocks against pod addresses it admits pods too, which the imported program does only by their labels (\`--ipblock-pods\` says which the cluster's CNI does)`,
  ),
  ipBlockAdmitsEveryPod: entry(
    "SP9060",
    "note",
    (block: string, range: string) =>
      `\`${block}\` holds the pod range \`${range}\`: as the CNI matches ipBlocks against pod addresses (\`--ipblock-pods yes\`), it admits every pod, imported as every pod of every namespace beside the block`,
  ),
  ipBlockInsideRange: entry(
    "SP9074",
    "warning",
    (block: string, range: string) =>
      `\`${block}\` lies inside the cluster's \`${range}\`: it admits no address outside the cluster, and only pods by address on some CNIs; the import leaves it out`,
  ),
  ruleAdmitsNothing: entry(
    "SP9075",
    "note",
    (policy: string, direction: string, why: string) =>
      `a ${direction} rule of \`${policy}\` admits no flow end to end: ${why}`,
  ),
  namespaceLabelsAssumed: entry(
    "SP9077",
    "note",
    (namespace: string) =>
      `namespace \`${namespace}\` is owned by the imported program with only the labels of its Namespace object here (none given: its name label only); namespaceSelectors are resolved against them`,
  ),
} as const;
