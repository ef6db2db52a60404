/**
 * Shortcuts of the check pass (issue 20, helper check4), each against what it stands for: port sets
 * of one port shared, a clause's named namespaces listed once without a set, and the lints' reaches
 * looked through without grouping when a clause has few.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkProgram } from "../../src/check/checker.js";
import { parse } from "../../src/syntax/parse.js";
import { portSet, portsKey, protocols, type PortRange, type Protocol } from "../../src/semantics/ports.js";
import { candidateNamespaces, FEW_NAMES } from "../../src/semantics/lookup.js";
import { clauseReach, clauseSubjects, managedRegions, type Reach } from "../../src/semantics/regions.js";
import { conjunctionMatches, conjunctionOf, intersect, union, type Requirement } from "../../src/semantics/labels.js";
import { directions } from "../../src/semantics/model.js";
import { FEW_REACHES, reaches } from "../../src/analysis/lints.js";
import type { Model } from "../../src/semantics/model.js";

const modelOf = (text: string): Model => {
  const { model, diagnostics } = checkProgram([parse(text, "p.secpol").file]);
  assert.equal(
    diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  return model;
};

/** `portSet` as it was before one-port sets were shared: a new object, its ranges merged. */
const plain = (numeric: Partial<Record<Protocol, readonly PortRange[]>>) =>
  JSON.stringify({
    numeric: Object.fromEntries(protocols.map((p) => [p, numeric[p] ?? []])),
    named: [],
  });

test("portSet: one port of one protocol is one object per port and protocol, equal to the set made anew", () => {
  const cases: Partial<Record<Protocol, PortRange[]>>[] = [];
  for (const port of [1, 53, 80, 8080, 65535])
    for (const protocol of protocols) cases.push({ [protocol]: [{ from: port, to: port }] });
  const made = cases.map((c) => portSet(c));
  made.forEach((set, i) => {
    assert.is(JSON.stringify(set), plain(cases[i]), JSON.stringify(cases[i]));
    assert.is(portsKey(set), plain(cases[i]));
    assert.is(portSet(structuredClone(cases[i])), set, "the same object for the same port and protocol");
  });
  assert.is(new Set(made).size, made.length, "one object per port and protocol");
  // the same port twice is still one port; two ports, two protocols, a range, a named port: sets of their own
  const twice = portSet({
    UDP: [
      { from: 53, to: 53 },
      { from: 53, to: 53 },
    ],
  });
  assert.is(JSON.stringify(twice), plain({ UDP: [{ from: 53, to: 53 }] }));
  for (const numeric of [
    { TCP: [{ from: 53, to: 53 }], UDP: [{ from: 53, to: 53 }] },
    { TCP: [{ from: 80, to: 81 }] },
    {
      TCP: [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
      ],
    },
  ]) {
    const set = portSet(numeric);
    assert.is(JSON.stringify(set), plain(numeric));
    assert.is.not(portSet(structuredClone(numeric)), set);
  }
  const named = portSet({ TCP: [{ from: 80, to: 80 }] }, [{ name: "http", protocol: "TCP" }]);
  assert.equal(named.named, [{ name: "http", protocol: "TCP" }]);
  assert.equal(named.numeric.TCP, [{ from: 80, to: 80 }]);
});

test("rules: `: 53` and `: 53/udp` are two port sets, each rule's ports what it wrote", () => {
  const model = modelOf(
    "namespace a {\n  default deny\n  workload w app=w port dns 53/udp port web 53\n  workload v app=v\n}\n" +
      "allow a/v -> a/w: 53\nallow a/v -> a/w: 53/udp\nallow a/v -> a/w: dns\nallow a/w -> a/v: 53\n",
  );
  const ports = model.rules.map((r) => r.clauses[0].ports);
  assert.equal(
    ports.map((p) => JSON.stringify(p.numeric)),
    [
      JSON.stringify({ TCP: [{ from: 53, to: 53 }], UDP: [], SCTP: [] }),
      JSON.stringify({ TCP: [], UDP: [{ from: 53, to: 53 }], SCTP: [] }),
      JSON.stringify({ TCP: [], UDP: [{ from: 53, to: 53 }], SCTP: [] }),
      JSON.stringify({ TCP: [{ from: 53, to: 53 }], UDP: [], SCTP: [] }),
    ],
  );
  assert.is(ports[0], ports[3]);
  assert.is(ports[1], ports[2]);
  assert.is.not(ports[0], ports[1]);
});

