/**
 * The types the compiler's public API and its passes share: source texts in, output files and
 * results out. Their own module, so that the passes need not import the API (`index.ts`), which
 * imports them.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { ParseResult } from "./syntax/parse.js";
import type { LintReuse } from "./analysis/lints.js";
import type { CheckReuse } from "./check/reuse.js";

/** A source file: `path` as the user named it (relative, `/`-separated), `text` its contents. */
export interface SourceText {
  /**
   * The program's name for the file: its path relative to the program's root, `/`-separated
   * (`shop.secpol`, `lib/common.secpol`), as the source annotations, reports and diagnostics show
   * it; never dependent on the directory the compiler runs in.
   */
  path: string;
  text: string;
}

/**
 * Resolves `import "./x.secpol"` for a file outside the build set. `spec` is the import string,
 * `fromPath` the importing file. Never called for `std/...` modules, which the core bundles.
 */
export type ImportResolver = (spec: string, fromPath: string) => SourceText | { error: string };

export interface CompileOptions {
  /** Overrides `cluster { version }` (`--cluster-version`). */
  clusterVersion?: string;
  resolveImport?: ImportResolver;
  /** Translation validation of the emitted policies against the meaning (on unless `false`). */
  verify?: boolean;
  /** ValidatingAdmissionPolicies for pod-security rules where the cluster version has them (on unless `false`; `--no-admission-policies`). */
  admissionPolicies?: boolean;
  /** How `build` writes manifests: YAML (the default) or JSON; kustomization.yaml stays YAML. */
  outputFormat?: "yaml" | "json";
  /** Called by `build` after each of its passes (`check`, `compile`, ..., `verify`), by name. */
  afterPass?: (pass: string) => void;
  /**
   * Called by `build` once the program is checked into its model, before its lints (within the
   * `check` pass): the syntax trees but those with suppression comments are garbage then.
   */
  afterModel?: () => void;
  /**
   * Given, `build` hands it the output files as soon as they are emitted without error, before
   * translation validation, and keeps none of them (its result's `files` is then empty): the
   * command line writes them while the build verifies, and swaps them in only if the build
   * succeeds. Not called when the build fails before that.
   */
  takeOutput?: (files: OutputFile[]) => void;
  /**
   * With `takeOutput`: the files are handed over as UTF-8 bytes (`EncodedFile`, whose `content`
   * decodes them when read), each encoded as soon as its text is made, so that the texts die young
   * (the command line's writer thread takes bytes).
   */
  encodeOutput?: boolean;
  /**
   * With `takeOutput`: emit hands it every output file's path once its objects are grouped into
   * files, then each file as soon as it is made (bytes with `encodeOutput`, which the stream may
   * move elsewhere: a file's `content` is then gone), before `takeOutput` has the whole list; the
   * command line writes them meanwhile. A build that fails after emit began (errors among the
   * check's diagnostics) does not call `takeOutput`: the caller then drops what it was given.
   */
  streamOutput?: OutputStream;
  /**
   * The parser, called once per file of the program (inputs, imports, the prelude); `parse` of
   * `syntax/parse.ts` unless given. The language server passes `cachedParser()`'s, which parses a
   * file again only when its text changed. Its results are not changed by the passes after it.
   */
  parse?: (text: string, path: string) => ParseResult;
  /** The lints' results of earlier versions, reused per rule and namespace (the language server's: src/lsp/reuse.ts). */
  lints?: LintReuse;
  /** The checker's results of earlier versions, reused per statement (the language server's: src/check/reuse.ts). */
  checker?: CheckReuse;
}

/** One file of the output directory: `path` relative to it, `/`-separated. */
export interface OutputFile {
  path: string;
  content: string;
}

/**
 * Where `writeOutput` hands its files as it makes them (the command line's writer, which writes
 * them while the build goes on): first every file's path, then each file once made.
 */
export interface OutputStream {
  /** The paths of all the files, before any file is made (their directories can be made meanwhile). */
  begin(paths: readonly string[]): void;
  /** A file, as soon as it is made (an `EncodedFile` with `encode`); the stream may take its bytes. */
  file(file: OutputFile): void;
}

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** Every text the diagnostics may point into (inputs, imports, stdlib), by path. */
  sources: Record<string, string>;
}

export interface BuildResult extends CheckResult {
  /** Empty when `diagnostics` contains an error: a failed build writes nothing. */
  files: OutputFile[];
  /** Objects written, per Kubernetes kind. */
  objectCounts: Record<string, number>;
  stats: BuildStats;
}

export interface BuildStats {
  /** Milliseconds per pass. */
  timings: Record<string, number>;
  /** Side verdicts compared by translation validation (0 when skipped). */
  verifiedChecks: number;
  /** Sides proven equal symbolically by translation validation, each on all its flows at once (not among `verifiedChecks`). */
  provenSides?: number;
  /** Sets of selectors too many to combine, verified on their witnesses and near misses only (see docs/decisions.md). */
  partiallyVerified?: number;
}
