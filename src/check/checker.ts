/**
 * The checker: binds the declarations of all files of a program (one program, order-free), resolves
 * every name, validates every value, and produces the model. It reports problems as diagnostics and
 * leaves out of the model what it could not resolve, so later passes never see half-checked input.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { closest, closestWithin, didYouMean, meant } from "../diagnostics/suggest.js";
import { Diagnostics } from "../diagnostics/catalogue.js";
import { names as m } from "../diagnostics/messages/names.js";
import { LATEST as PSS_LATEST, parseVersion as parsePssVersion } from "../semantics/pss.js";
import { compile as cm } from "../diagnostics/messages/compile.js";
import type * as ast from "../syntax/ast.js";
import {
  cidrContains,
  cidrEquals,
  everywhere,
  formatCidr,
  parseCidr,
  subtractFromBlock,
  type Cidr,
  type IpBlock,
} from "../semantics/ip.js";
import {
  MAX_SELECTORS,
  boundedComplement,
  conjunctionMatches,
  conjunctionOf,
  everything,
  intersectConjunctions,
  labelsEqual,
  type Conjunction,
  type Requirement,
} from "../semantics/labels.js";
import {
  NAMESPACE_NAME_LABEL,
  OLDEST_VERSION,
  hasAutomaticNameLabel,
  olderThan,
  podSecurityAdmissionByDefault,
  pspSupported,
  type Assertion,
  type Grant,
  type Psp,
  type Clause,
  type Cluster,
  type Direction,
  type EndpointSet,
  type Model,
  type NetworkRule,
  type OwnedNamespace,
  type PostureSetting,
  type Workload,
} from "../semantics/model.js";
import { allPorts, portSet, portsKey, type ContainerPort, type PortRange, type PortSet, type Protocol } from "../semantics/ports.js";
import { clauseReach } from "../semantics/regions.js";
import { termKey } from "../semantics/endpoints.js";
import * as valid from "./values.js";
import { checkSecurity } from "./security.js";
import { bind, type Binding, type Declaration, type Scoped } from "./binder.js";
import { checkGrant, checkPsp } from "./psp.js";
import { security as sm } from "../diagnostics/messages/security.js";
import { MANAGED_BY_LABEL } from "../compile/output.js";
import { exact } from "../arrays.js";

/** Groups naming groups: at most this deep (resolving them recurses; as deep as parentheses may nest). */
export const MAX_GROUP_DEPTH = 64;

export interface CheckOptions {
  clusterVersion?: string;
  /** Whether the build emits ValidatingAdmissionPolicies (unless `false`), which enforce every `deny`. */
  admissionPolicies?: boolean;
}

/** Requirements one label selector may hold (real selectors hold a handful). */
export const MAX_SELECTOR_REQUIREMENTS = 64;

type Statement = ast.Statement;

interface GroupInfo {
  node: ast.GroupDeclaration;
  namespace?: string;
  resolved?: DestinationPart[] | "resolving";
}

export interface CheckedProgram {
  model: Model;
  diagnostics: Diagnostic[];
  /** What each name of the program denotes, as the checker read it. */
  binding: Binding;
}

/** One destination of a rule, resolved: its endpoints, the workload (for port names) and default ports. */
interface DestinationPart {
  set: EndpointSet;
  workload?: Workload;
  defaultPorts?: PortSet;
  span: Span;
}

export function checkProgram(files: readonly ast.SourceFileNode[], options: CheckOptions = {}): CheckedProgram {
  return new Checker(options).run(files);
}

class Checker {
  private readonly d = new Diagnostics();
  private cluster: Cluster = { podCIDRs: [], serviceCIDRs: [] };
  private binding!: Binding;
  private readonly workloads = new Map<string, Workload>(); // key `ns/name`
  /** The groups being resolved or resolved, by their declaration. */
  private readonly groups = new Map<Declaration, GroupInfo>();
  private readonly workloadSets = new Map<Workload, EndpointSet>();
  /** How many groups are being resolved, one inside another (bounded: resolution recurses). */
  private groupDepth = 0;
  private namespaces: OwnedNamespace[] = [];

  constructor(private readonly options: CheckOptions) {}

