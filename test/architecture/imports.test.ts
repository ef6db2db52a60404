// No module under src/ imports another in a cycle: value and type imports both count, because a
// type cycle is a layering mistake all the same. Imports are read from `import … from '…'` and
// `export … from '…'` statements; strongly connected components are found with Tarjan's algorithm.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { importsOf, modules, root, src } from "../support/modules.js";

/** Strongly connected components with more than one module, or a module importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) result.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return result;
}

test("the cycle finder finds a cycle and ignores a chain", () => {
  const graph = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["d", ["a"]],
    ["e", ["e"]],
  ]);
  assert.equal(cycles(graph), [["a", "b", "c"], ["e"]]);
  assert.equal(
    cycles(
      new Map([
        ["a", ["b"]],
        ["b", []],
      ]),
    ),
    [],
  );
});

test("the import reader sees value, type and re-export imports", () => {
  const known = new Set(["/r/a.ts", "/r/b.ts", "/r/c/index.ts", "/r/d.ts"]);
  const text = [
    'import { x } from "./a.js";',
    "import type {",
    "  Y,",
    '} from "./b.js";',
    'export * from "./c";',
    'import "./d.js";',
    'import { z } from "chevrotain";',
  ].join("\n");
  assert.equal(importsOf("/r/m.ts", text, known).sort(), ["/r/a.ts", "/r/b.ts", "/r/c/index.ts", "/r/d.ts"]);
});

test("no module under src/ imports another in a cycle", () => {
  const files = modules(src);
  const known = new Set(files);
  const graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(file, "utf8"), known)]));
  const found = cycles(graph).map((component) => component.map((file) => relative(root, file)));
  assert.equal(found, [], `import cycles:\n${found.map((c) => c.join(" -> ")).join("\n")}`);
});

test("only the host module and the command line read the file system: the core and the language server go through src/host.ts (issue 19)", () => {
  const reading = modules(src)
    .filter((file) => /from\s*["']node:fs(\/promises)?["']/.test(readFileSync(file, "utf8")))
    .map((file) => relative(src, file).split("\\").join("/"))
    .filter((file) => file !== "host.ts" && !file.startsWith("cli/"));
  assert.equal(reading, []);
});

test.run();
