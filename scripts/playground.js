#!/usr/bin/env node
// The playground: `node scripts/playground.js` bundles playground/ with esbuild into
// dist/playground/ (static files: index.html, style.css, main.js); `--serve [--port N]` then serves
// it on localhost. `--out DIR` writes elsewhere. The bundle holds the compiler core and every
// program of examples/; the page fetches nothing else.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** `virtual:examples`: every example program, as `{ name: [{ path, text }] }`. */
export function readExamples() {
  const dir = join(root, "examples");
  const examples = {};
  for (const name of readdirSync(dir).sort()) {
    if (!statSync(join(dir, name)).isDirectory()) continue;
    const files = readdirSync(join(dir, name))
      .filter((f) => f.endsWith(".secpol"))
      .sort();
    examples[name] = files.map((f) => ({ path: f, text: readFileSync(join(dir, name, f), "utf8") }));
  }
  return examples;
}

export async function buildPlayground(out = join(root, "dist", "playground")) {
  mkdirSync(out, { recursive: true });
  const examples = {
    name: "examples",
    setup(b) {
      b.onResolve({ filter: /^virtual:examples$/ }, () => ({ path: "examples", namespace: "virtual" }));
      b.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({
        contents: `export default ${JSON.stringify(readExamples())};`,
        loader: "js",
      }));
    },
  };
  await build({
    entryPoints: [join(root, "playground", "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    outfile: join(out, "main.js"),
    plugins: [examples],
    logLevel: "warning",
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "playground", f), join(out, f));
  return out;
}

const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

/** A static server for `dir` on localhost; resolves to the server once it listens. */
export function serve(dir, port = 0) {
  const server = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    const file = path.endsWith(sep) ? join(path, "index.html") : path;
    if (relative(dir, file).startsWith("..")) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((done) => server.listen(port, "127.0.0.1", () => done(server)));
}

if (resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const started = Date.now();
  const out = await buildPlayground(option("--out") ? resolve(option("--out")) : undefined);
  console.log(`playground built into ${relative(process.cwd(), out) || "."} in ${Date.now() - started} ms`);
  if (args.includes("--serve")) {
    const server = await serve(out, Number(option("--port") ?? 5173));
    console.log(`serving on http://127.0.0.1:${server.address().port}/ (Ctrl-C to stop)`);
  }
}
