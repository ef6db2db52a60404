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
import { checkModel } from "../../src/pipeline.js";
import { parse, type ParseResult } from "../../src/syntax/parse.js";
import { movedOnly, ProgramChecks } from "../../src/lsp/incremental.js";
import type * as ast from "../../src/syntax/ast.js";
import type { SourceFileNode } from "../../src/syntax/ast.js";
import { canonical } from "../../src/canonical.js";
import { KeyMemo, lintKey, ModelKeys, Reused, ruleTextsOf, type Placed } from "../../src/lsp/reuse.js";
import type { LintPart } from "../../src/analysis/lints.js";
import { changedIn, changedRules, clausesNearFrom, nearFrom, workloadsIn } from "../../src/semantics/lookup.js";
import type { Model, NetworkRule, OwnedNamespace } from "../../src/semantics/model.js";
import { programArbitrary } from "../support/programs.js";
import { CheckReuse, type CheckedRule, type RuleReads } from "../../src/check/reuse.js";
import { BindMemo } from "../../src/check/binder.js";

const FILES = ["a.secpol", "b.secpol", "c.secpol", "d.secpol"];
/** The text of a file not in the program (the last file is added and removed by the edits). */
const ABSENT = "\u0000";

/** A program's top-level statements dealt round-robin over three files (the fourth absent). */
function split(text: string): string[] {
  const statements: string[] = [];
  for (const line of text.split("\n").filter((l) => l !== ""))
    if (/^\s|^}/.test(line) && statements.length > 0) statements[statements.length - 1] += `\n${line}`;
    else statements.push(line);
  return FILES.map((_, i) => (i === 3 ? ABSENT : statements.filter((_, k) => k % 3 === i).join("\n") + "\n"));
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
    "group",
    "unqualify",
    "namespace-add",
    "namespace-remove",
    "move-workload",
    "file",
    "syntax",
    "nest",
    "rename-namespace",
    "revert-file",
    "revert-all",
  ),
  file: fc.nat(2),
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
    if (files[file] === ABSENT) continue;
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
  // (which address blocks of rules lie inside: `cidr 192.168.1.0/24` is then no address outside the cluster)
  (l: string) =>
    l.replace(/serviceCIDR [\d./]+/, (r) =>
      r.endsWith("192.168.0.0/16") ? "serviceCIDR 10.96.0.0/12" : "serviceCIDR 192.168.0.0/16",
    ),
];

