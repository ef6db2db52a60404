import type { Span } from "../diagnostics/diagnostic.js";

/**
 * The abstract syntax tree of one `.secpol` file. Every node has a `span`. The tree keeps what the
 * user wrote (names as written, values as text) — resolving and checking happen in later passes,
 * which never mutate it.
 */

export interface Node {
  span: Span;
}

/** A word as written, with its span (names, label keys and values, capability names, ...). */
export interface Word extends Node {
  text: string;
}

export interface Comment extends Node {
  /** The comment text including the leading `#`. */
  text: string;
}

export interface SourceFileNode extends Node {
  kind: "File";
  path: string;
  statements: Statement[];
  /** Every comment of the file, in source order (kept for the formatter). */
  comments: Comment[];
}

export type Statement =
  | ImportStatement
  | ClusterBlock
  | NamespaceBlock
  | WorkloadDeclaration
  | GroupDeclaration
  | ProfileDeclaration
  | PspDeclaration
  | GrantStatement
  | NetworkRule
  | AssertStatement
  | DefaultStatement
  | PssStatement
  | LabelsStatement
  | SecurityRule
  | ApplyStatement;

// ---------------------------------------------------------------------------------------------
// Declarations

export interface ImportStatement extends Node {
  kind: "Import";
  /** The string as written, without quotes (`std/dns`, `./shared/common.secpol`). */
  path: Word;
}

/** `cluster { version 1.30; podCIDR 10.244.0.0/16, fd00:10:244::/56; serviceCIDR ... }` */
export interface ClusterBlock extends Node {
  kind: "Cluster";
  settings: Setting[];
}

/** A generic `name value, value ...` setting (cluster settings, psp fields). */
export interface Setting extends Node {
  kind: "Setting";
  name: Word;
  values: Value[];
}

/** `namespace NAME { ... }` — an owned namespace and the statements scoped to it. */
export interface NamespaceBlock extends Node {
  kind: "Namespace";
  name: Word;
  statements: Statement[];
}

/** `workload [NS/]NAME SELECTOR [port NAME NUM[/proto]]... [service PORT -> PORTNAME|NUM]... ...` */
export interface WorkloadDeclaration extends Node {
  kind: "Workload";
  name: QualifiedName;
  selector: Selector;
  ports: PortDeclaration[];
  services: ServicePortDeclaration[];
  serviceAccount?: Word;
  containers: Word[];
  /** `initContainers NAME, ...`: the init containers its pods run, so the patch may set them. */
  initContainers: Word[];
  workloadKind?: Word;
}

/** `port http 8080/tcp` inside a workload declaration. */
export interface PortDeclaration extends Node {
  kind: "PortDeclaration";
  name: Word;
  port: NumberLiteral;
  protocol?: Word;
}

/** `service 80 -> http` (or `-> 8080`): the Service port and the pod port it targets. */
export interface ServicePortDeclaration extends Node {
  kind: "ServicePort";
  port: NumberLiteral;
  target: Word | NumberLiteral;
}

/** `group NAME = PEER, PEER ... [: PORTS]` */
export interface GroupDeclaration extends Node {
  kind: "Group";
  name: Word;
  peers: Peer[];
  ports: PortSpec[];
}

/** `profile NAME { SECURITY-STATEMENTS }` — the rules inside carry no target. */
export interface ProfileDeclaration extends Node {
  kind: "Profile";
  name: Word;
  rules: SecurityRule[];
}

/** `psp NAME { field value, ...; ... }` — fields are checked by name later. */
export interface PspDeclaration extends Node {
  kind: "Psp";
  name: Word;
  fields: Setting[];
}

/** `grant psp NAME to user U | group G | serviceaccount NS/SA | serviceaccounts in ns NS` */
export interface GrantStatement extends Node {
  kind: "Grant";
  psp: Word;
  subject: GrantSubject;
}

export type GrantSubject =
  | (Node & { kind: "User"; name: Word })
  | (Node & { kind: "Group"; name: Word })
  | (Node & { kind: "ServiceAccount"; namespace: Word; name: Word })
  | (Node & { kind: "ServiceAccounts"; namespace: Word });

// ---------------------------------------------------------------------------------------------
// Network rules

/** `allow SOURCES -> DESTINATIONS [: PORTS]` / `deny ...` */
export interface NetworkRule extends Node {
  kind: "NetworkRule";
  action: "allow" | "deny";
  sources: Peer[];
  destinations: Peer[];
  ports: PortSpec[];
  /**
   * Port lists after the first one: `allow a -> b:80, c:443` parses with one extra list here so the
   * checker can report it with a fix-it instead of a bare syntax error.
   */
  extraPortLists: PortSpec[][];
}

/** `assert SRC -> DST : PORT` (must be permitted) or `assert SRC -/-> DST [: PORT]` (must not). */
export interface AssertStatement extends Node {
  kind: "Assert";
  negated: boolean;
  sources: Peer[];
  destinations: Peer[];
  ports: PortSpec[];
}

/** `default deny|allow [ingress|egress] [for WORKLOAD]` inside a namespace block. */
export interface DefaultStatement extends Node {
  kind: "Default";
  posture: "deny" | "allow";
  direction?: "ingress" | "egress";
  workload?: QualifiedName;
}