test("candidateNamespaces: each named namespace once, in order of appearance, below and past FEW_NAMES", () => {
  const count = FEW_NAMES + 4;
  const names = Array.from({ length: count }, (_, i) => `n${String(i).padStart(2, "0")}`);
  const blocks = names.map((n) => `namespace ${n} {\n  default deny\n  workload w app=w\n}\n`).join("");
  // sources and destinations name some namespaces twice, in an order other than the model's
  for (const size of [2, FEW_NAMES, count]) {
    const some = names.slice(0, size).reverse();
    const peers = some.map((n) => `${n}/w`).join(", ");
    const model = modelOf(`${blocks}allow ${peers} -> ${peers}, ${some[0]}/*\n`);
    const [clause] = model.rules[0].clauses;
    const expected = [
      ...new Set([...clause.sources.pods, ...clause.destinations.pods].map((t) => t.namespaces[0][1].values.values[0])),
    ];
    assert.equal(
      candidateNamespaces(model, clause).map((n) => n.name),
      expected,
      `${size} names`,
    );
    assert.is(expected.length, size);
  }
});

test("candidateNamespaces: by selectors and names together, each owned namespace once, in the model's order", () => {
  // (issue 20, helper lint12: positions pushed, sorted and taken once, no set; an empty answer one list)
  const blocks = ["a", "b", "c", "d", "e"]
    .map(
      (n, i) => `namespace ${n} {\n  default deny\n  labels team=${i % 2 === 0 ? "x" : "y"}\n  workload w app=w\n}\n`,
    )
    .join("");
  const model = modelOf(
    `${blocks}allow e/w, ns(team=x) -> d/w, ns(team=x)/*, c/w: 80\nallow ns(team=y) -> b/w, ns(team=x)/*\nallow a/w -> world: 443\nallow ns(team=z) -> ns(team=z)/*\nallow ns(team=z) -> ns(team=q)/*\n`,
  );
  // (a, c and e carry team=x; b and d team=y; no namespace team=z or team=q)
  const expected = [["a", "c", "d", "e"], ["a", "b", "c", "d", "e"], ["a"], [], []];
  const found = model.rules.map((rule) => candidateNamespaces(model, rule.clauses[0]));
  assert.equal(
    found.map((list) => list.map((n) => n.name)),
    expected,
  );
  // the clauses reaching no owned namespace share one empty list
  assert.is(found[3], found[4]);
});

