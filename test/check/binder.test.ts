/**
 * The binder: what each name denotes, by where it is written (the rules in check/binder.ts), with
 * the standard library in scope as every build has it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bindSources } from "../../src/pipeline.js";
import { bind, isOwnList } from "../../src/check/binder.js";
import { Diagnostics } from "../../src/diagnostics/catalogue.js";
import { parse } from "../../src/syntax/parse.js";
import { checkProgram } from "../../src/check/checker.js";
import type * as ast from "../../src/syntax/ast.js";

/** What each reference of `text` named `name` denotes: `use name -> key, key` (`ambiguous` marked), in the order written. */
function denotes(text: string, name: string): string[] {
  return bindSources([{ path: "p.secpol", text }])
    .references.filter((r) => r.name === name && r.span.file === "p.secpol")
    .map(
      (r) =>
        `${r.use} ${r.qualifier ? `${r.qualifier}/` : ""}${r.name} -> ${r.declarations.map((d) => `${d.kind} ${d.key}${d.span.file.startsWith("std/") ? ` (${d.span.file})` : ""}`).join(", ")}${r.ambiguous ? " (ambiguous)" : ""}`,
    );
}

const blocks =
  "namespace a {\n  workload web app=web\n  workload db app=db\n}\nnamespace b {\n  workload db app=db\n}\n";

test("a peer: qualified exactly; unqualified in its own block first, else the one of its name anywhere", () => {
  assert.equal(denotes(`${blocks}allow a/web -> b/db\n`, "db"), ["peer b/db -> workload b/db"]);
  assert.equal(denotes(`${blocks}namespace b {\n  allow db -> a/web\n}\n`, "db"), ["peer db -> workload b/db"]);
  assert.equal(denotes(`${blocks}allow web -> a/db\nallow a/web -> db\n`, "web"), [
    "peer web -> workload a/web",
    "peer a/web -> workload a/web",
  ]);
  assert.equal(denotes(`${blocks}allow a/web -> db\n`, "db"), ["peer db -> workload a/db, workload b/db (ambiguous)"]);
  assert.equal(denotes(`${blocks}allow a/web -> c/db\n`, "db"), ["peer c/db -> "]);
});

test("the standard library's group and profiles are in scope, and a program's own of the same name shadows them", () => {
  assert.equal(denotes(`${blocks}allow a/* -> dns\n`, "dns"), ["peer dns -> group /dns (std/dns)"]);
  assert.equal(denotes(`group dns = ns infra\n${blocks}allow a/* -> dns\n`, "dns"), ["peer dns -> group /dns"]);
  assert.equal(denotes(`${blocks}apply restricted to ns a\n`, "restricted"), [
    "profile restricted -> profile restricted (std/pss)",
  ]);
  assert.equal(denotes(`profile restricted {\n  deny hostPID\n}\n${blocks}apply restricted to ns a\n`, "restricted"), [
    "profile restricted -> profile restricted",
  ]);
});

test("a workload the checker rejects is no declaration: top level without a namespace, a second of one name", () => {
  assert.equal(
    denotes(`workload web app=web\n${blocks.replace("workload web app=web", "")}allow a/db -> web\n`, "web"),
    ["peer web -> "],
  );
  const twice = `${blocks}namespace a {\n  workload db app=other\n}\nallow b/db -> a/db\n`;
  const table = bindSources([{ path: "p.secpol", text: twice }]);
  assert.equal(
    table.declarations.filter((d) => d.key === "a/db").map((d) => d.span.start.line),
    [3],
  );
});

test("a posture's workload is one of its own namespace; a pod-security target's the one of its name (in the enclosing or written namespace)", () => {
  assert.equal(denotes(`${blocks}namespace a {\n  default deny for web\n}\n`, "web"), [
    "posture web -> workload a/web",
  ]);
  assert.equal(denotes(`${blocks}namespace b {\n  default deny for a/web\n}\n`, "web"), ["posture a/web -> "]);
  assert.equal(denotes(`${blocks}namespace b {\n  deny hostPID for web\n}\n`, "web"), ["target web -> "]);
  assert.equal(denotes(`${blocks}deny hostPID for web\n`, "web"), ["target web -> workload a/web"]);
  assert.equal(denotes(`${blocks}deny hostPID for db\n`, "db"), [
    "target db -> workload a/db, workload b/db (ambiguous)",
  ]);
});

test("namespaces denote every block of their name; PSPs the first of theirs", () => {
  const text = `namespace a {\n}\n${blocks}allow ns a -> a/*\ncluster { version 1.24 }\npsp p { privileged false }\ngrant psp p to user u\n`;
  assert.equal(denotes(text, "a"), [
    "namespace a -> namespace a, namespace a",
    "namespace a -> namespace a, namespace a",
  ]);
  assert.equal(denotes(text, "p"), ["psp p -> psp p"]);
});

