/**
 * The language server's incremental check (src/lsp/incremental.ts) against `check` from scratch:
 * random sequences of edits to a random program split over three files — words misspelt, lines
 * deleted, duplicated, moved to another file, commented, silenced, ports changed, blank lines,
 * spaces and trailing comments added (which move statements only, or change a word), what other
 * files' statements depend on changed (a namespace's `team` label that `ns(team=...)` peers select,
 * a workload's selector or name, the cluster's pod range, version or service range), and files or
 * the whole program put back to an earlier version (what reuse is for) — give, after every edit,
 * the very diagnostics and sources a fresh `check` gives. The same property catches deliberately
 * broken invalidations: versions compared by their files' names only, a parse kept per file name,
 * syntax trees compared without their words' texts (a changed word taken for a move), and a
 * namespace's compile diagnostics kept while the rules near it or the cluster settings change.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { check, type SourceText } from "../../src/index.js";
import { parse, type ParseResult } from "../../src/syntax/parse.js";
import { movedOnly, ProgramChecks } from "../../src/lsp/incremental.js";
import type { SourceFileNode } from "../../src/syntax/ast.js";
import { canonical, lintKey, Reused, type ModelKeys } from "../../src/lsp/reuse.js";
import type { LintPart } from "../../src/analysis/lints.js";
import { workloadsIn } from "../../src/semantics/lookup.js";
import type { NetworkRule, OwnedNamespace } from "../../src/semantics/model.js";
import { programArbitrary } from "../support/programs.js";

const FILES = ["a.secpol", "b.secpol", "c.secpol"];

/** A program's top-level statements dealt round-robin over three files. */
function split(text: string): string[] {
  const statements: string[] = [];
  for (const line of text.split("\n").filter((l) => l !== ""))
    if (/^\s|^}/.test(line) && statements.length > 0) statements[statements.length - 1] += `\n${line}`;
    else statements.push(line);
  return FILES.map((_, i) => statements.filter((_, k) => k % FILES.length === i).join("\n") + "\n");
}

const edit = fc.record({
  kind: fc.constantFrom(
    "misspell",
    "delete",
    "duplicate",
    "move",
    "comment",
    "ignore",
    "port",
    "blank",
    "space",
    "trailing",
    "relabel",
    "selector",
    "rename",
    "cluster",
    "revert-file",
    "revert-all",
  ),
  file: fc.nat(FILES.length - 1),
  line: fc.nat(40),
  other: fc.nat(40),
});
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

const replaced = (lines: string[], at: number, line: string) => lines.map((l, i) => (i === at ? line : l));
const spliced = (lines: string[], at: number, remove: number, ...insert: string[]) => {
  const copy = [...lines];
  copy.splice(at, remove, ...insert);
  return copy;
};

/**
 * The files with the first line matching `pattern` changed by `change`, searched from the edit's
 * file on: an edit of what other files' statements depend on (a namespace's labels, a workload's
 * name or selector, the cluster's settings).
 */
function retarget(files: string[], e: Edit, pattern: RegExp, change: (line: string) => string): string[] {
  const next = [...files];
  for (let k = 0; k < files.length; k++) {
    const file = (e.file + k) % files.length;
    const lines = files[file].split("\n");
    const at = lines.findIndex((l) => pattern.test(l));
    if (at < 0) continue;
    next[file] = replaced(lines, at, change(lines[at])).join("\n");
    break;
  }
  return next;
}

const CLUSTER_EDITS = [
  (l: string) => l.replace(/ podCIDR [^;]*;/, ""),
  (l: string) => l.replace("version 1.30", "version 1.21").replace("version 1.21;", "version 1.30;"),
  (l: string) => l.replace("serviceCIDR 10.96.0.0/12", "serviceCIDR 10.0.0.0/12"),
];

