/// <reference lib="dom" />
/**
 * The playground in a real browser (Debian's Chromium, driven by playwright-core): load the page,
 * pick an example, break it and see the diagnostic, fix it and see the YAML, click a matrix cell
 * and see the explain trace with the deciding lines highlighted, format with the shortcut, and
 * share by URL. Every request stays on the page's own origin. Screenshots go to
 * test/.output/playground/. The median time of `build` for a 200-line program in the browser is
 * measured and printed (a benchmark, not a pass/fail).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildPlayground, serve } from "../../scripts/playground.js";
import { testRoot } from "../support/baseline.js";
import { ensureChromium } from "../support/chromium.js";

const shots = join(testRoot, ".output", "playground");
let server: Server;
let browser: Browser;
let page: Page;
let origin: string;
const requests: string[] = [];
const errors: string[] = [];

test.before(async () => {
  mkdirSync(shots, { recursive: true });
  const out = await buildPlayground(join(testRoot, ".output", "playground-site"));
  server = await serve(out);
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: ensureChromium(), args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${origin}/`);
});

test.after(async () => {
  await browser?.close();
  server?.close();
});

const editorText = () => page.evaluate(() => (window as any).secpol.getText() as string);

test("the page loads and compiles the default example", async () => {
  await page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("compiled"));
  assert.match((await page.textContent("#output")) ?? "", /kind: NetworkPolicy/);
});

test("pick an example, break it: the diagnostic shows with the CLI's code; fix it: the YAML is back", async () => {
  await page.selectOption("#examples", "firewall");
  await page.waitForFunction(() => (window as any).secpol.getText().includes("namespace sandbox"));
  await page.waitForFunction(() => document.querySelector("#output")?.textContent?.includes("secpol-debug"));
  // type a rule naming a workload that does not exist
  await page.click(".cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\nallow platform/api -> platform/nowhere: 80");
  await page.waitForSelector("#diagnostics .error[data-code='SP2001']");
  const message = (await page.textContent("#diagnostics .error[data-code='SP2001']")) ?? "";
  assert.match(message, /nowhere/);
  assert.match((await page.textContent("#output")) ?? "", /nothing compiled/);
  await page.waitForSelector(".cm-lintRange-error");
  await page.screenshot({ path: join(shots, "1-diagnostic.png") });
  // fix it: name a workload that exists
  for (let i = 0; i < "nowhere: 80".length; i++) await page.keyboard.press("Backspace");
  await page.keyboard.type("debug: 80");
  await page.waitForFunction(() => !document.querySelector("#diagnostics .error"));
  await page.waitForFunction(() => document.querySelector("#output")?.textContent?.includes("kind: NetworkPolicy"));
  await page.click("#tabs button[data-tab='NetworkPolicy']");
  const yaml = (await page.textContent("#output")) ?? "";
  assert.match(yaml, /kind: NetworkPolicy/);
  assert.not.match(yaml, /kind: Namespace\b/);
  await page.screenshot({ path: join(shots, "2-fixed.png") });
});

test("a matrix cell shows its explain trace and highlights the deciding lines", async () => {
  await page.click("#tabs button[data-tab='matrix']");
  const cell = await page.waitForSelector("#matrix td[title='platform/api -> platform/debug']");
  assert.is(await cell.getAttribute("class"), "denied", "deny beats allow: the debug pod stays closed");
  await cell.click();
  await page.waitForSelector("#explain:not([hidden])");
  const trace = (await page.textContent("#explain")) ?? "";
  assert.match(trace, /platform\/api -> platform\/debug:.*not permitted/);
  assert.match(trace, /deny\s+playground\.secpol:\d+\s+deny cluster -> platform\/debug/);
  const highlighted = await page.$$eval(".cm-deciding", (lines) => lines.map((l) => l.textContent ?? ""));
  assert.ok(
    highlighted.some((l) => l.includes("deny cluster -> platform/debug")),
    JSON.stringify(highlighted),
  );
  await page.screenshot({ path: join(shots, "3-matrix-explain.png") });
});

test("a wide matrix scrolls inside its own pane: the page does not scroll, the header and the editor stay in place", async () => {
  await page.click("#tabs button[data-tab='all']");
  const layout = () =>
    page.evaluate(() => {
      // no named functions in here: tsx would wrap them in a helper the page does not have
      const [header, editor] = ["header", "#editor"].map((selector) => {
        const r = document.querySelector(selector)!.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      });
      const root = document.scrollingElement!;
      return {
        header,
        editor,
        pageScrollWidth: root.scrollWidth,
        pageWidth: root.clientWidth,
        scrollX: window.scrollX,
        scrollY: window.scrollY,
      };
    });
  await page.evaluate((text) => (window as any).secpol.setText(text), wideProgram());
  await page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("compiled"));
  // the layout with the program's own diagnostics shown, before its matrix is
  const before = await layout();
  await page.click("#tabs button[data-tab='matrix']");
  await page.waitForSelector("#matrix td[title='wide/service-with-a-long-name-39 -> wide/service-with-a-long-name-0']");
  const pane = await page.evaluate(() => {
    const m = document.querySelector("#matrix")!;
    return {
      scrollWidth: m.scrollWidth,
      clientWidth: m.clientWidth,
      scrollHeight: m.scrollHeight,
      clientHeight: m.clientHeight,
    };
  });
  assert.ok(pane.scrollWidth > 2 * pane.clientWidth, `the matrix is wider than its pane: ${JSON.stringify(pane)}`);
  const wide = await layout();
  assert.ok(wide.pageScrollWidth <= wide.pageWidth, `the page does not scroll horizontally: ${JSON.stringify(wide)}`);
  assert.equal(wide.header, before.header, "the header keeps its place and size");
  assert.equal(wide.editor, before.editor, "the editor keeps its place and size");
  // the pane scrolls, to its far corner; the page does not move
  await page.hover("#matrix td[title='wide/service-with-a-long-name-0 -> wide/service-with-a-long-name-1']");
  await page.mouse.wheel(20000, 20000);
  await page.waitForFunction(
    () => document.querySelector("#matrix")!.scrollLeft > 0 && document.querySelector("#matrix")!.scrollTop > 0,
  );
  const corner = await page.waitForSelector(
    "#matrix td[title='wide/service-with-a-long-name-39 -> wide/service-with-a-long-name-38']",
  );
  await corner.click();
  await page.waitForSelector("#explain:not([hidden])");
  const scrolled = await layout();
  assert.equal({ ...scrolled, scrollX: 0, scrollY: 0 }, { ...wide, scrollX: 0, scrollY: 0 });
  assert.equal([scrolled.scrollX, scrolled.scrollY], [0, 0], "the page itself never scrolled");
  await page.screenshot({ path: join(shots, "4-wide-matrix.png") });
});

test("Shift+Alt+F formats the program; the URL's hash carries it to a new page", async () => {
  await page.evaluate(() => (window as any).secpol.setText("namespace a { default deny }\nallow  a/*,ns b->dns\n"));
  const unformatted = page.url();
  await page.click(".cm-content");
  await page.keyboard.press("Shift+Alt+F");
  await page.waitForFunction(() => (window as any).secpol.getText().includes("allow a/*, ns b -> dns"));
  await page.waitForFunction((before) => location.href !== before, unformatted);
  const url = page.url();
  assert.match(url, /#code=/);
  const other = await browser.newPage();
  other.on("request", (r) => requests.push(r.url()));
  await other.goto(url);
  await other.waitForFunction(() => (window as any).secpol?.getText().includes("allow a/*, ns b -> dns"));
  await other.close();
  assert.is(await editorText(), "namespace a { default deny }\nallow a/*, ns b -> dns\n");
});

test("an exception in the compiler shows as SP5025 on the program, never as the previous output; the next edit compiles", async () => {
  await page.click("#tabs button[data-tab='all']");
  await page.evaluate(() => (window as any).secpol.setText("namespace before { default deny }\n"));
  await page.waitForFunction(() => document.querySelector("#output")?.textContent?.includes("name: before"));
  await page.evaluate(() => {
    (window as any).secpol.failNextCall("injected failure");
    (window as any).secpol.setText("namespace after { default deny }\n");
  });
  const shown = await page.waitForSelector("#diagnostics .error[data-code='SP5025']");
  const message = (await shown.textContent()) ?? "";
  assert.match(message, /^1:1 error SP5025: internal error: injected failure \(help: this is a bug in secpolc/);
  assert.is(await page.textContent("#status"), "1 error");
  const output = (await page.textContent("#output")) ?? "";
  assert.match(output, /nothing compiled/);
  assert.not.match(output, /name: before/);
  await page.waitForSelector(".cm-lintPoint-error", { state: "attached" }); // marked in the editor, at the program's start
  // the next compile is not affected
  await page.evaluate(() => (window as any).secpol.setText("namespace again { default deny }\n"));
  await page.waitForFunction(() => document.querySelector("#output")?.textContent?.includes("name: again"));
  assert.is(await page.$("#diagnostics .error"), null);
  // the formatter and the matrix, from the same guard
  await page.evaluate(() => (window as any).secpol.failNextCall("injected format failure"));
  await page.click(".cm-content");
  await page.keyboard.press("Shift+Alt+F");
  assert.match(
    (await page.textContent("#status")) ?? "",
    /^not formatted: 1:1 error SP5025: internal error: injected format failure/,
  );
  await page.evaluate(() => (window as any).secpol.failNextCall("injected matrix failure"));
  await page.click("#tabs button[data-tab='matrix']");
  assert.match((await page.textContent("#matrix")) ?? "", /SP5025: internal error: injected matrix failure/);
  await page.click("#tabs button[data-tab='all']");
});

test("the page works offline: every request stays on its own origin, no page errors", () => {
  assert.ok(requests.length > 0);
  const foreign = requests.filter(
    (u) => !u.startsWith(`${origin}/`) && !u.startsWith("data:") && !u.startsWith("blob:"),
  );
  assert.equal(foreign, []);
  assert.equal(errors, []);
});

test("benchmark: recompiling a 200-line program in the browser (median, printed)", async () => {
  const text = benchmarkProgram();
  assert.is(text.split("\n").length, 201);
  const result = await page.evaluate((t) => (window as any).secpol.benchmark(t, 60), text);
  console.log(
    `  playground: build of a ${text.split("\n").length - 1}-line program (${result.files} files) in Chromium, median of ${result.runs}: ${result.median.toFixed(1)} ms`,
  );
  assert.ok(result.files > 40, "the benchmark program compiles");
  assert.ok(result.median > 0);
});

/** 40 workloads with long names in one namespace, each allowed to call the next: a 40 × 40 matrix. */
function wideProgram(): string {
  const names = Array.from({ length: 40 }, (_, i) => `service-with-a-long-name-${i}`);
  return [
    "namespace wide {",
    "  default deny",
    ...names.map((n) => `  workload ${n} app=${n} port http 8080`),
    "}",
    ...names.slice(1).map((n, i) => `allow wide/${names[i]} -> wide/${n}: http`),
    "",
  ].join("\n");
}

/** 200 lines: a cluster line and 20 namespaces of 10 lines (two workloads, four rules), each calling the previous one. */
function benchmarkProgram(): string {
  const lines = ["cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }"];
  for (let n = 0; lines.length < 200; n++) {
    lines.push(
      `namespace ns${n} {`,
      "  default deny",
      "  workload api app=api port http 8080",
      "  workload db  app=db  port pg 5432",
      "}",
    );
    lines.push(
      `allow ns${n}/api -> ns${n}/db: pg`,
      `allow ns${n}/* -> dns`,
      `allow ns ingress -> ns${n}/api: http`,
      n > 0 ? `allow ns${n}/api -> ns${n - 1}/api: http` : `deny ns${n}/db -> world`,
      "",
    );
  }
  return `${lines.slice(0, 200).join("\n")}\n`;
}

test.run();
