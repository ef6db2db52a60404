/**
 * `diff`, `explain`, `assert` and the matrix are decided over every region of pods, namespaces and
 * addresses the program tells apart (src/semantics/universe.ts): the cases of issue 17, each wrong
 * before, and the region cap reported as an error, never a silent pass.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { check, diffSources, explainQuery } from "../../src/index.js";
import {
  conjunctionKey,
  conjunctionMatches,
  conjunctionOf,
  everything,
  witness,
  type Conjunction,
  type Labels,
} from "../../src/semantics/labels.js";
import { apart, labelRegions, SelectorRegions } from "../../src/semantics/universe.js";
import { clauseReach, keptFor } from "../../src/semantics/regions.js";
import { checkProgram } from "../../src/check/checker.js";
import { CheckReuse } from "../../src/check/reuse.js";
import { parse } from "../../src/syntax/parse.js";

const source = (text: string) => [{ path: "p.secpol", text }];
const api = "namespace a {\n  default deny\n  workload api app=api port http 80\n}\n";
const changes = (before: string, after: string) => {
  const { diff, diagnostics } = diffSources(source(before), source(after));
  assert.ok(diff, JSON.stringify(diagnostics));
  return {
    gained: diff.gained.map((c) => `${c.source} -> ${c.destination}: ${c.ports.join(", ")}`),
    lost: diff.lost.map((c) => `${c.source} -> ${c.destination}: ${c.ports.join(", ")}`),
  };
};

test("diff: `allow cluster -> a/api` admits pods of every namespace, named or not", () => {
  const { gained, lost } = changes(api, `${api}allow cluster -> a/api: 80\n`);
  assert.equal(lost, []);
  assert.ok(gained.includes("pods of other namespaces -> a/api: 80/tcp"), gained.join("\n"));
  assert.ok(gained.includes("other pods of a -> a/api: 80/tcp"), gained.join("\n"));
  assert.ok(gained.includes("a/api -> a/api: 80/tcp"), "two pods of one workload are a pair too");
});

test("diff: `allow ns(team=x) -> a/api` admits pods of namespaces labelled team=x", () => {
  assert.equal(changes(api, `${api}allow ns(team=x) -> a/api: 80\n`), {
    gained: ["pods of ns[team=x] -> a/api: 80/tcp"],
    lost: [],
  });
});

test("diff: `-> cluster: 9100` changed to `-> monitoring/*: 9100` is reported both ways", () => {
  const before = `${api}allow a/api -> cluster: 9100\n`;
  const after = `${api}allow a/api -> monitoring/*: 9100\n`;
  const forth = changes(before, after);
  assert.equal(forth.gained, []);
  assert.ok(forth.lost.includes("a/api -> pods of other namespaces: 9100/tcp"), forth.lost.join("\n"));
  assert.not.ok(
    forth.lost.some((l) => l.includes("monitoring")),
    "monitoring keeps the flow",
  );
  assert.equal(changes(after, before), { gained: forth.lost, lost: [] });
});

test("diff: port changes are exact intervals, not only the ports a rule names", () => {
  const before = `${api}allow other/* -> a/api: 80..90\n`;
  const after = `${api}allow other/* -> a/api: 80..85, 88..90\n`;
  assert.equal(changes(before, after), { gained: [], lost: ["pods of other -> a/api: 86..87/tcp"] });
});

const web =
  "namespace default {\n  default deny ingress\n  workload web app=web port http 80\n}\nallow ns(purpose=production) -> default/web: 80\n";

test("assert: an unowned namespace may carry any labels", () => {
  const { diagnostics } = check(source(`${web}assert ns prod -/-> default/web\n`));
  const failed = diagnostics.find((d) => d.code === "SP3008");
  assert.ok(failed, JSON.stringify(diagnostics));
  assert.match(failed.message, "pods of prod[purpose=production] -> default/web:80/tcp is permitted");
  assert.not.ok(
    check(source(`${web}assert ns prod -/-> default/web: 81\n`)).diagnostics.some((d) => d.severity === "error"),
  );
});

test("explain: an unowned namespace may carry any labels, and the answer lists each kind of pod", () => {
  const { explanation } = explainQuery(source(web), "ns prod -> default/web:80");
  assert.ok(explanation);
  assert.equal(explanation.cases, [
    { flow: "pods of prod -> default/web", permitted: false },
    { flow: "pods of prod[purpose=production] -> default/web", permitted: true },
  ]);
  const closed = explainQuery(source(web), "ns prod -> default/web:81").explanation!;
  assert.is(closed.permitted, false);
  assert.is(closed.cases, undefined, "one verdict for every pod: no cases");
});

const unrelated = (n: number) =>
  `namespace a {\n  default deny\n  workload w app=w port http 80\n${Array.from({ length: n }, (_, i) => `  workload u${i} k${i}=v\n`).join("")}}\nallow pods(tier=t) in ns a -> a/w: 80\nassert pods(app=x) in ns a -/-> a/w: 80\n`;

test("assert: unrelated workloads do not hide the pods where two selectors meet (no silent cap)", () => {
  for (const n of [2, 3, 6]) {
    const failed = check(source(unrelated(n))).diagnostics.find((d) => d.code === "SP3008");
    assert.ok(failed, `${n} unrelated workloads`);
    assert.match(failed.message, /tier=t/);
  }
});

test("assert: past the region cap, an error, never a pass", () => {
  // 13 selectors asking 13 keys of their own: 2^13 kinds of pod in `a`, more than are enumerated
  const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
  const program = `namespace a {\n  default deny\n  workload w app=w port http 80\n}\n${keys.map((k) => `allow pods(${k}=p) in ns a -> a/w: 80\n`).join("")}`;
  const undecided = check(source(`${program}assert pods(app=x) in ns a -/-> a/w: 81\n`)).diagnostics.find(
    (d) => d.code === "SP3030",
  );
  assert.ok(undecided);
  assert.is(undecided.severity, "error");
  assert.match(undecided.message, "this assertion cannot be decided");
  const diff = diffSources(source(program), source(`${program}allow a/w -> a/w: 81\n`));
  assert.is(diff.diff, undefined);
  assert.ok(diff.diagnostics.some((d) => d.code === "SP3030"));
});

// a pod of no workload may declare any port name on any number: `: http` reaches it on that number
const dbOnly = "namespace a {\n  default deny\n  workload db app=db port sql 5432\n}\n";

test("diff: a change of `: http` reaches pods of no workload, which may declare http on any port", () => {
  const api =
    "namespace a {\n  default deny\n  workload api app=api port http 80\n  workload db app=db port sql 5432\n}\n";
  assert.equal(changes(`${api}allow ns b -> a/*: http\n`, `${api}allow ns b -> a/*: sql\n`), {
    gained: ["pods of b -> a/db: 5432/tcp", "pods of b -> other pods of a with port sql: 1..65535/tcp"],
    lost: ["pods of b -> a/api: 80/tcp", "pods of b -> other pods of a with port http: 1..65535/tcp"],
  });
  // named ports of one protocol do not reach another
  assert.equal(changes(`${dbOnly}allow ns b -> a/*: 53/udp\n`, `${dbOnly}allow ns b -> a/*: 53/udp, http\n`).gained, [
    "pods of b -> other pods of a with port http: 1..65535/tcp",
  ]);
});

test("assert and explain: a named port on pods of no workload", () => {
  const program = `${dbOnly}allow ns b -> a/*: http\n`;
  const failed = check(source(`${program}assert ns b -/-> a/*: http\n`)).diagnostics.find((d) => d.code === "SP3008");
  assert.ok(failed, "the assertion held");
  assert.match(failed.message, "pods of b -> other pods of a with port http");
  assert.not.ok(check(source(`${program}assert ns b -/-> a/db\n`)).diagnostics.some((d) => d.severity === "error"));
  const { explanation } = explainQuery(source(program), "ns b -> a/*:80");
  assert.equal(explanation?.cases, [
    { flow: "pods of b -> a/db", permitted: false },
    { flow: "pods of b -> other pods of a", permitted: false },
    { flow: "pods of b -> other pods of a with port http", permitted: true },
  ]);
});

/** Every label map over keys a, b, c (each absent, one of `named` or a value no selector names), and requirements naming those. */
function labelSpace(named: string[]) {
  const keys = ["a", "b", "c"];
  const values = [undefined, ...named, "z"];
  const maps: Labels[] = [{}];
  for (const key of keys)
    maps.splice(0, maps.length, ...maps.flatMap((m) => values.map((v) => (v === undefined ? m : { ...m, [key]: v }))));
  const requirement = fc.oneof(
    fc.record({
      key: fc.constantFrom(...keys),
      operator: fc.constantFrom("In" as const, "NotIn" as const),
      values: fc.subarray(named, { minLength: 1 }),
    }),
    fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const) }),
  );
  return { maps, requirement };
}

