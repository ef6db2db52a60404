/**
 * The output directory under failure, through real `secpolc build` processes in temporary
 * directories: a program error, a failure injected mid-write (SECPOLC_TEST_FAIL_AFTER_FILES, and
 * SECPOLC_TEST_FAIL_SWAP for the moment between moving the old tree aside and the new one in), a
 * read-only output directory or parent, a file where a directory should be. In every case OUT is
 * byte-for-byte the old tree or the new one, never a mix, no staging directory is left behind, and
 * a failure exits 1 or 2 with a coded diagnostic.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "../support/baseline.js";

const bin = join(repoRoot, "bin", "secpolc.js");
const header = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
const OLD = `${header}namespace shop {\n  default deny\n  workload web app=web port http 8080\n}\nallow ns ingress -> shop/web: http\n`;
const NEW = `${header}namespace shop {\n  default deny\n  workload web app=web port http 8080\n  workload db app=db port sql 5432\n}\nnamespace billing {\n  default deny ingress\n  workload api app=api\n}\nallow shop/web -> shop/db: sql\nallow shop/* -> dns\nallow shop/web -> billing/api: 443\n`;
const BROKEN = `${NEW}allow shop/web -> shop/nope: 80\n`;

type Tree = Record<string, string>;

/** Every file under `dir`, by relative path, with its bytes (base64); directories end in `/`. */
function tree(dir: string): Tree {
  const out: Tree = {};
  const walk = (d: string, prefix: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        out[`${prefix}${entry.name}/`] = "";
        walk(join(d, entry.name), `${prefix}${entry.name}/`);
      } else out[`${prefix}${entry.name}`] = readFileSync(join(d, entry.name)).toString("base64");
    }
  };
  walk(dir, "");
  return out;
}

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes(".secpolc-"));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-out-"));
  chmodSync(dir, 0o755);
  return dir;
}

