import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parseArguments } from "../../src/cli/args.js";
import { discoverSources, importResolver, readManifests } from "../../src/host.js";
import { commitOutput, differingFiles, openOutput, OutputError, writeOutputDirectory } from "../../src/cli/write.js";
import { KUSTOMIZATION_HEADER } from "../../src/output/layout.js";
import { repoRoot } from "../support/baseline.js";
import { bin, run, workspace } from "../support/cli.js";

const program = `cluster { podCIDR 10.244.0.0/16 }
namespace shop {
  default deny
  workload web app=web
}
allow ns(team=x) -> shop/web:80
`;

const tree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(d, name.name), `${prefix}${name.name}/`);
      else out[`${prefix}${name.name}`] = readFileSync(join(d, name.name), "utf8");
    }
  };
  walk(dir, "");
  return out;
};

test("arguments: commands, inputs, valued options and unknown options", () => {
  const { options, diagnostics } = parseArguments([
    "build",
    "a",
    "b/",
    "-o",
    "out",
    "--cluster-version=1.29",
    "--check",
    "--format",
    "json",
  ]);
  assert.equal(diagnostics, []);
  assert.is(options.command, "build");
  assert.equal(options.inputs, ["a", "b/"]);
  assert.is(options.output, "out");
  assert.is(options.clusterVersion, "1.29");
  assert.ok(options.check);
  assert.is(options.format, "json");
  const bad = parseArguments(["build", "--frob", "--cluster-version", "x"]);
  assert.equal(
    bad.diagnostics.map((d) => d.code),
    ["SP5002", "SP5012"],
  );
  assert.is(bad.diagnostics[0].span.start.column, 7);
  // the program's own `cluster { version }` rules: a version it would refuse is not ignored
  assert.equal(
    parseArguments(["check", "--cluster-version", "1.0000"]).diagnostics.map((d) => d.code),
    ["SP5012"],
  );
  // nor one older than the oldest secpolc compiles for (the program's SP2039)
  const old = parseArguments(["check", "--cluster-version", "1.9"]).diagnostics;
  assert.equal(
    old.map((d) => d.code),
    ["SP5012"],
  );
  assert.match(old[0].message, /from 1\.10 on/);
  assert.equal(parseArguments(["check", "--cluster-version", "1.10"]).diagnostics, []);
});

test("discovery reads directories recursively, sorted, skipping dot directories and node_modules", () => {
  const dir = workspace({
    "b.secpol": "",
    "a/z.secpol": "",
    "a/y.txt": "",
    ".hidden/x.secpol": "",
    "node_modules/m.secpol": "",
  });
  const { sources, problems } = discoverSources(dir, ["."]);
  assert.equal(
    sources.map((s) => s.path),
    ["a/z.secpol", "b.secpol"],
  );
  assert.equal(problems, []);
  assert.equal(discoverSources(dir, ["missing.secpol"]).problems[0].reason, "no such file or directory");
  rmSync(dir, { recursive: true });
});

test("discovery reads a file reached through a link once, under its first path", () => {
  const dir = workspace({ "a.secpol": "namespace a {\n  workload w app=w\n}\n", "shared/b.secpol": "" });
  symlinkSync(join("..", "a.secpol"), join(dir, "shared", "a.secpol"));
  symlinkSync("shared", join(dir, "again"));
  assert.equal(
    discoverSources(dir, [".", "shared/a.secpol"]).sources.map((s) => s.path),
    ["a.secpol", "again/b.secpol"],
  );
  const run = spawnSync(process.execPath, [bin, "check", "."], { cwd: dir, encoding: "utf8" });
  assert.is(run.status, 0, run.stderr);
  rmSync(dir, { recursive: true });
});

