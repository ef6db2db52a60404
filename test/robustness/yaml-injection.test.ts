/**
 * YAML injection: every place where program text can reach the emitted YAML (namespace, workload,
 * container and service-account names, label keys and values, RBAC subjects, PodSecurityPolicy
 * paths, sysctls and profile names, SELinux options, seccomp and AppArmor profiles, ...) gets
 * hostile values: quotes, line breaks, `: `, `#`, `---`, anchors, aliases, tags, flow and block
 * indicators, and strings a YAML 1.1 reader (Kubernetes) would take for booleans or numbers. Each
 * must be a coded error at the value, or, when accepted, the emitted files must parse (as YAML 1.2
 * and as YAML 1.1) to exactly the objects of a benign value with that value in its place: the
 * value as the program wrote it, and no extra key, object or document.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { checkDiagnostics } from "../support/fuzz.js";

const payloads = [
  '"',
  "'",
  '"quoted"',
  "a\nb",
  "a\r\nb",
  "web\nkind: Secret",
  "x\n---\nkind: Secret",
  "a: b",
  "a:b",
  "# c",
  "a #c",
  "---",
  "...",
  "&anchor",
  "*alias",
  "!!tag",
  "!!python/object:os.system",
  "{",
  "}",
  "[",
  "]",
  "{a: 1}",
  "[a, b]",
  "|",
  ">",
  "- x",
  "? x",
  "%YAML 1.1",
  "@x",
  "`x`",
  "a\tb",
  "\\",
  "a\\nb",
  "a,b",
  "a b",
  " ",
  "",
  "yes",
  "on",
  "No",
  "y",
  "~",
  "null",
  "true",
  "1_000",
  "0b101",
  "017",
  "1:20",
  "2024-01-01",
  "0x1F",
  "1e3",
  ".inf",
  "<<",
  "=",
  "\u2028",
  "\u0085",
  "\uFEFF",
  "\uFFFE",
  "\uFFFF",
  "\u0000",
  "x".repeat(300),
  "\u00e9t\u00e9",
  "\ud83d\ude00",
];

const quote = (v: string) =>
  `"${v
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t")}"`;

interface Position {
  name: string;
  before: string;
  after: string;
  /** How the value is written: as a string literal (the language allows one here) or bare. */
  quoted: boolean;
  /** What surrounds the value inside the literal (e.g. `localhost/` before an AppArmor profile). */
  prefix?: string;
  /** A value the position accepts, written nowhere else in the program. */
  benign: string;
}

const CLUSTER_130 = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
const CLUSTER_124 = "cluster { version 1.24; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
const SHOP = "namespace shop {\n  default deny\n  workload web app=web port http 8080\n}\nallow shop/* -> dns\n";
const PSP = (field: string) => ({
  before: `${CLUSTER_124}${SHOP}psp p {\n  ${field} `,
  after: "\n}\ngrant psp p to group system:authenticated\n",
});
const SET = (what: string) => ({ before: `${CLUSTER_130}${SHOP}set ${what}`, after: " for shop/web\n" });

