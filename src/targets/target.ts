/**
 * What every target is to the pipeline: a compiler from the checked model to objects (and files)
 * to write, and optionally a check that what it wrote means what the program means (translation
 * validation). Each target is a folder under `src/targets/` whose `index.ts` exports one `Target`;
 * `src/targets/index.ts` lists them. A target imports no other target: what they share lives in
 * `src/semantics/` (the meaning), `src/output/` (manifests, names, the file layout, YAML),
 * `src/diagnostics/` and `src/kubernetes.ts`.
 */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import type { MessageEntry } from "../diagnostics/catalogue.js";
import type { Model } from "../semantics/model.js";
import type { Manifest } from "../output/manifest.js";
import type { CompileOptions, OutputFile } from "../types.js";

/** What a target makes of a model. */
export interface Compiled {
  /** Objects, written by the output layout (`src/output/layout.ts`) with every other target's. */
  manifests: readonly Manifest[];
  /** Files written as they are (a kustomize Component's), and the Component directories that hold them. */
  files?: readonly OutputFile[];
  components?: readonly string[];
  /** An error among them means nothing is written. */
  diagnostics?: readonly Diagnostic[];
}

/** What checking a target's output against the program found. */
export interface Verified {
  /** Verdicts compared. */
  checks: number;
  /** Parts proven symbolically, each on all its cases at once (not among `checks`), and parts whose cases were enumerated. */
  sides?: { proven: number; enumerated: number; podsProven?: number };
  /** Parts checked on representatives only (`--stats` counts them; never a failure, never "holds"). */
  partial?: number;
  /** What could not be checked at all, as warnings in the target's words (no counterexample: the output is written). */
  warnings?: readonly Diagnostic[];
  /** Where the output and the program disagree: the statement and a concrete case. */
  counterexample?: { span: Span; description: string };
}

export interface Verification<C extends Compiled> {
  /** The pass's name in `--stats` and to `afterPass`. */
  pass: string;
  /**
   * `written`: this target's objects as they are written (labels and annotations added), in
   * `manifests` order; `compiled` comes without its `manifests` (`written` holds the objects), which
   * are let go of before verification.
   */
  verify(model: Model, compiled: C, written: readonly unknown[]): Verified;
  /** The error a counterexample is reported as, with its description. */
  failed: MessageEntry<[description: string]>;
}

export interface Target<C extends Compiled = Compiled> {
  /** The target's folder under `src/targets/`. */
  name: string;
  /** The compile pass's name in `--stats` and to `afterPass`; none for a target too small to time. */
  pass?: string;
  compile(model: Model, options: Pick<CompileOptions, "admissionPolicies">): C;
  verification?: Verification<C>;
}
