/**
 * grammar/: the checked-in files are what src/grammar/generate.ts produces now; the TextMate
 * grammar (run with vscode-textmate + vscode-oniguruma) covers every example and standard module
 * and splits and scopes them as the lexer does; the EBNF and railroad diagrams name every rule.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import textmate from "vscode-textmate";
import oniguruma from "vscode-oniguruma";
import { diagramAssets, ebnf, grammarFiles, railroadHtml, textMateGrammar, tokenScope } from "../../src/grammar/generate.js";
import { chevrotainParser } from "../../src/syntax/parser.js";
import { chevrotainLexer, Newline, Positions, StringToken } from "../../src/syntax/tokens.js";
import { repoRoot } from "../support/baseline.js";

const require = createRequire(import.meta.url);
const regenerate = "run `node --import tsx scripts/gen-grammar.js`";
const diagramsFolder = join(dirname(require.resolve("chevrotain")), "..", "..", "diagrams");
const assets = Object.fromEntries(diagramAssets.map((path) => [path, readFileSync(join(diagramsFolder, path), "utf8")]));
const ruleNames = Object.keys(chevrotainParser().getGAstProductions());

const programs = [
  ...readdirSync(join(repoRoot, "examples"), { recursive: true, encoding: "utf8" }).map((path) => `examples/${path}`),
  ...readdirSync(join(repoRoot, "stdlib")).map((path) => `stdlib/${path}`),
]
  .filter((path) => path.endsWith(".secpol"))
  .sort();

await oniguruma.loadWASM(readFileSync(join(dirname(require.resolve("vscode-oniguruma")), "onig.wasm")));
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text: string) => new oniguruma.OnigString(text),
  }),
  loadGrammar: async (scopeName: string) => (scopeName === "source.secpol" ? textmate.parseRawGrammar(textMateGrammar(), "secpol.tmLanguage.json") : null),
});
const grammar = (await registry.loadGrammar("source.secpol"))!;

interface Token {
  line: number; // 1-based
  start: number; // 0-based, end exclusive
  end: number;
  text: string;
  scopes: string[];
}

/** TextMate tokens, line by line as an editor does. */
function tokenize(text: string): Token[] {
  let state = textmate.INITIAL;
  const tokens: Token[] = [];
  text.split("\n").forEach((line, i) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    for (const token of result.tokens) {
      const end = Math.min(token.endIndex, line.length);
      if (end > token.startIndex) tokens.push({ line: i + 1, start: token.startIndex, end, text: line.slice(token.startIndex, end), scopes: token.scopes });
    }
  });
  return tokens;
}

/** The scopes (without `source.secpol`) of the one token of `line` whose text is `text`. */
function scopeOf(line: string, text: string): string {
  const found = tokenize(line).filter((token) => token.text === text);
  assert.is(found.length, 1, `one token ${JSON.stringify(text)} in ${JSON.stringify(line)}: ${JSON.stringify(tokenize(line))}`);
  return found[0]!.scopes.slice(1).join(" ");
}

const labelKey = "entity.other.attribute-name.label-key.secpol";

test("grammar/ holds exactly what scripts/gen-grammar.js generates now", () => {
  const files = grammarFiles(assets);
  const present = readdirSync(join(repoRoot, "grammar")).filter((name) => name !== "README.md");
  assert.equal(present.sort(), Object.keys(files).sort(), `grammar/ has other files than the generator writes: ${regenerate}`);
  for (const [name, text] of Object.entries(files)) {
    const file = join(repoRoot, "grammar", name);
    assert.ok(existsSync(file) && readFileSync(file, "utf8") === text, `grammar/${name} is out of date: ${regenerate}`);
  }
});

test("the TextMate grammar matches every character of every example and standard module", () => {
  assert.ok(programs.length >= 10, `found the programs: ${programs}`);
  for (const path of programs) {
    for (const token of tokenize(readFileSync(join(repoRoot, path), "utf8"))) {
      const where = `${path}:${token.line}:${token.start + 1} ${JSON.stringify(token.text)} (${token.scopes.join(" ")})`;
      assert.not.ok(token.scopes.some((scope) => scope.startsWith("invalid")), `invalid text at ${where}`);
      if (token.text.trim() !== "") assert.ok(token.scopes.length > 1, `unmatched text at ${where}`);
    }
  }
});

test("the TextMate grammar splits and scopes every example and standard module as the lexer does", () => {
  for (const path of programs) {
    const text = readFileSync(join(repoRoot, path), "utf8");
    const highlighted = tokenize(text);
    const lexed = chevrotainLexer().tokenize(text);
    assert.equal(lexed.errors, [], path);
    const positions = new Positions(path, text);
    for (const token of [...lexed.tokens, ...(lexed.groups.comments ?? [])]) {
      if (token.tokenType === Newline) continue;
      const { line, column } = positions.at(token.startOffset);
      const [start, end] = [column - 1, column - 1 + token.image.length];
      const where = `${path}:${line}:${column} ${token.tokenType.name} ${JSON.stringify(token.image)}`;
      const over = highlighted.filter((tm) => tm.line === line && tm.start < end && tm.end > start);
      const describe = JSON.stringify(over.map((tm) => [tm.text, tm.scopes.slice(1).join(" ")]));
      if (over.length === 1 && over[0]!.scopes.includes(labelKey)) continue; // a whole label key is one token
      const scope = tokenScope(token.tokenType)!;
      if (token.tokenType === StringToken) {
        assert.ok(over[0]?.start === start && over.at(-1)?.end === end && over.every((tm) => tm.scopes.includes(scope)), `${where}: ${describe}`);
      } else {
        assert.ok(over.length === 1 && over[0]!.start === start && over[0]!.end === end && over[0]!.scopes.includes(scope), `${where} should be one ${scope} token: ${describe}`);
      }
    }
  }
});