test("discovery reads each file once when the inputs overlap: a directory twice, a file in it, a link to it", () => {
  const dir = workspace({ "p/a.secpol": "", "p/sub/b.secpol": "" });
  symlinkSync("p", join(dir, "q"));
  const paths = (inputs: string[]) => discoverSources(dir, inputs).sources.map((s) => s.path);
  // (named from the deepest directory holding every input)
  assert.equal(paths(["p", "p"]), ["a.secpol", "sub/b.secpol"]);
  assert.equal(paths(["p", "p/sub/b.secpol"]), ["a.secpol", "sub/b.secpol"]);
  // through the link and not: each file once, under its first name in order
  assert.equal(paths(["p/sub", "q"]), ["p/sub/b.secpol", "q/a.secpol"]);
  assert.equal(paths(["q/sub", "p"]), ["p/a.secpol", "p/sub/b.secpol"]);
  assert.equal(paths(["q", "p"]), ["p/a.secpol", "p/sub/b.secpol"]);
  rmSync(dir, { recursive: true });
});

test("discovery skips a link that loops, and names one that was meant as an input", () => {
  const dir = workspace({ "a.secpol": "" });
  symlinkSync("loop", join(dir, "loop"));
  assert.equal(discoverSources(dir, ["."]), {
    root: dir,
    directories: [dir],
    sources: [{ path: "a.secpol", text: "" }],
    problems: [],
    unsafe: [],
  });
  symlinkSync("b.secpol", join(dir, "b.secpol"));
  assert.equal(discoverSources(dir, ["."]).problems, [
    { input: "b.secpol", reason: "a symbolic link that leads back to itself" },
  ]);
  rmSync(dir, { recursive: true });
});

test("manifests: each real directory is read once, a looping link is skipped or, named like a manifest, reported", () => {
  const dir = workspace({ "m/a.yaml": "kind: Pod\n", "m/sub/b.json": "{}" });
  symlinkSync("..", join(dir, "m", "sub", "up"));
  symlinkSync("loop", join(dir, "m", "loop"));
  assert.equal(readManifests(dir, "m"), {
    files: [
      { path: "m/a.yaml", text: "kind: Pod\n" },
      { path: "m/sub/b.json", text: "{}" },
    ],
  });
  symlinkSync("c.yaml", join(dir, "m", "c.yaml"));
  assert.equal(readManifests(dir, "m"), { problem: "`m/c.yaml`: a symbolic link that leads back to itself" });
  rmSync(dir, { recursive: true });
});

test("imports never leave the project root: ../ chains, absolute paths, symlinks", () => {
  const outside = workspace({ "secret.secpol": "group leak = world" });
  const dir = workspace({ "main.secpol": "", "lib/common.secpol": "group ok = cluster" });
  symlinkSync(join(outside, "secret.secpol"), join(dir, "lib", "link.secpol"));
  const resolve = importResolver(dir);
  assert.equal(resolve("./lib/common.secpol", "main.secpol"), {
    path: "lib/common.secpol",
    text: "group ok = cluster",
  });
  for (const spec of [
    "../" + outside.split("/").pop() + "/secret.secpol",
    "../../../../../../etc/passwd",
    join(outside, "secret.secpol"),
    "./lib/link.secpol",
  ]) {
    const result = resolve(spec, "main.secpol");
    assert.ok("error" in result, `${spec} should be refused`);
  }
  rmSync(dir, { recursive: true });
  rmSync(outside, { recursive: true });
});

/** Fails unless the promise rejects with an error passing `check`. */
async function rejects(promise: Promise<unknown>, check: (e: unknown) => boolean): Promise<void> {
  try {
    await promise;
  } catch (e) {
    assert.ok(check(e), `rejected with ${String(e)}`);
    return;
  }
  assert.unreachable("it did not reject");
}

test("atomic output: an injected failure mid-write leaves the old content", async () => {
  const dir = workspace();
  const out = join(dir, "out");
  await writeOutputDirectory(out, [
    {
      path: "kustomization.yaml",
      content: "# Generated by secpolc. Do not edit: change the .secpol sources and rebuild.\nold: 1\n",
    },
    { path: "a/x.yaml", content: "old\n" },
  ]);
  const before = tree(out);
  await rejects(
    writeOutputDirectory(
      out,
      [
        { path: "a/x.yaml", content: "new\n" },
        { path: "b/y.yaml", content: "new\n" },
      ],
      { failAfterFiles: 1 },
    ),
    (e) => e instanceof OutputError,
  );
  assert.equal(tree(out), before);
  assert.equal(readdirSync(dir), ["out"], "no staging directory is left behind");
  rmSync(dir, { recursive: true });
});

