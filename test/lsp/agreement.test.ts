/**
 * The editor and the checker agree on every name (issue 19): for every reference in every example
 * and in generated programs, where the language server's go-to-definition goes (asked over its
 * protocol, of a real `secpolc lsp`) is where the declarations are that the checker's binding says
 * the name denotes — none for an unknown name, every candidate for an ambiguous one.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkModel } from "../../src/pipeline.js";
import { importResolver } from "../../src/host.js";
import { isStandardModule } from "../../src/stdlib/standard.js";
import type { SourceText, Span } from "../../src/index.js";
import { repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";
import { everyFormProgram, programArbitrary } from "../support/programs.js";
import { languageServer } from "../support/lsp.js";

const lsp = languageServer(repoRoot);
const stdlib = join(repoRoot, "stdlib");

/** A location as `FILE:LINE:CHARACTER` (0-based), the file named as the checker names it. */
const where = (file: string, line: number, character: number) => `${file}:${line}:${character}`;
const spanAt = (span: Span) => where(span.file, span.start.line - 1, span.start.column - 1);

/** Compares the editor's answer for every reference the checker bound in `sources`; `uriOf` names a file as the editor does. */
async function agree(
  sources: SourceText[],
  checked: ReturnType<typeof checkModel>,
  uriOf: (file: string) => string,
  fileOf: (uri: string) => string,
): Promise<number> {
  for (const s of sources) await lsp.open(uriOf(s.path), s.text);
  const disagreements: string[] = [];
  const references = checked.binding.references.filter((r) => !isStandardModule(r.span.file));
  for (const ref of references) {
    const expected = ref.declarations.map((d) => spanAt(d.span)).sort();
    const found: any[] = await lsp.definition(uriOf(ref.span.file), {
      line: ref.span.start.line - 1,
      character: ref.span.start.column - 1,
    });
    const actual = found.map((l) => where(fileOf(l.uri), l.range.start.line, l.range.start.character)).sort();
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      disagreements.push(
        `${spanAt(ref.span)} \`${ref.name}\` (${ref.use}): checker ${JSON.stringify(expected)}, editor ${JSON.stringify(actual)}`,
      );
  }
  for (const s of sources) await lsp.close(uriOf(s.path));
  assert.equal(disagreements, []);
  return references.length;
}

/** The editor's name for a standard module's file: `std/NAME`, as the checker names it. */
const standardOr = (uri: string, other: (uri: string) => string) => {
  if (!uri.startsWith("file:")) return other(uri);
  const path = fileURLToPath(uri);
  return path.startsWith(stdlib) ? `std/${relative(stdlib, path).replace(/\.secpol$/, "")}` : other(uri);
};

test.before(async () => {
  await lsp.initialize();
});

test("every reference of every example: the editor goes where the checker resolved it", async () => {
  let count = 0;
  for (const name of exampleNames()) {
    const dir = join(repoRoot, "examples", name);
    // the editor's program is a document's directory: each example is one directory
    const sources = readSources(dir);
    const checked = checkModel(sources, { resolveImport: importResolver(dir) });
    count += await agree(
      sources,
      checked,
      (file) => pathToFileURL(join(dir, file)).href,
      (uri) => standardOr(uri, (u) => relative(dir, fileURLToPath(u))),
    );
  }
  assert.ok(count > 100, `${count} references`);
});

test("every reference of generated programs (rules and postures; every statement form): the editor goes where the checker resolved it", async () => {
  let run = 0;
  const property = (program: fc.Arbitrary<string>) =>
    fc.asyncProperty(program, async (text) => {
      // an unsaved buffer is a program of its own, named by its URI
      const path = `untitled:generated-${run++}`;
      const sources = [{ path, text }];
      await agree(
        sources,
        checkModel(sources),
        (file) => file,
        (uri) => standardOr(uri, (u) => u),
      );
    });
  await fc.assert(property(programArbitrary(true).map((p) => p.text)), { numRuns: 40 });
  await fc.assert(property(everyFormProgram), { numRuns: 40 });
});

test.after(async () => {
  assert.is(await lsp.shutdown(), 0);
});

test.run();
