/**
 * YAML for manifests, fast. Manifests are maps, lists and simple scalars; for those this writes
 * exactly what `yaml.stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })` writes (but
 * for the strings YAML 1.1 would misread, which are quoted: `YAML_1_1_NOT_A_STRING`), and
 * for anything else (a string that would need quotes, an empty key, a list inside a list) it hands
 * the whole document to `yaml`. Tested byte-for-byte against `yaml` on every golden file and a
 * fuzzed corpus, and parsed back to the same objects.
 */
import { Document, Scalar, visit } from "yaml";

const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/**
 * Strings a YAML 1.1 reader takes for something else: `yes`/`on`/`y` (booleans), `1_000`, `0b101`,
 * `017`, `1:20` (numbers), `2024-01-01` (a timestamp). `yaml` writes YAML 1.2, where they are plain
 * strings, but Kubernetes reads manifests with a YAML 1.1 parser (`kubectl apply` would see a label
 * value `yes` as `true` and reject it): they are always written double-quoted. (The forms that are
 * not strings in YAML 1.2 too, `true`, `null`, `0x1F`, `1e3`, ..., `yaml` quotes itself.)
 */
export const YAML_1_1_NOT_A_STRING =
  /^(?:[Yy]|[Yy]es|YES|[Nn]|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF|~|[Nn]ull|NULL|<<|=|[-+]?(?:0b[0-1_]+|0[0-7_]+|[0-9][0-9_]*|0x[0-9a-fA-F_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+|(?:[0-9][0-9_]*)?\.[0-9_]*|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|\.(?:inf|Inf|INF))|\.(?:nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt \t].*)?)$/;

/**
 * Characters that do not survive a YAML plain or double-quoted scalar written as themselves: what
 * YAML does not allow in a stream (C0 and C1 controls, DEL, lone surrogates, U+FFFE, U+FFFF), the
 * line breaks of YAML 1.1 that YAML 1.2 reads as text (U+0085, U+2028, U+2029: `kubectl kustomize`
 * and `yaml` disagree on them), the byte-order mark, and tab. Free-form strings and file names that
 * reach the output are refused when they hold one.
 */
export const YAML_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/u;

const CHARACTER_NAMES: Record<number, string> = {
  0x09: "a tab",
  0x0a: "a line feed",
  0x0d: "a carriage return",
  0x85: "NEXT LINE",
  0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR",
  0xfeff: "a byte-order mark",
};

/** A character for a message: `U+2028 (LINE SEPARATOR)`, `U+001B (a control character)`. */
export function codePointName(c: string): string {
  const code = c.codePointAt(0)!;
  const name = CHARACTER_NAMES[code] ?? (code < 0xa0 ? "a control character" : code < 0xe000 ? "a lone surrogate" : "a non-character");
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")} (${name})`;
}

/** `yaml.stringify`, with the strings a YAML 1.1 reader would misread double-quoted. */
export function toYamlSlow(value: unknown): string {
  const doc = new Document(value, OPTIONS);
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && YAML_1_1_NOT_A_STRING.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString(OPTIONS);
}

/** A string `yaml` writes plain: name-like words, no `: ` or ` #`, nothing YAML would read as another type. */
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./:@,=-]*(?: [A-Za-z0-9_./:@,=-]+)*$/;
const NOT_A_STRING = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;
const isPlain = (s: string) => PLAIN.test(s) && !NOT_A_STRING.test(s) && !YAML_1_1_NOT_A_STRING.test(s) && !s.endsWith(":") && !s.includes(": ");

/** Manifests repeat the same few strings (keys, protocols, label values): each is classified once (a bounded cache). */
const plainCache = new Map<string, boolean>();
function plain(s: string): boolean {
  let result = plainCache.get(s);
  if (result === undefined) {
    if (plainCache.size >= 50_000) plainCache.clear();
    plainCache.set(s, (result = isPlain(s)));
  }
  return result;
}

class NotSimple extends Error {}

function scalar(value: unknown): string {
  if (typeof value === "string") {
    if (!plain(value)) throw new NotSimple();
    return value;
  }
  // String(-0) is "0" where yaml writes -0: left to yaml, like every other case this one does not know
  if (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === "boolean") return String(value);
  if (value === null) return "null";
  throw new NotSimple();
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether a map has no keys (without listing them). */
function isEmptyMap(value: Record<string, unknown>): boolean {
  for (const _ in value) return false;
  return true;
}

/** `key: value` lines of a map at `indent`. (`for...in`: manifests are plain objects, their keys in `Object.keys` order.) */
function map(value: Record<string, unknown>, indent: string, out: string[]): void {
  for (const key in value) {
    const v = value[key];
    if (v === undefined) continue;
    const k = scalar(key);
    if (isMap(v)) {
      if (isEmptyMap(v)) out.push(`${indent}${k}: {}`);
      else {
        out.push(`${indent}${k}:`);
        map(v, `${indent}  `, out);
      }
    } else if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${indent}${k}: []`);
      else {
        out.push(`${indent}${k}:`);
        list(v, `${indent}  `, out);
      }
    } else out.push(`${indent}${k}: ${scalar(v)}`);
  }
}

/** `- item` lines of a list at `indent`; a map item starts on the dash's line. */
function list(value: readonly unknown[], indent: string, out: string[]): void {
  for (const item of value) {
    if (isMap(item)) {
      if (isEmptyMap(item)) {
        out.push(`${indent}- {}`);
        continue;
      }
      const first = out.length;
      map(item, `${indent}  `, out);
      out[first] = `${indent}- ${out[first].slice(indent.length + 2)}`;
    } else if (Array.isArray(item) || item === undefined) throw new NotSimple();
    else out.push(`${indent}- ${scalar(item)}`);
  }
}

export function toYaml(value: unknown): string {
  if (!isMap(value) || isEmptyMap(value)) return toYamlSlow(value);
  try {
    const out: string[] = [];
    map(value, "", out);
    return `${out.join("\n")}\n`;
  } catch (e) {
    if (e instanceof NotSimple) return toYamlSlow(value);
    throw e;
  }
}