test("SelectorRegions: any few of the selectors split their regions into exactly the kinds those tell apart", () => {
  // every label map over three keys, each absent or one of three values (one no selector names)
  const { maps, requirement } = labelSpace(["x", "y"]);
  const selectors = fc.array(fc.array(requirement, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(selectors, fc.array(fc.nat(), { maxLength: 4 }), (written, picks) => {
      const conjunctions = written.map((r) => conjunctionOf(r)).filter((c): c is Conjunction => c !== undefined);
      if (conjunctions.length === 0) return;
      const labels = labelRegions(conjunctions)!;
      const regions = new SelectorRegions(labels);
      const some = picks.map((k) => conjunctions[k % conjunctions.length]);
      const kind = (l: Labels) => some.map((c) => (conjunctionMatches(c, l) ? 1 : 0)).join("");
      const found = regions.split(some).map((r) => kind(labels[r]));
      assert.equal(found.length, new Set(found).size, "one region per kind");
      assert.equal([...new Set(maps.map(kind))].sort(), [...found].sort(), "every kind of label map");
    }),
    { numRuns: 300 },
  );
});

test("apart: selectors no two of which meet, none holding the empty label map, tell apart each one's set and the rest, and their witnesses and the empty map stand for every region", () => {
  // every label map over three keys, each absent or one of four values (one no selector names)
  const { maps, requirement } = labelSpace(["w", "x", "y"]);
  // multi-label selectors, mostly apart by one key with a value each (a name label) so that the property is often met
  const named = fc
    .tuple(fc.constantFrom("w", "x", "y"), fc.array(requirement, { maxLength: 2 }))
    .map(([name, rest]) => [{ key: "a", operator: "In" as const, values: [name] }, ...rest]);
  const selectors = fc.array(fc.oneof(named, named, fc.array(requirement, { minLength: 1, maxLength: 3 })), {
    minLength: 1,
    maxLength: 5,
  });
  let met = 0;
  fc.assert(
    fc.property(selectors, (written) => {
      const conjunctions = [
        ...new Map(
          written
            .map((r) => conjunctionOf(r))
            .filter((c): c is Conjunction => c !== undefined && c.length > 0)
            .map((c) => [conjunctionKey(c), c]),
        ).values(),
      ];
      const kind = (l: Labels) => conjunctions.map((c) => (conjunctionMatches(c, l) ? 1 : 0)).join("");
      const every = new Set(maps.map(kind));
      const enumerated = labelRegions(conjunctions)!;
      assert.equal(new Set(enumerated.map(kind)), every, "labelRegions: every kind");
      if (!apart(conjunctions)) {
        // not apart: two meet, or one holds the empty label map
        const meet = maps.some((m) => kind(m).split("1").length > 2) || kind({}).includes("1");
        assert.ok(meet, "apart refused selectors that are apart");
        return;
      }
      met++;
      const representatives = [...conjunctions.map(witness), {}].map(kind);
      assert.equal(new Set(representatives), every, "witnesses and the empty map: every kind");
      assert.is(representatives.length, every.size, "one representative per kind");
    }),
    { numRuns: 500 },
  );
  assert.ok(met >= 100, `only ${met} sets of selectors apart`);
});

// labelRegions asks whether a conjunction meets `within` once per distinct one, copies dropped first
// (verification's namespace selectors: one per clause end and emitted peer, a few distinct ones)
test("labelRegions: copies of selectors (other objects, anywhere in the list) change no region, inside or outside a `within` they may miss", () => {
  const { maps, requirement } = labelSpace(["x", "y"]);
  const written = fc.array(fc.array(requirement, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 });
  const withinWritten = fc.option(fc.array(requirement, { minLength: 1, maxLength: 2 }), { nil: undefined });
  let missed = 0;
  fc.assert(
    fc.property(written, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }), withinWritten, (w, copies, ww) => {
      const distinct = w.map((r) => conjunctionOf(r)).filter((c): c is Conjunction => c !== undefined);
      const within = ww === undefined ? everything : conjunctionOf(ww);
      if (distinct.length === 0 || !within) return;
      const listed = [...distinct];
      for (const [from, at] of copies)
        listed.splice(at % (listed.length + 1), 0, structuredClone(distinct[from % distinct.length]));
      // the first of each content (by its text, as written here), in the order first met
      const firsts = [...new Map(listed.map((c) => [JSON.stringify(c), c])).values()];
      const found = labelRegions(listed, within);
      assert.equal(found, labelRegions(firsts, within));
      if (!found) return;
      // and every kind of label map of `within` has its region (those missing `within` tell nothing apart)
      const kind = (l: Labels) => firsts.map((c) => (conjunctionMatches(c, l) ? 1 : 0)).join("");
      const inside = maps.filter((m) => conjunctionMatches(within, m));
      assert.equal(new Set(found.map(kind)), new Set(inside.map(kind)));
      assert.ok(found.every((l) => conjunctionMatches(within, l)));
      if (firsts.some((c) => !inside.some((m) => conjunctionMatches(c, m)))) missed++;
    }),
    { numRuns: 500 },
  );
  assert.ok(missed >= 50, `only ${missed} lists with a selector missing \`within\``);
});