  run(files: readonly ast.SourceFileNode[]): CheckedProgram {
    const binding = (this.binding = bind(files, this.d));
    const { statements } = binding;
    this.checkCluster(statements.clusterBlocks);
    this.bindNamespaces();
    this.bindWorkloads();
    this.bindPostures();
    const rules = statements.rules.flatMap((r) => this.checkRule(r));
    const assertions = statements.assertions.flatMap((a) => this.checkAssertion(a));
    this.warnNamespaceNearMisses();
    const model: Model = {
      cluster: this.cluster,
      namespaces: this.namespaces,
      workloads: [...this.workloads.values()].sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name)),
      rules: rules.sort((a, b) => compareSpans(a.span, b.span)),
      assertions: assertions.sort((a, b) => compareSpans(a.span, b.span)),
      security: [],
      ...this.podSecurityPolicies(),
    };
    model.security = checkSecurity(statements.security, binding, model, this.d, this.options.admissionPolicies !== false);
    this.checkOverlappingPostures(model);
    // regions too costly to write stop here: everything after works on them
    if (this.checkRestRegions(model)) this.checkReach(model);
    return { model, diagnostics: this.d.items, binding };
  }

  // -------------------------------------------------------------------------------------------
  // cluster { version 1.30; podCIDR ...; serviceCIDR ... }

  private checkCluster(blocks: ast.ClusterBlock[]): void {
    for (const extra of blocks.slice(1)) {
      this.d.report(m.duplicateDeclaration, extra.span, ["the cluster block", "cluster"], {
        related: [{ span: blocks[0].span, message: "first declared here" }],
      });
    }
    const seen = new Map<string, Span>();
    for (const setting of blocks[0]?.settings ?? []) {
      const name = setting.name.text;
      const first = seen.get(name);
      if (first) {
        this.d.report(m.duplicateSetting, setting.name.span, [name], { related: [{ span: first, message: "first set here" }] });
        continue;
      }
      seen.set(name, setting.name.span);
      if (name === "version") {
        const value = setting.values[0];
        const version = value && setting.values.length === 1 ? parseClusterVersion(valueText(value)) : undefined;
        if (!version) this.d.report(m.invalidVersion, setting.span, [setting.values.map(valueText).join(" ")]);
        else if (olderThan(version, OLDEST_VERSION)) {
          const oldest = `${OLDEST_VERSION.major}.${OLDEST_VERSION.minor}`;
          this.d.report(m.clusterTooOld, setting.span, [`${version.major}.${version.minor}`, oldest], {
            help: `the output needs PodSecurityPolicy as \`policy/v1beta1\` (from ${oldest}) and NetworkPolicy egress and \`ipBlock\` (from 1.8): declare \`version ${oldest}\` or newer`,
          });
        } else this.cluster.version = version;
      } else if (name === "podCIDR" || name === "serviceCIDR") {
        const cidrs: Cidr[] = [];
        for (const value of setting.values) {
          const cidr = this.cidr(valueText(value), value.span);
          if (!cidr) continue;
          if (cidrs.some((c) => c.family === cidr.family)) this.d.report(m.oneCidrPerFamily, value.span, [name, String(cidr.family)]);
          else cidrs.push(cidr);
        }
        if (name === "podCIDR") this.cluster.podCIDRs = cidrs;
        else this.cluster.serviceCIDRs = cidrs;
      } else {
        this.d.report(m.unknownClusterSetting, setting.name.span, [name], didYouMean(name, ["version", "podCIDR", "serviceCIDR"], "the cluster block takes `version`, `podCIDR` and `serviceCIDR`"));
      }
    }
    if (this.options.clusterVersion !== undefined) {
      const version = parseClusterVersion(this.options.clusterVersion);
      if (version) this.cluster.version = version;
    }
  }

  private cidr(text: string, span: Span): Cidr | undefined {
    const parsed = parseCidr(text);
    if ("cidr" in parsed) return parsed.cidr;
    const problem = {
      syntax: "write an address and a prefix length, e.g. `10.0.0.0/8` or `fd00::/8`",
      prefix: "its prefix length is longer than the address",
      "host-bits": "it has bits set after the prefix length",
    }[parsed.problem];
    const help = parsed.problem === "host-bits" ? hostBitsHelp(text) : undefined;
    this.d.report(m.invalidCidr, span, [text, problem], help ? { help } : {});
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Namespaces: ownership and labels

  private bindNamespaces(): void {
    const owned: OwnedNamespace[] = [];
    for (const [name, blocks] of [...this.binding.namespaceBlocks].sort(([a], [b]) => compareStrings(a, b))) {
      const problem = valid.dns1123Label(name);
      if (problem) {
        this.d.report(m.invalidName, blocks[0].name.span, ["namespace name", name, problem]);
        continue;
      }
      const declared: Record<string, string> = {};
      const where = new Map<string, Span>();
      for (const block of blocks) {
        for (const s of block.statements) {
          if (s.kind !== "Labels") continue;
          for (const label of s.labels) {
            const key = label.key.text;
            if (!this.checkLabel(label.key, label.value)) continue;
            if (key === NAMESPACE_NAME_LABEL || key === MANAGED_BY_LABEL) {
              this.d.report(m.invalidLabelKey, label.key.span, [key, "secpolc sets this label on the namespaces it owns"]);
              continue;
            }
            const first = where.get(key);
            if (first) {
              this.d.report(m.duplicateLabel, label.key.span, [key], { related: [{ span: first, message: "first given here" }] });
              continue;
            }
            where.set(key, label.key.span);
            declared[key] = label.value.text;
          }
        }
      }
      const podSecurity = this.podSecurity(blocks);
      const pssLabels: Record<string, string> = {};
      for (const [mode, setting] of Object.entries(podSecurity)) {
        pssLabels[`pod-security.kubernetes.io/${mode}`] = setting.level;
        pssLabels[`pod-security.kubernetes.io/${mode}-version`] = setting.version;
      }
      const labels = { ...declared, ...pssLabels, [NAMESPACE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: "secpolc" };
      owned.push({ name, labels, declaredLabels: declared, postures: {}, podSecurity, span: blocks[0].span });
    }
    this.namespaces = owned;
  }

  /**
   * `pss enforce restricted@v1.30, warn baseline`: a level per mode, pinned to the cluster's version
   * when none is written (or `latest` when the cluster's version is not declared either).
   */
  private podSecurity(blocks: ast.NamespaceBlock[]): OwnedNamespace["podSecurity"] {
    const result: OwnedNamespace["podSecurity"] = {};
    const pinned = this.cluster.version ? `v${this.cluster.version.major}.${this.cluster.version.minor}` : "latest";
    for (const block of blocks) {
      for (const s of block.statements) {
        if (s.kind !== "Pss") continue;
        for (const setting of s.modes) {
          const mode = setting.mode.text;
          if (mode !== "enforce" && mode !== "warn" && mode !== "audit") {
            this.d.report(m.unknownPssMode, setting.mode.span, [mode], didYouMean(mode, ["enforce", "warn", "audit"], "the modes are `enforce`, `warn` and `audit`"));
            continue;
          }
          const level = setting.level.text;
          if (level !== "privileged" && level !== "baseline" && level !== "restricted") {
            this.d.report(m.unknownPssLevel, setting.level.span, [level], didYouMean(level, ["privileged", "baseline", "restricted"], "the levels are `privileged`, `baseline` and `restricted`"));
            continue;
          }
          let version = pinned;
          if (setting.version) {
            const parsed = parsePssVersion(setting.version.text);
            if (!parsed || (parsed !== "latest" && (parsed.major !== 1 || parsed.minor > PSS_LATEST.minor))) {
              this.d.report(m.invalidPssVersion, setting.version.span, [setting.version.text, `v1.${PSS_LATEST.minor}`]);
              continue;
            }
            version = parsed === "latest" ? "latest" : `v${parsed.major}.${parsed.minor}`;
          }
          if (result[mode]) {
            this.d.report(m.duplicateSetting, setting.mode.span, [`pss ${mode}`], { related: [{ span: result[mode]!.span, message: "first set here" }] });
            continue;
          }
          result[mode] = { level, version, span: setting.span };
        }
        const cluster = this.cluster.version;
        if (cluster && s.modes.length > 0 && !podSecurityAdmissionByDefault(this.cluster)) {
          const shown = `${cluster.major}.${cluster.minor}`;
          const gated = cluster.major === 1 && cluster.minor === 22;
          this.d.report(m.podSecurityNotEnforced, s.span, [shown, gated ? "the PodSecurity admission that reads them is alpha in 1.22, off unless the `PodSecurity` feature gate is on, and on by default from 1.23" : "the PodSecurity admission that reads them arrived in 1.22 (alpha) and is on by default from 1.23"], {
            help: gated ? "turn on the API server's `PodSecurity` feature gate, or declare the version the cluster runs (1.23 or newer); before 1.25, `psp` blocks also work" : "use `psp` blocks (PodSecurityPolicy) for this cluster, or declare the version it runs if that is 1.23 or newer",
          });
        }
      }
    }
    return result;
  }

  private checkLabel(key: ast.LabelKey, value: ast.Word): boolean {
    const keyProblem = valid.labelKey(key.text);
    if (keyProblem) this.d.report(m.invalidLabelKey, key.span, [key.text, keyProblem]);
    const valueProblem = valid.labelValue(value.text);
    if (valueProblem) this.d.report(m.invalidLabelValue, value.span, [valid.shown(value.text), valueProblem]);
    return !keyProblem && !valueProblem;
  }

  // -------------------------------------------------------------------------------------------
  // Workloads

  /** The models of the workloads that take effect (the binder chose them), those with a valid selector. */
  private bindWorkloads(): void {
    for (const declaration of this.binding.workloads.values()) {
      const node = declaration.node as ast.WorkloadDeclaration;
      const pods = this.selector(node.selector);
      if (!pods) continue;
      const ports = this.declaredPorts(node.ports);
      this.workloads.set(declaration.key, {
        namespace: declaration.namespace!,
        name: declaration.name,
        pods,
        ports,
        services: this.servicePorts(node.services, ports),
        postures: {},
        ...(node.workloadKind ? { kind: node.workloadKind.text } : {}),
        ...(node.serviceAccount ? { serviceAccount: node.serviceAccount.text } : {}),
        ...(node.initContainers.length > 0 ? { initContainers: node.initContainers.map((c) => c.text) } : {}),
        span: node.name.span,
      });
      this.checkWorkloadDetails(node);
    }
  }

  private checkWorkloadDetails(node: ast.WorkloadDeclaration): void {
    if (node.serviceAccount) {
      const problem = valid.dns1123Subdomain(node.serviceAccount.text);
      if (problem) this.d.report(m.invalidName, node.serviceAccount.span, ["service account name", node.serviceAccount.text, problem]);
    }
    for (const c of [...node.containers, ...node.initContainers]) {
      const problem = valid.dns1123Label(c.text);
      if (problem) this.d.report(m.invalidName, c.span, ["container name", c.text, problem]);
    }
    const kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];
    if (node.workloadKind && !kinds.includes(node.workloadKind.text)) {
      this.d.report(m.invalidValue, node.workloadKind.span, ["workload kind", node.workloadKind.text, kinds.map((k) => `\`${k}\``).join(", ")], didYouMean(node.workloadKind.text, kinds));
    }
  }

  private declaredPorts(declarations: ast.PortDeclaration[]): ContainerPort[] {
    const ports: ContainerPort[] = [];
    for (const p of declarations) {
      const problem = valid.portName(p.name.text);
      if (problem) {
        this.d.report(m.invalidName, p.name.span, ["port name", p.name.text, problem]);
        continue;
      }
      const number = this.portNumber(p.port);
      const protocol = this.protocol(p.protocol);
      if (number === undefined || !protocol) continue;
      const duplicate = ports.find((q) => q.name === p.name.text);
      if (duplicate) {
        this.d.report(m.duplicateDeclaration, p.name.span, ["port", p.name.text]);
        continue;
      }
      ports.push({ name: p.name.text, port: number, protocol });
    }
    return exact(ports);
  }

  private servicePorts(declarations: ast.ServicePortDeclaration[], ports: ContainerPort[]): Workload["services"] {
    const services: Workload["services"] = [];
    for (const s of declarations) {
      const port = this.portNumber(s.port);
      if (port === undefined) continue;
      let targetPort: number | undefined;
      if ("kind" in s.target) targetPort = this.portNumber(s.target);
      else {
        const named = ports.find((p) => p.name === (s.target as ast.Word).text);
        if (named) targetPort = named.port;
        else {
          this.d.report(m.invalidValue, s.target.span, ["service target port", s.target.text, "a port declared by this workload"], didYouMean(s.target.text, ports.map((p) => p.name!)));
        }
      }
      if (targetPort !== undefined) services.push({ port, targetPort, span: s.span });
    }
    return services;
  }

  private portNumber(n: ast.NumberLiteral): number | undefined {
    const value = /^\d+$/.test(n.text) ? Number(n.text) : NaN;
    if (!(value >= 1 && value <= 65535)) {
      this.d.report(m.portOutOfRange, n.span, [n.text]);
      return undefined;
    }
    return value;
  }

  private protocol(word: ast.Word | undefined): Protocol | undefined {
    if (!word) return "TCP";
    const upper = word.text.toUpperCase();
    if (upper === "TCP" || upper === "UDP" || upper === "SCTP") return upper;
    this.d.report(m.unknownProtocol, word.span, [word.text]);
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Selectors

  private selector(node: ast.Selector): Conjunction | undefined {
    // the label algebra behind deny, postures and verification grows with the product of
    // requirement counts: a bound keeps hostile selectors (100,000 labels) from running for hours
    if (node.requirements.length > MAX_SELECTOR_REQUIREMENTS) {
      this.d.report(m.tooManyRequirements, node.span, [node.requirements.length, MAX_SELECTOR_REQUIREMENTS]);
      return undefined;
    }
    const requirements: Requirement[] = [];
    let ok = true;
    for (const r of node.requirements) {
      const keyProblem = valid.labelKey(r.key.text);
      if (keyProblem) {
        this.d.report(m.invalidLabelKey, r.key.span, [r.key.text, keyProblem]);
        ok = false;
      }
      for (const v of r.values) {
        const valueProblem = valid.labelValue(v.text);
        if (valueProblem) {
          this.d.report(m.invalidLabelValue, v.span, [valid.shown(v.text), valueProblem]);
          ok = false;
        }
      }
      const values = r.values.map((v) => v.text);
      switch (r.operator) {
        case "=":
        case "in":
          requirements.push({ key: r.key.text, operator: "In", values });
          break;
        case "!=":
        case "notin":
          requirements.push({ key: r.key.text, operator: "NotIn", values });
          break;
        case "exists":
          requirements.push({ key: r.key.text, operator: "Exists" });
          break;
        case "!exists":
          requirements.push({ key: r.key.text, operator: "DoesNotExist" });
          break;
      }
    }
    if (!ok) return undefined;
    const conjunction = conjunctionOf(requirements);
    if (!conjunction) this.d.report(m.contradictorySelector, node.span, []);
    return conjunction;
  }

  // -------------------------------------------------------------------------------------------
  // Postures: `default deny|allow [ingress|egress] [for WORKLOAD]`

  private bindPostures(): void {
    const byName = new Map(this.namespaces.map((n) => [n.name, n]));
    const ordered = [...this.binding.statements.postures].sort((a, b) => compareSpans(a.node.span, b.node.span));
    for (const { node, namespace } of ordered) {
      const owned = byName.get(namespace!);
      if (!owned) continue; // its namespace block had an invalid name, already reported
      let target: { postures: Partial<Record<Direction, PostureSetting>> } = owned;
      let what = `namespace \`${owned.name}\``;
      if (node.workload) {
        const name = node.workload.name.text;
        const [declaration] = this.binding.referenceOf(node.workload)!.declarations;
        const workload = declaration && this.workloads.get(declaration.key);
        if (!workload) {
          const candidates = [...this.workloads.values()].filter((w) => w.namespace === owned.name).map((w) => w.name);
          this.d.report(m.unknownPostureWorkload, node.workload.span, [name, owned.name], didYouMean(name, candidates));
          continue;
        }
        target = workload;
        what = `workload \`${workload.namespace}/${workload.name}\``;
      }
      for (const direction of node.direction ? [node.direction] : (["ingress", "egress"] as const)) {
        const existing = target.postures[direction];
        if (existing) {
          this.d.report(m.conflictingPosture, node.span, [what, direction], { related: [{ span: existing.span, message: "the other posture is here" }] });
          continue;
        }
        target.postures[direction] = { posture: node.posture, span: node.span };
      }
    }
  }

  /** Two workloads that may share pods must not state different postures: which one would apply? */
  private checkOverlappingPostures(model: Model): void {
    for (const direction of ["ingress", "egress"] as const) {
      // workloads are sorted by namespace: pairs are looked for within each namespace's run
      const stating = model.workloads.filter((w) => w.postures[direction]);
      for (let i = 0; i < stating.length; i++) {
        for (let j = i + 1; j < stating.length && stating[j].namespace === stating[i].namespace; j++) {
          const a = stating[i];
          const b = stating[j];
          if (a.postures[direction]!.posture === b.postures[direction]!.posture) continue;
          if (conjunctionOfBoth(a.pods, b.pods)) {
            this.d.report(m.overlappingPostures, b.postures[direction]!.span, [a.name, b.name, direction], {
              related: [{ span: a.postures[direction]!.span, message: `the posture of \`${a.name}\`` }],
              help: "make their selectors exclusive (e.g. different `app` values), or give them the same posture",
            });
          }
        }
      }
    }
  }

  /**
   * The rest of a namespace (its pods in no workload that states its own posture in a direction) is
   * the complement of those workloads' selectors; when writing it takes more than MAX_SELECTORS
   * label selectors, an error at the namespace's posture. Whether every region can be written.
   */
  private checkRestRegions(model: Model): boolean {
    let ok = true;
    for (const namespace of model.namespaces) {
      for (const direction of ["ingress", "egress"] as const) {
        const posture = namespace.postures[direction];
        if (!posture) continue;
        const own = model.workloads.filter((w) => w.namespace === namespace.name && w.postures[direction]).map((w) => w.pods);
        if (own.length === 0 || boundedComplement(own, MAX_SELECTORS)) continue;
        ok = false;
        this.d.report(m.restTooCostly, posture.span, [namespace.name, direction, MAX_SELECTORS], {
          help: "give those workloads a label key in common (e.g. `app`), so that the other pods are one selector (`app notin (...)`)",
        });
      }
    }
    return ok;
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  private checkRule({ node, namespace }: Scoped<ast.NetworkRule>): NetworkRule[] {
    if (node.extraPortLists.length > 0) {
      this.reportPortsPerDestination(node);
      return [];
    }
    const errorsBefore = this.errorCount();
    const sources = this.endpointSet(node.sources, namespace);
    const parts = node.destinations.flatMap((p) => this.destinationParts(p, namespace));
    // the destinations by their ports: one clause per port set
    const byPorts = new Map<string, { ports: PortSet; sets: EndpointSet[] }>();
    for (const part of parts) {
      const ports = node.ports.length > 0 ? this.rulePorts(node.ports, part) : (part.defaultPorts ?? allPorts);
      if (!ports) continue;
      const key = portsKey(ports);
      const same = byPorts.get(key);
      if (same) same.sets.push(part.set);
      else byPorts.set(key, { ports, sets: [part.set] });
    }
    if (this.errorCount() > errorsBefore) return [];
    // in one order whatever the order of the destinations written, as the sets are (`unionOf`)
    const clauses = sortedBy([...byPorts], ([key]) => key).map(([, { ports, sets }]): Clause => ({ sources, destinations: unionOf(sets), ports }));
    return [{ action: node.action, clauses, span: node.span }];
  }

  /** PodSecurityPolicies and their grants, for clusters older than 1.25 only. */
  private podSecurityPolicies(): { psps: Psp[]; grants: Grant[] } {
    const { psps: pspNodes, grants: grantNodes } = this.binding.statements;
    const statements = [...pspNodes, ...grantNodes];
    if (statements.length === 0) return { psps: [], grants: [] };
    if (!pspSupported(this.cluster)) {
      const version = this.cluster.version ? `${this.cluster.version.major}.${this.cluster.version.minor}` : "the latest version (no `cluster { version }` is declared)";
      for (const s of statements) {
        this.d.report(sm.pspRemoved, s.span, [version], { help: "use `pss enforce LEVEL` in the namespace blocks; for an older cluster, declare `cluster { version 1.24 }`" });
      }
      return { psps: [], grants: [] };
    }
    const psps = new Map<string, Psp>();
    for (const node of pspNodes) {
      const existing = psps.get(node.name.text);
      if (existing) {
        this.d.report(m.duplicateDeclaration, node.name.span, ["psp", node.name.text], { related: [{ span: existing.span, message: "first declared here" }] });
        continue;
      }
      const nameProblem = valid.dns1123Subdomain(node.name.text);
      if (nameProblem) {
        this.d.report(m.invalidName, node.name.span, ["PodSecurityPolicy name", node.name.text, nameProblem]);
        continue;
      }
      const psp = checkPsp(node, this.d);
      if (psp) psps.set(psp.name, psp);
    }
    const grants: Grant[] = [];
    for (const node of grantNodes) {
      if (!this.binding.referenceOf(node.psp)?.declarations.length) {
        this.d.report(sm.unknownPsp, node.psp.span, [node.psp.text], didYouMean(node.psp.text, psps.keys()));
        continue;
      }
      const grant = checkGrant(node, this.d);
      if (grant) grants.push(grant);
    }
    return { psps: [...psps.values()].sort((a, b) => compareStrings(a.name, b.name)), grants };
  }

  /** `assert` takes the peers and ports of a rule; a positive one needs its ports. */
  private checkAssertion({ node, namespace }: Scoped<ast.AssertStatement>): Assertion[] {
    if (!node.negated && node.ports.length === 0) {
      this.d.report(m.assertNeedsPort, node.span, [], { help: "e.g. `assert web -> db: 5432`; `-/->` may leave the port out to mean every port" });
      return [];
    }
    const rule = this.checkRule({ node: { ...node, kind: "NetworkRule", action: "allow", extraPortLists: [] }, namespace });
    return rule.map((r) => ({ negated: node.negated, clauses: r.clauses, span: node.span }));
  }

  private errorCount(): number {
    return this.d.errors;
  }

  private reportPortsPerDestination(node: ast.NetworkRule): void {
    const lists = [node.ports, ...node.extraPortLists];
    const first = lists[0];
    const moved = first[first.length - 1];
    this.d.report(m.portsOnTwoDestinations, spanOf(node.ports[0].span, lists[lists.length - 1].at(-1)!.span), [], {
      help: moved
        ? `write one rule per destination, e.g. \`${node.action} ... -> ${textOf(node.destinations[node.destinations.length - 1])}: ${first
            .slice(0, -1)
            .map(portText)
            .join(", ")}\` and \`${node.action} ... -> ${portText(moved)}: ${lists[1].map(portText).join(", ")}\``
        : "write one rule per destination",
    });
  }

  private endpointSet(peers: ast.Peer[], namespace: string | undefined): EndpointSet {
    return unionOf(peers.flatMap((p) => this.destinationParts(p, namespace)).map((part) => part.set));
  }

  /** Resolves a peer; groups expand to their members so each keeps its own port names. */
  private destinationParts(peer: ast.Peer, namespace: string | undefined): DestinationPart[] {
    const part = (set: EndpointSet): DestinationPart[] => [{ set, span: peer.span }];
    switch (peer.kind) {
      case "KeywordPeer": {
        const cluster: EndpointSet = { pods: [{ namespaces: everything, pods: everything }], ips: [] };
        if (peer.keyword === "cluster") return part(cluster);
        const world = this.externalBlocks([everywhere(4), everywhere(6)].map((cidr) => ({ cidr, except: [] })), peer.span);
        return part(peer.keyword === "world" ? { pods: [], ips: world } : { pods: cluster.pods, ips: world });
      }
      case "NamespacePeer": {
        const problem = valid.dns1123Label(peer.namespace.text);
        if (problem) {
          this.d.report(m.invalidName, peer.namespace.span, ["namespace name", peer.namespace.text, problem]);
          return [];
        }
        this.warnNameLabel(peer.namespace);
        this.namespaceUses.push(peer.namespace);
        return part({ pods: [{ namespaces: labelsEqual(NAMESPACE_NAME_LABEL, peer.namespace.text), pods: everything }], ips: [] });
      }
      case "NamespaceSelectorPeer": {
        const namespaces = this.selector(peer.selector);
        return namespaces ? part({ pods: [{ namespaces, pods: everything }], ips: [] }) : [];
      }
      case "PodsPeer": {
        const pods = this.selector(peer.selector);
        let namespaces: Conjunction | undefined;
        if (!peer.within) {
          if (namespace === undefined) {
            this.d.report(m.podsWithoutNamespace, peer.span, [], { help: "write `pods(...) in ns NAME` or `pods(...) in ns(LABELS)`, or put the rule inside a namespace block" });
            return [];
          }
          namespaces = labelsEqual(NAMESPACE_NAME_LABEL, namespace);
        } else {
          const within = this.destinationParts(peer.within, namespace);
          namespaces = within[0]?.set.pods[0]?.namespaces;
        }
        return pods && namespaces ? part({ pods: [{ namespaces, pods }], ips: [] }) : [];
      }
      case "CidrPeer": {
        const cidr = this.cidr(peer.cidr.text, peer.cidr.span);
        const except: Cidr[] = [];
        for (const e of peer.except) {
          const c = this.cidr(e.text, e.span);
          if (!c || !cidr) continue;
          if (!cidrContains(cidr, c) || cidrEquals(cidr, c)) this.d.report(m.exceptNotInside, e.span, [e.text, peer.cidr.text]);
          else except.push(c);
        }
        if (!cidr) return [];
        const blocks = this.externalBlocks([{ cidr, except }], peer.span);
        return blocks.length > 0 ? part({ pods: [], ips: blocks }) : [];
      }
      case "Reference":
        return this.reference(peer.ref);
    }
  }

  /** Address blocks minus the cluster's pod and service ranges: pods are addressed by labels. */
  private externalBlocks(blocks: IpBlock[], span: Span): IpBlock[] {
    const clusterRanges = [...this.cluster.podCIDRs, ...this.cluster.serviceCIDRs];
    const result: IpBlock[] = [];
    for (const block of blocks) {
      const remaining = subtractFromBlock(block, clusterRanges);
      const inside = clusterRanges.find((r) => cidrContains(r, block.cidr));
      if (remaining.length === 0 && inside) {
        this.d.report(cm.cidrInsideClusterRange, span, [formatCidr(block.cidr), formatCidr(inside)]);
      }
      result.push(...remaining);
    }
    return result;
  }

  /** The namespaces that rules name (`ns X`, `X/*`), in the order of the rules, for near misses. */
  private readonly namespaceUses: ast.Word[] = [];

  /**
   * A namespace that no block declares, one or two edits from one that a block declares, that every
   * cluster has, or that the rules name more often (or as often, but first): `shp/*` beside
   * `namespace shop`, `ns ingres-nginx` beside `ns ingress-nginx`. A warning at its first use; names
   * of a series (`team-a`, `team-b`; `app1`, `app2`) are no typos of each other.
   */
  private warnNamespaceNearMisses(): void {
    const uses = new Map<string, ast.Word[]>();
    for (const word of this.namespaceUses) (uses.get(word.text) ?? uses.set(word.text, []).get(word.text)!).push(word);
    const known = new Set([...this.binding.namespaceBlocks.keys(), ...CLUSTER_NAMESPACES]);
    const names = [...uses.keys()];
    // each name is compared with every other: past this many, no warning (a heuristic, never a verdict)
    if (names.length + known.size > MAX_NEAR_MISS_NAMES) return;
    for (const [index, name] of names.entries()) {
      const written = uses.get(name)!.find((w) => !w.span.file.startsWith("std/"));
      if (known.has(name) || !written) continue;
      const count = uses.get(name)!.length;
      const more = names.filter((other, i) => !known.has(other) && (uses.get(other)!.length > count || (uses.get(other)!.length === count && i < index)));
      const near = closestWithin(name, [...known, ...more], Math.min(2, Math.floor(name.length / 3)));
      if (near === undefined || inSeries(name, near)) continue;
      const why = this.binding.namespaceBlocks.has(near)
        ? "declared by a namespace block"
        : CLUSTER_NAMESPACES.includes(near)
          ? "a namespace every cluster has"
          : `named by ${uses.get(near)!.length === 1 ? "another rule" : `${uses.get(near)!.length} other rules`}`;
      this.d.report(m.namespaceNearMiss, written.span, [name], { help: meant(near, why) });
    }
  }

  private warnedNameLabel = new Set<string>();

  private warnNameLabel(name: ast.Word): void {
    const version = this.cluster.version;
    if (hasAutomaticNameLabel(this.cluster) || this.binding.namespaceBlocks.has(name.text) || this.warnedNameLabel.has(name.text)) return;
    this.warnedNameLabel.add(name.text);
    this.d.report(m.nameLabelBefore122, name.span, [name.text, `${version!.major}.${version!.minor}`], {
      help: `label it yourself (\`kubectl label namespace ${name.text} ${NAMESPACE_NAME_LABEL}=${name.text}\`), or declare it with \`namespace ${name.text} { }\``,
    });
  }

  private reference(ref: ast.QualifiedName): DestinationPart[] {
    const written = ref.namespace ? `${ref.namespace.text}/${ref.name.text}` : ref.name.text;
    const { declarations, ambiguous } = this.binding.referenceOf(ref)!;
    if (ambiguous) {
      const places = declarations.map((d) => (d.kind === "workload" ? `workload \`${d.key}\`` : `group \`${d.key.replace(/^\//, "")}\``)).sort();
      this.d.report(m.ambiguousName, ref.span, [ref.name.text, places.join(", ")], { help: "qualify it with its namespace, e.g. `NAMESPACE/NAME`" });
      return [];
    }
    const [declaration] = declarations;
    if (declaration?.kind === "group") return this.groupParts(declaration, ref.span);
    const workload = declaration && this.workloads.get(declaration.key);
    // a workload whose selector is invalid (already reported) is no destination
    if (workload) return [{ set: this.podsOf(workload), workload, span: ref.span }];
    return this.unknown(ref, written);
  }

  /** A workload's pods as an endpoint set: one object per workload, however often it is named (sets are never changed once made). */
  private podsOf(w: Workload): EndpointSet {
    let set = this.workloadSets.get(w);
    if (!set) this.workloadSets.set(w, (set = { pods: [{ namespaces: labelsEqual(NAMESPACE_NAME_LABEL, w.namespace), pods: w.pods }], ips: [] }));
    return set;
  }

  private unknown(ref: ast.QualifiedName, written: string): DestinationPart[] {
    const all = [
      ...[...this.workloads.keys()],
      ...[...this.workloads.values()].map((w) => w.name),
      ...[...this.binding.groups.keys()].map((k) => k.replace(/^\//, "")),
    ];
    const suggestion = closest(written, all);
    // a group of the standard library is named with where it comes from: `dns` is declared in no file of the program
    const library = suggestion === undefined ? undefined : this.binding.groups.get(`/${suggestion}`)?.span.file;
    const help = suggestion === undefined ? {} : { help: meant(suggestion, library?.startsWith("std/") ? `the group from \`${library}\`` : undefined) };
    this.d.report(m.unknownName, ref.span, [written], help);
    return [];
  }

  private groupParts(declaration: Declaration, span: Span): DestinationPart[] {
    let group = this.groups.get(declaration);
    if (!group) this.groups.set(declaration, (group = { node: declaration.node as ast.GroupDeclaration, namespace: declaration.namespace }));
    if (group.resolved === "resolving") {
      this.d.report(m.groupCycle, span, [group.node.name.text]);
      return [];
    }
    if (!group.resolved) {
      if (this.groupDepth >= MAX_GROUP_DEPTH) {
        this.d.report(m.groupsTooDeep, span, [group.node.name.text, MAX_GROUP_DEPTH], { help: "name the peers of the inner groups directly in fewer levels" });
        return [];
      }
      group.resolved = "resolving";
      this.groupDepth++;
      try {
        const members = group.node.peers.flatMap((p) => this.destinationParts(p, group.namespace));
        const defaultPorts = group.node.ports.length > 0 ? this.rulePorts(group.node.ports, undefined) : undefined;
        group.resolved = members.map((part) => ({ ...part, defaultPorts: defaultPorts ?? part.defaultPorts }));
      } finally {
        this.groupDepth--;
      }
    }
    return group.resolved;
  }

  // -------------------------------------------------------------------------------------------
  // Ports of a rule, for one destination

  private rulePorts(specs: ast.PortSpec[], part: DestinationPart | undefined): PortSet | undefined {
    const numeric: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
    const named: { name: string; protocol: Protocol }[] = [];
    let ok = true;
    const workload = part?.workload;
    const undeclared = new Set<number>();
    for (const spec of specs) {
      const protocol = this.protocol(spec.protocol);
      if (!protocol) {
        ok = false;
        continue;
      }
      if (spec.range) {
        const from = this.portNumber(spec.range.from);
        const to = this.portNumber(spec.range.to);
        if (from === undefined || to === undefined) ok = false;
        else if (from > to) {
          this.d.report(m.rangeNotOrdered, spec.range.span, [spec.range.from.text, spec.range.to.text]);
          ok = false;
        } else numeric[protocol].push({ from, to });
        continue;
      }
      const port = spec.port!;
      if ("kind" in port) {
        const number = this.portNumber(port);
        if (number === undefined) {
          ok = false;
          continue;
        }
        const service = workload?.services.find((s) => s.port === number);
        if (service && !workload!.ports.some((p) => p.port === number && p.protocol === protocol)) {
          this.d.report(m.servicePortTranslated, port.span, [String(number), String(service.targetPort), workload!.name]);
          numeric[protocol].push({ from: service.targetPort, to: service.targetPort });
        } else {
          // a number the destination does not declare, while it declares others: a typo, or a port
          // its pods do not listen on (each number once, and a few per list: lists may be long)
          if (workload && workload.ports.length > 0 && !workload.ports.some((p) => p.port === number) && !undeclared.has(number) && undeclared.size < MAX_UNDECLARED_PORTS) {
            undeclared.add(number);
            const near = closestWithin(String(number), workload.ports.map((p) => String(p.port)), 1);
            this.d.report(m.portNotDeclared, port.span, [String(number), workload.name, declaredPorts(workload)], {
              help: near !== undefined ? meant(near) : `if its pods listen on ${number}, declare it: \`port NAME ${number}\``,
            });
          }
          numeric[protocol].push({ from: number, to: number });
        }
        continue;
      }
      const problem = valid.portName(port.text);
      if (problem) {
        this.d.report(m.invalidName, port.span, ["port name", port.text, problem]);
        ok = false;
        continue;
      }
      if (part && part.set.pods.length === 0) {
        this.d.report(m.namedPortToAddress, port.span, [port.text]);
        ok = false;
        continue;
      }
      const declared = workload?.ports.find((p) => p.name === port.text);
      if (declared) {
        numeric[declared.protocol].push({ from: declared.port, to: declared.port });
        continue;
      }
      if (workload && workload.ports.length > 0) {
        const suggestion = closest(port.text, workload.ports.flatMap((p) => p.name ?? []));
        this.d.report(m.unknownPortName, port.span, [workload.name, port.text], { help: `${suggestion ? `${meant(suggestion)} ` : ""}\`${workload.name}\` declares ${declaredPorts(workload)}` });
      }
      named.push({ name: port.text, protocol });
    }
    return ok ? portSet(numeric, named) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // A rule must reach a managed direction; under `default allow` only, it is redundant

  private checkReach(model: Model): void {
    for (const rule of model.rules) {
      const reach = rule.clauses.flatMap((c) => clauseReach(model, c));
      if (reach.length === 0) {
        const owned = this.namespacesTouched(model, rule);
        this.d.report(cm.ruleHasNoEffect, rule.span, [], {
          help:
            owned.length > 0
              ? `give ${owned.map((n) => `\`namespace ${n}\``).join(" or ")} a posture: \`default deny\` (zero trust: only allowed flows) or \`default allow\` (everything but denied flows), for the direction this rule should act on`
              : "its pods are all in namespaces this program does not own: declare one of them with `namespace NAME { default deny ingress }` (or egress) to manage it",
        });
      } else if (rule.action === "allow" && reach.every((r) => r.region.posture.posture === "allow")) {
        this.d.report(cm.redundantUnderDefaultAllow, rule.span, []);
      }
    }
  }

  private namespacesTouched(model: Model, rule: NetworkRule): string[] {
    const touched = new Set<string>();
    for (const clause of rule.clauses) {
      for (const t of [...clause.sources.pods, ...clause.destinations.pods]) {
        for (const n of model.namespaces) if (conjunctionMatches(t.namespaces, n.labels)) touched.add(n.name);
      }
    }
    return [...touched].sort();
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const conjunctionOfBoth = (a: Conjunction, b: Conjunction): boolean => intersectConjunctions(a, b) !== undefined;

/**
 * The union of endpoint sets, its terms and blocks in one order whatever the order of the peers
 * written: the policies compiled from a set follow its order, so `allow a, b -> c` and
 * `allow b, a -> c` (which the formatter writes for either) must give the same bytes.
 */
function unionOf(sets: readonly EndpointSet[]): EndpointSet {
  if (sets.length === 1) return sets[0];
  return { pods: sortedBy(sets.flatMap((s) => s.pods), termKey), ips: sortedBy(sets.flatMap((s) => s.ips), (block) => `${formatCidr(block.cidr)} ${block.except.map(formatCidr).join(" ")}`) };
}

const sortedBy = <T>(items: T[], key: (item: T) => string): T[] => items.map((item) => ({ item, key: key(item) })).sort((x, y) => compareStrings(x.key, y.key)).map((x) => x.item);

/** A cluster version, MAJOR.MINOR (at most three digits each: `1.99999999999999999999` is no version, and no number either). */
export function parseClusterVersion(text: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

const valueText = (v: ast.Value): string => ("from" in v ? `${v.from.text}..${v.to.text}` : v.text);

const compareSpans = (a: Span, b: Span): number => compareStrings(a.file, b.file) || a.start.offset - b.start.offset;

const spanOf = (a: Span, b: Span): Span => ({ file: a.file, start: a.start, end: b.end });

/** Namespace near misses are looked for among at most this many namespace names (declared and named). */
const MAX_NEAR_MISS_NAMES = 500;

/** At most this many numbers of one port list are warned about as undeclared by the destination. */
const MAX_UNDECLARED_PORTS = 3;

/** A workload's declared ports, for messages: `http` (8080/tcp), `metrics` (9100/tcp). */
const declaredPorts = (w: Workload): string => w.ports.map((p) => (p.name ? `\`${p.name}\` (${p.port}/${p.protocol.toLowerCase()})` : `${p.port}/${p.protocol.toLowerCase()}`)).join(", ");

/** The namespaces every cluster has: a name near one of them is a near miss too. */
const CLUSTER_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

/** Two names of one series, not a typo of each other: they differ in one digit, or in a last letter after `-` (`team-a`, `team-b`). */
function inSeries(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differ = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  if (differ.length !== 1) return false;
  const [i] = differ;
  return (/\d/.test(a[i]) && /\d/.test(b[i])) || (i === a.length - 1 && a[i - 1] === "-");
}

function hostBitsHelp(text: string): string | undefined {
  const [address, prefixText] = text.split("/");
  const parsed = parseCidr(`${address}/${address.includes(":") ? 128 : 32}`);
  if (!("cidr" in parsed)) return undefined;
  const bits = parsed.cidr.family === 4 ? 32 : 128;
  // an IPv4-mapped address (`::ffff:10.0.0.1/120`) parses as IPv4: its prefix counts 96 bits fewer
  const prefix = Number(prefixText) - (address.includes(":") && parsed.cidr.family === 4 ? 96 : 0);
  if (prefix < 0) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return meant(formatCidr({ ...parsed.cidr, base: parsed.cidr.base & mask, prefix }));
}

function portText(p: ast.PortSpec): string {
  const base = p.range ? `${p.range.from.text}..${p.range.to.text}` : p.port!.text;
  return p.protocol ? `${base}/${p.protocol.text}` : base;
}

function textOf(peer: ast.Peer): string {
  switch (peer.kind) {
    case "Reference":
      return peer.ref.namespace ? `${peer.ref.namespace.text}/${peer.ref.name.text}` : peer.ref.name.text;
    case "NamespacePeer":
      return peer.star ? `${peer.namespace.text}/*` : `ns ${peer.namespace.text}`;
    case "KeywordPeer":
      return peer.keyword;
    case "CidrPeer":
      return `cidr ${peer.cidr.text}`;
    default:
      return "...";
  }
}
