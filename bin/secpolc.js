#!/usr/bin/env node
import { flushed, main } from "../dist/bin/main.js";

const code = await main(process.argv.slice(2));
// what was written goes out first; then the exit spares the natural end's teardown of the heap
await flushed([process.stdout, process.stderr]);
process.exit(code);