function run(cwd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [bin, "build", ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    ...options,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  assert.ok(!r.error, `secpolc did not finish: ${r.error?.message}`);
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The two trees every case compares against: OLD's output and NEW's, each built once. */
function referenceTrees(): { old: Tree; new: Tree } {
  const reference = (program: string): Tree => {
    const dir = workspace();
    writeFileSync(join(dir, "p.secpol"), program); // the same name: it is in every object's annotation
    assert.is(run(dir, ["p.secpol", "-o", "out"]).code, 0);
    const result = tree(join(dir, "out"));
    rmSync(dir, { recursive: true });
    return result;
  };
  const trees = { old: reference(OLD), new: reference(NEW) };
  assert.not.equal(trees.old, trees.new);
  return trees;
}
const reference = referenceTrees();

/** A workspace whose `out/` holds OLD's output (as secpolc wrote it) and whose `p.secpol` is `program`. */
function built(program: string): string {
  const dir = workspace();
  for (const [path, content] of Object.entries(reference.old)) {
    if (path.endsWith("/")) mkdirSync(join(dir, "out", path), { recursive: true });
    else {
      mkdirSync(dirname(join(dir, "out", path)), { recursive: true });
      writeFileSync(join(dir, "out", path), Buffer.from(content, "base64"));
    }
  }
  assert.equal(tree(join(dir, "out")), reference.old);
  writeFileSync(join(dir, "p.secpol"), program);
  return dir;
}

function assertFailedCleanly(
  r: { code: number | null; stderr: string },
  dir: string,
  code: RegExp,
  expected: 1 | 2,
): void {
  assert.is(r.code, expected, r.stderr);
  assert.match(r.stderr, code);
  assert.equal(tree(join(dir, "out")), reference.old, "OUT is byte-for-byte the old tree");
  assert.equal(leftovers(dir), [], "no staging directory is left behind");
}

test("a successful rebuild: OUT is byte-for-byte the new tree, nothing left behind", () => {
  const dir = built(NEW);
  const r = run(dir, ["p.secpol", "-o", "out"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(tree(join(dir, "out")), reference.new);
  assert.equal(leftovers(dir), []);
  rmSync(dir, { recursive: true });
});

test("a program error: exit 1 with the error, OUT untouched", () => {
  const dir = built(BROKEN);
  assertFailedCleanly(run(dir, ["p.secpol", "-o", "out"]), dir, /p\.secpol:\d+:\d+: error SP2001/, 1);
  rmSync(dir, { recursive: true });
});

test("a build that fails after its files were staged (--warnings-as-errors): exit 1, OUT untouched, nothing left", () => {
  // the files are written beside OUT while the build verifies them; the run fails after that
  const dir = built(`${NEW}allow shop/web -> shop/db: sql\n`);
  assertFailedCleanly(
    run(dir, ["p.secpol", "-o", "out", "--warnings-as-errors"]),
    dir,
    /error SP5021: a warning with `--warnings-as-errors`/,
    1,
  );
  rmSync(dir, { recursive: true });
});

test("a failure injected mid-write, after none, some, all but one and all of the files: exit 2, OUT untouched", () => {
  const files = Object.keys(reference.new).filter((p) => !p.endsWith("/")).length;
  const dir = built(NEW);
  for (const n of [0, 1, Math.floor(files / 2), files - 1, files]) {
    const r = run(dir, ["p.secpol", "-o", "out"], { env: { SECPOLC_TEST_FAIL_AFTER_FILES: String(n) } });
    assertFailedCleanly(
      r,
      dir,
      /error SP5008: cannot write `out`: injected failure; the output directory is unchanged/,
      2,
    );
  }
  rmSync(dir, { recursive: true });
});

test("an exception in the build after its files went to the writer (during verification): OUT untouched, nothing left behind", () => {
  // a few files (written on the main thread), and enough for the writer's thread
  const many = Array.from(
    { length: 40 },
    (_, i) =>
      `namespace n${i} {\n  default deny\n  workload w app=w port http 80\n}\nallow n${i}/w -> n${(i + 1) % 40}/w: http\n`,
  ).join("");
  for (const program of [NEW, `${header}${many}`]) {
    const dir = built(program);
    if (program !== NEW) {
      assert.is(run(dir, ["p.secpol", "-o", "full"]).code, 0);
      assert.ok(Object.keys(tree(join(dir, "full"))).length >= 64, "enough files for the writer's thread");
      rmSync(join(dir, "full"), { recursive: true });
    }
    const r = run(dir, ["p.secpol", "-o", "out"], { env: { SECPOLC_TEST_THROW_AFTER_OUTPUT: "1" } });
    assert.is(r.code, 70, r.stderr);
    assert.match(r.stderr, /error SP5025: internal error: injected failure after the output was handed to the writer/);
    assert.equal(tree(join(dir, "out")), reference.old, "OUT is byte-for-byte the old tree");
    assert.equal(leftovers(dir), [], "no staging directory is left behind");
    rmSync(dir, { recursive: true });
  }
});

test("a failure between moving the old tree aside and the new one in: the old one is put back", () => {
  const dir = built(NEW);
  assertFailedCleanly(
    run(dir, ["p.secpol", "-o", "out"], { env: { SECPOLC_TEST_FAIL_SWAP: "1" } }),
    dir,
    /error SP5008/,
    2,
  );
  rmSync(dir, { recursive: true });
});

/**
 * Running as root, chmod does not stop writes (root ignores permission bits). Then the CLI runs as
 * an unprivileged user (uid/gid 65534, "nobody") over a workspace it owns, when that user can run
 * it; otherwise OUT is made immutable (`chattr +i`, which binds root too); failing both, the case
 * is reported as not exercised rather than passing vacuously.
 */
const root = process.getuid?.() === 0;
const NOBODY = 65534;
const nobodyCanRun = root && spawnSync(process.execPath, [bin, "--version"], { uid: NOBODY, gid: NOBODY }).status === 0;

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

const chattr = (flag: "+i" | "-i", path: string) => spawnSync("chattr", [flag, path]).status === 0;

/** Runs `build` with `out/` (or `parent`) read-only, by whichever means binds the current user. */
function withReadOnly(dir: string, path: string, check: (r: ReturnType<typeof run>, how: string) => void): void {
  if (!root || nobodyCanRun) {
    const as = root ? { uid: NOBODY, gid: NOBODY } : {};
    if (root) chownTree(dir, NOBODY);
    chmodSync(path, 0o555);
    try {
      check(run(dir, ["p.secpol", "-o", "out"], as), root ? "chmod 555, running as uid 65534" : "chmod 555");
    } finally {
      chmodSync(path, 0o755);
    }
    return;
  }
  if (chattr("+i", path)) {
    try {
      check(run(dir, ["p.secpol", "-o", "out"]), "chattr +i (running as root)");
    } finally {
      chattr("-i", path);
    }
    return;
  }
  console.log(`    not exercised: running as root, without an unprivileged user or chattr to make ${path} read-only`);
}

test("a read-only output directory: exit 2 before anything changes, OUT untouched", () => {
  const dir = built(NEW);
  withReadOnly(dir, join(dir, "out"), (r, how) => {
    assertFailedCleanly(r, dir, /error SP5008: cannot write `out`/, 2);
    console.log(`    read-only OUT by ${how}`);
  });
  rmSync(dir, { recursive: true });
});

test("a read-only subdirectory of OUT: exit 2 before anything changes, OUT untouched", () => {
  const dir = built(NEW);
  withReadOnly(dir, join(dir, "out", "shop"), (r) =>
    assertFailedCleanly(r, dir, /error SP5008: cannot write `out`/, 2),
  );
  rmSync(dir, { recursive: true });
});

test("a read-only parent directory: exit 2, OUT untouched, nothing staged", () => {
  const dir = built(NEW);
  withReadOnly(dir, dir, (r) => assertFailedCleanly(r, dir, /error SP5008: cannot write `out`/, 2));
  rmSync(dir, { recursive: true });
});

test("an unwritable place: OUT under /proc, where nothing can be created", () => {
  const dir = workspace();
  writeFileSync(join(dir, "p.secpol"), NEW);
  const r = run(dir, ["p.secpol", "-o", "/proc/self/secpolc-out"]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error SP5008: cannot write `\/proc\/self\/secpolc-out`/);
  rmSync(dir, { recursive: true });
});

test("a file where the output directory should be: refused, the file untouched", () => {
  const dir = workspace();
  writeFileSync(join(dir, "p.secpol"), NEW);
  writeFileSync(join(dir, "file"), "precious\n");
  const r = run(dir, ["p.secpol", "-o", "file"]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error SP5007: `file` exists and was not written by secpolc/);
  assert.is(readFileSync(join(dir, "file"), "utf8"), "precious\n");
  assert.equal(leftovers(dir), []);
  rmSync(dir, { recursive: true });
});

test("a file where a parent directory should be: exit 2, the file untouched, nothing staged", () => {
  const dir = workspace();
  writeFileSync(join(dir, "p.secpol"), NEW);
  writeFileSync(join(dir, "file"), "precious\n");
  for (const out of ["file/out", "file/deeper/out"]) {
    const r = run(dir, ["p.secpol", "-o", out]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`error SP5008: cannot write \`${out}\``));
    assert.is(readFileSync(join(dir, "file"), "utf8"), "precious\n");
    assert.equal(leftovers(dir), []);
  }
  rmSync(dir, { recursive: true });
});

test("OUT replaced but its old tree not removable (an immutable file, as root): the new tree and a warning", () => {
  if (!root) return; // only root can set the immutable flag; permissions cannot reach this path
  const dir = built(NEW);
  const stuck = join(dir, "out", "shop", "namespace.yaml");
  if (!chattr("+i", stuck)) {
    console.log("    not exercised: chattr is not available here");
    rmSync(dir, { recursive: true });
    return;
  }
  let left: string[] = [];
  try {
    const r = run(dir, ["p.secpol", "-o", "out"]);
    assert.is(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning SP5015: `out` was written, but its previous content could not be removed and is left in/,
    );
    assert.equal(tree(join(dir, "out")), reference.new, "OUT is byte-for-byte the new tree");
    left = leftovers(dir);
    assert.equal(left.length, 1);
    assert.match(left[0], /^\.out\.secpolc-old-/, "only the old tree is left, and the warning names it");
  } finally {
    for (const l of left) chattr("-i", join(dir, l, "shop", "namespace.yaml"));
    chattr("-i", stuck);
  }
  rmSync(dir, { recursive: true });
});

test.run();