test("a kept file's reference denotes this version's declaration (a workload moved in another file)", () => {
  // (the language server binds a file's references again in each version, the file's collection kept)
  const collected = new WeakMap();
  const rules = parse("allow a/web -> a/db\n", "r.secpol").file;
  const bindWith = (declaring: string) =>
    bind([parse(declaring, "a.secpol").file, rules], new Diagnostics(), collected).references.find(
      (r) => r.name === "db" && r.span.file === "r.secpol",
    )!;
  const before = bindWith("namespace a {\n  workload web app=web\n  workload db app=db\n}\n");
  assert.equal(before.declarations[0].span.start.line, 3);
  const after = bindWith("namespace a {\n  workload web app=web\n\n  workload db app=db\n}\n");
  assert.is(after, before);
  assert.equal(after.declarations[0].span.start.line, 4);
});

test("kept references that shared one list (a bare name's one declaration) each denote their own after an edit", () => {
  // two bare `web`s, in blocks a and b, denote the one `web` of c (the binder's list of that name,
  // shared); once a and b declare their own, each denotes its block's (no list changed in place
  // that another reference holds)
  const collected = new WeakMap();
  const rules = parse(
    "namespace a {\n  allow web -> world: 443\n}\nnamespace b {\n  allow web -> world: 443\n}\n",
    "r.secpol",
  ).file;
  const bindWith = (declaring: string) =>
    bind([parse(declaring, "a.secpol").file, rules], new Diagnostics(), collected)
      .references.filter((r) => r.name === "web" && r.span.file === "r.secpol")
      .map((r) => r.declarations.map((d) => d.key).join(" "));
  assert.equal(bindWith("namespace c {\n  workload web app=web\n}\n"), ["c/web", "c/web"]);
  const both = "namespace a {\n  workload web app=web\n}\nnamespace b {\n  workload web app=web\n}\n";
  assert.equal(bindWith(both), ["a/web", "b/web"]);
  assert.equal(bindWith("namespace a {\n  workload web app=web\n}\n"), ["a/web", "a/web"]);
  assert.equal(bindWith(both), ["a/web", "b/web"]);
});

test("a qualified or enclosed name looks in its namespace only: a workload before a group, a top-level group not", () => {
  const text =
    "group web = ns infra\nnamespace a {\n  workload web app=web\n  group web = ns infra\n  group api = ns infra\n}\n" +
    "namespace b {\n  group web = ns infra\n  workload api app=api\n  allow web -> api\n}\nnamespace c {\n  allow a/web -> b/api\n  allow web -> c/web\n}\n";
  assert.equal(denotes(text, "web"), [
    "peer web -> group b/web",
    "peer a/web -> workload a/web",
    "peer web -> workload a/web, group /web, group a/web, group b/web (ambiguous)",
    "peer c/web -> ",
  ]);
  assert.equal(denotes(text, "api"), ["peer api -> workload b/api", "peer b/api -> workload b/api"]);
});

test("only a binder whose collections are kept records the lists of one it makes (changed in place in later versions)", () => {
  const text = "namespace a {\n  workload web app=web\n  allow web -> world: 443\n}\n";
  const listOf = (collected?: WeakMap<never, never>) =>
    bind([parse(text, "a.secpol").file], new Diagnostics(), collected).references.find((r) => r.name === "web")!
      .declarations;
  const once = listOf();
  assert.equal(once.length, 1);
  assert.is(isOwnList(once), false);
  const kept = listOf(new WeakMap());
  assert.equal(kept.length, 1);
  assert.is(isOwnList(kept), true);
});

test("a one-shot binder gives the references denoting one declaration alone one frozen list; a kept one, a list each", () => {
  const text = "namespace a {\n  workload web app=web\n  allow web -> world: 443\n  allow world -> web: 80\n}\n";
  const listsOf = (collected?: WeakMap<never, never>) =>
    bind([parse(text, "a.secpol").file], new Diagnostics(), collected)
      .references.filter((r) => r.name === "web")
      .map((r) => r.declarations);
  const [first, second] = listsOf();
  assert.equal(
    [first, second].map((list) => list.map((d) => d.key)),
    [["a/web"], ["a/web"]],
  );
  assert.is(first, second);
  assert.ok(Object.isFrozen(first));
  const [kept, keptToo] = listsOf(new WeakMap());
  assert.is.not(kept, keptToo);
  assert.ok(!Object.isFrozen(kept));
});

test("every reference has the same properties in the same order, however it is written and whatever it denotes", () => {
  // (made with some properties and given the others later, references took several shapes and
  // the binder's and checker's reads of them went megamorphic: issue 20, helper front5)
  const text =
    `${blocks}namespace a {\n  allow web -> db\n  default deny ingress for web\n}\n` +
    "allow a/web -> db\nallow a/web -> ns b\nallow a/web -> pods(app=x) in ns a\n";
  const references = bindSources([{ path: "p.secpol", text }]).references.filter((r) => r.span.file === "p.secpol");
  const shapes = new Set(references.map((r) => Object.keys(r).join(",")));
  assert.equal([...new Set(references.map((r) => r.use))].sort(), ["namespace", "peer", "posture"]);
  assert.ok(
    references.some((r) => r.ambiguous) && references.some((r) => r.qualifier) && references.some((r) => r.enclosing),
  );
  assert.equal([...shapes], ["use,name,qualifier,enclosing,span,declarations,ambiguous"]);
});