test("candidateNamespaces: one namespace named at each end, owned or not, the same or not (issue 20, helper check25)", () => {
  // (the shortcut for clauses of one term at each end naming one namespace each: lists of one or
  // two made as such; against the order of appearance, each name once, owned ones only)
  const blocks = ["a", "b"].map((n) => `namespace ${n} {\n  default deny\n  workload w app=w\n}\n`).join("");
  const pairs = [
    ["a", "a"],
    ["a", "b"],
    ["b", "a"],
    ["a", "x"],
    ["x", "b"],
    ["x", "x"],
    ["x", "y"],
  ];
  const model = modelOf(`${blocks}${pairs.map(([s, d]) => `allow ${s}/* -> ${d}/*: 80\n`).join("")}`);
  const found = model.rules.map((rule) => candidateNamespaces(model, rule.clauses[0]));
  assert.equal(
    found.map((list) => list.map((n) => n.name)),
    pairs.map((pair) => [...new Set(pair)].filter((n) => n === "a" || n === "b")),
  );
  // the owned namespaces themselves, and the clauses reaching none one empty list
  assert.is(found[1][0], model.namespaces[0]);
  assert.is(found[1][1], model.namespaces[1]);
  assert.is(found[5], found[6]);
  assert.is(found[5], candidateNamespaces(model, modelOf(`${blocks}allow ns(q=r) -> ns(q=r)/*\n`).rules[0].clauses[0]));
});

test("clauseSubjects: the pods a clause names at one end in a namespace, one empty list for none (issue 20, helper check25)", () => {
  const blocks = ["a", "b"]
    .map((n) => `namespace ${n} {\n  default deny\n  labels team=x\n  workload w app=w\n  workload v app=v\n}\n`)
    .join("");
  const model = modelOf(
    `${blocks}allow a/w -> b/v: 80\nallow a/w, a/v, b/w -> ns(team=x)/*: 80\nallow pods(app=w) in ns(team=x) -> a/v, b/w: 80\n`,
  );
  const empties = new Set();
  for (const rule of model.rules)
    for (const clause of rule.clauses)
      for (const namespace of model.namespaces)
        for (const direction of ["ingress", "egress"] as const) {
          const terms = direction === "ingress" ? clause.destinations.pods : clause.sources.pods;
          const pods = terms.filter((t) => conjunctionMatches(t.namespaces, namespace.labels)).map((t) => t.pods);
          const found = clauseSubjects(clause, namespace, direction);
          assert.equal(found, pods.length <= 1 ? pods : union([], pods), `${namespace.name} ${direction}`);
          if (found.length === 0) empties.add(found);
        }
  assert.is(empties.size, 1);
});

test("reaches: a clause's reaches in the namespace and direction asked about, few or many", () => {
  const teams = Array.from({ length: FEW_REACHES + 3 }, (_, i) => `t${i}`);
  const blocks = teams
    .map((n) => `namespace ${n} {\n  default deny\n  labels team=x\n  workload w app=w\n}\n`)
    .join("");
  const model = modelOf(`${blocks}allow t0/w -> t1/w: 80\nallow ns(team=x) -> t2/w: 80\n`);
  const [few, many] = model.rules.map((r) => r.clauses[0]);
  assert.ok(clauseReach(model, few).length <= FEW_REACHES);
  assert.ok(clauseReach(model, many).length > FEW_REACHES);
  const allowsAt = reaches(model, "allow");
  const everyone = { pods: [{ namespaces: [], pods: [] }], ips: [] };
  for (const namespace of teams)
    for (const direction of ["ingress", "egress"] as const) {
      const found = allowsAt(namespace, direction, everyone);
      const expected = model.rules.flatMap((rule) =>
        rule.clauses.flatMap((clause) =>
          clauseReach(model, clause)
            .filter((r) => r.namespace.name === namespace && r.direction === direction)
            .map((reach) => ({ rule, clause, reach })),
        ),
      );
      assert.equal(found, expected, `${namespace} ${direction}`);
    }
});

test("clauseReach: every side a clause reaches, none, one, two or more, each list made at its size (issue 20, helper check27)", () => {
  // (the first two reaches held as found, the list made as a literal; against the reaches worked
  // out anew: each candidate namespace, each direction, each region meeting the clause's subjects)
  const blocks = ["a", "b", "c"]
    .map(
      (n) =>
        `namespace ${n} {\n  default deny\n  labels team=x\n  workload w app=w\n  workload v app=v\n  default allow ingress for v\n  workload u app=u\n}\n`,
    )
    .join("");
  const model = modelOf(
    `${blocks}namespace d {\n  workload w app=w\n}\n` +
      [
        "allow d/w -> d/w: 80",
        "allow d/w -> d/w: 81",
        "allow a/w -> d/w: 80",
        "allow a/w -> b/u: 80",
        "allow a/w -> a/v: 80",
        "allow a/w, a/v -> b/w, b/v: 80",
        "allow ns(team=x) -> ns(team=x)/*: 80",
      ].join("\n") +
      "\n",
  );
  const counts = new Set<number>();
  const empties = new Set<readonly Reach[]>();
  for (const rule of model.rules)
    for (const clause of rule.clauses) {
      const expected: Reach[] = [];
      for (const namespace of candidateNamespaces(model, clause))
        for (const direction of directions) {
          const subjects = clauseSubjects(clause, namespace, direction);
          if (subjects.length === 0) continue;
          for (const region of managedRegions(model, namespace, direction)) {
            const within = intersect(subjects, region.pods);
            if (within.length > 0) expected.push({ namespace, direction, region, subjects: within });
          }
        }
      const found = clauseReach(model, clause);
      assert.equal(found, expected);
      counts.add(found.length);
      if (found.length === 0) empties.add(found);
    }
  for (const n of [0, 1, 2, 3]) assert.ok(counts.has(n), `a clause with ${n} reaches`);
  assert.ok(Math.max(...counts) > 3);
  assert.is(empties.size, 1, "the clauses reaching nothing share one list");
});

test("conjunctionOf: up to three requirements on distinct keys, in every order, free ones left out (issue 20, helper check27)", () => {
  // (made as literal lists of one to three, sorted as found; against the general case, which the
  // same requirements written twice take: a key's constraint met with itself is the same)
  const choices: Requirement[][] = ["b", "a", "c"].map((key) => [
    { key, operator: "In", values: ["x"] },
    { key, operator: "In", values: ["y", "x"] },
    { key, operator: "NotIn", values: ["x"] },
    { key, operator: "NotIn", values: [] },
    { key, operator: "Exists" },
    { key, operator: "DoesNotExist" },
  ]);
  const orders = [
    [0],
    [1],
    [2],
    [0, 1],
    [1, 0],
    [0, 2],
    [2, 1],
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  let compared = 0;
  for (const order of orders) {
    // every combination of one requirement per key of the order
    const pick = (k: number): Requirement[][] =>
      k === order.length ? [[]] : choices[order[k]].flatMap((r) => pick(k + 1).map((rest) => [r, ...rest]));
    for (const requirements of pick(0)) {
      const found = conjunctionOf(requirements);
      assert.equal(found, conjunctionOf([...requirements, ...requirements]), JSON.stringify(requirements));
      assert.ok(found!.every(([key], i) => i === 0 || found![i - 1][0] < key));
      compared++;
    }
  }
  assert.ok(compared > 1000);
});

test("selectors: a label key found valid is not checked again, an invalid one is reported wherever written (issue 20, helper check27)", () => {
  const text =
    "namespace a {\n  default deny\n" +
    [
      "workload w1 app=w1,tier=web",
      "workload w2 app=w2,also_/y=x",
      "workload w3 app=w3,tier=db",
      "workload w4 also_/y=y,app=w4",
      "workload w5 app.kubernetes.io/name=w5,Bad_/x=z",
      "workload w6 app.kubernetes.io/name=w6,Bad_/x=z",
    ]
      .map((w) => `  ${w}\n`)
      .join("") +
    "}\nallow pods(app=w1) -> pods(Bad_/x=z, tier=web): 80\n";
  const { diagnostics, model } = checkProgram([parse(text, "p.secpol").file]);
  assert.equal(
    diagnostics.filter((d) => d.code === "SP2005").map((d) => `${d.span.start.line}:${d.span.start.column}`),
    ["4:22", "6:15", "7:41", "8:41", "10:28"],
  );
  assert.equal(
    model.workloads.map((w) => w.name),
    ["w1", "w3"],
  );
});

test("workloads: a qualifier written is checked as a namespace name, a block's name with its block only (issue 20, helper check27)", () => {
  const text = [
    "namespace Bad_ns {\n  workload w app=w\n  workload Bad_w app=v\n}",
    "namespace good {\n  workload w app=w\n}",
    "workload Bad_q/w app=w",
    "workload Bad_q/Bad_w2 app=w",
    "workload good/u app=u",
    "workload good/Bad_x app=x",
  ].join("\n");
  const { diagnostics, model } = checkProgram([parse(`${text}\n`, "p.secpol").file]);
  assert.equal(
    diagnostics
      .filter((d) => d.code === "SP2004")
      .map((d) => `${d.span.start.line}:${d.span.start.column} ${d.message.split(" is ")[0]}`),
    [
      "3:12 workload name `Bad_w`",
      "8:10 namespace name `Bad_q`",
      "9:10 namespace name `Bad_q`",
      "9:16 workload name `Bad_w2`",
      "11:15 workload name `Bad_x`",
      "1:11 namespace name `Bad_ns`",
    ],
  );
  // (a block's workloads stay in the model: the block's name is reported once, at the block)
  assert.equal(
    model.workloads.map((w) => `${w.namespace}/${w.name}`),
    ["Bad_ns/w", "good/u", "good/w"],
  );
});

test.run();