/** Every workload a file declares, as `ns/name`. */
const declaredIn = (text: string): string[] => {
  const found: string[] = [];
  let namespace: string | undefined;
  for (const line of text.split("\n")) {
    namespace = /^namespace (\S+) \{/.exec(line)?.[1] ?? (line.startsWith("}") ? undefined : namespace);
    const name = /^\s*workload (\S+)/.exec(line)?.[1];
    if (name) found.push(name.includes("/") ? name : `${namespace}/${name}`);
  }
  return found;
};

/**
 * Edits of what the checker keeps per statement and what it reads elsewhere: a group declared,
 * changed, named and removed (a group in a file, a rule naming it in another); a rule's qualified
 * name written bare (which may then be ambiguous, or unknown); a namespace block added, or one
 * removed whole (its workloads with it); a workload moved out of its block into another file
 * (`workload ns/name ...`); the fourth file added (with a statement moved into it) or removed; a
 * syntax error put in.
 */
function applyMore(files: string[], e: Edit): string[] {
  const next = [...files];
  const lines = files[e.file].split("\n");
  const set = (changed: string[]) => (next[e.file] = changed.join("\n"));
  const other = (e.file + 1 + (e.other % 2)) % 3;
  const workloads = files.flatMap((f) => (f === ABSENT ? [] : declaredIn(f)));
  switch (e.kind) {
    case "group": {
      const at = files.findIndex((f) => /^group grp /m.test(f));
      if (at < 0) {
        const member = workloads[e.other % Math.max(1, workloads.length)] ?? "cidr 10.0.0.0/8";
        set([`group grp = ${member}, cidr 192.168.0.0/16`, ...lines]);
        next[other] = `allow grp -> world: 443\n${next[other]}`;
      } else if (e.other % 3 === 0) next[at] = next[at].replace(/^group grp .*\n/m, "");
      else if (e.other % 3 === 1)
        next[at] = next[at].replace(
          /^group grp = [^,]*/m,
          `group grp = ${workloads[e.other % workloads.length] ?? "world"}`,
        );
      else next[at] = next[at].replace(/^(group grp = .*)$/m, "$1: 80");
      break;
    }
    case "unqualify": {
      const at = lines.findIndex((l, i) => i >= e.line % lines.length && /^(allow|deny) .*\b[\w-]+\/\w+/.test(l));
      if (at >= 0) set(replaced(lines, at, lines[at].replace(/\b[\w-]+\/(w\d|\w+\b)(?!\*)/, "$1")));
      break;
    }
    case "namespace-add":
      set([
        `namespace extra${e.other % 2} {`,
        `  labels team=${e.other % 3 === 0 ? "x" : "y"}`,
        "  default deny",
        `  workload w${(e.other % 3) + 1} app=w${(e.other % 3) + 1} port http 8080`,
        "}",
        ...lines,
      ]);
      break;
    case "namespace-remove": {
      const start = lines.findIndex((l, i) => i >= e.line % lines.length && /^namespace /.test(l));
      const from = start >= 0 ? start : lines.findIndex((l) => /^namespace /.test(l));
      if (from < 0) break;
      const end = lines.findIndex((l, i) => i > from && l.startsWith("}"));
      set(spliced(lines, from, end - from + 1));
      break;
    }
    case "move-workload": {
      let namespace: string | undefined;
      for (const [i, line] of lines.entries()) {
        namespace = /^namespace (\S+) \{/.exec(line)?.[1] ?? namespace;
        const moved = /^\s+workload (\w+)(.*)$/.exec(line);
        if (!moved || i < e.line % lines.length) continue;
        set(spliced(lines, i, 1));
        next[other] = `workload ${namespace}/${moved[1]}${moved[2]}\n${next[other]}`;
        break;
      }
      break;
    }
    case "file":
      if (files[3] === ABSENT) {
        // a top-level statement of the edit's file moved into a new file
        const at = lines.findIndex((l, i) => i >= e.line % lines.length && /^(allow|deny|workload|group) /.test(l));
        if (at < 0) next[3] = "allow cluster -> world: 443\n";
        else {
          next[3] = `${lines[at]}\n`;
          set(spliced(lines, at, 1));
        }
      } else next[3] = ABSENT;
      break;
    case "syntax":
      set(spliced(lines, e.line % lines.length, 0, e.other % 2 === 0 ? "allow web ->" : "namespace {"));
      break;
    case "nest": {
      // a rule moved into a namespace block (where `pods(...)` and bare names are the block's)
      const rule = lines.findIndex((l, i) => i >= e.line % lines.length && /^(allow|deny) /.test(l));
      const block = lines.findIndex((l) => /^namespace \S+ \{/.test(l));
      if (rule < 0 || block < 0) break;
      const moved = lines[rule].replace(/\bin ns \S+/g, "").replace(/\b[\w-]+\/(w\d)\b/g, "$1");
      const without = spliced(lines, rule, 1);
      set(spliced(without, without.indexOf(lines[block]) + 1, 0, `  ${moved}`));
      break;
    }
    case "rename-namespace":
      // the same length: the statements in the block keep their places
      set(
        lines.map((l) =>
          l.replace(/^namespace (\S)(\S*) \{/, (_, c, rest) => `namespace ${c === "q" ? "r" : "q"}${rest} {`),
        ),
      );
      break;
  }
  return next;
}

/** The program's files after one edit; `history` holds every earlier version. */
function apply(files: string[], e: Edit, history: string[][]): string[] {
  if (files[e.file] === ABSENT) return files;
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
      const to = (e.file + 1 + (e.other % 2)) % 3;
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
    case "group":
    case "unqualify":
    case "namespace-add":
    case "namespace-remove":
    case "move-workload":
    case "file":
    case "syntax":
    case "nest":
    case "rename-namespace":
      return applyMore(files, e);
    case "revert-file":
      if (history.length > 0) next[e.file] = history[e.other % history.length][e.file];
      break;
    case "revert-all":
      if (history.length > 0) return [...history[e.other % history.length]];
      break;
  }
  return next;
}

const sourcesOf = (files: string[]): SourceText[] =>
  FILES.flatMap((path, i) => (files[i] === ABSENT ? [] : [{ path, text: files[i] }]));
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
    { numRuns: 150, seed: 20 },
  );
  // the reuse of a version whose statements only moved is exercised, not only the fresh check
  assert.ok(moves >= 100, `${moves} versions reused as moved`);
  // and so is the reuse of a namespace's compile diagnostics in a version checked afresh
  const reused = made.reduce((n, c) => n + c.reused.reused, 0);
  assert.ok(reused >= 200, `${reused} namespaces' compile diagnostics and lint results reused`);
  // and the checker's of each rule statement, while the names, the cluster's ranges and every name
  // it read are the same (and checked again when they are not)
  const rules = made.reduce((n, c) => n + c.checker.reused, 0);
  const checked = made.reduce((n, c) => n + c.checker.checked, 0);
  assert.ok(rules >= 500 && checked >= 500, `${rules} rule checks reused, ${checked} worked out`);
});