test("atomic output: a large tree (written by a worker thread) and a failure injected in it, as a small one", async () => {
  // trees of 64 files or more are written by a worker thread, smaller ones on the main thread
  for (const count of [3, 63, 64, 200]) {
    const dir = workspace();
    const out = join(dir, "out");
    const files = (version: string) => [
      { path: "kustomization.yaml", content: `${KUSTOMIZATION_HEADER}v: ${version}\n` },
      ...Array.from({ length: count - 1 }, (_, i) => ({
        path: `ns${i % 7}/f${i}.yaml`,
        content: `${version} ${i} é\n`,
      })),
    ];
    const expected = Object.fromEntries(files("old").map((f) => [f.path, f.content]));
    await writeOutputDirectory(out, files("old"));
    assert.equal(tree(out), expected, `${count} files`);
    for (const failAfterFiles of [count - 1, count]) {
      await rejects(writeOutputDirectory(out, files("new"), { failAfterFiles }), (e) => e instanceof OutputError);
      assert.equal(tree(out), expected, `${count} files, failing after ${failAfterFiles}`);
      assert.equal(readdirSync(dir), ["out"], "no staging directory is left behind");
    }
    rmSync(dir, { recursive: true });
  }
});

test("streamed output: a large tree's thread starts when its paths are known, and files given in several batches are all written", async () => {
  // (\`build\` gives the paths once emit has grouped the objects into files, then each file as it is
  // made); the threads of this process are counted where /proc lists them
  const threads = () => (existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : undefined);
  for (const count of [3, 200]) {
    const dir = workspace();
    const out = join(dir, "out");
    // (40 KB a file: a 200-file tree is 8 MB, several of the thread's batches)
    const files = [
      { path: "kustomization.yaml", content: `${KUSTOMIZATION_HEADER}v: 1\n` },
      ...Array.from({ length: count - 1 }, (_, i) => ({
        path: `ns${i % 7}/f${i}.yaml`,
        content: `${i} é\n`.repeat(5000),
      })),
    ];
    const expected = Object.fromEntries(files.map((f) => [f.path, f.content]));
    await writeOutputDirectory(out, files.slice(0, 1)); // (Node's I/O threads started)
    const before = threads();
    const staged = openOutput(
      out,
      files.map((f) => f.path),
    );
    const started = threads();
    if (before !== undefined) assert.is(started, count >= 64 ? before + 1 : before, `${count} files: thread started`);
    // the directories are made before any file is given (by the thread, meanwhile, for a large tree)
    if (count < 64) assert.ok(existsSync(join(staged.staging, "ns0")), "directories made at once");
    staged.add(files.slice(0, 1));
    staged.add(files.slice(1, 2));
    staged.add(files.slice(2, 30));
    for (const file of files.slice(30)) staged.add([file]);
    staged.end();
    await commitOutput(staged);
    assert.equal(tree(out), expected, `${count} files`);
    if (count >= 64) assert.ok(staged.batches > 1, `${staged.batches} batches`);
    else assert.is(staged.batches, 0);
    assert.equal(readdirSync(dir), ["out"], "no staging directory is left behind");
    rmSync(dir, { recursive: true });
  }
});

test("streamed output: a write failing mid-stream, or a tree short of files, leaves OUT unchanged and no staging tree", async () => {
  for (const count of [3, 200]) {
    const dir = workspace();
    const out = join(dir, "out");
    const old = [{ path: "kustomization.yaml", content: `${KUSTOMIZATION_HEADER}v: old\n` }];
    await writeOutputDirectory(out, old);
    const expected = tree(out);
    const files = [
      ...Array.from({ length: count - 2 }, (_, i) => ({ path: `ns${i % 7}/f${i}.yaml`, content: "x\n".repeat(20000) })),
      // its directory is a file: writing into it fails, after the files before it are written
      { path: "ns0/f0.yaml/y.yaml", content: "y\n" },
      { path: "kustomization.yaml", content: `${KUSTOMIZATION_HEADER}v: new\n` },
    ];
    // the failure in the middle of the files, the failure hook after the first batch, and files missing
    for (const kind of ["write", "hook", "short"] as const) {
      const given = kind === "write" ? files : files.filter((f) => !f.path.endsWith("/y.yaml"));
      const staged = openOutput(
        out,
        given.map((f) => f.path),
        kind === "hook" ? { failAfterFiles: Math.floor(count / 2) } : {},
      );
      for (const file of kind === "short" ? given.slice(0, -1) : given) staged.add([file]);
      await rejects(commitOutput(staged), (e) => e instanceof OutputError);
      assert.equal(tree(out), expected, `${count} files, ${kind}`);
      assert.equal(readdirSync(dir), ["out"], `${count} files, ${kind}: no staging directory is left behind`);
    }
    rmSync(dir, { recursive: true });
  }
});

