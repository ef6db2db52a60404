/**
 * YAML for manifests, fast, read as meant by YAML 1.2 and YAML 1.1 readers alike. Manifests are
 * maps, lists and simple scalars; for those this writes what `yaml.stringify(value, { lineWidth: 0,
 * aliasDuplicateObjects: false })` writes, but for strings: a string is written plain only when
 * both YAML 1.2 (the core schema) and YAML 1.1 (as Kubernetes' readers, go-yaml v2 through
 * sigs.k8s.io/yaml, resolve plain scalars, and the 1.1 spec's own types) read it as that same
 * string (`writesPlain`), and double-quoted otherwise, with every character a YAML 1.1 reader
 * could take for a line break or drop escaped (`quoted`). Anything else (a list inside a list, a
 * number yaml writes its own way) hands the whole document to `yaml`, with the same string rule.
 * Tested against `yaml` on every golden file and a fuzzed corpus, read back with `yaml` and with a
 * YAML 1.1 resolver modelled on go-yaml v2's (src/output/yaml11.ts), exhaustively over short
 * strings.
 */
import { Document, Scalar, visit } from "yaml";

const OPTIONS = {
  lineWidth: 0,
  aliasDuplicateObjects: false,
  doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER,
} as const;

/**
 * Plain scalars a YAML 1.1 reader may take for something else than a string, conservatively (in
 * doubt, it is not a string): `yes`/`on`/`y`/`off`/`n`... in every case form (booleans), `~`,
 * `null` (null), `<<` (merge), `=` (value), `.inf`/`.nan`; and, for those starting with a sign, a
 * digit or a dot, with every `_` removed (go-yaml removes them before reading a number): Go's
 * integers (`0X1F`, `0o7`, `0b1`, `017`, `08` read as a float), decimal floats (`1e1_0`, and the
 * 1.1 spec's `1.2.3`), base 60 (`1:20`), and timestamps (`2024-1-2`, with a time or not).
 */
const YAML_1_1_WORD = /^(?:y|yes|n|no|true|false|on|off|null|~|<<|=|[-+]?\.?inf(?:inity)?|[-+]?\.?nan|)$/i;
const YAML_1_1_NUMBER =
  /^[-+]?(?:[0-9][0-9.]*(?:[eE][-+]?[0-9]*)?|\.[0-9.]*(?:[eE][-+]?[0-9]*)?|0[xXoObB][0-9a-fA-F.]*(?:[pP][-+]?[0-9]*)?|[0-9][0-9.]*(?::[0-9][0-9.]*)+)$/;
const YAML_1_1_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt \t])/;

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
  const name =
    CHARACTER_NAMES[code] ??
    (code < 0xa0 ? "a control character" : code < 0xe000 ? "a lone surrogate" : "a non-character");
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")} (${name})`;
}

export function yaml11NotAString(s: string): boolean {
  if (YAML_1_1_WORD.test(s)) return true;
  const c = s.charCodeAt(0);
  // `+`, `-`, `.`, digits
  if (c !== 43 && c !== 45 && c !== 46 && !(c >= 48 && c <= 57)) return false;
  const digits = s.replace(/_/g, "");
  return (YAML_1_1_NUMBER.test(digits) && /[0-9]/.test(digits)) || YAML_1_1_TIMESTAMP.test(s);
}

