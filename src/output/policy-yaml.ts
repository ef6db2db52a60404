/**
 * A NetworkPolicy's YAML lines as the compiler makes the object, written with what is known of
 * its shape: the head of the document (`apiVersion` to the source annotation, the fixed lines
 * between its three strings) as one text, and the parts the compiler shares between objects (a
 * peer, a rule's `ports`, `policyTypes`) written once per output and their text used again
 * wherever the same object comes back. In a NetworkPolicy every peer, every rule's `ports` and
 * every `policyTypes` stands at one place (one indentation, after one lead), so an object's text
 * there is a function of the object alone; and nothing changes an emitted object while its file is
 * written, so the texts, kept for one `writeOutput` call only, are those of the objects as they
 * are. Each part's text, and every line not in a part, is what `map` and `list` write (the same
 * functions, or lines checked to be theirs by the tests): the bytes are those of the general
 * writer. Anything else than the compiler's shape (another key, an empty list, a label of the
 * object's own, a value of another type) is written by the general writer, the whole document.
 */
import { SOURCE_ANNOTATION } from "./manifest.js";
import { MANAGED_BY_LABEL } from "../kubernetes.js";
import { isEmptyMap, listLines, mapLines, namePlain, NotSimple, stringText } from "./yaml.js";

/** The texts of one output's shared parts, by object (made per `writeOutput` call, never kept past it). */
export class PolicyTexts {
  /** a peer, as an item of a rule's `from` or `to` */
  readonly peers = new Map<object, string>();
  /** a rule's `ports` list with its key's line, the rule's first key (`- ports:`) */
  readonly portsFirst = new Map<object, string>();
  /** a rule's `ports` list with its key's line, after the rule's peers (`ports:`) */
  readonly ports = new Map<object, string>();
  /** a `policyTypes` line and its items */
  readonly policyTypes = new Map<object, string>();
  /** whether a source file's name makes plain source annotations (`plainPlaces`) */
  readonly plainFiles = new Map<string, boolean>();
}

/**
 * Whether the source annotation of these places (`sourceAnnotation`: `file:line` texts separated by
 * `, `) is certainly written plain, known from their files alone: true when `namePlain` takes every
 * file's name followed by `:1`. Then `namePlain` takes the annotation: what it asks of a character
 * depends only on the character after it (a `:` or a space must not be followed by a space), and
 * every character of a file's name is followed in the annotation by what follows it in `name:1`
 * (within the name, or the `:` after it); the line numbers' digits (or `NaN`) and `,` are taken
 * whatever follows them; the `:` before a line number is followed by its first digit, the space
 * of `, ` by the next name's first character, a letter; the annotation starts with a name's first
 * letter and holds a `:`, a character not a letter. Without places, false (the empty annotation is
 * quoted). (A build's few files are each asked once per
 * output, where the annotations, a third of the policies' text at 20,000 services, were read
 * character by character.)
 */
export function plainPlaces(places: readonly { file: string }[], texts: PolicyTexts): boolean {
  let file: string | undefined;
  for (let i = 0; i < places.length; i++) {
    const f = places[i].file;
    if (f === file) continue;
    file = f;
    let plain = texts.plainFiles.get(f);
    if (plain === undefined) texts.plainFiles.set(f, (plain = namePlain(`${f}:1`)));
    if (!plain) return false;
  }
  // (no place: the annotation is empty, and quoted)
  return file !== undefined;
}

const API_VERSION = "networking.k8s.io/v1";
const KIND = "NetworkPolicy";

/**
 * The document's first lines up to its name, between its name and namespace, and from there to
 * its source annotation (the labels are the managed-by label alone). Their keys and values are
 * plain: `writesPlain` takes every one (tested).
 */
