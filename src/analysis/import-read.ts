/**
 * `secpolc import`, its input: NetworkPolicy (and Namespace) objects read as kubectl reads them,
 * validated as the API server validates them, and defaulted as it defaults them (`policyTypes`
 * absent or empty: Ingress, and Egress when `egress` has a rule; `protocol` absent: TCP). Every other
 * kind of object is skipped with a note.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { diagnostic } from "../diagnostics/catalogue.js";
import { importing as im } from "../diagnostics/messages/import.js";
import type { SourceText } from "../types.js";
import { readManifestObjects } from "./manifests.js";
import { dns1123Label, dns1123Subdomain, labelKey, labelValue, portName } from "../check/values.js";
import {
  conjunctionOf,
  everything,
  labelsEqual,
  type Conjunction,
  type Labels,
  type Requirement,
} from "../semantics/labels.js";
import { everywhere, parseCidr, parseIp, networkAddress, type Cidr, type IpBlock } from "../semantics/ip.js";
import { NAMESPACE_NAME_LABEL, type Direction, type EndpointSet } from "../semantics/model.js";
import {
  allPorts,
  MAX_PORT,
  MIN_PORT,
  portSet,
  protocols,
  type NamedPort,
  type PortRange,
  type PortSet,
  type Protocol,
} from "../semantics/ports.js";
import type { Json } from "../kubernetes.js";
import { isLabelKeyText, notAName } from "../syntax/tokens.js";

/** One rule of an input policy, as flows: its peers (the other end), its ports. */
export interface InputRule {
  policy: InputPolicy;
  direction: Direction;
  peers: EndpointSet;
  ports: PortSet;
  /** The ipBlocks of its peers as written (before the cluster's ranges are taken out). */
  blocks: { text: string; block: IpBlock }[];
}

export interface InputPolicy {
  namespace: string;
  name: string;
  /** `namespace/name`. */
  id: string;
  span: Span;
  pods: Conjunction;
  isolates: Record<Direction, boolean>;
  rules: Record<Direction, InputRule[]>;
  /** The object as the API server stores it (policyTypes and protocols defaulted), for the evaluator. */
  object: Json;
}

