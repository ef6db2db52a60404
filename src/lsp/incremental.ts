/**
 * The language server's `check` of one program across its versions, reusing what did not change:
 * each file's parse (`cachedParser`: an edit re-parses the edited file only), the whole result of a
 * version checked before — an undo, a redo, a character typed and deleted again — from the last few
 * versions, the result of the last version when the edited files say the same statements in
 * other places (a comment, a blank line, spaces: only positions moved, see `movedOnly`), and
 * otherwise, in a check of the new version, the compiler's diagnostics per owned namespace and the
 * lints' per rule and namespace whose inputs are unchanged (`Reused`, reuse.ts). A version whose
 * files import another file is never reused whole (the imported file's text is not part of what is
 * compared). The result is `check`'s, byte for byte: test/lsp/incremental.test.ts compares the two
 * after every edit of random edit sequences.
 */
import type { CheckResult, CompileOptions, SourceText } from "../index.js";
import type { Diagnostic, Position, RelatedInformation, Span } from "../diagnostics/diagnostic.js";
import { sortDiagnostics } from "../diagnostics/diagnostic.js";
import { applySuppressions } from "../analysis/suppressions.js";
import { checkUnsuppressed } from "../pipeline.js";
import type { SourceFileNode } from "../syntax/ast.js";
import { cachedParser, type ParseResult } from "../syntax/parse.js";
import { isStandardSpec } from "../stdlib/standard.js";
import { targets } from "../targets/index.js";
import { networkPolicy } from "../targets/network-policy/index.js";
import { Reused } from "./reuse.js";
import { CheckReuse } from "../check/reuse.js";

/** Versions of a program whose results are kept for reuse. */
const KEPT_VERSIONS = 4;

/** A version checked: its texts, its syntax trees and its diagnostics before and after suppressions. */
interface Checked {
  sources: readonly SourceText[];
  /** Every file the check read (the prelude, the inputs, the standard modules they import), parsed. */
  files: readonly SourceFileNode[];
  /** The diagnostics before suppression comments apply, sorted. */
  unsuppressed: readonly Diagnostic[];
  result: CheckResult;
}

export class ProgramChecks {
  private readonly recent: Checked[] = [];
  /** The compiler's diagnostics per owned namespace and the lints' per rule and namespace, of the versions checked. */
  readonly reused: Reused;
  /** The checker's results per statement, of the versions checked. */
  readonly checker: CheckReuse;

  constructor(
    /** Each file's parse, reused while its text is the same. */
    readonly parse: (text: string, path: string) => ParseResult = cachedParser(),
    private readonly kept = KEPT_VERSIONS,
    reused?: Reused,
    checker?: CheckReuse,
  ) {
    this.reused = reused ?? new Reused();
    this.checker = checker ?? new CheckReuse();
  }

  /** `check(sources, options)`, or the result of the same version checked before, or of one differing in positions only. */
  check(sources: readonly SourceText[], options: Omit<CompileOptions, "parse"> = {}): CheckResult {
    const known = this.recent.findIndex((r) => this.sameVersion(r.sources, sources));
    if (known >= 0) {
      const [hit] = this.recent.splice(known, 1);
      this.recent.push(hit);
      return hit.result;
    }
    if (this.importsFiles(sources)) return this.fresh(sources, options).result;
    const last = this.recent.at(-1);
    const checked = (last && this.moved(last, sources)) ?? this.fresh(sources, options);
    this.recent.push(checked);
    if (this.recent.length > this.kept) this.recent.shift();
    return checked.result;
  }

  /**
   * Runs an edit's path once, on versions never published, so that the user's first edits do not
   * pay for V8 compiling it: the version of `sources` with the last name of a rule misspelt (the
   * common state while a name is typed), checked as an edit of `sources`, then `sources` checked
   * again as an edit of that one, which leaves the checks as after `sources`. Nothing when no rule
   * names a workload or a group, or when the check would not be incremental (a file imports another).
   */
  warmUp(sources: readonly SourceText[], options: Omit<CompileOptions, "parse"> = {}): void {
    if (this.importsFiles(sources)) return;
    for (let i = sources.length - 1; i >= 0; i--) {
      const source = sources[i];
      const peer = this.parse(source.text, source.path)
        .file.statements.flatMap((x) => (x.kind === "NetworkRule" ? x.sources : []))
        .filter((p) => p.kind === "Reference")
        .at(-1);
      if (!peer) continue;
      const at = peer.span.end.offset;
      const misspelt = { path: source.path, text: `${source.text.slice(0, at)}x${source.text.slice(at)}` };
      this.check(
        sources.map((s, j) => (j === i ? misspelt : s)),
        options,
      );
      // and `sources` again, as an edit of that version (not found among those kept): what the
      // checks keep of the last version is then as after `sources`, and the fix of an error has run
      const known = this.recent.findIndex((r) => this.sameVersion(r.sources, sources));
      if (known >= 0) this.recent.splice(known, 1);
      this.check(sources, options);
      return;
    }
  }

  /** Whether two versions of the program are the same: the same files, in order, with the same texts. */
  protected sameVersion(a: readonly SourceText[], b: readonly SourceText[]): boolean {
    return a.length === b.length && a.every((s, i) => s.path === b[i].path && s.text === b[i].text);
  }

