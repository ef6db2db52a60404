/**
 * Report formats for CI (src/diagnostics/report.ts): SARIF 2.1.0, validated against the official
 * schema (test/fixtures/sarif/, see SOURCE.md there), and GitHub Actions workflow commands.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { build } from "../../src/index.js";
import { diagnosticsToGithub, diagnosticsToSarif } from "../../src/diagnostics/report.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { sarifValidator } from "../support/sarif.js";

/** A program with an error (SP2001), warnings (SP9001, SP9002) and a note (SP9003), in two files. */
const mixedProgram = [
  {
    path: "apps/shop.secpol",
    text: "cluster { version 1.30; podCIDR 10.244.0.0/16 }\nnamespace shop {\n  workload web app=web port http 8080 service 80 -> http\n}\nallow shop/web -> shop/web: 80\nallow shop/web -> shop/web: grpc\n",
  },
  { path: "apps/more rules.secpol", text: "allow shop/web -> wbe: 5432\nrequire drop CAP_NET_RAW for shop/web\n" },
];

const mixed = () => build(mixedProgram);

test("the mixed program has errors, warnings and notes, one with related notes", () => {
  const severities = new Set(mixed().diagnostics.map((d) => d.severity));
  assert.equal([...severities].sort(), ["error", "note", "warning"]);
});

test("SARIF: a log of errors, warnings and notes is valid SARIF 2.1.0", () => {
  const diagnostics = mixed().diagnostics;
  const log = diagnosticsToSarif(diagnostics, { version: "0.1.0" });
  assert.equal(sarifValidator()(log), []);
  // and an empty one (a clean program still uploads a log)
  assert.equal(sarifValidator()(diagnosticsToSarif([], { version: "0.1.0" })), []);
});

test("SARIF: the validator does reject a broken log", () => {
  const log = diagnosticsToSarif(mixed().diagnostics, { version: "0.1.0" }) as {
    runs: { results: { level: string }[] }[];
  };
  log.runs[0].results[0].level = "fatal";
  assert.ok(sarifValidator()(log).length > 0);
});

interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations?: {
    physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: Record<string, number> };
  }[];
  relatedLocations?: {
    id: number;
    message: { text: string };
    physicalLocation: { artifactLocation: { uri: string } };
  }[];
}

test("SARIF: rules per code used, results with level, message, root-relative URI, region and related locations", () => {
  const diagnostics = mixed().diagnostics;
  const log = diagnosticsToSarif(diagnostics, { version: "9.9.9" }) as {
    runs: {
      tool: {
        driver: {
          name: string;
          version: string;
          rules: { id: string; name: string; defaultConfiguration: { level: string }; help?: { text: string } }[];
        };
      };
      results: Result[];
    }[];
  };
  assert.is(log.runs.length, 1);
  const [run] = log.runs;
  assert.is(run.tool.driver.name, "secpolc");
  assert.is(run.tool.driver.version, "9.9.9");
  const rules = run.tool.driver.rules;
  assert.equal(
    rules.map((r) => r.id),
    [...new Set(diagnostics.map((d) => d.code))].sort(),
  );
  assert.equal(rules.find((r) => r.id === "SP9002")?.name, "CapPrefix");
  assert.equal(rules.find((r) => r.id === "SP9003")?.defaultConfiguration.level, "note");
  assert.is(run.results.length, diagnostics.length);
  diagnostics.forEach((d, i) => {
    const r = run.results[i];
    assert.is(r.ruleId, d.code);
    assert.is(rules[r.ruleIndex].id, d.code);
    assert.is(r.level, d.severity);
    assert.ok(r.message.text.startsWith(d.message));
    const location = r.locations![0].physicalLocation;
    assert.is(location.artifactLocation.uriBaseId, "%SRCROOT%");
    assert.is(decodeURIComponent(location.artifactLocation.uri), d.span.file);
    assert.equal(location.region, {
      startLine: d.span.start.line,
      startColumn: d.span.start.column,
      endLine: d.span.end.line,
      endColumn: d.span.end.column,
    });
    assert.is(r.relatedLocations?.length ?? 0, d.related?.length ?? 0);
  });
  // a path with a space is a URI reference with %20
  assert.ok(
    run.results.some((r) => r.locations![0].physicalLocation.artifactLocation.uri === "apps/more%20rules.secpol"),
  );
  // the help of a diagnostic follows its message
  const helped = diagnostics.findIndex((d) => d.help);
  assert.is(run.results[helped].message.text, `${diagnostics[helped].message}\nhelp: ${diagnostics[helped].help}`);
});

test("SARIF: related notes are related locations; command-line spans have no location", () => {
  const span = (file: string, line: number) => ({
    file,
    start: { line, column: 1, offset: 0 },
    end: { line, column: 4, offset: 3 },
  });
  const diagnostics: Diagnostic[] = [
    {
      code: "SP9104",
      severity: "warning",
      message: "this rule repeats another one",
      span: span("a.secpol", 2),
      related: [{ span: span("a.secpol", 1), message: "the same rule is here" }],
    },
    { code: "SP5002", severity: "error", message: "unknown option `--frob`", span: span("<command line>", 1) },
  ];
  const log = diagnosticsToSarif(diagnostics, { version: "0.1.0" }) as { runs: { results: Result[] }[] };
  assert.equal(sarifValidator()(log), []);
  const [repeat, usage] = log.runs[0].results;
  assert.equal(
    repeat.relatedLocations!.map((r) => [r.id, r.message.text, r.physicalLocation.artifactLocation.uri]),
    [[1, "the same rule is here", "a.secpol"]],
  );
  assert.is(usage.locations, undefined);
});

test("GitHub: one workflow command per diagnostic, with error, warning and notice", () => {
  const diagnostics = mixed().diagnostics;
  const lines = diagnosticsToGithub(diagnostics).trimEnd().split("\n");
  assert.is(lines.length, diagnostics.length);
  for (const [i, d] of diagnostics.entries()) {
    const kind = { error: "error", warning: "warning", note: "notice" }[d.severity];
    assert.ok(
      lines[i].startsWith(
        `::${kind} file=${d.span.file},line=${d.span.start.line},col=${d.span.start.column},endLine=${d.span.end.line},`,
      ),
      lines[i],
    );
    assert.ok(lines[i].includes(`,title=${d.code}::`), lines[i]);
  }
});

test("GitHub: properties escape %, CR, LF, : and ,; messages escape %, CR and LF", () => {
  const d: Diagnostic = {
    code: "SP2001",
    severity: "error",
    message: "100% of `a:b,c`\r\nsecond line",
    help: "did you mean `x`?",
    span: {
      file: "dir,x/a:b%.secpol",
      start: { line: 2, column: 3, offset: 9 },
      end: { line: 2, column: 6, offset: 12 },
    },
  };
  assert.is(
    diagnosticsToGithub([d]),
    "::error file=dir%2Cx/a%3Ab%25.secpol,line=2,col=3,endLine=2,endColumn=5,title=SP2001::100%25 of `a:b,c`\u240d%0Asecond line%0Ahelp: did you mean `x`?\n",
  );
  // a forged command inside a message stays inside the message
  const forged = diagnosticsToGithub([{ ...d, message: "x\n::error file=evil::y", help: undefined }]);
  assert.is(forged.split("\n").length, 2);
  // a span outside any file: no file properties
  assert.is(
    diagnosticsToGithub([{ ...d, help: undefined, message: "m", span: { ...d.span, file: "<command line>" } }]),
    "::error title=SP2001::m\n",
  );
});

test.run();
