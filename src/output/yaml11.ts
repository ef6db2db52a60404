/**
 * How go-yaml v2 types a plain scalar: what Kubernetes reads manifests with (sigs.k8s.io/yaml:
 * `kubectl apply`, kustomize). One resolver, for reading manifests as kubectl does (audit,
 * migrate-psp) and for the tests that check the emitter's quoting against it.
 *
 * In short: a scalar whose first character is none of `+-0123456789.yYnNtTfFoO~` is a string;
 * otherwise it is looked up in a table (`y`, `Yes`, `ON`, `off`, `~`, `null`, `.inf`, `<<`, ...);
 * starting with `.` it is a float when Go's `strconv.ParseFloat` reads it; starting with a sign or a
 * digit, it is a timestamp when Go's `time.Parse` reads it in one of four layouts, and otherwise,
 * with every `_` removed, an integer when `strconv.ParseInt(s, 0, 64)` or `ParseUint` reads it (Go's
 * syntax: `0x`/`0X`, `0o`/`0O`, `0b`/`0B`, a leading `0` for octal), a float when it has YAML's
 * float syntax and `ParseFloat` reads it (not out of range), and an integer again when `ParseUint`
 * failed only on its range (math/big). No base 60.
 */
export type Yaml11Type = "str" | "int" | "float" | "bool" | "null" | "timestamp" | "merge" | "value";

const TABLE = new Map<string, Yaml11Type>();
for (const [type, words] of [
  ["bool", "y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF"],
  ["null", "~ null Null NULL"],
  ["float", ".nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF"],
  ["merge", "<<"],
] as const) {
  for (const w of words.split(" ")) TABLE.set(w, type);
}
TABLE.set("", "null");

/**
 * The first characters go-yaml v2 looks further at (its `resolveTable`): others are strings at once.
 * `<` is not among them, but its decoder takes a plain `<<` key for a merge (`isMerge`).
 */
const HINTS = new Set("+-0123456789yYnNtTfFoO~.<");

/** Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` on a string without underscores: "ok", "range" or "syntax". */
function goParseInteger(s: string, signed: boolean): "ok" | "range" | "syntax" {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m || (!signed && m[1] !== "")) return "syntax";
  const digits = m[2];
  let value: bigint;
  if (/^0[xXoObB]/.test(digits)) value = BigInt(`0${digits[1].toLowerCase()}${digits.slice(2)}`);
  else if (digits.length > 1 && digits[0] === "0") value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  if (m[1] === "-") value = -value;
  const [min, max] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  return value < min || value > max ? "range" : "ok";
}

/** Go's underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function goUnderscoresOk(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "bBoOxX".includes(s[1])) {
    i = 2;
    saw = "0";
    hex = "xX".includes(s[1]);
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) saw = "0";
    else if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
    } else {
      if (saw === "_") return false;
      saw = "!";
    }
  }
  return saw !== "_";
}

/** Go's `strconv.ParseFloat(s, 64)` succeeds (decimal and hexadecimal syntax, `inf`/`nan`, not out of range). */
function goParseFloat(s: string): boolean {
  if (s.includes("_")) {
    if (!goUnderscoresOk(s)) return false;
    s = s.replace(/_/g, "");
  }
  if (/^[-+]?(?:inf|infinity)$/i.test(s) || /^nan$/i.test(s)) return true;
  if (/^[-+]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][-+]?[0-9]+$/.test(s)) return true;
  if (!/^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(s)) return false;
  return Number.isFinite(Number(s));
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** go-yaml v2's parseTimestamp: `time.Parse` with `2006-1-2T15:4:5.999999999Z07:00` (or `t`), `2006-1-2 15:4:5.999999999`, `2006-1-2`. */
function goTimestamp(s: string): boolean {
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:([Tt])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})| ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?)?$/.exec(
      s,
    );
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && !leap ? 28 : DAYS[month - 1])) return false;
  const [h, min, sec] = (m[4] ? [m[5], m[6], m[7]] : m[8] ? [m[8], m[9], m[10]] : ["0", "0", "0"]).map(Number);
  return h < 24 && min < 60 && sec < 60;
}

/** The type go-yaml v2 gives a plain scalar. */
export function resolveGoYamlV2(plain: string): Yaml11Type {
  if (plain !== "" && !HINTS.has(plain[0])) return "str";
  const known = TABLE.get(plain);
  if (known) return known;
  const hint = plain[0];
  if (hint === ".") return goParseFloat(plain) ? "float" : "str";
  if ("yYnNtTfFoO~".includes(hint)) return "str";
  if (goTimestamp(plain)) return "timestamp";
  const digits = plain.replace(/_/g, "");
  if (goParseInteger(digits, true) === "ok") return "int";
  const unsigned = goParseInteger(digits, false);
  if (unsigned === "ok") return "int";
  if (YAML_STYLE_FLOAT.test(digits) && goParseFloat(digits)) return "float";
  if (unsigned === "range") return "int";
  return "str";
}

/**
 * The value go-yaml v2 gives an untagged plain scalar, as JSON has it after sigs.k8s.io/yaml:
 * booleans, null, numbers (integers beyond 2^53 lose precision), and the text itself for strings,
 * timestamps (kept as strings for an untyped target) and `<<`.
 */
export function goYamlValue(text: string): unknown {
  const type = resolveGoYamlV2(text);
  if (type === "bool") return /^(?:y|yes|true|on)$/i.test(text);
  if (type === "null") return null;
  const digits = text.replace(/_/g, "");
  if (type === "float") {
    if (/^[-+]?\.inf$/i.test(digits)) return digits.startsWith("-") ? -Infinity : Infinity;
    if (/^\.nan$/i.test(digits)) return Number.NaN;
    return Number(digits);
  }
  if (type !== "int") return text;
  const sign = digits.startsWith("-") ? -1 : 1;
  const unsigned = digits.replace(/^[-+]/, "");
  const octal = /^0[0-7]+$/.test(unsigned) ? `0o${unsigned.slice(1)}` : unsigned;
  return sign * Number(BigInt(octal.replace(/^0([XOB])/, (_, c: string) => `0${c.toLowerCase()}`)));
}