const positions: Position[] = [
  {
    name: "namespace label value",
    before: `${CLUSTER_130}namespace shop {\n  labels team=`,
    after: "\n  default deny\n}\n",
    quoted: true,
    benign: "benign1",
  },
  {
    name: "namespace label key",
    before: `${CLUSTER_130}namespace shop {\n  labels `,
    after: "=x\n  default deny\n}\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "namespace name",
    before: `${CLUSTER_130}namespace `,
    after: " {\n  default deny\n}\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "workload selector value",
    before: `${CLUSTER_130}namespace shop {\n  default deny\n  workload web app=`,
    after: "\n}\nallow ns other -> shop/web: 80\n",
    quoted: true,
    benign: "benign1",
  },
  {
    name: "workload name",
    before: `${CLUSTER_130}namespace shop {\n  default deny\n  workload `,
    after: " app=web\n}\nallow ns other -> shop/*: 80\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "pods(...) label value",
    before: `${CLUSTER_130}${SHOP}allow pods(role=`,
    after: ") in ns other -> shop/web: 80\n",
    quoted: true,
    benign: "benign1",
  },
  {
    name: "pods(...) `in` list value",
    before: `${CLUSTER_130}${SHOP}allow pods(role in (a, `,
    after: ")) in ns other -> shop/web: 80\n",
    quoted: true,
    benign: "benign1",
  },
  {
    name: "pods(...) label key",
    before: `${CLUSTER_130}${SHOP}allow pods(`,
    after: "=x) in ns other -> shop/web: 80\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "ns(...) label value",
    before: `${CLUSTER_130}${SHOP}allow ns(team=`,
    after: ") -> shop/web: 80\n",
    quoted: true,
    benign: "benign1",
  },
  {
    name: "ns NAME",
    before: `${CLUSTER_130}${SHOP}allow ns `,
    after: " -> shop/web: 80\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "container name",
    before: `${CLUSTER_130}namespace shop {\n  default deny\n  workload web app=web containers `,
    after: "\n}\nrequire runAsNonRoot for shop/web\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "service account",
    before: `${CLUSTER_124}namespace shop {\n  default deny\n  workload web app=web serviceAccount `,
    after: "\n}\nrequire runAsNonRoot for shop/web\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "workload kind",
    before: `${CLUSTER_130}namespace shop {\n  default deny\n  workload web app=web kind `,
    after: "\n}\nrequire runAsNonRoot for shop/web\n",
    quoted: false,
    benign: "StatefulSet",
  },
  {
    name: "port name",
    before: `${CLUSTER_130}namespace shop {\n  default deny\n  workload web app=web port `,
    after: " 8080\n}\nallow ns other -> shop/web: 8080\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "grant user",
    before: `${CLUSTER_124}${SHOP}psp p {\n  privileged false\n}\ngrant psp p to user `,
    after: "\n",
    quoted: true,
    benign: "benign-user",
  },
  {
    name: "grant group",
    before: `${CLUSTER_124}${SHOP}psp p {\n  privileged false\n}\ngrant psp p to group `,
    after: "\n",
    quoted: true,
    benign: "benign-group",
  },
  {
    name: "grant service account",
    before: `${CLUSTER_124}${SHOP}psp p {\n  privileged false\n}\ngrant psp p to serviceaccount shop/`,
    after: "\n",
    quoted: false,
    benign: "benign1",
  },
  {
    name: "psp name",
    before: `${CLUSTER_124}${SHOP}psp `,
    after: " {\n  privileged false\n}\n",
    quoted: false,
    benign: "benign1",
  },
  { name: "psp allowedHostPaths", ...PSP("allowedHostPaths"), quoted: true, benign: "/var/benign" },
  {
    name: "psp allowedHostPaths under /var/log/",
    ...PSP("allowedHostPaths"),
    quoted: true,
    prefix: "/var/log/",
    benign: "benign",
  },
  { name: "psp forbiddenSysctls", ...PSP("forbiddenSysctls"), quoted: true, benign: "kernel.benign" },
  { name: "psp allowedUnsafeSysctls", ...PSP("allowedUnsafeSysctls"), quoted: true, benign: "net.benign.*" },
  { name: "psp seccomp profile", ...PSP("seccomp"), quoted: true, benign: "localhost/benign.json" },
  { name: "psp appArmor profile", ...PSP("appArmor"), quoted: true, benign: "localhost/benign" },
  { name: "psp volumes", ...PSP("volumes"), quoted: true, benign: "gitRepo" },
  { name: "psp allowedCapabilities", ...PSP("allowedCapabilities"), quoted: true, benign: "SYS_TIME" },
  { name: "psp allowedProcMountTypes", ...PSP("allowedProcMountTypes"), quoted: true, benign: "Unmasked" },
  { name: "psp seLinux rule", ...PSP("seLinux"), quoted: true, benign: "MustRunAs" },
  { name: "psp runAsUser rule", ...PSP("runAsUser"), quoted: true, benign: "MustRunAsNonRoot" },
  { name: "set seLinux level", ...SET("seLinux level "), quoted: true, benign: "s0:c1,c2" },
  { name: "set seLinux type", ...SET("seLinux type "), quoted: true, benign: "benign_t" },
  { name: "set runtimeClass", ...SET("runtimeClass "), quoted: true, benign: "benign1" },
  { name: "set seccomp Localhost", ...SET("seccomp Localhost "), quoted: true, benign: "profiles/benign.json" },
  { name: "set appArmor localhost/", ...SET("appArmor "), quoted: true, prefix: "localhost/", benign: "benign" },
  {
    name: "require seccomp Localhost",
    before: `${CLUSTER_130}${SHOP}require seccomp Localhost `,
    after: " for shop/web\n",
    quoted: true,
    benign: "profiles/benign.json",
  },
  {
    name: "deny sysctl (a derived PSP)",
    before: `${CLUSTER_124}${SHOP}deny sysctl `,
    after: " in ns shop\n",
    quoted: true,
    benign: "kernel.benign",
  },
  {
    name: "deny volume (a derived PSP)",
    before: `${CLUSTER_124}${SHOP}deny volume `,
    after: " in ns shop\n",
    quoted: true,
    benign: "gitRepo",
  },
  {
    name: "deny hostPort",
    before: `${CLUSTER_124}${SHOP}deny hostPort `,
    after: " in ns shop\n",
    quoted: true,
    benign: "8080",
  },
  {
    name: "cluster version",
    before: "cluster { version ",
    after: "; podCIDR 10.244.0.0/16 }\nnamespace shop { default deny }\n",
    quoted: true,
    benign: "1.30",
  },
];