test("atomic output: a directory secpolc did not write, or a file in its place, is never replaced", async () => {
  const dir = workspace({ "out/precious.txt": "keep me", "file-out": "a file" });
  await rejects(
    writeOutputDirectory(join(dir, "out"), [{ path: "kustomization.yaml", content: "x" }]),
    (e) => (e as OutputError).kind === "not-ours",
  );
  await rejects(
    writeOutputDirectory(join(dir, "file-out"), [{ path: "kustomization.yaml", content: "x" }]),
    (e) => (e as OutputError).kind === "not-ours",
  );
  assert.is(readFileSync(join(dir, "out/precious.txt"), "utf8"), "keep me");
  assert.is(readFileSync(join(dir, "file-out"), "utf8"), "a file");
  rmSync(dir, { recursive: true });
});

test("atomic output: a read-only parent fails cleanly", async () => {
  if (process.getuid?.() === 0) {
    // root ignores directory permissions; the failure is simulated by a path through a file instead
    const dir = workspace({ blocker: "x" });
    await rejects(
      writeOutputDirectory(join(dir, "blocker", "out"), [{ path: "a.yaml", content: "x" }]),
      (e) => (e as OutputError).kind === "write",
    );
    assert.is(readFileSync(join(dir, "blocker"), "utf8"), "x");
    rmSync(dir, { recursive: true });
    return;
  }
  const dir = workspace();
  mkdirSync(join(dir, "ro"));
  chmodSync(join(dir, "ro"), 0o555);
  await rejects(
    writeOutputDirectory(join(dir, "ro", "out"), [{ path: "a.yaml", content: "x" }]),
    (e) => (e as OutputError).kind === "write",
  );
  chmodSync(join(dir, "ro"), 0o755);
  rmSync(dir, { recursive: true });
});

test("atomic output: trees a killed build left beside OUT are removed once OUT is replaced, a running build's are not", async () => {
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid; // exited: no process has that pid now
  const abandoned = [`.out.secpolc-new-${dead}-x1`, `.out.secpolc-old-${dead}-x2`];
  const kept = [`.out.secpolc-new-${process.pid}-x3`, `.other.secpolc-new-${dead}-x4`, `.out.secpolc-new-${dead}`];
  const dir = workspace(Object.fromEntries([...abandoned, ...kept].map((name) => [`${name}/a.yaml`, "x\n"])));
  await writeOutputDirectory(join(dir, "out"), [
    {
      path: "kustomization.yaml",
      content: "# Generated by secpolc. Do not edit: change the .secpol sources and rebuild.\n",
    },
  ]);
  assert.equal(readdirSync(dir).sort(), ["out", ...kept].sort());
  rmSync(dir, { recursive: true });
});

test("drift: differing files are missing, extra or changed ones", () => {
  const dir = workspace({ "out/a.yaml": "1", "out/b.yaml": "2", "out/extra.yaml": "3" });
  assert.equal(
    differingFiles(join(dir, "out"), [
      { path: "a.yaml", content: "1" },
      { path: "b.yaml", content: "changed" },
      { path: "c.yaml", content: "4" },
    ]),
    ["b.yaml", "c.yaml", "extra.yaml"],
  );
  rmSync(dir, { recursive: true });
});