  /** A check from scratch (each file's parse reused). */
  private fresh(sources: readonly SourceText[], options: Omit<CompileOptions, "parse">): Checked {
    const {
      diagnostics,
      files,
      sources: texts,
    } = checkUnsuppressed(
      sources,
      { ...options, parse: this.parse, lints: this.reused, checker: this.checker },
      (model) =>
        targets.flatMap((target) =>
          target === networkPolicy ? this.reused.compiled(model) : (target.compile(model, options).diagnostics ?? []),
        ),
    );
    return {
      sources: sources.map((s) => ({ path: s.path, text: s.text })),
      files,
      unsuppressed: diagnostics,
      result: { diagnostics: applySuppressions(files, texts, diagnostics), sources: texts },
    };
  }

  /**
   * `sources` checked by moving the positions in the diagnostics of `last`, when its changed files
   * say what they said in `last` in other places (`movedOnly`): every pass reads a file's syntax
   * tree only, and positions only to tell statements apart and order them, which a move that keeps
   * their order keeps. The suppression comments are applied again (comments may have changed).
   * Undefined when that cannot be shown: another set of files, a syntax error in a changed file, a
   * statement changed, or a diagnostic at a position of a changed file no node starts or ends at.
   */
  protected moved(last: Checked, sources: readonly SourceText[]): Checked | undefined {
    if (last.sources.length !== sources.length || last.sources.some((s, i) => s.path !== sources[i].path))
      return undefined;
    const moves = new Map<string, Map<number, Position>>();
    const files = new Map(last.files.map((f) => [f.path, f]));
    for (const [i, source] of sources.entries()) {
      const before = last.sources[i];
      if (before.text === source.text) continue;
      const now = this.parse(source.text, source.path);
      const old = files.get(source.path);
      if (!old || now.diagnostics.length > 0 || this.parse(before.text, before.path).diagnostics.length > 0)
        return undefined;
      const move = this.positionsMoved(old, now.file);
      if (!move) return undefined;
      moves.set(source.path, move);
      files.set(source.path, now.file);
    }
    const place = (span: Span): Span | undefined => {
      const move = moves.get(span.file);
      if (!move) return span;
      const start = move.get(span.start.offset);
      const end = move.get(span.end.offset);
      return start && end ? { file: span.file, start, end } : undefined;
    };
    const diagnostics: Diagnostic[] = [];
    for (const d of last.unsuppressed) {
      const span = place(d.span);
      const related = d.related?.map((r) => ({ ...r, span: place(r.span) }));
      if (!span || related?.some((r) => !r.span)) return undefined;
      diagnostics.push({ ...d, span, ...(related ? { related: related as RelatedInformation[] } : {}) });
    }
    const texts = { ...last.result.sources };
    for (const s of sources) if (s.path in texts) texts[s.path] = s.text;
    const sorted = sortDiagnostics(diagnostics);
    const trees = [...files.values()];
    return {
      sources: sources.map((s) => ({ path: s.path, text: s.text })),
      files: trees,
      unsuppressed: sorted,
      result: { diagnostics: applySuppressions(trees, texts, sorted), sources: texts },
    };
  }

  /** `movedOnly`: a test gives a broken one to show the property test notices. */
  protected positionsMoved(before: SourceFileNode, after: SourceFileNode): Map<number, Position> | undefined {
    return movedOnly(before, after);
  }

  /** Whether a version's files import a file (whose text can change without theirs changing). */
  private importsFiles(sources: readonly SourceText[]): boolean {
    return sources.some((s) =>
      this.parse(s.text, s.path).file.statements.some((x) => x.kind === "Import" && !isStandardSpec(x.path.text)),
    );
  }
}

/**
 * Whether two syntax trees of a file are the same but for positions and comments (which no pass
 * but the suppressions reads; `unread`: the fields not compared): then, for each offset at which a
 * node of `before` starts or ends, where the same node of `after` does. Undefined when they differ,
 * or when the move does not keep the order of those offsets (two of them brought together, as
 * `a = b` becoming `a=b` does).
 */
export function movedOnly(
  before: SourceFileNode,
  after: SourceFileNode,
  unread: readonly string[] = ["comments"],
): Map<number, Position> | undefined {
  const move = new Map<number, Position>();
  const at = (from: Position, to: Position) => {
    const known = move.get(from.offset);
    if (known) return known.offset === to.offset;
    move.set(from.offset, to);
    return true;
  };
  const same = (a: unknown, b: unknown): boolean => {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
    if (Array.isArray(b)) return false;
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (!(key in y)) return false;
      if (key === "span") {
        const [s, t] = [x.span as Span, y.span as Span];
        if (s.file !== t.file || !at(s.start, t.start) || !at(s.end, t.end)) return false;
      } else if (!unread.includes(key) && !same(x[key], y[key])) return false;
    }
    return true;
  };
  if (!same(before, after)) return undefined;
  const offsets = [...move.keys()].sort((a, b) => a - b);
  for (let i = 1; i < offsets.length; i++)
    if (move.get(offsets[i - 1])!.offset >= move.get(offsets[i])!.offset) return undefined;
  return move;
}