/** `ProgramChecks` whose checker reuses a rule's check by a broken test of what changed since. */
const withChecker = (ignored: (keyof RuleReads)[]) => {
  class Broken extends CheckReuse {
    protected override unchanged(checked: CheckedRule): boolean {
      const reads = { ...checked.reads };
      for (const what of ignored) (reads as Record<string, unknown>)[what] = what === "names" ? [] : false;
      return super.unchanged({ ...checked, reads });
    }
  }
  return () => new ProgramChecks(undefined, undefined, undefined, new Broken());
};

test("the property catches broken invalidations of a rule statement's check", () => {
  // kept while a name it reads changes (a workload renamed, moved, its selector or ports changed; a
  // namespace removed with its workloads; a bare name become ambiguous)
  assert.ok(notices(withChecker(["names"])), "the names read left out: the property did not notice");
  // kept while every name changes (the did-you-mean of an unknown name)
  assert.ok(notices(withChecker(["allNames"]), 300), "every name left out: the property did not notice");
  // kept while the cluster's ranges change (the address blocks of `cidr` and `world`)
  assert.ok(notices(withChecker(["cluster"]), 300), "the cluster left out: the property did not notice");
});

test("the property catches a file's rule checks reused while what they read changed", () => {
  let files = 0;
  class Counted extends CheckReuse {
    override reusableFile(statements: readonly unknown[]) {
      const known = super.reusableFile(statements);
      if (known) files++;
      return known;
    }
  }
  // as it is, the property holds (the first test) with files' checks reused whole
  assert.not.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new Counted())),
    "the property failed",
  );
  assert.ok(files >= 100, `${files} files' rule checks reused`);
  // reused whatever changed since (a workload renamed, its ports changed, the cluster's ranges)
  class Always extends CheckReuse {
    protected override unchangedSince(): boolean {
      return true;
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new Always()), 300),
    "a file's rule checks reused whatever changed: the property did not notice",
  );
});

test("the property catches a statement naming a group given its last rules when they say something else", () => {
  let same = 0;
  class Counted extends CheckReuse {
    override sameRules(node: ast.NetworkRule, rules: readonly NetworkRule[]) {
      const found = super.sameRules(node, rules);
      if (found !== rules) same++;
      return found;
    }
  }
  // as it is, the property holds (the first test) with such rules kept from version to version
  assert.not.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new Counted())),
    "the property failed",
  );
  assert.ok(same >= 20, `${same} rules naming groups kept`);
  // the last rules whatever they say (a group's members or ports changed)
  const last = new WeakMap<ast.NetworkRule, readonly NetworkRule[]>();
  class Stale extends CheckReuse {
    override sameRules(node: ast.NetworkRule, rules: readonly NetworkRule[]) {
      const key = (this as unknown as { same(n: ast.Node): ast.Node }).same(node) as ast.NetworkRule;
      const known = last.get(key);
      if (known && known.length === rules.length) return known;
      last.set(key, rules);
      return rules;
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new Stale()), 300),
    "rules naming groups kept whatever they say: the property did not notice",
  );
});