test("end to end: build writes, --check passes then catches drift, errors write nothing (exit codes 0/1/2)", () => {
  const dir = workspace({ "policies/shop.secpol": program });
  const built = run(dir, "build", "policies", "-o", "out", "--summary");
  assert.is(built.code, 0, built.stderr);
  assert.match(built.stdout, /wrote 3 objects to out\//);
  assert.ok(existsSync(join(dir, "out", "kustomization.yaml")));
  assert.is(run(dir, "build", "policies", "-o", "out", "--check").code, 0);

  writeFileSync(join(dir, "policies/shop.secpol"), program.replace(":80", ":8080"));
  const before = tree(join(dir, "out"));
  const drift = run(dir, "build", "policies", "-o", "out", "--check");
  assert.is(drift.code, 1);
  assert.match(drift.stderr, /SP5009/);
  assert.equal(tree(join(dir, "out")), before, "--check writes nothing");

  writeFileSync(join(dir, "policies/shop.secpol"), program.replace("shop/web", "shop/wbe"));
  const failed = run(dir, "build", "policies", "-o", "out");
  assert.is(failed.code, 1);
  assert.match(
    failed.stderr,
    /policies\/shop\.secpol:6:21: error SP2001: cannot find a workload or group named `shop\/wbe`/,
  );
  assert.match(failed.stderr, /help: did you mean `shop\/web`\?/);
  assert.equal(tree(join(dir, "out")), before, "a failed build changes nothing in OUT");

  const json = run(dir, "check", "policies", "--format", "json");
  assert.is(json.code, 1);
  const parsed = JSON.parse(json.stdout);
  assert.is(parsed.diagnostics[0].code, "SP2001");
  assert.is(parsed.diagnostics[0].line, 6);

  assert.is(run(dir, "build", "nope", "-o", "out").code, 2);
  assert.is(run(dir, "build", "policies").code, 2);
  assert.is(run(dir, "explain", "x").code, 2);
  assert.is(run(dir, "explain", "policies", "shop/web -> shop/web").code, 2, "a query without a port");
  // a query with `=>` is still the query: the query is underlined, not the command word
  const arrow = run(dir, "explain", "policies", "shop/web => shop/web:80");
  assert.is(arrow.code, 2);
  assert.match(
    arrow.stderr,
    /<query>:1:1: error SP3009: cannot explain this query: `=>` is no arrow of secpol\n  shop\/web => shop\/web:80\n  \^{23}\n  = help: write `shop\/web -> shop\/web:80`/,
  );
  assert.is(run(dir, "diff", "policies").code, 2, "diff needs two sides");
  assert.is(run(dir, "diff", "policies", "missing/").code, 2);
  rmSync(dir, { recursive: true });
});

test("--stats counts the sides translation validation proved symbolically apart from the verdicts it compared", () => {
  // the ingress of shop/web is proven (pods on numeric ports); its egress to an address block is enumerated
  const dir = workspace({ "policies/shop.secpol": `${program}allow shop/web -> cidr 10.1.0.0/16: 443\n` });
  const built = run(dir, "build", "policies", "-o", "out", "--stats");
  assert.is(built.code, 0, built.stderr);
  assert.match(
    built.stderr,
    /translation validation proved [1-9]\d* sides symbolically and compared [1-9]\d* side verdicts/,
  );
});

test("an input inside OUT, given or imported, is never deleted by replacing OUT (exit 2, OUT unchanged)", () => {
  const dir = workspace({ "policies/shop.secpol": program, "imports/a.secpol": 'import "../out/lib.secpol"\n' });
  assert.is(run(dir, "build", "policies", "-o", "out").code, 0);
  writeFileSync(join(dir, "out", "extra.secpol"), "namespace extra { default deny ingress }\n");
  writeFileSync(join(dir, "out", "lib.secpol"), "namespace lib { default deny ingress }\n");
  const before = tree(join(dir, "out"));
  for (const [args, input] of [
    [["policies", "out/extra.secpol"], "out/extra.secpol"],
    [["policies", "out"], "out/extra.secpol` (and 1 more"],
    [["policies", "imports"], "out/lib.secpol"],
  ] as const) {
    const r = run(dir, "build", ...args, "-o", "out");
    assert.is(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`error SP5016: the input \`${input}`), r.stderr);
    assert.equal(tree(join(dir, "out")), before, "OUT is unchanged, the inputs in it kept");
    // the files were written beside OUT during verification: removed again
    assert.equal(
      readdirSync(dir).filter((name) => name.includes(".secpolc-")),
      [],
      "no staging directory is left behind",
    );
  }
  rmSync(dir, { recursive: true });
});

