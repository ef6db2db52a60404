/**
 * No test reads outside the repository, so a clone passes its tests wherever it is. Every path a
 * test file builds from a place it knows (`repoRoot`, `testRoot`, its own `import.meta.url`, a
 * constant built from those) with `join`/`resolve`/`dirname`/`new URL` and literal segments is
 * worked out and must stay inside the repository root, and so must every relative import. Paths
 * from `tmpdir()`, `require.resolve` and the like are not followed: they are not the repository's
 * neighbours.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { repoRoot, testRoot } from "../support/baseline.js";

/** The paths `file` (text `text`) builds that leave the repository, as `line: path`. */
function pathsOutside(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const constants = new Map<string, ts.Expression>();
  const visitConstants = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer)
      constants.set(node.name.text, node.initializer);
    ts.forEachChild(node, visitConstants);
  };
  visitConstants(source);
  const known: Record<string, string> = { repoRoot, testRoot, __dirname: dirname(file) };
  const seen = new Set<string>();
  /** The value of a path expression, or undefined when it is not built from known places. */
  const value = (node: ts.Expression): string | undefined => {
    if (ts.isStringLiteralLike(node)) return node.text;
    if (ts.isParenthesizedExpression(node)) return value(node.expression);
    if (ts.isIdentifier(node)) {
      if (known[node.text] !== undefined) return known[node.text];
      const init = constants.get(node.text);
      if (!init || seen.has(node.text)) return undefined;
      seen.add(node.text);
      const v = value(init);
      seen.delete(node.text);
      return v;
    }
    if (ts.isPropertyAccessExpression(node) && node.getText() === "import.meta.url") return pathToFileURL(file).href;
    if (ts.isNewExpression(node) && node.expression.getText() === "URL" && node.arguments?.length === 2) {
      const [spec, base] = node.arguments.map(value);
      return spec !== undefined && base?.startsWith("file:") ? new URL(spec, base).href : undefined;
    }
    if (!ts.isCallExpression(node)) return undefined;
    const callee = node.expression.getText();
    const args = node.arguments.map(value);
    if (args.some((a) => a === undefined)) return undefined;
    const [first] = args as string[];
    if (callee === "fileURLToPath" && first?.startsWith("file:")) return fileURLToPath(first);
    if (callee === "dirname" && args.length === 1) return dirname(first!);
    if ((callee === "join" || callee === "resolve") && first?.startsWith(sep))
      return (callee === "join" ? join : resolve)(...(args as string[]));
    return undefined;
  };
  const inside = (path: string): boolean => path === repoRoot || path.startsWith(repoRoot + sep);
  const outside: string[] = [];
  const report = (node: ts.Node, path: string): void => {
    outside.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${path}`);
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const spec = node.moduleSpecifier.text;
      if (spec.startsWith(".") && !inside(resolve(dirname(file), spec))) report(node, spec);
    } else if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const v = value(node);
      const path = v?.startsWith("file:") ? fileURLToPath(v) : v;
      if (path?.startsWith(sep) && !inside(path)) report(node, path);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return outside;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory())
      return e.name === ".output" || e.name === "fixtures" || e.name === "baselines" ? [] : testFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

test("the check finds a path built to leave the repository", () => {
  const file = join(testRoot, "pss", "example.test.ts");
  const parent = repoRoot.slice(0, repoRoot.lastIndexOf(sep));
  const at = (text: string) => pathsOutside(file, text).map((l) => l.replace(parent, "PARENT"));
  // what test/pss/conformance.test.ts did before the fixtures came into the repository
  assert.equal(at(`const corpus = join(repoRoot, "..", "shared", "conformance", "pss");\nreaddirSync(corpus);`), [
    "1: PARENT/shared/conformance/pss",
  ]);
  assert.equal(
    at(
      `const here = dirname(fileURLToPath(import.meta.url));\nconst up = join(here, "..", "..", "..", "beside-the-repository");`,
    ),
    ["2: PARENT/beside-the-repository"],
  );
  assert.equal(at(`readFileSync(new URL("../../../shared/a.yaml", import.meta.url));`), ["1: PARENT/shared/a.yaml"]);
  assert.equal(at(`import { x } from "../../../shared/x.js";`), ["1: ../../../shared/x.js"]);
  // inside the repository, or not built from known places: nothing to report
  assert.equal(
    at(
      `const a = join(repoRoot, "test", "fixtures");\nconst b = join(testRoot, "..", "examples");\nconst c = join(tmpdir(), "..");`,
    ),
    [],
  );
  assert.equal(at(`import { y } from "../../src/y.js";\nconst spec = "../../../../etc/passwd";`), []);
});

test("no test file builds a path outside the repository", () => {
  const files = testFiles(testRoot);
  assert.ok(files.length > 50, `${files.length} test files`);
  const found = files.flatMap((file) =>
    pathsOutside(file, readFileSync(file, "utf8")).map((l) => `${relative(repoRoot, file)}:${l}`),
  );
  assert.equal(found, []);
});

test.run();