test("the property catches a broken comparison of what two versions declare", () => {
  // each workload's and group's key, name and model (or statement), compared by keys and names only:
  // a workload's selector or ports changed would not stamp its name
  class KeysOnly extends CheckReuse {
    protected override sameDeclarations(a: readonly unknown[], b: readonly unknown[]): boolean {
      const texts = (x: readonly unknown[]) => x.filter((v) => typeof v === "string").join("\n");
      return texts(a) === texts(b);
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new KeysOnly()), 300),
    "declarations compared by their names: the property did not notice",
  );
});

test("the property catches a broken comparison of what two versions bind: references kept while a declaration changes", () => {
  // every version taken to declare what the last one did: the references of files not parsed again
  // would keep denoting what they did (a workload renamed, moved, declared twice, a namespace removed)
  class AlwaysSame extends BindMemo {
    override sameDeclared(): boolean {
      return true;
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new CheckReuse(new AlwaysSame()))),
    "declarations taken for the same: the property did not notice",
  );
  // declarations compared by their keys only (not the objects: a declaration moved to another file)
  class KeysOnly extends BindMemo {
    override sameDeclared(a: readonly unknown[], b: readonly unknown[]): boolean {
      const keys = (x: readonly unknown[]) => x.filter((v) => typeof v !== "object").join("\n");
      return keys(a) === keys(b);
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new CheckReuse(new KeysOnly())), 300),
    "declarations compared by their keys: the property did not notice",
  );
});

test("the property catches a declaration kept from an earlier version without this version's statement", () => {
  // a workload's or group's declaration kept for a file parsed again would read the statement it was made for
  class Stale extends BindMemo {
    override adopt(): void {}
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, undefined, new CheckReuse(new Stale())), 300),
    "declarations kept with their old statements: the property did not notice",
  );
});