test("the output does not depend on where the build runs: two working directories, absolute paths, files or directories", () => {
  const dir = workspace({
    "policies/main.secpol": `import "./lib/extra.secpol"\n${program}allow shop/web -> cidr 10.1.0.0/16: 443\n`,
    "policies/lib/extra.secpol": "allow ns(team=y) -> shop/web:80\n",
    "elsewhere/.keep": "",
  });
  const policies = join(dir, "policies");
  const builds: [string, string[]][] = [
    [dir, ["policies", "-o", "out1"]],
    [policies, [".", "-o", "../out2"]],
    [join(dir, "elsewhere"), [policies, "-o", join(dir, "out3")]],
    [dir, [join(policies, "main.secpol"), join(policies, "lib", "extra.secpol"), "-o", "out4"]],
    [join(policies, "lib"), ["..", "-o", "../../out5"]],
  ];
  for (const [cwd, args] of builds) {
    const r = run(cwd, "build", ...args);
    assert.is(r.code, 0, `${cwd} build ${args.join(" ")}: ${r.stderr}`);
  }
  const expected = tree(join(dir, "out1"));
  assert.match(expected["shop/networkpolicies.yaml"], /secpol\.dev\/source: lib\/extra\.secpol:1, main\.secpol:/);
  for (const out of ["out2", "out3", "out4", "out5"])
    assert.equal(tree(join(dir, out)), expected, `${out} differs from out1`);
  // `--check` from either directory sees no drift in what the other wrote
  assert.is(run(policies, "build", ".", "-o", "../out1", "--check").code, 0);
  assert.is(run(dir, "build", "policies", "-o", "out2", "--check").code, 0);
  assert.is(run(join(dir, "elsewhere"), "build", policies, "-o", join(dir, "out1"), "--check").code, 0);
  // so does the typed module
  assert.is(run(dir, "build", "policies", "-o", "ts1", "--format", "ts").code, 0);
  assert.is(run(policies, "build", ".", "-o", "../ts2", "--format", "ts").code, 0);
  assert.equal(tree(join(dir, "ts2")), tree(join(dir, "ts1")));
  // named from elsewhere, the program reads its own imports, and still nothing beside it
  writeFileSync(join(dir, "secret.secpol"), "group leak = world\n");
  writeFileSync(join(policies, "lib", "extra.secpol"), 'import "../../secret.secpol"\n');
  const escaped = run(join(dir, "elsewhere"), "check", policies);
  assert.is(escaped.code, 1, escaped.stderr);
  assert.ok(
    escaped.stderr.includes(
      "cannot import `../../secret.secpol`: it lies outside the current directory and the directories named on the command line",
    ),
    escaped.stderr,
  );
  rmSync(dir, { recursive: true });
});

test("diagnostics: program names in JSON, paths from the current directory on the terminal; diff names both sides apart", () => {
  const dir = workspace({
    "policies/shop.secpol": program.replace("shop/web", "shop/wbe"),
    "old/shop.secpol": program.replace("shop/web", "shop/wbe"),
    "new/shop.secpol": program,
  });
  const json = JSON.parse(run(dir, "check", "policies", "--format", "json").stdout);
  assert.is(json.diagnostics[0].file, "shop.secpol");
  assert.match(run(dir, "check", "policies").stderr, /^policies\/shop\.secpol:6:21: error SP2001/);
  assert.match(run(join(dir, "policies"), "check").stderr, /^shop\.secpol:6:21: error SP2001/);
  const diff = run(dir, "diff", "old", "new");
  assert.is(diff.code, 1);
  assert.match(diff.stderr, /^old\/shop\.secpol:6:21: error SP2001/);
  assert.ok(diff.stderr.includes("allow ns(team=x) -> shop/wbe:80"), "the old side's line is shown");
  rmSync(dir, { recursive: true });
});