test("the TextMate grammar: keywords, operators, numbers, comments", () => {
  const line = "allow web -> db: 5432 # c";
  assert.equal(
    tokenize(line).map((token) => [token.text, token.scopes.slice(1).join(" ")]),
    [
      ["allow", "keyword.control.secpol"],
      [" ", ""],
      ["web", "variable.other.secpol"],
      [" ", ""],
      ["->", "keyword.operator.arrow.secpol"],
      [" ", ""],
      ["db", "variable.other.secpol"],
      [":", "keyword.operator.colon.secpol"],
      [" ", ""],
      ["5432", "constant.numeric.secpol"],
      [" ", ""],
      ["# c", "comment.line.number-sign.secpol"],
    ],
  );
  assert.is(scopeOf("assert a -/-> b", "-/->"), "keyword.operator.arrow.negated.secpol");
  assert.is(scopeOf("allow a -> b: 8000..8080/tcp", "8000"), "constant.numeric.secpol");
  assert.is(scopeOf("allow a -> b: 8000..8080/tcp", ".."), "keyword.operator.range.secpol");
  assert.is(scopeOf("pss enforce restricted@1.25", "1.25"), "constant.numeric.secpol");
});

test("the TextMate grammar: keywords are whole words", () => {
  assert.is(scopeOf("default deny ingress", "ingress"), "keyword.other.secpol");
  assert.is(scopeOf("default deny ingress", "default"), "keyword.control.secpol");
  assert.is(scopeOf("allow ns ingress-nginx -> web", "ingress-nginx"), "variable.other.secpol");
  assert.is(scopeOf("allow pods.x -> web", "pods.x"), "variable.other.secpol");
  assert.is(scopeOf("workload web app.kubernetes.io/name=x", "app.kubernetes.io/name"), labelKey);
  assert.is(scopeOf("workload web app.kubernetes.io/name=x", "x"), "variable.other.secpol");
  assert.is(scopeOf("allow pods(tier in (a, b)) -> db", "tier"), labelKey);
  assert.is(scopeOf("allow pods(tier in (a, b)) -> db", "in"), "keyword.other.secpol");
  assert.is(scopeOf("allow pods(tier notin (a, b)) -> db", "notin"), "keyword.other.secpol");
});

test("the TextMate grammar: strings, CIDRs and addresses", () => {
  assert.equal(
    tokenize('import "std/\\"x"').map((token) => [token.text, token.scopes.slice(1).join(" ")]),
    [
      ["import", "keyword.control.secpol"],
      [" ", ""],
      ['"', "string.quoted.double.secpol punctuation.definition.string.begin.secpol"],
      ["std/", "string.quoted.double.secpol"],
      ['\\"', "string.quoted.double.secpol constant.character.escape.secpol"],
      ["x", "string.quoted.double.secpol"],
      ['"', "string.quoted.double.secpol punctuation.definition.string.end.secpol"],
    ],
  );
  assert.is(scopeOf('import "a # b" # c', "a # b"), "string.quoted.double.secpol");
  assert.is(scopeOf('import "unterminated', "unterminated"), "string.quoted.double.secpol");
  const next = tokenize('import "unterminated\nallow c -> d').find((token) => token.text === "allow");
  assert.equal(next?.scopes, ["source.secpol", "keyword.control.secpol"], "an unterminated string ends with its line");
  const rule = "allow web -> cidr 10.0.0.0/8 except 10.1.0.0/16, 10.2.0.1, fd00:10:244::/56: 443";
  assert.is(scopeOf(rule, "10.0.0.0/8"), "constant.numeric.cidr.secpol");
  assert.is(scopeOf(rule, "10.1.0.0/16"), "constant.numeric.cidr.secpol");
  assert.is(scopeOf(rule, "fd00:10:244::/56"), "constant.numeric.cidr.secpol");
  assert.is(scopeOf(rule, "10.2.0.1"), "constant.numeric.address.secpol");
  assert.is(scopeOf(rule, "except"), "keyword.other.secpol");
});

test("the EBNF defines every parser rule", () => {
  const text = ebnf();
  for (const name of ruleNames) assert.match(text, new RegExp(`^${name} ::= `, "m"), `rule ${name}`);
});

test("the railroad diagrams name every parser rule and load nothing from the network", () => {
  const html = railroadHtml(assets);
  for (const name of ruleNames) assert.ok(html.includes(`"name": "${name}"`), `rule ${name}`);
  assert.not.match(html, /<(script|link)\b[^>]*\b(src|href)=/, "every script and stylesheet is inlined");
});

test.run();