/** A reference to a declared name, optionally namespace-qualified: `web`, `shop/web`. */
export interface QualifiedName extends Node {
  kind: "QualifiedName";
  namespace?: Word;
  name: Word;
}

export type Peer = ReferencePeer | NamespacePeer | NamespaceSelectorPeer | PodsPeer | CidrPeer | KeywordPeer;

/** `web`, `shop/web`, `dns` — a declared workload or group. */
export interface ReferencePeer extends Node {
  kind: "Reference";
  ref: QualifiedName;
}

/** `ns shop` or `shop/*` — every pod of one namespace. */
export interface NamespacePeer extends Node {
  kind: "NamespacePeer";
  namespace: Word;
  /** True when written `shop/*`. */
  star: boolean;
}

/** `ns(team=payments)` — every pod in the namespaces whose labels match. */
export interface NamespaceSelectorPeer extends Node {
  kind: "NamespaceSelectorPeer";
  selector: Selector;
}

/** `pods(app=x)` [`in ns NAME` | `in ns(LABELS)`] */
export interface PodsPeer extends Node {
  kind: "PodsPeer";
  selector: Selector;
  within?: NamespacePeer | NamespaceSelectorPeer;
}

/** `cidr 10.0.0.0/8 [except 10.1.0.0/16, ...]` */
export interface CidrPeer extends Node {
  kind: "CidrPeer";
  cidr: Word;
  except: Word[];
}

/** `world`, `cluster`, `any` */
export interface KeywordPeer extends Node {
  kind: "KeywordPeer";
  keyword: "world" | "cluster" | "any";
}

/**
 * One element of a port list: `5432`, `53/udp`, `8000..8080`, `http`, `http/tcp`.
 * Exactly one of `port` (a number or a name) or `range` is set.
 */
export interface PortSpec extends Node {
  kind: "PortSpec";
  port?: NumberLiteral | Word;
  range?: RangeLiteral;
  protocol?: Word;
}

// ---------------------------------------------------------------------------------------------
// Label selectors (kubectl -l syntax)

export interface Selector extends Node {
  kind: "Selector";
  requirements: Requirement[];
}

export interface LabelKey extends Node {
  /** The DNS prefix, e.g. `app.kubernetes.io` in `app.kubernetes.io/name`. */
  prefix?: Word;
  name: Word;
  /** The whole key as written (`app.kubernetes.io/name`). */
  text: string;
}

/**
 * `key=value` (also `key==value`), `key!=value`, `key in (a, b)`, `key notin (a)`, `key`, `!key`.
 * Values are kept as written (a quoted string's value without its quotes).
 */
export interface Requirement extends Node {
  kind: "Requirement";
  key: LabelKey;
  operator: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: Word[];
}

// ---------------------------------------------------------------------------------------------
// Pod-security statements

/** `pss enforce restricted@v1.30, warn restricted, audit baseline` */
export interface PssStatement extends Node {
  kind: "Pss";
  modes: PssMode[];
}

export interface PssMode extends Node {
  kind: "PssMode";
  mode: Word;
  level: Word;
  version?: Word;
}

/** `labels tenant=acme, env=prod` inside a namespace block. */
export interface LabelsStatement extends Node {
  kind: "Labels";
  labels: { key: LabelKey; value: Word; span: Span }[];
}

/**
 * `deny FEATURE, ... TARGET`, `require REQUIREMENT, ... TARGET`, `set FIELD VALUE, ... TARGET`,
 * `allow FEATURE, ... TARGET`. Inside a `profile` block there is no target.
 */
export interface SecurityRule extends Node {
  kind: "SecurityRule";
  action: "deny" | "require" | "set" | "allow";
  items: SecurityItem[];
  target?: SecurityTarget;
  /** A syntax error cut the statement short (set by parse.ts): what it lacks is not the writer's omission. */
  truncated?: true;
}

/** `hostNetwork`, `hostPort 10000..11000`, `capability SYS_TIME`, `runAsUser 1000`, `seLinux level "s0:c1"` */
export interface SecurityItem extends Node {
  kind: "SecurityItem";
  name: Word;
  args: Value[];
}

export type SecurityTarget =
  | (Node & { kind: "ForWorkload"; workload: QualifiedName })
  | (Node & { kind: "InNamespace"; namespace: Word })
  | (Node & { kind: "InNamespaceSelector"; selector: Selector })
  | (Node & { kind: "InAll" });

/** `apply PROFILE to WORKLOAD | ns NAME | all` */
export interface ApplyStatement extends Node {
  kind: "Apply";
  profile: Word;
  target: SecurityTarget;
}

// ---------------------------------------------------------------------------------------------
// Values

export interface NumberLiteral extends Node {
  kind: "Number";
  /** As written: `8080`, `1.30`. */
  text: string;
}

export interface RangeLiteral extends Node {
  kind: "Range";
  from: NumberLiteral;
  to: NumberLiteral;
}

/**
 * A value in a setting or security item. Words include names, paths such as `runtime/default`
 * (joined with `/` as written), CIDRs, capability names and quoted strings (`quoted: true`).
 */
export type Value = NumberLiteral | RangeLiteral | (Word & { kind: "Word"; quoted: boolean });
