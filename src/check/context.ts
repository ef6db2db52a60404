/**
 * What the parts of the checker share: the diagnostics, the binding and the model as it is built
 * (the cluster, the owned namespaces, the workloads), and the readers of the values every part
 * meets — port numbers, protocols, label selectors, CIDR blocks — each reporting where it is wrong.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { compareStrings } from "../diagnostics/diagnostic.js";
import { Diagnostics } from "../diagnostics/catalogue.js";
import { meant } from "../diagnostics/suggest.js";
import { names as m } from "../diagnostics/messages/names.js";
import type * as ast from "../syntax/ast.js";
import { formatCidr, parseCidr, type Cidr } from "../semantics/ip.js";
import { conjunctionOf, type Conjunction, type Requirement } from "../semantics/labels.js";
import type { Cluster, OwnedNamespace, Workload } from "../semantics/model.js";
import type { Protocol } from "../semantics/ports.js";
import { replay, type Binding } from "./binder.js";
import type { CheckReuse } from "./reuse.js";
import * as valid from "./values.js";

export interface CheckOptions {
  clusterVersion?: string;
  /** Whether the build emits ValidatingAdmissionPolicies (unless `false`), which enforce every `deny`. */
  admissionPolicies?: boolean;
  /** What earlier versions of the program checked (the language server's), reused where nothing it read changed. */
  reuse?: CheckReuse;
  /**
   * `false`: the binding has no reference for a namespace's name (`ns/name`, `ns/*`, `in ns NAME`,
   * ...). The checker reads no such reference: they are for the binding's readers (the language
   * server, symbols), and `build` lets its binding go once the program is checked. At 20,000
   * services about 81,000 objects (one per qualified peer), each an entry in its file's node map,
   * living from the binding to the model: the young generation's collections copied each twice.
   */
  namespaceReferences?: boolean;
  /**
   * `false`: the binding has no reference for a peer's name (`allow a/web -> db`): the checker asks
   * `Binding.peerDeclarations`, which resolves the name when asked, and nothing else of `build` reads
   * them. At 20,000 services about 80,000 objects (two per rule), each an entry in its file's node
   * map, living from the binding to the model (copied by the young generation's collections).
   */
  peerReferences?: boolean;
}

/** Requirements one label selector may hold (real selectors hold a handful). */
export const MAX_SELECTOR_REQUIREMENTS = 64;

export class CheckContext {
  readonly d = new Diagnostics();
  cluster: Cluster = { podCIDRs: [], serviceCIDRs: [] };
  /** The workloads of the model, by `ns/name`: those the binder declared, with a valid selector. */
  readonly workloads = new Map<string, Workload>();
  namespaces: OwnedNamespace[] = [];
  binding!: Binding;
  /** The label keys of selectors found valid so far (`selector`). */
  private readonly validKeys = new Set<string>();

  constructor(readonly options: CheckOptions) {}

  /** Diagnostics reported again as an earlier version's check of the same statement reported them. */
  replay(diagnostics: readonly Diagnostic[]): void {
    replay(this.d, diagnostics);
  }

  cidr(text: string, span: Span): Cidr | undefined {
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

  portNumber(n: ast.NumberLiteral): number | undefined {
    const value = valid.DIGITS.test(n.text) ? Number(n.text) : NaN;
    if (!(value >= 1 && value <= 65535)) {
      this.d.report(m.portOutOfRange, n.span, [n.text]);
      return undefined;
    }
    return value;
  }

  protocol(word: ast.Word | undefined): Protocol | undefined {
    if (!word) return "TCP";
    const upper = word.text.toUpperCase();
    if (upper === "TCP" || upper === "UDP" || upper === "SCTP") return upper;
    this.d.report(m.unknownProtocol, word.span, [word.text]);
    return undefined;
  }

  selector(node: ast.Selector): Conjunction | undefined {
    // the label algebra behind deny, postures and verification grows with the product of
    // requirement counts: a bound keeps hostile selectors (100,000 labels) from running for hours
    if (node.requirements.length > MAX_SELECTOR_REQUIREMENTS) {
      this.d.report(m.tooManyRequirements, node.span, [node.requirements.length, MAX_SELECTOR_REQUIREMENTS]);
      return undefined;
    }
    const requirements: Requirement[] = [];
    let ok = true;
    // (loops over indexes: every workload's selector, mostly before V8 optimizes this)
    for (let i = 0; i < node.requirements.length; i++) {
      const r = node.requirements[i];
      const key = r.key.text;
      // (a key found valid is not checked again: most programs write a few keys in every selector)
      if (!this.validKeys.has(key)) {
        const keyProblem = valid.labelKey(key);
        if (keyProblem) {
          this.d.report(m.invalidLabelKey, r.key.span, [key, keyProblem]);
          ok = false;
        } else this.validKeys.add(key);
      }
      for (let k = 0; k < r.values.length; k++) {
        const v = r.values[k];
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
          requirements.push({ key, operator: "In", values });
          break;
        case "!=":
        case "notin":
          requirements.push({ key, operator: "NotIn", values });
          break;
        case "exists":
          requirements.push({ key, operator: "Exists" });
          break;
        case "!exists":
          requirements.push({ key, operator: "DoesNotExist" });
          break;
      }
    }
    if (!ok) return undefined;
    const conjunction = conjunctionOf(requirements);
    if (!conjunction) this.d.report(m.contradictorySelector, node.span, []);
    return conjunction;
  }
}

export const compareSpans = (a: Span, b: Span): number =>
  compareStrings(a.file, b.file) || a.start.offset - b.start.offset;

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