/** The program's files after one edit; `history` holds every earlier version. */
function apply(files: string[], e: Edit, history: string[][]): string[] {
  const next = [...files];
  const lines = files[e.file].split("\n");
  const at = e.line % lines.length;
  const line = lines[at];
  const set = (changed: string[]) => (next[e.file] = changed.join("\n"));
  switch (e.kind) {
    case "misspell": {
      const words = [...line.matchAll(/[a-z][\w-]*/g)];
      if (words.length === 0) break;
      const w = words[e.other % words.length];
      set(replaced(lines, at, `${line.slice(0, w.index! + w[0].length)}x${line.slice(w.index! + w[0].length)}`));
      break;
    }
    case "delete":
      set(spliced(lines, at, 1));
      break;
    case "duplicate":
      set(spliced(lines, at, 0, line));
      break;
    case "move": {
      const to = (e.file + 1 + (e.other % (FILES.length - 1))) % FILES.length;
      set(spliced(lines, at, 1));
      next[to] = `${line}\n${next[to]}`;
      break;
    }
    case "comment":
      set(spliced(lines, at, 0, "# a comment"));
      break;
    case "ignore":
      set(replaced(lines, at, `${line}  # secpol-ignore SP9105: DNS by a sidecar`));
      break;
    case "port":
      set(
        replaced(
          lines,
          at,
          line.replace(/\b(80|8080|443|53)\b/, (p) => (p === "80" ? "8080" : "80")),
        ),
      );
      break;
    case "blank":
      set(spliced(lines, at, 0, ""));
      break;
    case "space": {
      // a space anywhere in the line: between tokens it only moves them, inside one it changes it
      const column = e.other % (line.length + 1);
      set(replaced(lines, at, `${line.slice(0, column)} ${line.slice(column)}`));
      break;
    }
    case "trailing":
      set(replaced(lines, at, `${line}  # a note`));
      break;
    case "relabel":
      // what `ns(team=...)` peers in other files select
      return retarget(files, e, /team=[xy]\b/, (l) =>
        l.replace(/team=([xy])\b/, (_, t) => `team=${t === "x" ? "y" : "x"}`),
      );
    case "selector":
      return retarget(files, e, /^\s*workload \w+ app=w\d/, (l) =>
        l.replace(/app=w(\d)/, (_, n) => `app=w${(Number(n) % 3) + 1}`),
      );
    case "rename":
      // the workload other files' rules and postures name
      return retarget(files, e, /^\s*workload \w+/, (l) => l.replace(/workload (\w+)/, "workload $1r"));
    case "cluster":
      return retarget(files, e, /^cluster /, CLUSTER_EDITS[e.other % CLUSTER_EDITS.length]);
    case "revert-file":
      if (history.length > 0) next[e.file] = history[e.other % history.length][e.file];
      break;
    case "revert-all":
      if (history.length > 0) return [...history[e.other % history.length]];
      break;
  }
  return next;
}

const sourcesOf = (files: string[]): SourceText[] => FILES.map((path, i) => ({ path, text: files[i] }));
const shown = (r: ReturnType<typeof check>) => JSON.stringify(r);

/** After every edit, the incremental check of `checks` equals a fresh `check`. */
const property = (make: () => ProgramChecks) =>
  fc.property(programArbitrary(true), fc.array(edit, { minLength: 1, maxLength: 12 }), (program, edits) => {
    const checks = make();
    let files = split(program.text);
    const history: string[][] = [];
    for (const e of [undefined, ...edits]) {
      if (e) {
        history.push(files);
        files = apply(files, e, history);
      }
      const sources = sourcesOf(files);
      const fresh = check(sources);
      const incremental = checks.check(sources);
      if (shown(incremental) !== shown(fresh))
        throw new Error(`after ${JSON.stringify(e)}:\n${shown(incremental)}\n!==\n${shown(fresh)}`);
    }
  });

test("after every edit of random edit sequences, the incremental check is a fresh `check`", () => {
  let moves = 0;
  const made: ProgramChecks[] = [];
  class Counted extends ProgramChecks {
    constructor() {
      super();
      made.push(this);
    }

    protected override moved(...args: Parameters<ProgramChecks["moved"]>) {
      const result = super.moved(...args);
      if (result) moves++;
      return result;
    }
  }
  fc.assert(
    property(() => new Counted()),
    { numRuns: 60, seed: 20 },
  );
  // the reuse of a version whose statements only moved is exercised, not only the fresh check
  assert.ok(moves >= 60, `${moves} versions reused as moved`);
  // and so is the reuse of a namespace's compile diagnostics in a version checked afresh
  const reused = made.reduce((n, c) => n + c.reused.reused, 0);
  assert.ok(reused >= 100, `${reused} namespaces' compile diagnostics and lint results reused`);
});

