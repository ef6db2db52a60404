/**
 * The checker: binds the declarations of all files of a program (one program, order-free; the
 * binder), then checks each concern into the model — the cluster, namespaces and workloads,
 * postures and rules, pod security, PSPs — reporting problems as diagnostics and leaving out of the
 * model what it could not resolve, so later passes never see half-checked input.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import type * as ast from "../syntax/ast.js";
import type { Model } from "../semantics/model.js";
import { bind, type Binding } from "./binder.js";
import { checkCluster } from "./cluster.js";
import { CheckContext, compareSpans, type CheckOptions } from "./context.js";
import { bindNamespaces, bindWorkloads } from "./namespaces.js";
import { podSecurityPolicies } from "./psp.js";
import { Rules } from "./rules.js";
import { checkSecurity } from "./security.js";
import { keepForNextVersion } from "../semantics/regions.js";

export type { CheckOptions } from "./context.js";
export { MAX_SELECTOR_REQUIREMENTS } from "./context.js";
export { MAX_GROUP_DEPTH } from "./rules.js";
export { parseClusterVersion } from "./cluster.js";

export interface CheckedProgram {
  model: Model;
  diagnostics: Diagnostic[];
  /** What each name of the program denotes, as the checker read it. */
  binding: Binding;
  /** Whether the rest of each namespace can be written as label selectors (SP2037 when not): what works on regions (the lints) needs it. */
  regionsWritable: boolean;
}

export function checkProgram(files: readonly ast.SourceFileNode[], options: CheckOptions = {}): CheckedProgram {
  const ctx = new CheckContext(options);
  options.reuse?.statements(files);
  const binding = (ctx.binding = bind(
    files,
    ctx.d,
    options.reuse?.files,
    options.reuse?.binder,
    options.namespaceReferences,
    options.peerReferences,
  ));
  const { d } = ctx;
  const { statements } = binding;
  checkCluster(ctx, statements.clusterBlocks);
  bindNamespaces(ctx);
  bindWorkloads(ctx);
  options.reuse?.begin(binding, ctx.workloads, ctx.cluster);
  const rules = new Rules(ctx);
  rules.bindPostures();
  const networkRules = rules.checkRuleFiles(binding.ruleFiles);
  const assertions = statements.assertions.flatMap((a) => rules.checkAssertion(a));
  rules.warnNameLabels();
  rules.warnNamespaceNearMisses();
  const model: Model = {
    cluster: ctx.cluster,
    namespaces: options.reuse?.sameNamespaces(ctx.namespaces) ?? ctx.namespaces,
    workloads: [...ctx.workloads.values()]
      .map((w) => rules.withPostures(w))
      .sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name)),
    rules: networkRules.sort((a, b) => compareSpans(a.span, b.span)),
    assertions: assertions.sort((a, b) => compareSpans(a.span, b.span)),
    security: [],
    ...podSecurityPolicies(ctx),
  };
  // (regions and reaches are kept for the next version only by the language server's checks)
  if (options.reuse) keepForNextVersion(model);
  model.security = checkSecurity(statements.security, binding, model, d, options.admissionPolicies !== false);
  rules.checkOverlappingPostures(model);
  // regions too costly to write stop here: everything after works on them
  const regionsWritable = rules.checkRestRegions(model);
  return { model, diagnostics: d.items, binding, regionsWritable };
}