test("the property catches a broken index of the clauses near each namespace made from the last model's", () => {
  // the rules removed since left in, or the rules added left out
  for (const [what, runs, changed] of [
    ["removed", 300, (last: Model, model: Model) => ({ added: changedRules(last, model)?.added ?? [], removed: [] })],
    ["added", 60, (last: Model, model: Model) => ({ added: [], removed: changedRules(last, model)?.removed ?? [] })],
  ] as const) {
    class Broken extends Reused {
      protected override nearFrom(model: Model, last: Model) {
        nearFrom(model, last, (m, l) => clausesNearFrom(m, l, changed));
      }
    }
    assert.ok(
      notices(() => new ProgramChecks(undefined, undefined, new Broken()), runs),
      `the rules ${what} left out of the index: the property did not notice`,
    );
  }
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
      1000,
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

test("the property catches a broken key of the unowned-labels lint: the owned namespaces' labels left out", () => {
  assert.ok(
    notices(
      withKeys({
        lint: (keys, part, of) =>
          part === "unowned" ? `unowned ${keys.rule(of as NetworkRule)}` : lintKey(keys, part, of),
      }),
      300,
    ),
    "the labels left out: the property did not notice",
  );
});

test("the property catches broken keys of the allow and deny lints: a namespace near a rule as the other action's rules read it", () => {
  const nearBy = (keys: ModelKeys, rule: NetworkRule, side: (n: OwnedNamespace) => string | number) =>
    keys.namespacesNear(rule).map(side).join(",");
  // the rules of the other action near it left out (its regions only)
  assert.ok(
    notices(
      withKeys({
        lint: (keys, part, of) =>
          part === "allow" || part === "deny"
            ? `${part} ${keys.rule(of as NetworkRule)} ${nearBy(keys, of as NetworkRule, (n) => keys.regions(n))}`
            : lintKey(keys, part, of),
      }),
      200,
    ),
    "the other action's rules left out: the property did not notice",
  );
  // the rules of its own action read instead of the other's
  assert.ok(
    notices(
      withKeys({
        lint: (keys, part, of) =>
          part === "allow" || part === "deny"
            ? `${part} ${keys.rule(of as NetworkRule)} ${nearBy(keys, of as NetworkRule, (n) => keys.side(n, part))}`
            : lintKey(keys, part, of),
      }),
      200,
    ),
    "its own action's rules read instead: the property did not notice",
  );
});

test("the property catches a broken rule key of the duplicate-rule lint (rules saying the same told apart)", () => {
  // each rule object its own key, as the `#N` of `ModelKeys.rule` would make it: no rule a duplicate
  const ids = new WeakMap<NetworkRule, number>();
  let next = 0;
  class Numbered extends Reused {
    override ruleKey(_model: Model, rule: NetworkRule): number {
      if (!ids.has(rule)) ids.set(rule, next++);
      return ids.get(rule)!;
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, new Numbered())),
    "duplicates told apart: the property did not notice",
  );
});

test("the property catches a broken index of the rules by what they say made from the last model's: rules removed left in, or added left out", () => {
  for (const [what, broken] of [
    ["removed", (diff: NonNullable<ReturnType<typeof changedIn>>) => ({ ...diff, removed: [] })],
    ["added", (diff: NonNullable<ReturnType<typeof changedIn>>) => ({ ...diff, added: [] })],
  ] as const) {
    class Broken extends Reused {
      protected override rulesChanged(before: readonly NetworkRule[], rules: readonly NetworkRule[]) {
        const diff = changedIn(before, rules);
        return diff && broken(diff);
      }
    }
    assert.ok(
      notices(() => new ProgramChecks(undefined, undefined, new Broken()), 300),
      `the rules ${what} left out of the index: the property did not notice`,
    );
  }
});

test("rules saying the same have keys of their own, numbered in program order among them; another rule its text's", () => {
  const program = (extra: string) =>
    checkModel([
      {
        path: "p.secpol",
        text: `namespace a {\n  default deny\n  workload web app=web port http 80\n  workload db app=db port http 80\n}\n${extra}allow a/web -> a/db: 80\nallow a/db -> a/web: 80\nallow a/web -> a/db: 80\nallow a/web -> a/db: 80\n`,
      },
    ]).model!;
  const memo = new KeyMemo();
  const keysOf = (model: Model) => {
    const keys: ModelKeys = new ModelKeys(model, memo, () => ruleTextsOf(model.rules, (r) => keys.ruleMemo(r).text));
    return model.rules.map((r) => keys.rule(r));
  };
  const [first, other, second, third] = keysOf(program(""));
  assert.is(new Set([first, second, third]).size, 3);
  assert.is.not(other, first);
  // another rule before them: the same keys (their positions among the rules saying the same are)
  const keys = keysOf(program("allow a/db -> a/db: 80\n"));
  assert.equal(keys.slice(1), [first, other, second, third]);
});

test("the property catches a broken relocation: a result reused at the spans it was worked out for", () => {
  // a result is kept without its places (statements moved by an edit above them keep their keys):
  // reused where it was worked out, its diagnostics would stay where the statements were
  class Unplaced extends Reused {
    protected override placed(kept: Placed) {
      return kept.diagnostics.map(({ d }) => d);
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, new Unplaced())),
    "results not moved with their statements: the property did not notice",
  );
});

test("the property catches a broken reuse of a rule lint's last result: the namespaces changed since left out", () => {
  type Changed = { since: number; names: ReadonlySet<string> } | null;
  // the namespaces whose regions, or the other action's rules near them, changed left out
  class NamesIgnored extends Reused {
    protected override unchangedSince(changed: Changed, serial: number, near: readonly OwnedNamespace[]) {
      return super.unchangedSince(changed && { since: changed.since, names: new Set() }, serial, near);
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, new NamesIgnored()), 300),
    "changed namespaces near a rule ignored: the property did not notice",
  );
});