/** `yaml.stringify`, with every string that `writesPlain` refuses double-quoted. */
export function toYamlSlow(value: unknown): string {
  const doc = new Document(value, OPTIONS);
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && !plain(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString(OPTIONS);
}

/**
 * A string `yaml` writes plain and YAML 1.1 reads as plain: name-like ASCII words, no `: `, no
 * ` #`, no indicator first but a `:` before a word character (`::/0`).
 */
const PLAIN = /^(?:[A-Za-z0-9_/]|:[A-Za-z0-9_./:@,=*-])[A-Za-z0-9_./:@,=*-]*(?: [A-Za-z0-9_./:@,=*-]+)*$/;
/** Plain scalars YAML 1.2's core schema reads as something else than a string. */
const NOT_A_STRING =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;

/** Whether `s` is written plain: only where YAML 1.2 and YAML 1.1 readers both read it back as `s`. */
export const writesPlain = (s: string): boolean =>
  PLAIN.test(s) && !NOT_A_STRING.test(s) && !yaml11NotAString(s) && !s.endsWith(":") && !s.includes(": ");

/**
 * `s` double-quoted, with JSON's escapes (YAML 1.1 and 1.2 share them): `"` and `\\`, `\n`,
 * `\t`, `\r`, and as `\uXXXX` every character outside YAML 1.1's printable set and those a YAML
 * 1.1 reader takes for a line break (NEL, U+2028, U+2029) or may drop (the byte order mark).
 */
export function quoted(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escape: string | undefined;
    if (c === 34) escape = '\\"';
    else if (c === 92) escape = "\\\\";
    else if (c === 10) escape = "\\n";
    else if (c === 9) escape = "\\t";
    else if (c === 13) escape = "\\r";
    else if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0xfeff ||
      c === 0xfffe ||
      c === 0xffff ||
      isLoneSurrogate(s, i)
    ) {
      escape = `\\u${c.toString(16).padStart(4, "0")}`;
    } else if (c >= 0xd800 && c <= 0xdbff) i++; // a pair: one printable character
    if (escape !== undefined) {
      out += s.slice(start, i) + escape;
      start = i + 1;
    }
  }
  return `${out}${s.slice(start)}"`;
}

function isLoneSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xdc00 && c <= 0xdfff) return true;
  if (c < 0xd800 || c > 0xdbff) return false;
  const next = s.charCodeAt(i + 1);
  return !(next >= 0xdc00 && next <= 0xdfff);
}

/** Manifests repeat the same few strings (keys, protocols, label values): each is classified once (a bounded cache). */
const plainCache = new Map<string, boolean>();
function plain(s: string): boolean {
  const result = plainCache.get(s);
  return result === undefined ? classify(s) : result;
}

/**
 * Whether `s` is certainly written plain, by one pass over its characters: a letter first, then
 * letters, digits and `_./:,-`, words separated by single spaces, at least one character not a
 * letter, no `: ` and no `:` last. Every such string is one `writesPlain` lets through: `PLAIN`
 * takes it; `NOT_A_STRING` and YAML 1.1's words are letters only or start with a sign, a digit, a
 * dot, `~`, `<` or `=`, and YAML 1.1's numbers and timestamps start with a sign, a digit or a dot.
 * What it does not take is classified in full. (Most strings secpolc writes are names, label
 * values and source annotations: they skip the five expressions, and are not kept in the cache,
 * which a 20,000-service build filled and cleared (70,000 strings, about 42,000 of them names and
 * annotations written once), classifying what it held again. Kept too, they were no faster: a
 * look-up costs about what the pass over a short name does.)
 */
export function namePlain(s: string): boolean {
  const n = s.length;
  const first = s.charCodeAt(0) | 32;
  if (!(first >= 97 && first <= 122)) return false;
  let other = false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c | 32) >= 97 && (c | 32) <= 122) continue;
    other = true;
    if (c >= 48 && c <= 57) continue;
    // `-` `.` `/` `,` `_`
    if (c === 45 || c === 46 || c === 47 || c === 44 || c === 95) continue;
    if (c === 58) {
      // `:` neither last nor before a space
      if (i === n - 1 || s.charCodeAt(i + 1) === 32) return false;
      continue;
    }
    // a space between two words
    if (c === 32 && i < n - 1 && s.charCodeAt(i + 1) !== 32) continue;
    return false;
  }
  return other;
}

/** `writesPlain(s)`, kept in `plainCache` (but for the strings `namePlain` takes). */
function classify(s: string): boolean {
  if (namePlain(s)) return true;
  if (plainCache.size >= 50_000) plainCache.clear();
  const result = writesPlain(s);
  plainCache.set(s, result);
  return result;
}

/** A key as written (plain or quoted), with its colon, and with the colon and a space: flat texts. */
interface KeyText {
  colon: string;
  space: string;
}

/**
 * Manifests' keys are few (field names, label keys): each one's texts are made once (a bounded
 * cache), so that a line is two concatenations, not three, and a third fewer pieces to copy when
 * the file's lines are joined.
 */
