/**
 * Namespaces and workloads: the owned namespaces (one per name, whatever blocks declare it) with
 * their labels and Pod Security levels, and the model of each workload the binder declared.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { names as m } from "../diagnostics/messages/names.js";
import { LATEST as PSS_LATEST, parseVersion as parsePssVersion } from "../semantics/pss.js";
import type * as ast from "../syntax/ast.js";
import {
  NAMESPACE_NAME_LABEL,
  podSecurityAdmissionByDefault,
  WORKLOAD_KINDS,
  type OwnedNamespace,
  type Workload,
} from "../semantics/model.js";
import type { ContainerPort } from "../semantics/ports.js";
import { MANAGED_BY_LABEL } from "../kubernetes.js";
import { exact } from "../arrays.js";
import type { CheckContext } from "./context.js";
import * as valid from "./values.js";

export function bindNamespaces(ctx: CheckContext): void {
  const owned: OwnedNamespace[] = [];
  for (const [name, blocks] of [...ctx.binding.namespaceBlocks].sort(([a], [b]) => compareStrings(a, b))) {
    const problem = valid.dns1123Label(name);
    if (problem) {
      ctx.d.report(m.invalidName, blocks[0].name.span, ["namespace name", name, problem]);
      continue;
    }
    const declared: Record<string, string> = {};
    const where = new Map<string, Span>();
    for (const block of blocks) {
      for (const s of block.statements) {
        if (s.kind !== "Labels") continue;
        for (const label of s.labels) {
          const key = label.key.text;
          if (!checkLabel(ctx, label.key, label.value)) continue;
          if (key === NAMESPACE_NAME_LABEL || key === MANAGED_BY_LABEL) {
            ctx.d.report(m.invalidLabelKey, label.key.span, [key, "secpolc sets this label on the namespaces it owns"]);
            continue;
          }
          const first = where.get(key);
          if (first) {
            ctx.d.report(m.duplicateLabel, label.key.span, [key], {
              related: [{ span: first, message: "first given here" }],
            });
            continue;
          }
          where.set(key, label.key.span);
          declared[key] = label.value.text;
        }
      }
    }
    const podSecurity = podSecurityLevels(ctx, blocks);
    const pssLabels: Record<string, string> = {};
    for (const [mode, setting] of Object.entries(podSecurity)) {
      pssLabels[`pod-security.kubernetes.io/${mode}`] = setting.level;
      pssLabels[`pod-security.kubernetes.io/${mode}-version`] = setting.version;
    }
    const labels = { ...declared, ...pssLabels, [NAMESPACE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: "secpolc" };
    owned.push({ name, labels, declaredLabels: declared, postures: {}, podSecurity, span: blocks[0].span });
  }
  ctx.namespaces = owned;
}

/**
 * `pss enforce restricted@v1.30, warn baseline`: a level per mode, pinned to the cluster's version
 * when none is written (or `latest` when the cluster's version is not declared either).
 */
function podSecurityLevels(ctx: CheckContext, blocks: ast.NamespaceBlock[]): OwnedNamespace["podSecurity"] {
  const result: OwnedNamespace["podSecurity"] = {};
  const pinned = ctx.cluster.version ? `v${ctx.cluster.version.major}.${ctx.cluster.version.minor}` : "latest";
  for (const block of blocks) {
    for (const s of block.statements) {
      if (s.kind !== "Pss") continue;
      for (const setting of s.modes) {
        const mode = setting.mode.text;
        if (mode !== "enforce" && mode !== "warn" && mode !== "audit") {
          ctx.d.report(
            m.unknownPssMode,
            setting.mode.span,
            [mode],
            didYouMean(mode, ["enforce", "warn", "audit"], "the modes are `enforce`, `warn` and `audit`"),
          );
          continue;
        }
        const level = setting.level.text;
        if (level !== "privileged" && level !== "baseline" && level !== "restricted") {
          ctx.d.report(
            m.unknownPssLevel,
            setting.level.span,
            [level],
            didYouMean(
              level,
              ["privileged", "baseline", "restricted"],
              "the levels are `privileged`, `baseline` and `restricted`",
            ),
          );
          continue;
        }
        let version = pinned;
        if (setting.version) {
          const parsed = parsePssVersion(setting.version.text);
          if (!parsed || (parsed !== "latest" && (parsed.major !== 1 || parsed.minor > PSS_LATEST.minor))) {
            ctx.d.report(m.invalidPssVersion, setting.version.span, [setting.version.text, `v1.${PSS_LATEST.minor}`]);
            continue;
          }
          version = parsed === "latest" ? "latest" : `v${parsed.major}.${parsed.minor}`;
        }
        if (result[mode]) {
          ctx.d.report(m.duplicateSetting, setting.mode.span, [`pss ${mode}`], {
            related: [{ span: result[mode]!.span, message: "first set here" }],
          });
          continue;
        }
        result[mode] = { level, version, span: setting.span };
      }
      const cluster = ctx.cluster.version;
      if (cluster && s.modes.length > 0 && !podSecurityAdmissionByDefault(ctx.cluster)) {
        const shown = `${cluster.major}.${cluster.minor}`;
        const gated = cluster.major === 1 && cluster.minor === 22;
        ctx.d.report(
          m.podSecurityNotEnforced,
          s.span,
          [
            shown,
            gated
              ? "the PodSecurity admission that reads them is alpha in 1.22, off unless the `PodSecurity` feature gate is on, and on by default from 1.23"
              : "the PodSecurity admission that reads them arrived in 1.22 (alpha) and is on by default from 1.23",
          ],
          {
            help: gated
              ? "turn on the API server's `PodSecurity` feature gate, or declare the version the cluster runs (1.23 or newer); before 1.25, `psp` blocks also work"
              : "use `psp` blocks (PodSecurityPolicy) for this cluster, or declare the version it runs if that is 1.23 or newer",
          },
        );
      }
    }
  }
  return result;
}