// the namespaces no program owns are those of any name but the owned ones: a `within` refusing a
// long list of values on one key (looked up by a set past a few), which selectors may name too
test("labelRegions: inside a `within` refusing many values of a key, every kind has its region, and every region is inside", () => {
  const owned = Array.from({ length: 12 }, (_, i) => `n${String(i).padStart(2, "0")}`);
  // every label map over three keys, each absent, two of the refused values, two others or one none names
  const { maps, requirement } = labelSpace(["n00", "n01", "x", "y"]);
  const written = fc.array(fc.array(requirement, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 });
  let searched = 0;
  fc.assert(
    fc.property(written, fc.boolean(), (w, absentOk) => {
      const selectors = w.map((r) => conjunctionOf(r)).filter((c): c is Conjunction => c !== undefined);
      const within: Conjunction = [["a", { absentOk, values: { kind: "except", values: owned } }]];
      const found = labelRegions(selectors, within);
      if (!found) return;
      const kind = (l: Labels) => selectors.map((c) => (conjunctionMatches(c, l) ? 1 : 0)).join("");
      const inside = maps.filter((m) => conjunctionMatches(within, m));
      assert.ok(
        found.every((l) => conjunctionMatches(within, l)),
        "every region inside",
      );
      assert.equal(new Set(found.map(kind)), new Set(inside.map(kind)), "every kind");
      if (selectors.some((c) => c.some(([key]) => key === "a")) && found.length > 2) searched++;
    }),
    { numRuns: 500 },
  );
  assert.ok(searched >= 100, `only ${searched} lists asking the refused key`);
});

test("a namespace's regions and a clause's reach are kept for the next version only by the language server's check (a one-shot check keeps none)", () => {
  const text = `${api}namespace b {\n  workload web app=web\n  allow web -> a/api: 80\n}\n`;
  const reaches = (reuse?: CheckReuse) => {
    const { model } = checkProgram([parse(text, "p.secpol").file], { reuse });
    const clauses = model.rules.flatMap((r) => r.clauses);
    assert.ok(clauses.length > 0);
    return [
      ...clauses.map((c) => `${clauseReach(model, c).length} ${keptFor(c)}`),
      ...model.namespaces.map((n) => `${n.name} ${keptFor(n)}`),
    ];
  };
  assert.equal(reaches(), ["1 false", "a false", "b false"]);
  assert.equal(reaches(new CheckReuse()), ["1 true", "a true", "b true"]);
});

test.run();
