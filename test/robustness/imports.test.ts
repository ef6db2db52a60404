/**
 * Imports never leave the project root (the current directory), through real `secpolc` processes:
 * `../` chains, absolute paths, file and directory symbolic links pointing outside, `..` in the
 * middle of a path. Each is error SP2028 at the import's string, and nothing outside is read: the
 * secret file's marker never appears in any output or message, and a FIFO outside (which would
 * block any reader) is never opened. A refusal reads the same whether the target exists or not.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/baseline.js";

const bin = join(repoRoot, "bin", "secpolc.js");
const MARKER = "TOPSECRET-7f3a9c";
const program =
  "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\nnamespace shop {\n  default deny\n  workload web app=web\n}\nallow shop/* -> dns\n";

/** base/outside: the secret (and a FIFO); base/root: the project, with links pointing out. */
function layout() {
  const base = mkdtempSync(join(tmpdir(), "secpolc-imports-"));
  const outside = join(base, "outside");
  const root = join(base, "root");
  mkdirSync(join(outside, "deep"), { recursive: true });
  mkdirSync(join(root, "sub", "inner"), { recursive: true });
  const secret = `group ${MARKER.toLowerCase()} = cidr 203.0.113.0/24  # ${MARKER}\nthis line is not secpol ${MARKER}\n`;
  writeFileSync(join(outside, "secret.secpol"), secret);
  writeFileSync(join(outside, "deep", "secret.secpol"), secret);
  const fifo = spawnSync("mkfifo", [join(outside, "fifo.secpol")]).status === 0;
  writeFileSync(join(root, "sub", "ok.secpol"), "group fromsub = cluster: 53/udp\n");
  symlinkSync(join(outside, "secret.secpol"), join(root, "file-link.secpol"));
  symlinkSync(outside, join(root, "dir-link"));
  symlinkSync("../../outside", join(root, "sub", "relative-link"));
  if (fifo) symlinkSync(join(outside, "fifo.secpol"), join(root, "fifo-link.secpol"));
  return { base, outside, root, fifo };
}

function secpolc(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.ok(!r.error, `secpolc did not finish (did it open the FIFO?): ${r.error?.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout, stderr: r.stderr };
}

/** Where `needle` is in `text`, as 1-based line and column. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

const OUTSIDE = "it lies outside the project root (the current directory)";
const ABSOLUTE = "imports are relative to the importing file; absolute paths are not allowed";

/** Every way out, each an `import` in main.secpol (or in a file it imports), and the reason given. */
function waysOut(l: ReturnType<typeof layout>): { what: string; file: string; spec: string; reason: string }[] {
  return [
    { what: "`../` out of the root", file: "main.secpol", spec: "../outside/secret.secpol", reason: OUTSIDE },
    {
      what: "a long `../` chain",
      file: "main.secpol",
      spec: "../../../../../../../../etc/passwd.secpol",
      reason: OUTSIDE,
    },
    {
      what: "`../` out and back down",
      file: "main.secpol",
      spec: "../../outside/deep/../secret.secpol",
      reason: OUTSIDE,
    },
    {
      what: "`../../` from an imported file inside the root",
      file: "sub/inner/chain.secpol",
      spec: "../../../outside/secret.secpol",
      reason: OUTSIDE,
    },
    { what: "an absolute path", file: "main.secpol", spec: join(l.outside, "secret.secpol"), reason: ABSOLUTE },
    { what: "an absolute system path", file: "main.secpol", spec: "/etc/passwd.secpol", reason: ABSOLUTE },
    { what: "a file link out", file: "main.secpol", spec: "./file-link.secpol", reason: OUTSIDE },
    { what: "a directory link out", file: "main.secpol", spec: "./dir-link/secret.secpol", reason: OUTSIDE },
    {
      what: "a directory link out, deeper",
      file: "main.secpol",
      spec: "./dir-link/deep/secret.secpol",
      reason: OUTSIDE,
    },
    {
      what: "a relative directory link out",
      file: "main.secpol",
      spec: "./sub/relative-link/secret.secpol",
      reason: OUTSIDE,
    },
    {
      what: "a link to a FIFO outside (reading it would block)",
      file: "main.secpol",
      spec: l.fifo ? "./fifo-link.secpol" : "./file-link.secpol",
      reason: OUTSIDE,
    },
    { what: "`..` in the middle", file: "main.secpol", spec: "./sub/../../outside/secret.secpol", reason: OUTSIDE },
    {
      what: "`..` in the middle, without `./`",
      file: "main.secpol",
      spec: "sub/inner/../../../outside/secret.secpol",
      reason: OUTSIDE,
    },
  ];
}

test("every way out of the root is error SP2028 at its import, and nothing outside is read", () => {
  const l = layout();
  try {
    const ways = waysOut(l);
    const texts: Record<string, string> = {
      "main.secpol": `${ways
        .filter((w) => w.file === "main.secpol")
        .map((w) => `import "${w.spec}"`)
        .join("\n")}\nimport "./sub/inner/chain.secpol"\n${program}`,
      "sub/inner/chain.secpol": `import "../ok.secpol"\n${ways
        .filter((w) => w.file !== "main.secpol")
        .map((w) => `import "${w.spec}"`)
        .join("\n")}\n`,
    };
    for (const [path, text] of Object.entries(texts)) writeFileSync(join(l.root, path), text);
    const built = secpolc(l.root, "build", "main.secpol", "-o", "out");
    assert.is(built.code, 1, built.out);
    assert.not.ok(built.out.includes(MARKER), "the secret's content leaked into the output");
    assert.not.ok(existsSync(join(l.root, "out")), "a failed build writes nothing");
    const machine = secpolc(l.root, "check", "main.secpol", "--format", "json");
    assert.is(machine.code, 1);
    assert.not.ok(machine.out.includes(MARKER));
    const json = JSON.parse(machine.stdout).diagnostics as {
      code: string;
      file: string;
      line: number;
      column: number;
      message: string;
    }[];
    for (const w of ways) {
      const at = positionOf(texts[w.file], `"${w.spec}"`);
      const head = `${w.file}:${at.line}:${at.column}: error SP2028: cannot import \`${w.spec}\`: ${w.reason}`;
      assert.ok(built.stderr.includes(head), `${w.what}: expected \`${head}\` in\n${built.stderr}`);
      assert.ok(
        json.some((d) => d.code === "SP2028" && d.file === w.file && d.line === at.line && d.column === at.column),
        `${w.what}: not in the JSON diagnostics`,
      );
    }
    assert.is(
      json.filter((d) => d.code === "SP2028").length,
      ways.length,
      "one error per way out, and no other import refused",
    );
  } finally {
    rmSync(l.base, { recursive: true, force: true });
  }
});