function checkLabel(ctx: CheckContext, key: ast.LabelKey, value: ast.Word): boolean {
  const keyProblem = valid.labelKey(key.text);
  if (keyProblem) ctx.d.report(m.invalidLabelKey, key.span, [key.text, keyProblem]);
  const valueProblem = valid.labelValue(value.text);
  if (valueProblem) ctx.d.report(m.invalidLabelValue, value.span, [valid.shown(value.text), valueProblem]);
  return !keyProblem && !valueProblem;
}

/** The models of the workloads that take effect (the binder chose them), those with a valid selector. */
export function bindWorkloads(ctx: CheckContext): void {
  const reuse = ctx.options.reuse;
  for (const { key, namespace, name, node } of ctx.binding.workloads.values()) {
    const statement = node as ast.WorkloadDeclaration;
    // (a statement's model and diagnostics depend on it alone, and on the key it is declared under)
    const known = reuse?.workload(statement);
    let workload: Workload | undefined;
    if (known?.key === key) {
      ctx.replay(known.diagnostics);
      workload = known.workload;
    } else {
      const before = ctx.d.items.length;
      workload = workloadModel(ctx, namespace!, name, statement);
      reuse?.keepWorkload(statement, { key, workload, diagnostics: ctx.d.items.slice(before) });
    }
    if (workload) ctx.workloads.set(key, workload);
  }
}

function workloadModel(
  ctx: CheckContext,
  namespace: string,
  name: string,
  node: ast.WorkloadDeclaration,
): Workload | undefined {
  const pods = ctx.selector(node.selector);
  if (!pods) return undefined;
  const ports = declaredPorts(ctx, node.ports);
  const workload: Workload = {
    namespace,
    name,
    pods,
    ports,
    services: servicePorts(ctx, node.services, ports),
    postures: {},
    ...(node.workloadKind ? { kind: node.workloadKind.text } : {}),
    ...(node.serviceAccount ? { serviceAccount: node.serviceAccount.text } : {}),
    ...(node.initContainers.length > 0 ? { initContainers: node.initContainers.map((c) => c.text) } : {}),
    span: node.name.span,
  };
  checkWorkloadDetails(ctx, node);
  return workload;
}

function checkWorkloadDetails(ctx: CheckContext, node: ast.WorkloadDeclaration): void {
  if (node.serviceAccount) {
    const problem = valid.dns1123Subdomain(node.serviceAccount.text);
    if (problem)
      ctx.d.report(m.invalidName, node.serviceAccount.span, [
        "service account name",
        node.serviceAccount.text,
        problem,
      ]);
  }
  // (containers, then init containers: no list of both made per workload)
  for (let i = 0; i < node.containers.length; i++) checkContainerName(ctx, node.containers[i]);
  for (let i = 0; i < node.initContainers.length; i++) checkContainerName(ctx, node.initContainers[i]);
  if (node.workloadKind && !WORKLOAD_KINDS.includes(node.workloadKind.text)) {
    ctx.d.report(
      m.invalidValue,
      node.workloadKind.span,
      ["workload kind", node.workloadKind.text, WORKLOAD_KINDS.map((k) => `\`${k}\``).join(", ")],
      didYouMean(node.workloadKind.text, WORKLOAD_KINDS),
    );
  }
}

function checkContainerName(ctx: CheckContext, c: ast.Word): void {
  const problem = valid.dns1123Label(c.text);
  if (problem) ctx.d.report(m.invalidName, c.span, ["container name", c.text, problem]);
}

function declaredPorts(ctx: CheckContext, declarations: ast.PortDeclaration[]): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const p of declarations) {
    const problem = valid.portName(p.name.text);
    if (problem) {
      ctx.d.report(m.invalidName, p.name.span, ["port name", p.name.text, problem]);
      continue;
    }
    const number = ctx.portNumber(p.port);
    const protocol = ctx.protocol(p.protocol);
    if (number === undefined || !protocol) continue;
    const duplicate = ports.find((q) => q.name === p.name.text);
    if (duplicate) {
      ctx.d.report(m.duplicateDeclaration, p.name.span, ["port", p.name.text]);
      continue;
    }
    ports.push({ name: p.name.text, port: number, protocol });
  }
  return exact(ports);
}

function servicePorts(
  ctx: CheckContext,
  declarations: ast.ServicePortDeclaration[],
  ports: ContainerPort[],
): Workload["services"] {
  const services: Workload["services"] = [];
  for (const s of declarations) {
    const port = ctx.portNumber(s.port);
    if (port === undefined) continue;
    let targetPort: number | undefined;
    if ("kind" in s.target) targetPort = ctx.portNumber(s.target);
    else {
      const named = ports.find((p) => p.name === (s.target as ast.Word).text);
      if (named) targetPort = named.port;
      else {
        ctx.d.report(
          m.invalidValue,
          s.target.span,
          ["service target port", s.target.text, "a port declared by this workload"],
          didYouMean(
            s.target.text,
            ports.map((p) => p.name!),
          ),
        );
      }
    }
    if (targetPort !== undefined) services.push({ port, targetPort, span: s.span });
  }
  return services;
}