const keyTexts = new Map<string, KeyText>();
function keyText(key: string): KeyText {
  if (keyTexts.size >= 50_000) keyTexts.clear();
  const k = plain(key) ? key : quoted(key);
  // (`join` makes flat texts, where `+` would keep a pair of the two for every line to copy)
  const text = { colon: [k, ":"].join(""), space: [k, ": "].join("") };
  keyTexts.set(key, text);
  return text;
}

/** Thrown where a value is left to `yaml` (`toYamlSlow`). */
export class NotSimple extends Error {}

/** A string as written, plain or quoted. */
export const stringText = (s: string): string => (plain(s) ? s : quoted(s));

function scalar(value: unknown): string {
  if (typeof value === "string") return stringText(value);
  // String(-0) is "0" where yaml writes -0: left to yaml, like every other case this one does not know
  if (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === "boolean") return String(value);
  if (value === null) return "null";
  throw new NotSimple();
}

/** Whether a map has no keys (without listing them). */
export function isEmptyMap(value: Record<string, unknown>): boolean {
  for (const _ in value) return false;
  return true;
}

/**
 * `key: value` lines of a map at `indent`, the first one starting with `first` instead (a list's
 * dash). (`for...in`: manifests are plain objects, their keys in `Object.keys` order.) The cache
 * of `plain` is asked here, not through calls: this runs once per line, much of it before V8
 * optimizes it, and V8's bounded inlining left some of those calls in its optimized code.
 */
function map(value: Record<string, unknown>, indent: string, first: string, out: string[]): void {
  let lead = first;
  for (const key in value) {
    const v = value[key];
    if (v === undefined) continue;
    let text = keyTexts.get(key);
    if (text === undefined) text = keyText(key);
    if (typeof v === "string") {
      let plainValue = plainCache.get(v);
      if (plainValue === undefined) plainValue = classify(v);
      out.push(lead + text.space + (plainValue ? v : quoted(v)));
    } else if (typeof v !== "object" || v === null) out.push(lead + text.space + scalar(v));
    else if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${lead}${text.space}[]`);
      else {
        out.push(lead + text.colon);
        list(v, `${indent}  `, out);
      }
    } else if (isEmptyMap(v as Record<string, unknown>)) out.push(`${lead}${text.space}{}`);
    else {
      out.push(lead + text.colon);
      const inner = `${indent}  `;
      map(v as Record<string, unknown>, inner, inner, out);
    }
    lead = indent;
  }
  // a list item that is a map of nothing but undefined values: left to yaml
  if (lead === first && first !== indent) throw new NotSimple();
}

/** `- item` lines of a list at `indent`; a map item starts on the dash's line. */
function list(value: readonly unknown[], indent: string, out: string[]): void {
  // (the items' indentations, made once per list)
  let inner: string | undefined;
  let dash: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item === "string") {
      let plainItem = plainCache.get(item);
      if (plainItem === undefined) plainItem = classify(item);
      out.push((dash ??= `${indent}- `) + (plainItem ? item : quoted(item)));
    } else if (typeof item !== "object" || item === null) {
      if (item === undefined) throw new NotSimple();
      out.push((dash ??= `${indent}- `) + scalar(item));
    } else if (Array.isArray(item)) throw new NotSimple();
    else if (isEmptyMap(item as Record<string, unknown>)) out.push(`${indent}- {}`);
    else map(item as Record<string, unknown>, (inner ??= `${indent}  `), (dash ??= `${indent}- `), out);
  }
}

export { map as mapLines, list as listLines };

export function toYaml(value: unknown): string {
  const out: string[] = [];
  return yamlLines(value, out) ? `${out.join("\n")}\n` : toYamlSlow(value);
}

/**
 * Appends to `out` the lines of `toYaml(value)` (each without its line break), so that a file of
 * many documents is joined once; false (and `out` as it was) where `toYaml` leaves the document to
 * `yaml`. The lines of a document `yaml` writes are its text less the last line break.
 */
export function yamlLines(value: unknown, out: string[]): boolean {
  const start = out.length;
  if (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !isEmptyMap(value as Record<string, unknown>)
  ) {
    try {
      map(value as Record<string, unknown>, "", "", out);
      // (a map of nothing but undefined values is an empty line)
      if (out.length === start) out.push("");
      return true;
    } catch (e) {
      if (!(e instanceof NotSimple)) throw e;
      out.length = start;
    }
  }
  return false;
}
