/**
 * The language server's `check` of one program across its versions, reusing what did not change:
 * each file's parse (`cachedParser`: an edit re-parses the edited file only) and the whole result
 * of a version checked before — an undo, a redo, a character typed and deleted again — from the
 * last few versions. A version whose files import another file is never reused (the imported
 * file's text is not part of what is compared). The result is `check`'s, byte for byte:
 * test/lsp/incremental.test.ts compares the two after every edit of random edit sequences.
 */
import { check, type CheckResult, type CompileOptions, type SourceText } from "../index.js";
import { cachedParser, type ParseResult } from "../syntax/parse.js";
import { isStandardSpec } from "../stdlib/standard.js";

/** Versions of a program whose results are kept for reuse. */
const KEPT_VERSIONS = 4;

export class ProgramChecks {
  private readonly recent: { sources: readonly SourceText[]; result: CheckResult }[] = [];

  constructor(
    /** Each file's parse, reused while its text is the same. */
    readonly parse: (text: string, path: string) => ParseResult = cachedParser(),
    private readonly kept = KEPT_VERSIONS,
  ) {}

  /** `check(sources, options)`, or the result of the same version checked before. */
  check(sources: readonly SourceText[], options: Omit<CompileOptions, "parse"> = {}): CheckResult {
    const known = this.recent.findIndex((r) => this.sameVersion(r.sources, sources));
    if (known >= 0) {
      const [hit] = this.recent.splice(known, 1);
      this.recent.push(hit);
      return hit.result;
    }
    const result = check(sources, { ...options, parse: this.parse });
    if (!this.importsFiles(sources)) {
      this.recent.push({ sources: sources.map((s) => ({ path: s.path, text: s.text })), result });
      if (this.recent.length > this.kept) this.recent.shift();
    }
    return result;
  }

  /** Whether two versions of the program are the same: the same files, in order, with the same texts. */
  protected sameVersion(a: readonly SourceText[], b: readonly SourceText[]): boolean {
    return a.length === b.length && a.every((s, i) => s.path === b[i].path && s.text === b[i].text);
  }

  /** Whether a version's files import a file (whose text can change without theirs changing). */
  private importsFiles(sources: readonly SourceText[]): boolean {
    return sources.some((s) =>
      this.parse(s.text, s.path).file.statements.some((x) => x.kind === "Import" && !isStandardSpec(x.path.text)),
    );
  }
}
