/**
 * How YAML 1.1 readers type a plain scalar, for tests: go-yaml v2's (src/output/yaml11.ts, what
 * Kubernetes reads manifests with) and `resolveYaml11Spec`, the tag regular expressions of the YAML
 * 1.1 type repository (PyYAML and other 1.1 readers). `readYaml11` parses YAML text (with `yaml`,
 * for its structure) and types every plain scalar with both: a string the writer meant must come
 * back a string. The emitter's own quoting rule (src/output/yaml.ts) is a separate, conservative
 * check that these test.
 */
import { parseAllDocuments, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { goYamlValue, resolveGoYamlV2, type Yaml11Type } from "../../src/output/yaml11.js";

export { resolveGoYamlV2, type Yaml11Type };

/** The YAML 1.1 type repository's regular expressions (yaml.org/type: bool, int, float, null, merge, value, timestamp). */
const SPEC: [Yaml11Type, RegExp][] = [
  ["bool", /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/],
  [
    "int",
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  ],
  [
    "float",
    /^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  ],
  ["null", /^(?:~|null|Null|NULL|)$/],
  ["merge", /^<<$/],
  ["value", /^=$/],
  [
    "timestamp",
    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*Z|[-+][0-9][0-9]?(?::[0-9][0-9])?)?)?$/,
  ],
];

export function resolveYaml11Spec(plain: string): Yaml11Type {
  return SPEC.find(([, re]) => re.test(plain))?.[0] ?? "str";
}

/** A plain scalar go-yaml v2 reads as a string that the YAML 1.1 spec types otherwise. */
export interface Misread {
  text: string;
  spec: Yaml11Type;
}

/**
 * The value go-yaml v2 gives a plain scalar of type `type` (timestamps as `{ timestamp }`). `<<` is
 * a merge only as a key (its decoder's `isMerge`); as a value it is the string `<<`.
 */
function goValue(text: string, type: Yaml11Type, key: boolean): unknown {
  if (type === "merge") return key ? { merge: text } : text;
  if (type === "timestamp") return { timestamp: text };
  return goYamlValue(text);
}

/**
 * The documents of `text` as YAML 1.1 readers see them: a quoted scalar is its string; a plain one
 * is what go-yaml v2 makes of it (a string, a number, a boolean, null, `{ timestamp }`), or a
 * `Misread` where go-yaml v2 keeps the string and the YAML 1.1 spec does not. Keys likewise (a key
 * that is not a string becomes `<TYPE:TEXT>`).
 */
export function readYaml11(text: string, options: { spec?: boolean } = {}): unknown[] {
  // `spec: false`: go-yaml v2 alone (what Kubernetes reads with), for text other tools wrote
  const spec = options.spec ?? true;
  const convert = (node: Node | null | undefined, key = false): unknown => {
    if (node === null || node === undefined) return null;
    if (isScalar(node)) {
      if (node.type !== "PLAIN") return node.value;
      const source = node.source as string;
      const goYamlV2 = resolveGoYamlV2(source);
      if (goYamlV2 !== "str") return goValue(source, goYamlV2, key);
      const specType = spec ? resolveYaml11Spec(source) : "str";
      return specType === "str" ? source : ({ text: source, spec: specType } satisfies Misread);
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = convert(pair.key as Node, true);
        const k = pair.key as Node;
        out[
          typeof key === "string"
            ? key
            : `<${isScalar(k) && k.type === "PLAIN" ? resolveGoYamlV2(k.source as string) : "?"}:${isScalar(k) ? String(k.source) : "?"}>`
        ] = convert(pair.value as Node);
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item) => convert(item as Node));
    throw new Error(`unexpected YAML node ${String(node)}`);
  };
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("; "));
    return convert(doc.contents as Node);
  });
}
