/**
 * Shortcuts of the check pass (issue 20, helper check13), each against what it stands for: a rule's
 * one port taken as the shared one-port set without the lists `rulePorts` builds (and only where
 * checking the port reports nothing), and `conjunctionOf` of requirements on distinct keys made
 * without its map.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkProgram } from "../../src/check/checker.js";
import { parse } from "../../src/syntax/parse.js";
import { portSet, portsKey, protocols, singlePortSet } from "../../src/semantics/ports.js";
import { conjunctionKey, conjunctionOf, type Requirement } from "../../src/semantics/labels.js";

test("singlePortSet is portSet's shared object of that port and protocol", () => {
  for (const port of [1, 53, 80, 8080, 65535])
    for (const protocol of protocols)
      assert.is(
        singlePortSet(protocol, port),
        portSet({ [protocol]: [{ from: port, to: port }] }),
        `${port}/${protocol}`,
      );
});

const CLUSTER = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
const WORKLOADS =
  "namespace shop {\n  default deny\n" +
  "  workload web app=web port http 8080 port dns 53/udp port admin 9000/sctp service 80 -> http service 8080 -> http\n" +
  "  workload db app=db\n  workload cache app=cache port redis 6379\n" +
  "  workload resolver app=resolver port dns 53/udp service 53 -> dns\n}\n";

/** The diagnostics' codes and the one clause's ports (as `portsKey`, or `-` without a clause) of a rule `db -> DEST: PORTS`. */
function checked(ports: string, destination = "web"): { codes: string[]; ports: string } {
  const text = `${CLUSTER}${WORKLOADS}allow shop/db -> shop/${destination}: ${ports}\n`;
  const { model, diagnostics } = checkProgram([parse(text, "p.secpol").file]);
  const clause = model.rules.at(-1)?.clauses[0];
  return { codes: diagnostics.map((d) => d.code).sort(), ports: clause ? portsKey(clause.ports) : "-" };
}

const tcp = (port: number) => portsKey(singlePortSet("TCP", port));

test("a rule's one port: the declared port's set, and every diagnostic the full check reports", () => {
  // named, declared on each protocol: its protocol and number
  assert.equal(checked("http"), { codes: [], ports: tcp(8080) });
  assert.equal(checked("dns"), { codes: [], ports: portsKey(singlePortSet("UDP", 53)) });
  assert.equal(checked("admin"), { codes: [], ports: portsKey(singlePortSet("SCTP", 9000)) });
  // a number the pods declare (on any protocol) is TCP
  assert.equal(checked("9000"), { codes: [], ports: tcp(9000) });
  assert.equal(checked("53"), { codes: [], ports: tcp(53) });
  // a service port: translated to its target (a warning), or, declared too, the number itself
  const translated = checked("80");
  assert.equal(translated.ports, tcp(8080));
  assert.ok(translated.codes.length === 1, JSON.stringify(translated));
  assert.equal(checked("8080"), { codes: [], ports: tcp(8080) });
  // a service port the pods declare on another protocol only: translated (a warning)
  assert.equal(checked("53", "resolver"), { codes: ["SP9003"], ports: tcp(53) });
  // a number the pods do not declare: warned about
  const undeclared = checked("9999");
  assert.equal(undeclared.ports, tcp(9999));
  assert.ok(undeclared.codes.length === 1, JSON.stringify(undeclared));
  // a destination declaring no port: any number, without a warning
  assert.equal(checked("9999", "db"), { codes: [], ports: tcp(9999) });
  // a name the destination does not declare, an invalid one, a number out of range: errors, no clause
  for (const wrong of ["nope", "Bad--Name", "0", "70000"]) {
    const got = checked(wrong);
    assert.ok(got.codes.length >= 1, `${wrong}: ${JSON.stringify(got)}`);
  }
  // a protocol written: the full check's set (a service port not declared on UDP: translated, warned)
  assert.equal(checked("8080/udp"), { codes: ["SP9003"], ports: portsKey(singlePortSet("UDP", 8080)) });
  assert.equal(checked("6379/udp", "cache"), { codes: [], ports: portsKey(singlePortSet("UDP", 6379)) });
  // the same one-port set object for `: http` and `: 8080/tcp` toward the same pods
  const text = `${CLUSTER}${WORKLOADS}allow shop/db -> shop/web: http\nallow shop/db -> shop/web: 8080/tcp\nallow shop/db -> shop/cache: redis\n`;
  const { model } = checkProgram([parse(text, "p.secpol").file]);
  assert.is(model.rules[0].clauses[0].ports, model.rules[1].clauses[0].ports);
  assert.is(model.rules[2].clauses[0].ports, singlePortSet("TCP", 6379));
});

/** `conjunctionOf` as it is defined for any requirements: a map by key, free keys left out, sorted by key. */
function reference(requirements: readonly Requirement[]): string | undefined {
  const twice = requirements.map((r) => ({ ...r }));
  // (a key written twice takes the general path, which the distinct keys' shortcut never does)
  const made = conjunctionOf([...twice, ...twice]);
  return made === undefined ? undefined : conjunctionKey(made);
}

test("conjunctionOf of distinct keys: what a key map gives, sorted by key", () => {
  const keys = ["a", "b", "app.kubernetes.io/name", "z", "tier"];
  const values = [[], ["x"], ["y", "x"], ["x", "x"]];
  const operators = ["In", "NotIn", "Exists", "DoesNotExist"] as const;
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 3000; i++) {
    const count = next(5);
    const chosen = [...keys].sort(() => next(3) - 1).slice(0, count);
    const requirements: Requirement[] = chosen.map((key) => {
      const operator = operators[next(4)];
      // (`In` of no value is a contradiction the doubled reference reports: never written so)
      return operator === "In"
        ? { key, operator, values: values[1 + next(values.length - 1)] }
        : operator === "NotIn"
          ? { key, operator, values: values[next(values.length)] }
          : { key, operator };
    });
    const made = conjunctionOf(requirements);
    assert.is(
      made === undefined ? undefined : conjunctionKey(made),
      reference(requirements),
      JSON.stringify(requirements),
    );
  }
});

test("conjunctionOf of a key written twice: the two intersected", () => {
  assert.is(
    conjunctionOf([
      { key: "a", operator: "In", values: ["x"] },
      { key: "a", operator: "In", values: ["y"] },
    ]),
    undefined,
  );
  const both = conjunctionOf([
    { key: "b", operator: "Exists" },
    { key: "a", operator: "In", values: ["x", "y"] },
    { key: "a", operator: "NotIn", values: ["x"] },
  ]);
  assert.is(
    conjunctionKey(both!),
    JSON.stringify([
      ["a", { absentOk: false, values: { kind: "only", values: ["y"] } }],
      ["b", { absentOk: false, values: { kind: "except", values: [] } }],
    ]),
  );
});

test.run();