test("`..` in the middle of a path that stays inside the root is fine", () => {
  const l = layout();
  try {
    writeFileSync(
      join(l.root, "main.secpol"),
      `import "./sub/inner/../ok.secpol"\n${program}allow shop/web -> fromsub\n`,
    );
    const r = secpolc(l.root, "build", "main.secpol", "-o", "out");
    assert.is(r.code, 0, r.out);
  } finally {
    rmSync(l.base, { recursive: true, force: true });
  }
});

test("a refusal says the same whether the file outside exists or not", () => {
  const l = layout();
  try {
    const specs = [
      "../outside/secret.secpol",
      "../outside/missing.secpol",
      "./dir-link/secret.secpol",
      "./dir-link/missing.secpol",
    ];
    writeFileSync(join(l.root, "main.secpol"), `${specs.map((spec) => `import "${spec}"`).join("\n")}\n${program}`);
    const r = secpolc(l.root, "check", "main.secpol", "--format", "json");
    const messages = (JSON.parse(r.stdout).diagnostics as { code: string; line: number; message: string }[])
      .filter((d) => d.code === "SP2028")
      .map((d) => d.message.replace(specs[d.line - 1], "SPEC"));
    assert.is(messages.length, 4, r.stdout);
    assert.is(new Set(messages).size, 1, `the messages differ: ${messages.join(" / ")}`);
  } finally {
    rmSync(l.base, { recursive: true, force: true });
  }
});

test("a link to `.` cannot make an endless chain of imports, and discovery does not follow links out", () => {
  const l = layout();
  try {
    symlinkSync(".", join(l.root, "self"));
    writeFileSync(join(l.root, "main.secpol"), `import "./self/self/main.secpol"\n${program}`);
    const r = secpolc(l.root, "build", "main.secpol", "-o", "out");
    assert.is(r.code, 0, r.out);
    // `build .` walks the root: dir-link and relative-link lead outside and are not followed
    rmSync(join(l.root, "main.secpol"));
    writeFileSync(join(l.root, "p.secpol"), program);
    const walked = secpolc(l.root, "build", ".", "-o", "out2");
    assert.is(walked.code, 0, walked.out);
    assert.not.ok(walked.out.includes(MARKER));
    assert.ok(readdirSync(join(l.root, "out2")).includes("kustomization.yaml"));
  } finally {
    rmSync(l.base, { recursive: true, force: true });
  }
});

test.run();
