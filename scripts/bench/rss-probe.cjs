// Preloaded with `node --require` when /usr/bin/time is missing (or `--rss probe` is given): at exit,
// writes this process's peak resident set size (process.resourceUsage().maxRSS, in KiB, i.e. the
// kernel's ru_maxrss) and its user and system CPU time (µs) to the file named by BENCH_RSS_FILE.
"use strict";
const { writeFileSync } = require("node:fs");
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    writeFileSync(file, `${u.maxRSS} ${u.userCPUTime} ${u.systemCPUTime}\n`);
  });
}