type Json = unknown;

/**
 * What a strict reader (`kubectl kustomize`) refuses or reads as a line break, though `yaml` reads
 * it: characters outside YAML's printable set, YAML 1.1's line breaks NEL, LS and PS, and the BOM.
 */
const STRICT_READERS_REFUSE = /[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;

/** Every file's documents, parsed as YAML `version`; a parse error, or a character `STRICT_READERS_REFUSE`, fails the test. */
function documents(
  files: readonly { path: string; content: string }[],
  version: "1.1" | "1.2",
  label: string,
): { path: string; docs: Json[] }[] {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => {
      assert.not.match(
        f.content,
        STRICT_READERS_REFUSE,
        `${label}: ${f.path} holds a character strict YAML readers refuse or break lines at`,
      );
      return {
        path: f.path,
        docs: parseAllDocuments(f.content, { version }).map((d) => {
          assert.equal(
            d.errors.map((e) => e.message),
            [],
            `${label}: ${f.path} is not valid YAML ${version}`,
          );
          return d.toJS();
        }),
      };
    });
}

/**
 * `actual` is `expected` with the benign value replaced by the payload: where `expected` holds the
 * benign value exactly, `actual` holds the payload exactly; where a string merely contains it (a
 * derived name, a file path), `actual` holds some string; everything else is equal. Returns how
 * many times the payload was found in place.
 */
function compare(expected: Json, actual: Json, benign: string, payload: string, at: string): number {
  if (typeof expected === "string") {
    if (expected === benign) {
      assert.is(actual, payload, `${at}: the value is not as the program wrote it`);
      return 1;
    }
    if (expected.includes(benign)) {
      assert.type(actual, "string", at);
      return 0;
    }
    assert.is(actual, expected, at);
    return 0;
  }
  if (Array.isArray(expected)) {
    assert.ok(
      Array.isArray(actual) && actual.length === expected.length,
      `${at}: a list changed length: ${JSON.stringify(actual)}`,
    );
    if (expected.every((e) => typeof e === "string") && (actual as Json[]).every((a) => typeof a === "string")) {
      // lists of strings may be sorted (label values, resources): compared as multisets
      const left = [...(actual as string[])];
      let found = 0;
      for (const e of expected as string[]) {
        if (e !== benign && e.includes(benign)) continue; // a derived string: any leftover will do
        const i = left.indexOf(e === benign ? payload : e);
        assert.ok(i >= 0, `${at}: \`${e === benign ? payload : e}\` is missing from ${JSON.stringify(actual)}`);
        left.splice(i, 1);
        if (e === benign) found++;
      }
      return found;
    }
    return expected.reduce(
      (n: number, e, i) => n + compare(e, (actual as Json[])[i], benign, payload, `${at}[${i}]`),
      0,
    );
  }
  if (expected !== null && typeof expected === "object") {
    assert.ok(
      actual !== null && typeof actual === "object" && !Array.isArray(actual),
      `${at}: not a map: ${JSON.stringify(actual)}`,
    );
    const eKeys = Object.keys(expected);
    const aKeys = Object.keys(actual as object);
    assert.is(aKeys.length, eKeys.length, `${at}: extra or missing keys: ${JSON.stringify(aKeys)}`);
    // keys by name (sorted maps may order them differently); derived keys pair up in order
    const derived = aKeys.filter((a) => !eKeys.some((k) => (k === benign ? payload : k) === a));
    let found = 0;
    for (const k of eKeys) {
      const a = k === benign ? payload : k !== benign && k.includes(benign) ? derived.shift()! : k;
      assert.ok(
        a !== undefined && Object.hasOwn(actual as object, a),
        `${at}: key \`${k === benign ? payload : k}\` is missing: ${JSON.stringify(aKeys)}`,
      );
      if (k === benign) found++;
      found += compare(
        (expected as Record<string, Json>)[k],
        (actual as Record<string, Json>)[a],
        benign,
        payload,
        `${at}.${k}`,
      );
    }
    return found;
  }
  assert.equal(actual, expected, at);
  return 0;
}