/** `ProgramChecks` whose results per namespace and rule are kept by broken keys. */
const withKeys = (broken: {
  namespace?: (keys: ModelKeys, namespace: OwnedNamespace) => string | number;
  lint?: (keys: ModelKeys, part: LintPart, of: NetworkRule | OwnedNamespace) => string;
}) => {
  class Broken extends Reused {
    protected override namespaceKey(keys: ModelKeys, namespace: OwnedNamespace) {
      return broken.namespace?.(keys, namespace) ?? super.namespaceKey(keys, namespace);
    }
    protected override lintKey(keys: ModelKeys, part: LintPart, of: NetworkRule | OwnedNamespace) {
      return broken.lint?.(keys, part, of) ?? super.lintKey(keys, part, of);
    }
  }
  return () => new ProgramChecks(undefined, undefined, new Broken());
};

/** Whether the property fails for these broken keys within `runs` runs. */
const notices = (make: () => ProgramChecks, runs = 60) =>
  fc.check(property(make), { numRuns: runs, seed: 20, endOnFailure: true }).failed;

test("the property catches broken invalidations of a namespace's compile diagnostics", () => {
  // kept while the rules near it change
  assert.ok(
    notices(
      withKeys({
        namespace: (keys, n) =>
          `${canonical(keys.model.cluster)}${canonical(n)}${workloadsIn(keys.model, n.name).map(canonical).join("")}`,
      }),
    ),
    "rules near it left out: the property did not notice",
  );
  // kept while the cluster settings change
  assert.ok(
    notices(
      withKeys({ namespace: (keys, n) => keys.namespaceText(n).replace(canonical(keys.model.cluster), "") }),
      300,
    ),
    "the cluster left out: the property did not notice",
  );
});

test("the property catches broken invalidations of a rule's or namespace's lints", () => {
  // a rule's kept while the namespaces near it change (their regions, the rules it meets there)
  assert.ok(
    notices(
      withKeys({
        lint: (keys, part, of) =>
          part === "dns" ? lintKey(keys, part, of) : `${part} ${keys.rule(of as NetworkRule)}`,
      }),
    ),
    "the namespaces near a rule left out: the property did not notice",
  );
  // a namespace's DNS lint kept while its rules change
  assert.ok(
    notices(
      withKeys({ lint: (keys, part, of) => (part === "dns" ? `dns ${canonical(of)}` : lintKey(keys, part, of)) }),
    ),
    "the rules near a namespace left out: the property did not notice",
  );
});

test("the property catches a broken invalidation: syntax trees compared without their words' texts", () => {
  class Textless extends ProgramChecks {
    protected override positionsMoved(before: SourceFileNode, after: SourceFileNode) {
      return movedOnly(before, after, ["comments", "text"]);
    }
  }
  const run = fc.check(
    property(() => new Textless()),
    { numRuns: 60, seed: 20, endOnFailure: true },
  );
  assert.ok(run.failed, "the property did not notice");
});

test("the property catches a broken invalidation: versions compared by their files' names only", () => {
  class ByNames extends ProgramChecks {
    protected override sameVersion(a: readonly SourceText[], b: readonly SourceText[]): boolean {
      return a.length === b.length && a.every((s, i) => s.path === b[i].path);
    }
  }
  const run = fc.check(
    property(() => new ByNames()),
    { numRuns: 60, seed: 20, endOnFailure: true },
  );
  assert.ok(run.failed, "the property did not notice");
});

test("the property catches a broken invalidation: a file's parse kept by its name only", () => {
  const byName = () => {
    const kept = new Map<string, ParseResult>();
    return (text: string, path: string) => kept.get(path) ?? kept.set(path, parse(text, path)).get(path)!;
  };
  const run = fc.check(
    property(() => new ProgramChecks(byName())),
    { numRuns: 60, seed: 20, endOnFailure: true },
  );
  assert.ok(run.failed, "the property did not notice");
});

test.run();