test("a check for `build` (`namespaceReferences: false`) binds no namespace's name, and checks the program the same", () => {
  // (`build` lets the binding go once the program is checked, and the checker reads no reference of
  // a namespace's name: about 81,000 objects at 20,000 services it need not make, issue 20, gc25)
  const text =
    `${blocks}namespace a {\n  allow web -> db\n  default deny ingress for web\n  allow web -> c/*\n}\n` +
    "allow a/web -> db\nallow a/web -> ns b\nallow a/web -> pods(app=x) in ns a\nallow b/* -> a/web: 80\n" +
    "allow a/web -> c/db\nallow a/web -> ns c\nallow ns a -> b/db: 5432\n";
  const checked = (namespaceReferences?: boolean) =>
    checkProgram([parse(text, "p.secpol").file], namespaceReferences === undefined ? {} : { namespaceReferences });
  const uses = (namespaceReferences?: boolean) =>
    [...new Set(checked(namespaceReferences).binding.references.map((r) => r.use))].sort();
  assert.equal(uses(), ["namespace", "peer", "posture"]);
  assert.equal(uses(true), ["namespace", "peer", "posture"]);
  assert.equal(uses(false), ["peer", "posture"]);
  const [all, without] = [checked(), checked(false)];
  assert.ok(all.diagnostics.length > 0, "the unknown namespace `c` is reported");
  assert.is(JSON.stringify(without.diagnostics), JSON.stringify(all.diagnostics));
  assert.is(JSON.stringify(without.model), JSON.stringify(all.model));
});

test("a check for `build` (`peerReferences: false`) binds no peer's name, resolves each peer as the binder would, and checks the program the same", () => {
  // (`build` lets the binding go once the program is checked; the checker asks `peerDeclarations`,
  // which resolves a peer's name when asked: two objects per rule fewer, issue 20, check26)
  const text =
    `${blocks}namespace a {\n  allow web -> db\n  group g = web, b/db\n  allow g -> db: 80\n  assert web -> db: 80\n  allow db -> web, g\n}\n` +
    "namespace b {\n  allow db -> web\n  allow web -> db\n  group g = db\n  allow g -> web\n}\n" +
    "allow a/web -> db\nallow a/web -> dbx\nallow a/web -> c/db\nallow a/* -> dns\nallow web -> b/db\nassert db -> a/web: 80\n";
  const file = () => parse(text, "p.secpol").file;
  const checked = (peerReferences?: boolean) =>
    checkProgram([file()], peerReferences === undefined ? {} : { peerReferences });
  const uses = (peerReferences?: boolean) =>
    [...new Set(checked(peerReferences).binding.references.map((r) => r.use))].sort();
  assert.equal(uses(), ["namespace", "peer"]);
  assert.equal(uses(true), ["namespace", "peer"]);
  assert.equal(uses(false), ["namespace"]);
  const [all, without] = [checked(), checked(false)];
  assert.ok(
    all.diagnostics.some((d) => d.message.includes("dbx")) && all.diagnostics.some((d) => /ambiguous/i.test(d.message)),
    "an unknown and an ambiguous peer are reported",
  );
  assert.is(JSON.stringify(without.diagnostics), JSON.stringify(all.diagnostics));
  assert.is(JSON.stringify(without.model), JSON.stringify(all.model));
  // each peer (of rules, groups and assertions, in and out of blocks) denotes what its reference does
  const tree = file();
  const kept = bind([tree], new Diagnostics());
  const lean = bind([tree], new Diagnostics(), undefined, undefined, true, false);
  const shown = (declarations: readonly { key: string }[]) =>
    `${declarations.map((d) => d.key).join(", ")}${declarations.length > 1 ? " (ambiguous)" : ""}`;
  const seen: string[] = [];
  const peers = (statements: readonly ast.Statement[], enclosing: string | undefined): void => {
    for (const s of statements) {
      if (s.kind === "Namespace") peers(s.statements, s.name.text);
      const written =
        s.kind === "NetworkRule" || s.kind === "Assert"
          ? [...s.sources, ...s.destinations]
          : s.kind === "Group"
            ? s.peers
            : [];
      for (const p of written) {
        if (p.kind !== "Reference") continue;
        const reference = kept.referenceOf(p.ref)!;
        // (a peer's reference is ambiguous exactly when it denotes several declarations)
        assert.is(reference.ambiguous, reference.declarations.length > 1 ? true : undefined);
        const expected = shown(reference.declarations);
        assert.is(shown(lean.peerDeclarations(p.ref, enclosing)), expected);
        assert.is(kept.peerDeclarations(p.ref, enclosing), reference.declarations);
        seen.push(expected);
      }
    }
  };
  peers(tree.statements, undefined);
  // (bound without the standard library: `dns` names nothing here)
  assert.equal([...new Set(seen)].sort(), ["", "a/db", "a/db, b/db (ambiguous)", "a/g", "a/web", "b/db", "b/g"]);
});

test.run();