test("a program's own files under `std/` are not the standard library", () => {
  const dir = workspace({
    "p/std/a.secpol": 'import "../b.secpol"\ngroup edge = cidr 10.0.0.0/8\n',
    "p/b.secpol": "",
    "p/z.secpol": `${program}group edge = cidr 10.1.0.0/16\n`,
  });
  const r = run(dir, "check", "p", "--format", "json");
  assert.equal(
    JSON.parse(r.stdout)
      .diagnostics.filter((d: { severity: string }) => d.severity === "error")
      .map((d: { code: string; file: string }) => `${d.code} ${d.file}`),
    ["SP2003 z.secpol"],
  );
  rmSync(dir, { recursive: true });
});

test("a file name YAML readers would mangle is refused (exit 2, nothing written), naming the file and the character", () => {
  for (const [c, name] of [
    ["\u2028", "U+2028 (LINE SEPARATOR)"],
    ["\u2029", "U+2029 (PARAGRAPH SEPARATOR)"],
    ["\u0085", "U+0085 (NEXT LINE)"],
    ["\u001b", "U+001B (a control character)"],
    ["\t", "U+0009 (a tab)"],
    ["\ufeff", "U+FEFF (a byte-order mark)"],
    ["\uffff", "U+FFFF (a non-character)"],
  ]) {
    const dir = workspace({ [`policies/a${c}b.secpol`]: program, [`dir${c}/c.secpol`]: "" });
    for (const input of ["policies", `policies/a${c}b.secpol`, "."]) {
      for (const command of ["build", "check"]) {
        const r = run(dir, command, input, ...(command === "build" ? ["-o", "out"] : []));
        assert.is(r.code, 2, `${command} ${JSON.stringify(input)}: ${r.stderr}`);
        assert.ok(r.stderr.includes("error SP5017: the file name `"), r.stderr);
        assert.ok(r.stderr.includes(`holds ${name}`), r.stderr);
        // (a tab is shown as a tab; a non-character is harmless on a terminal)
        if (c !== "\t" && c !== "\uffff") assert.not.ok(r.stderr.includes(c), "the character is never printed raw");
        assert.not.ok(r.stderr.includes("SP5006"), "the file was found, not missing");
        assert.not.ok(existsSync(join(dir, "out")), "nothing is written");
      }
    }
    // imported, it is SP2028 at the import (exit 1), like any file that cannot be imported
    writeFileSync(join(dir, "main.secpol"), `import "./policies/a${c}b.secpol"\n`);
    const imported = run(dir, "build", "main.secpol", "-o", "out");
    assert.is(imported.code, 1, imported.stderr);
    assert.ok(
      imported.stderr.includes(`error SP2028: cannot import`) && imported.stderr.includes(`its name holds ${name}`),
      imported.stderr,
    );
    assert.not.ok(existsSync(join(dir, "out")));
    // only the names the output holds matter: those below the program's root
    assert.is(run(dir, "check", `dir${c}`).code, 0);
    rmSync(dir, { recursive: true });
  }
});

test("end to end: --format json writes JSON manifests that kustomize accepts, and JSON diagnostics", () => {
  const dir = workspace({ "shop.secpol": program });
  const r = run(dir, "build", "shop.secpol", "-o", "out", "--format", "json");
  assert.is(r.code, 0, r.stderr);
  const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: { severity: string; code: string }[] };
  assert.ok(diagnostics.length > 0 && diagnostics.every((d) => d.severity === "warning" && /^SP9\d{3}$/.test(d.code)));
  const files = Object.keys(tree(join(dir, "out"))).sort();
  assert.equal(files, [
    "kustomization.yaml",
    "shop/namespace.json",
    "shop/networkpolicy-secpol-namespace.json",
    "shop/networkpolicy-secpol-web.json",
  ]);
  assert.is(
    JSON.parse(readFileSync(join(dir, "out/shop/networkpolicy-secpol-web.json"), "utf8")).kind,
    "NetworkPolicy",
  );
  const kustomized = spawnSync("kubectl", ["kustomize", join(dir, "out")], { encoding: "utf8" });
  assert.is(kustomized.status, 0, kustomized.stderr);
  rmSync(dir, { recursive: true });
});