export const POLICY_HEAD = `apiVersion: ${API_VERSION}\nkind: ${KIND}\nmetadata:\n  name: `;
/** `POLICY_HEAD` after another document, with the `---` line between them. */
const NEXT_POLICY_HEAD = `---\n${POLICY_HEAD}`;
export const POLICY_NAMESPACE = "\n  namespace: ";
export const POLICY_SOURCE = `\n  labels:\n    ${MANAGED_BY_LABEL}: secpolc\n  annotations:\n    ${SOURCE_ANNOTATION}: `;

// the indentation of a rule's lists' items, and of an item's keys
const ITEM_INDENT = "        ";
const ITEM_DASH = "        - ";
const ITEM_INNER = "          ";

/**
 * Appends the lines of a NetworkPolicy (as `yamlLines` would) and says true; or says false, `out`
 * as it was, where the object is not of the compiler's shape or the general writer leaves a part of
 * it to `yaml`. `plainSource`: its source annotation is one `plainPlaces` takes. `next`: the
 * document follows another in its file, and its lines start with the `---` line between them.
 * (The lines appended are fewer than the text's lines: fixed lines are held together with the text
 * before or after them, a file's `join` then has fewer pieces to visit.)
 */
export function policyLines(
  value: unknown,
  out: string[],
  texts: PolicyTexts,
  plainSource = false,
  next = false,
): boolean {
  const start = out.length;
  try {
    if (documentLines(value, out, texts, plainSource, next)) return true;
  } catch (e) {
    if (!(e instanceof NotSimple)) throw e;
  }
  out.length = start;
  return false;
}

const DOCUMENT_KEYS = ["apiVersion", "kind", "metadata", "spec"] as const;
const METADATA_KEYS = ["name", "namespace", "labels", "annotations"] as const;

function documentLines(
  value: unknown,
  out: string[],
  texts: PolicyTexts,
  plainSource: boolean,
  next: boolean,
): boolean {
  if (!hasKeys(value, DOCUMENT_KEYS)) return false;
  const document = value as Record<string, unknown>;
  if (document.apiVersion !== API_VERSION || document.kind !== KIND) return false;
  const head = headText(document.metadata, plainSource, next);
  const spec = document.spec;
  if (head === undefined || typeof spec !== "object" || spec === null || Array.isArray(spec)) return false;
  out.push(head);
  return specLines(spec as Record<string, unknown>, out, texts);
}

/**
 * The lines from `apiVersion` to `spec:`, as one text; undefined where the metadata is not the
 * compiler's. `plainSource`: the source annotation is known to be plain (`plainPlaces`).
 */
function headText(metadata: unknown, plainSource: boolean, next: boolean): string | undefined {
  if (!hasKeys(metadata, METADATA_KEYS)) return undefined;
  const { name, namespace, labels, annotations } = metadata as Record<string, unknown>;
  if (!hasKeys(annotations, SOURCE_KEYS) || !hasKeys(labels, LABEL_KEYS)) return undefined;
  const source = (annotations as Record<string, unknown>)[SOURCE_ANNOTATION];
  if (
    typeof name !== "string" ||
    typeof namespace !== "string" ||
    (labels as Record<string, unknown>)[MANAGED_BY_LABEL] !== "secpolc" ||
    typeof source !== "string"
  )
    return undefined;
  return `${next ? NEXT_POLICY_HEAD : POLICY_HEAD}${onceText(name)}${POLICY_NAMESPACE}${stringText(namespace)}${POLICY_SOURCE}${plainSource ? source : onceText(source)}\nspec:`;
}

const SOURCE_KEYS = [SOURCE_ANNOTATION] as const;
const LABEL_KEYS = [MANAGED_BY_LABEL] as const;

/**
 * A string written once (a policy's name, its source annotation): `namePlain` asked first, before
 * the cache of `plain`, whose look-up would hash it for nothing (the cache keeps no name-like string).
 */
const onceText = (s: string): string => (namePlain(s) ? s : stringText(s));

/**
 * Whether `value` is a map whose keys are exactly `keys`, in their order (its values are then read
 * by name: no list of them is made per document).
 */