/** Whether bare text is one name token: otherwise, written bare, it is program text and not a value. */
const isName = (text: string) =>
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/.test(text);

/** Pairs the files of two builds: by path with the value replaced, then the rest in order. */
function pairFiles<T extends { path: string }>(expected: T[], actual: T[], benign: string, payload: string): [T, T][] {
  const left = [...actual];
  const take = (path: string) => {
    const i = left.findIndex((f) => f.path === path);
    return i < 0 ? undefined : left.splice(i, 1)[0];
  };
  const byPath = expected.map((e) => take(e.path.split(benign).join(payload)));
  return expected.map((e, i) => [e, byPath[i] ?? left.shift()!]);
}

function program(p: Position, value: string): { text: string; start: number; end: number } {
  const literal = p.quoted ? quote(`${p.prefix ?? ""}${value}`) : `${p.prefix ?? ""}${value}`;
  return { text: `${p.before}${literal}${p.after}`, start: p.before.length, end: p.before.length + literal.length };
}

for (const p of positions) {
  test(`YAML injection: ${p.name}`, () => {
    const benign = program(p, p.benign);
    const reference = build([{ path: "p.secpol", text: benign.text }]);
    assert.equal(
      reference.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`),
      [],
      `the benign value \`${p.benign}\` must build`,
    );
    const expected = {
      "1.2": documents(reference.files, "1.2", "benign"),
      "1.1": documents(reference.files, "1.1", "benign"),
    };
    let accepted = 0;
    for (const payload of payloads) {
      const { text, start, end } = program(p, payload);
      const label = `${p.name} = ${JSON.stringify(payload)}`;
      const result = build([{ path: "p.secpol", text }]);
      checkDiagnostics(result.diagnostics, result.sources);
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) {
        assert.equal(result.files, [], `${label}: a failed build emits nothing`);
        // quoted: the value is one token, and an error must point at it; bare: it may split into
        // several tokens, and the error is somewhere from its statement on
        const lineStart = text.lastIndexOf("\n", start - 1) + 1;
        const atValue = errors.some(
          (d) =>
            d.span.file === "p.secpol" &&
            (p.quoted
              ? d.span.start.offset < Math.max(end, start + 1) && d.span.end.offset > start - 1
              : d.span.end.offset >= lineStart),
        );
        assert.ok(
          atValue,
          `${label}: no error at the value: ${errors.map((d) => `${d.code}@${d.span.start.offset}`).join(", ")}`,
        );
        continue;
      }
      accepted++;
      for (const version of ["1.2", "1.1"] as const) {
        const actual = documents(result.files, version, label);
        // bare text that is not one name is program text (`a,b` is two requirements): it must
        // build into valid YAML, but it is not a value to find in place
        if (!p.quoted && !isName(payload)) continue;
        assert.is(
          actual.length,
          expected[version].length,
          `${label}: files added or lost: ${actual.map((f) => f.path).join(", ")}`,
        );
        let found = 0;
        for (const [file, other] of pairFiles(expected[version], actual, p.benign, payload)) {
          assert.is(other.docs.length, file.docs.length, `${label}: ${other.path} has extra or missing documents`);
          file.docs.forEach(
            (doc, j) =>
              (found += compare(
                doc,
                other.docs[j],
                p.benign,
                payload,
                `${label} (YAML ${version}) ${other.path}#${j}`,
              )),
          );
        }
        const benignFound = expected[version].reduce(
          (n, f) => n + f.docs.reduce((m: number, d) => m + compare(d, d, p.benign, p.benign, ""), 0),
          0,
        );
        assert.is(found, benignFound, `${label}: the value appears ${found} times, the benign one ${benignFound}`);
      }
    }
    console.log(
      `    ${p.name}: ${payloads.length - accepted} refused with a diagnostic, ${accepted} accepted and emitted exactly`,
    );
  });
}

test.run();