test("the property catches a broken rule lint run made from the last one: the namespaces changed since, or the rules removed, left out", () => {
  type Args = Parameters<Reused["recheck"]>;
  let runs = 0;
  class Counted extends Reused {
    protected override recheck(...args: Args) {
      const found = super.recheck(...args);
      if (found) runs++;
      return found;
    }
  }
  // as it is, the property holds (the first test) with runs made from the last one
  assert.not.ok(
    notices(() => new ProgramChecks(undefined, undefined, new Counted())),
    "the property failed",
  );
  assert.ok(runs >= 50, `${runs} lint runs made from the last one`);
  // the rules near a namespace whose reads changed (its regions, the other action's rules near it) taken from the last run
  class NamesIgnored extends Reused {
    protected override recheck(keys: Args[0], before: Args[1], rules: Args[2]) {
      return super.recheck(keys, before, rules, new Set());
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, new NamesIgnored()), 300),
    "changed namespaces ignored: the property did not notice",
  );
  // the results of the rules removed since left in
  class RemovedKept extends Reused {
    protected override recheck(...args: Args) {
      const found = super.recheck(...args);
      return found && { ...found, removed: new Set<NetworkRule>() };
    }
  }
  assert.ok(
    notices(() => new ProgramChecks(undefined, undefined, new RemovedKept()), 300),
    "removed rules kept: the property did not notice",
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

test("a statement kept from a file parsed again is the one of the same text in the same namespace block", () => {
  // renamed in place (the same length), the block's statements keep their places and texts: the
  // rule's `pods(...)` are now the other namespace's (and it names nothing that changed)
  const before = [
    "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }",
    "namespace a {",
    "  default deny",
    "  workload w1 app=w1 port http 8080",
    "  allow pods(app=w1) -> world: 443",
    "}",
    "namespace b {",
    "  default deny",
    "  workload w1 app=w1 port http 8080",
    "}",
    "",
  ].join("\n");
  const checks = new ProgramChecks();
  for (const text of [before, before.replace("namespace a {", "namespace c {"), before]) {
    const sources = [{ path: "a.secpol", text }];
    assert.is(shown(checks.check(sources)), shown(check(sources)));
  }
});

test("the checker's reuse lets go of a deleted file's syntax tree", () => {
  const reuse = new CheckReuse();
  const a = parse("namespace a {\n  workload w app=w\n}\n", "a.secpol").file;
  const b = parse("namespace b {\n  workload v app=v\n}\n", "b.secpol").file;
  const kept = () => [...(reuse as unknown as { trees: Map<string, unknown> }).trees.keys()];
  reuse.statements([a, b]);
  assert.equal(kept(), ["a.secpol", "b.secpol"]);
  reuse.statements([a]);
  assert.equal(kept(), ["a.secpol"]);
});

test("the warm-up checks a version with a rule's name misspelt, then the program's own again, each as an edit of the version before; the program's own is the last", () => {
  const program = [
    { path: "a.secpol", text: "namespace shop {\n  workload web app=web\n  workload db app=db\n}\n" },
    { path: "b.secpol", text: "allow shop/web -> shop/db: 5432\nallow shop/db -> world: 443\n" },
  ];
  const misspelt = [
    program[0],
    { path: "b.secpol", text: program[1].text.replace("shop/db -> world", "shop/dbx -> world") },
  ];
  const commented = [program[0], { path: "b.secpol", text: `${program[1].text}# a note\n` }];
  const versions: string[] = [];
  let moves = 0;
  class Recorded extends ProgramChecks {
    override check(sources: readonly SourceText[], options = {}) {
      versions.push(JSON.stringify(sources));
      return super.check(sources, options);
    }
    protected override moved(...args: Parameters<ProgramChecks["moved"]>) {
      const result = super.moved(...args);
      if (result) moves++;
      return result;
    }
  }
  const checks = new Recorded();
  checks.check(program);
  const { checked, reused } = checks.checker;
  checks.warmUp(program);
  assert.equal(
    versions,
    [program, misspelt, program].map((v) => JSON.stringify(v)),
  );
  assert.equal(
    [checks.checker.checked - checked, checks.checker.reused - reused],
    [2, 2],
    "the misspelt rule's check worked out, then the rule's own again; the other rule's reused both times",
  );
  // a comment added next moves the last version's diagnostics: the last is the program's own
  assert.is(shown(checks.check(commented)), shown(check(commented)));
  assert.is(moves, 1, "a comment added after the warm-up was not a move of the program's own version");
});

test.run();
