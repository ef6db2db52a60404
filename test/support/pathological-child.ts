/**
 * Builds pathological cases (test/support/pathological.ts) through the compiled core (dist/, which
 * `npm test` builds first: no TypeScript to load, so the process starts fast) and prints a JSON
 * line for each: the time to build and render the diagnostics for a terminal, peak memory so far,
 * the rendering's length, the diagnostics and the texts they point into.
 * `node --max-old-space-size=512 --import tsx test/support/pathological-child.ts NAME...`
 */
import { build, renderDiagnostics } from "../../dist/index.js";
import { cases } from "./pathological.js";

// one JSON line per case, in order; a case that crashes the process leaves its name on stderr
for (const name of process.argv.slice(2)) {
  if (!(name in cases)) {
    console.error(`unknown case \`${name}\`; the cases are: ${Object.keys(cases).join("; ")}`);
    process.exit(2);
  }
  console.error(`running: ${name}`);
  const text = cases[name].text();
  const started = performance.now();
  const result = build([{ path: "pathological.secpol", text }]);
  const rendered = renderDiagnostics(result.diagnostics, { ...result.sources, "pathological.secpol": text }).length;
  const ms = Math.round(performance.now() - started);
  const files = new Set(result.diagnostics.flatMap((d) => [d.span.file, ...(d.related ?? []).map((r) => r.span.file)]));
  console.log(
    JSON.stringify({
      name,
      ms,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      files: result.files.length,
      rendered,
      diagnostics: result.diagnostics,
      // the texts the diagnostics point into, but the big input itself (the parent makes it again)
      sources: Object.fromEntries(
        Object.entries(result.sources).filter(([path]) => files.has(path) && path !== "pathological.secpol"),
      ),
    }),
  );
}