test("end to end: audit exits 1 on enforce violations, 0 when all pass, 2 on bad usage", () => {
  const manifests = join(repoRoot, "test", "cases", "audit", "manifests");
  const failing = run(
    repoRoot,
    "audit",
    "--level",
    "baseline",
    "--version",
    "v1.30",
    "--manifests",
    manifests,
    "--format",
    "json",
  );
  assert.is(failing.code, 1);
  const parsed = JSON.parse(failing.stdout);
  assert.ok(parsed.results.some((r: { name: string; allowed: boolean }) => r.name === "report" && !r.allowed));
  const dir = workspace({
    "ok.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a, image: a}]\n",
  });
  assert.is(run(dir, "audit", "--level", "baseline", "--manifests", "ok.yaml").code, 0);
  assert.is(run(dir, "audit", "--level", "strict", "--manifests", "ok.yaml").code, 2);
  assert.is(run(dir, "audit", "--level", "baseline", "--version", "v9", "--manifests", "ok.yaml").code, 2);
  assert.is(run(dir, "audit", "--level", "baseline", "--manifests", "missing/").code, 2);
  rmSync(dir, { recursive: true });
});

test("end to end: audit reads --manifests as kubectl does: a List's privileged Pod fails, kustomize files are skipped with a note", () => {
  const ok = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: a, image: a}]\n";
  const list =
    "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: listed}\n    spec:\n      hostNetwork: yes\n      containers: [{name: a, image: a}]\n";
  const dir = workspace({
    "ok/ok.yaml": ok,
    "ok/kustomization.yaml": "resources: [ok.yaml]\n",
    "ok/overlay/Kustomization": "resources: [../ok.yaml]\n",
    "list/list.yaml": list,
  });
  const skipped = run(dir, "audit", "--level", "baseline", "--manifests", "ok");
  assert.is(skipped.code, 0, skipped.stderr);
  assert.match(
    skipped.stderr,
    "note SP9020: `ok/kustomization.yaml` is a kustomize configuration, not a manifest: skipped",
  );
  assert.match(skipped.stderr, "note SP9020: `ok/overlay/Kustomization` is a kustomize configuration");
  const listed = run(dir, "audit", "--level", "baseline", "--manifests", "list");
  assert.is(listed.code, 1);
  assert.match(
    listed.stdout,
    'Pod default/listed: would be forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
  );
  rmSync(dir, { recursive: true });
});

test("end to end: audit exits 1 when a requirement is missing and the SecurityContext patch would not reach the object", () => {
  const program =
    "cluster { version 1.30 }\nnamespace shop { workload web app=web }\nrequire readOnlyRootFilesystem for shop/web\n";
  const deployment = (labels: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop${labels}}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i}]}\n`;
  const dir = workspace({
    "p.secpol": program,
    "labelled/d.yaml": deployment(", labels: {app: web}"),
    "unlabelled/d.yaml": deployment(""),
  });
  assert.is(run(dir, "audit", "p.secpol", "--manifests", "labelled").code, 0);
  const unlabelled = run(dir, "audit", "p.secpol", "--manifests", "unlabelled");
  assert.is(unlabelled.code, 1);
  assert.match(unlabelled.stdout, "not patched");
  rmSync(dir, { recursive: true });
});

test("end to end: migrate-psp prints secpol for existing PSPs; no input is bad usage", () => {
  const r = run(repoRoot, "migrate-psp", join("test", "cases", "migrate", "seeds.yaml"));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /psp restricted-ish \{/);
  assert.match(r.stdout, /fits Pod Security level: restricted/);
  assert.is(run(repoRoot, "migrate-psp").code, 2);
  assert.is(run(repoRoot, "migrate-psp", "no/such/dir").code, 2);
});

test("end to end: npx-style --version and --help", () => {
  const version = run(repoRoot, "--version");
  assert.is(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.match(run(repoRoot, "--help").stdout, /secpolc build/);
});

test.run();