export interface ImportInput {
  policies: InputPolicy[];
  /** Labels of the Namespace objects given (the name label left out). */
  namespaceLabels: Map<string, Labels>;
  diagnostics: Diagnostic[];
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export const namespaceTerm = (namespace: string): Conjunction => labelsEqual(NAMESPACE_NAME_LABEL, namespace);

/** Every pod and every address: a rule whose `from`/`to` is absent or empty. */
export const anyEndpoint: EndpointSet = {
  pods: [{ namespaces: everything, pods: everything }],
  ips: [
    { cidr: everywhere(4), except: [] },
    { cidr: everywhere(6), except: [] },
  ],
};

class Invalid extends Error {}

/** Valid, but not expressible in secpol: a label key the lexer does not take as a name (`42`, `a..b`). */
class Unwritable extends Error {}

/** Refuses a label key secpol cannot write (`42`, `a..b`), valid as it is. */
function writableKey(key: string, path: string): void {
  if (!isLabelKeyText(key)) throw new Unwritable(key, { cause: path });
}

/** Why secpol cannot write a label key. */
const keyWhy = (key: string) =>
  `a label key there is a name (after a prefix and \`/\`): ${key.split("/").map(notAName).find(Boolean) ?? "one `/` at most"}`;

const fail = (problem: string): never => {
  throw new Invalid(problem);
};

/** Checks the fields of an object against the ones it may have (the API server refuses unknown fields, as `kubectl apply` validates strictly). */
function fields(value: unknown, path: string, allowed: readonly string[]): Json {
  if (!isObject(value)) return fail(`\`${path}\` must be an object`);
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(`\`${path}\` has an unknown field \`${key}\``);
  // a null field is a field not set, as the API server reads it
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(`\`${path}\` must be a list`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string") return fail(`\`${path}\` must be a string`);
  return value;
}

/** A label selector, validated as the API server does, as a conjunction and as the object it stores. */
function selector(value: unknown, path: string): { conjunction: Conjunction | undefined; object: Json } {
  const s = fields(value, path, ["matchLabels", "matchExpressions"]);
  const requirements: Requirement[] = [];
  const object: Json = {};
  if (s.matchLabels !== undefined) {
    const labels = fields(s.matchLabels, `${path}.matchLabels`, Object.keys(s.matchLabels ?? {}));
    for (const [key, v] of Object.entries(labels)) {
      const value = text(v, `${path}.matchLabels.${key}`);
      const keyProblem = labelKey(key);
      if (keyProblem) fail(`label key \`${key}\` in \`${path}.matchLabels\` is not valid: ${keyProblem}`);
      writableKey(key, `${path}.matchLabels`);
      const valueProblem = labelValue(value);
      if (valueProblem) fail(`label value \`${value}\` in \`${path}.matchLabels\` is not valid: it ${valueProblem}`);
      requirements.push({ key, operator: "In", values: [value] });
    }
    object.matchLabels = labels;
  }
  const expressions = list(s.matchExpressions, `${path}.matchExpressions`).map((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const x = fields(e, at, ["key", "operator", "values"]);
    const key = text(x.key, `${at}.key`);
    const keyProblem = labelKey(key);
    if (keyProblem) fail(`label key \`${key}\` in \`${at}\` is not valid: ${keyProblem}`);
    writableKey(key, at);
    const operator = text(x.operator, `${at}.operator`);
    const values = list(x.values, `${at}.values`).map((v, j) => text(v, `${at}.values[${j}]`));
    for (const v of values) {
      const problem = labelValue(v);
      if (problem) fail(`label value \`${v}\` in \`${at}\` is not valid: it ${problem}`);
    }
    if (operator === "In" || operator === "NotIn") {
      if (values.length === 0) fail(`\`${at}\`: operator \`${operator}\` needs values`);
      requirements.push({ key, operator, values });
    } else if (operator === "Exists" || operator === "DoesNotExist") {
      if (values.length > 0) fail(`\`${at}\`: operator \`${operator}\` takes no values`);
      requirements.push({ key, operator });
    } else fail(`\`${at}.operator\` must be \`In\`, \`NotIn\`, \`Exists\` or \`DoesNotExist\`, not \`${operator}\``);
    return { key, operator, ...(values.length > 0 ? { values } : {}) };
  });
  if (expressions.length > 0) object.matchExpressions = expressions;
  // a contradictory selector (`app In [a]` and `app NotIn [a]`) is valid and selects nothing: undefined
  return { conjunction: conjunctionOf(requirements), object };
}

/** A CIDR as the API server parses it (host bits may be set: they are cleared). */
function cidr(value: unknown, path: string): Cidr {
  const written = text(value, path);
  const parsed = parseCidr(written);
  if ("cidr" in parsed) return parsed.cidr;
  if (parsed.problem === "host-bits") {
    const slash = written.indexOf("/");
    const ip = parseIp(written.slice(0, slash));
    const prefix = Number(written.slice(slash + 1));
    if (ip) return { family: ip.family, base: networkAddress(ip.family, ip.value, prefix), prefix };
  }
  return fail(`\`${path}\`: \`${written}\` is not a valid CIDR`);
}

function peer(
  value: unknown,
  path: string,
  namespace: string,
  blocks: InputRule["blocks"],
): { set: EndpointSet; object: Json } {
  const p = fields(value, path, ["podSelector", "namespaceSelector", "ipBlock"]);
  if (p.ipBlock !== undefined) {
    if (p.podSelector !== undefined || p.namespaceSelector !== undefined)
      fail(`\`${path}\` may not have \`ipBlock\` with another peer`);
    const b = fields(p.ipBlock, `${path}.ipBlock`, ["cidr", "except"]);
    const outer = cidr(b.cidr, `${path}.ipBlock.cidr`);
    const except = list(b.except, `${path}.ipBlock.except`).map((e, i) => {
      const inner = cidr(e, `${path}.ipBlock.except[${i}]`);
      if (
        inner.family !== outer.family ||
        inner.prefix <= outer.prefix ||
        networkAddress(outer.family, inner.base, outer.prefix) !== outer.base
      ) {
        fail(`\`${path}.ipBlock.except[${i}]\` must be a strict subset of \`cidr\``);
      }
      return inner;
    });
    const block: IpBlock = { cidr: outer, except };
    blocks.push({ text: `${b.cidr}${except.length > 0 ? ` except ${(b.except as string[]).join(", ")}` : ""}`, block });
    return {
      set: { pods: [], ips: [block] },
      object: { ipBlock: { cidr: b.cidr, ...(except.length > 0 ? { except: b.except } : {}) } },
    };
  }
  if (p.podSelector === undefined && p.namespaceSelector === undefined)
    fail(`\`${path}\` must name a peer: \`podSelector\`, \`namespaceSelector\` or \`ipBlock\``);
  const pods = p.podSelector === undefined ? undefined : selector(p.podSelector, `${path}.podSelector`);
  const namespaces =
    p.namespaceSelector === undefined ? undefined : selector(p.namespaceSelector, `${path}.namespaceSelector`);
  const podsHeld = pods ? pods.conjunction : everything;
  const namespacesHeld = namespaces ? namespaces.conjunction : namespaceTerm(namespace);
  return {
    set: { pods: podsHeld && namespacesHeld ? [{ namespaces: namespacesHeld, pods: podsHeld }] : [], ips: [] },
    object: {
      ...(pods ? { podSelector: pods.object } : {}),
      ...(namespaces ? { namespaceSelector: namespaces.object } : {}),
    },
  };
}

function ports(value: unknown, path: string): { set: PortSet; object: Json[] } {
  const entries = list(value, path);
  if (entries.length === 0) return { set: allPorts, object: [] };
  const numeric: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
  const named: NamedPort[] = [];
  const object = entries.map((e, i) => {
    const at = `${path}[${i}]`;
    const x = fields(e, at, ["protocol", "port", "endPort"]);
    const protocol = (x.protocol === undefined ? "TCP" : text(x.protocol, `${at}.protocol`)) as Protocol;
    if (!protocols.includes(protocol))
      fail(`\`${at}.protocol\` must be \`TCP\`, \`UDP\` or \`SCTP\`, not \`${protocol}\``);
    const number = (v: unknown, field: string): number => {
      if (!Number.isInteger(v) || (v as number) < MIN_PORT || (v as number) > MAX_PORT)
        fail(`\`${at}.${field}\` must be a port number from ${MIN_PORT} to ${MAX_PORT}`);
      return v as number;
    };
    if (x.port === undefined) {
      if (x.endPort !== undefined) fail(`\`${at}.endPort\` needs a numeric \`port\``);
      numeric[protocol].push({ from: MIN_PORT, to: MAX_PORT });
      return { protocol };
    }
    if (typeof x.port === "string") {
      const problem = portName(x.port);
      if (problem) fail(`\`${at}.port\`: \`${x.port}\` is neither a port number nor a valid port name: it ${problem}`);
      if (x.endPort !== undefined) fail(`\`${at}.endPort\` needs a numeric \`port\`, not the named port \`${x.port}\``);
      named.push({ name: x.port, protocol });
      return { protocol, port: x.port };
    }
    const from = number(x.port, "port");
    const to = x.endPort === undefined ? from : number(x.endPort, "endPort");
    if (to < from) fail(`\`${at}.endPort\` must not be less than \`port\``);
    numeric[protocol].push({ from, to });
    return { protocol, port: from, ...(x.endPort !== undefined ? { endPort: to } : {}) };
  });
  return { set: portSet(numeric, named), object };
}

function policy(o: Json, span: Span, diagnostics: Diagnostic[]): InputPolicy {
  const metadata = fields(
    o.metadata ?? fail("it has no `metadata`"),
    "metadata",
    Object.keys(isObject(o.metadata) ? o.metadata : {}),
  );
  const name = text(metadata.name ?? fail("it has no `metadata.name`"), "metadata.name");
  const nameProblem = dns1123Subdomain(name);
  if (nameProblem) fail(`its name \`${name}\` ${nameProblem}`);
  let namespace = "default";
  if (metadata.namespace === undefined) diagnostics.push(diagnostic(im.namespaceAssumed, span, [name]));
  else {
    namespace = text(metadata.namespace, "metadata.namespace");
    const problem = dns1123Label(namespace);
    if (problem) fail(`its namespace \`${namespace}\` ${problem}`);
  }
  const id = `${namespace}/${name}`;
  const spec = fields(o.spec ?? fail("it has no `spec`"), "spec", ["podSelector", "ingress", "egress", "policyTypes"]);
  const subject = selector(
    spec.podSelector ?? fail("`spec.podSelector` is required (`{}` selects every pod)"),
    "spec.podSelector",
  );
  const types = list(spec.policyTypes, "spec.policyTypes").map((t, i) => text(t, `spec.policyTypes[${i}]`));
  for (const t of types)
    if (t !== "Ingress" && t !== "Egress")
      fail(`\`spec.policyTypes\` may hold \`Ingress\` and \`Egress\`, not \`${t}\``);
  if (types.length > 2) fail("`spec.policyTypes` may hold at most two types");
  const result: InputPolicy = {
    namespace,
    name,
    id,
    span,
    pods: subject.conjunction ?? everything,
    isolates: { ingress: false, egress: false },
    rules: { ingress: [], egress: [] },
    object: {},
  };
  const objectRules: Record<Direction, Json[]> = { ingress: [], egress: [] };
  for (const direction of ["ingress", "egress"] as const) {
    const peersField = direction === "ingress" ? "from" : "to";
    list(spec[direction], `spec.${direction}`).forEach((r, i) => {
      const at = `spec.${direction}[${i}]`;
      const rule = fields(r ?? {}, at, [peersField, "ports"]);
      const blocks: InputRule["blocks"] = [];
      const peers = list(rule[peersField], `${at}.${peersField}`).map((p, j) =>
        peer(p, `${at}.${peersField}[${j}]`, namespace, blocks),
      );
      const portsRead = ports(rule.ports, `${at}.ports`);
      const set: EndpointSet =
        peers.length === 0
          ? anyEndpoint
          : { pods: peers.flatMap((p) => p.set.pods), ips: peers.flatMap((p) => p.set.ips) };
      result.rules[direction].push({ policy: result, direction, peers: set, ports: portsRead.set, blocks });
      objectRules[direction].push({
        ...(peers.length > 0 ? { [peersField]: peers.map((p) => p.object) } : {}),
        ...(portsRead.object.length > 0 ? { ports: portsRead.object } : {}),
      });
    });
  }
  // the API server's defaulting: no types (absent or empty) means Ingress, and Egress when there is an egress rule
  const defaulted = types.length > 0 ? types : ["Ingress", ...(objectRules.egress.length > 0 ? ["Egress"] : [])];
  // a podSelector that selects no pod (contradictory) isolates nothing
  result.isolates = {
    ingress: subject.conjunction !== undefined && defaulted.includes("Ingress"),
    egress: subject.conjunction !== undefined && defaulted.includes("Egress"),
  };
  result.object = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec: {
      podSelector: subject.object,
      policyTypes: [...new Set(defaulted)],
      ingress: objectRules.ingress,
      egress: objectRules.egress,
    },
  };
  return result;
}

/** Where a document's object starts: past its `---` marker (and a comment on the marker's line). */
function documentStart(span: Span, text: string): Span {
  const { offset, line } = span.start;
  if (!text.startsWith("---", offset)) return { ...span, end: span.start };
  const next = text.indexOf("\n", offset);
  if (next < 0) return { ...span, end: span.start };
  const start = { line: line + 1, column: 1, offset: next + 1 };
  return { file: span.file, start, end: start };
}

/** SP5034 for a namespace secpol cannot own. */
const numberNamespace = (namespace: string, object: string, at: Span): Diagnostic =>
  diagnostic(
    im.unwritable,
    at,
    [`namespace \`${namespace}\``, object, `${notAName(namespace)}, and a program owns its namespaces by name`],
    {
      help: "import the other namespaces' policies without it (a secpol program cannot own this namespace)",
    },
  );

/** The NetworkPolicies and Namespaces of the manifests; other objects are notes, invalid policies errors. */
export function readImportInput(manifests: readonly SourceText[]): ImportInput {
  const { objects, diagnostics } = readManifestObjects(manifests);
  const policies: InputPolicy[] = [];
  const namespaceLabels = new Map<string, Labels>();
  const seen = new Map<string, InputPolicy>();
  const texts = new Map(manifests.map((m) => [m.path, m.text]));
  for (const { object, span } of objects) {
    const at = documentStart(span, texts.get(span.file) ?? "");
    const name = String(isObject(object.metadata) ? (object.metadata.name ?? "") : "");
    if (object.kind === "Namespace" && object.apiVersion === "v1") {
      if (notAName(name)) {
        diagnostics.push(numberNamespace(name, `Namespace \`${name}\``, at));
        continue;
      }
      const labels = isObject(object.metadata?.labels) ? object.metadata.labels : {};
      // the Pod Security labels are the program's `pss` settings, and secpolc sets managed-by itself: not labels it declares
      const kept = Object.entries(labels).filter(
        ([k, v]) =>
          k !== NAMESPACE_NAME_LABEL &&
          !k.startsWith("pod-security.kubernetes.io/") &&
          k !== "app.kubernetes.io/managed-by" &&
          typeof v === "string",
      );
      const unwritable = kept.find(([k]) => !isLabelKeyText(k));
      if (unwritable) {
        const what = `label key \`${unwritable[0]}\``;
        diagnostics.push(
          diagnostic(im.unwritable, at, [what, `Namespace \`${name}\``, keyWhy(unwritable[0])], {
            help: "import the policies without this Namespace (a secpol program cannot give its namespace this label)",
          }),
        );
        continue;
      }
      namespaceLabels.set(name, Object.fromEntries(kept) as Labels);
      continue;
    }
    if (object.kind !== "NetworkPolicy" || object.apiVersion !== "networking.k8s.io/v1") {
      diagnostics.push(diagnostic(im.skippedObject, at, [`${object.apiVersion}/${object.kind}`, name]));
      continue;
    }
    try {
      const read = policy(object, at, diagnostics);
      if (notAName(read.namespace)) {
        diagnostics.push(numberNamespace(read.namespace, `NetworkPolicy \`${read.id}\``, at));
        continue;
      }
      const twin = seen.get(read.id);
      if (twin) {
        diagnostics.push(
          diagnostic(im.repeatedPolicy, at, [read.id], {
            related: [{ span: twin.span, message: "the other definition" }],
          }),
        );
        continue;
      }
      seen.set(read.id, read);
      policies.push(read);
    } catch (e) {
      if (!(e instanceof Invalid || e instanceof Unwritable)) throw e;
      const namespace =
        isObject(object.metadata) && typeof object.metadata.namespace === "string"
          ? `${object.metadata.namespace}/`
          : "";
      const id = `${namespace}${name}`;
      if (e instanceof Unwritable)
        diagnostics.push(
          diagnostic(
            im.unwritable,
            at,
            [`label key \`${e.message}\` in \`${e.cause}\``, `NetworkPolicy \`${id}\``, keyWhy(e.message)],
            {
              help: "import the other policies without it (no secpol program can select by this key)",
            },
          ),
        );
      else diagnostics.push(diagnostic(im.invalidPolicy, at, [id, e.message]));
    }
  }
  return { policies, namespaceLabels, diagnostics };
}