function hasKeys(value: unknown, keys: readonly string[]): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  let n = 0;
  for (const k in value as Record<string, unknown>) if (k !== keys[n++]) return false;
  return n === keys.length;
}

function specLines(spec: Record<string, unknown>, out: string[], texts: PolicyTexts): boolean {
  for (const key in spec) {
    const v = spec[key];
    if (typeof v !== "object" || v === null) return false;
    if (key === "podSelector") {
      if (Array.isArray(v)) return false;
      if (isEmptyMap(v as Record<string, unknown>)) out.push("  podSelector: {}");
      else {
        out.push("  podSelector:");
        mapLines(v as Record<string, unknown>, "    ", "    ", out);
      }
    } else if (key === "policyTypes") {
      if (!Array.isArray(v) || v.length === 0) return false;
      let text = texts.policyTypes.get(v);
      if (text === undefined) texts.policyTypes.set(v, (text = partText("  policyTypes:", v, "    ")));
      out.push(text);
    } else if (key === "ingress" || key === "egress") {
      if (!Array.isArray(v) || v.length === 0) return false;
      // (the key's line goes with the first rule's first line)
      for (let i = 0; i < v.length; i++)
        if (!ruleLines(v[i], out, texts, i > 0 ? undefined : key === "ingress")) return false;
    } else return false;
  }
  return true;
}

/**
 * The first line of a rule's key `from` or `to` (`first`: the rule's first key), after the line of
 * its direction's key when `ingress` is given (the direction's first rule: true for `ingress`, false
 * for `egress`).
 */
function peersLine(from: boolean, first: boolean, ingress: boolean | undefined): string {
  if (!first) return from ? "      from:" : "      to:";
  if (ingress === undefined) return from ? "    - from:" : "    - to:";
  if (ingress) return from ? "  ingress:\n    - from:" : "  ingress:\n    - to:";
  return from ? "  egress:\n    - from:" : "  egress:\n    - to:";
}

/**
 * A rule's lines: its keys `from` or `to` (peers) and `ports`, each a list of some items; for its
 * direction's first rule (`ingress` given: true for `ingress`, false for `egress`), after the
 * line of the direction's key.
 */
function ruleLines(rule: unknown, out: string[], texts: PolicyTexts, ingress?: boolean): boolean {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) return false;
  let first = true;
  for (const key in rule as Record<string, unknown>) {
    const v = (rule as Record<string, unknown>)[key];
    if (!Array.isArray(v) || v.length === 0) return false;
    if (key === "from" || key === "to") {
      out.push(peersLine(key === "from", first, ingress));
      for (let i = 0; i < v.length; i++) {
        const peer: unknown = v[i];
        if (typeof peer !== "object" || peer === null || Array.isArray(peer)) return false;
        let text = texts.peers.get(peer);
        if (text === undefined) {
          if (isEmptyMap(peer as Record<string, unknown>)) return false;
          const lines: string[] = [];
          mapLines(peer as Record<string, unknown>, ITEM_INNER, ITEM_DASH, lines);
          texts.peers.set(peer, (text = lines.join("\n")));
        }
        out.push(text);
      }
    } else if (key === "ports") {
      // (the key's line kept with the list's: the rule's first key, or after its peers)
      const kept = first ? texts.portsFirst : texts.ports;
      let text = kept.get(v);
      if (text === undefined) kept.set(v, (text = partText(first ? "    - ports:" : "      ports:", v, ITEM_INDENT)));
      if (first && ingress !== undefined) out.push(ingress ? "  ingress:" : "  egress:");
      out.push(text);
    } else return false;
    first = false;
  }
  return !first;
}

/** A list's lines at `indent` (after its key's line, if given) as one text. */
function partText(keyLine: string | undefined, list: readonly unknown[], indent: string): string {
  const lines: string[] = keyLine === undefined ? [] : [keyLine];
  listLines(list, indent, lines);
  return lines.join("\n");
}
