/**
 * Letting go of the front end's garbage on large builds. Once the program is checked, its syntax
 * trees are garbage: at 20,000 services about 100 MB. V8 would not collect them before the build
 * ends, since it lets the old generation grow to about four times what was live at its previous full
 * collection (early in the check), so they stayed in the peak. One full collection after checking
 * costs about 0.1 s there and takes the peak RSS from about 575 MB to about 445 MB. Small builds
 * skip it. `gc` is V8's own (`--expose-gc`, set here rather than on every command line); where it
 * is not available nothing is collected and nothing else changes.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Below this much heap in use after checking, a collection is not worth its time. */
const COLLECT_ABOVE_BYTES = 128 * 1024 * 1024;

/**
 * At the model, a collection pays from this much heap in use: most of it is garbage then (the syntax
 * trees and the binding; realistic 5,000: 63 → 20 MB, single 5,000: 44 → 17 MB). Collected, the
 * lints, compile and emit promote into the pages the trees held; left to V8, whose first full
 * collection after the model came only during verification, every page they filled was a fresh one,
 * and a fresh page is a page fault in the kernel, dear on a virtual machine (realistic 5,000: 51,000
 * → 44,000 faults, peak RSS 214 → 180 MB). Below about 24 MB (realistic 1,000 services and fewer;
 * the examples' builds have 11-13 MB) the collection measured neither faster nor slower.
 */
export const COLLECT_AT_MODEL_ABOVE_BYTES = 24 * 1024 * 1024;

let gc: (() => void) | null | undefined;

/** A full collection; false where V8's `gc` is not available (nothing is collected then). */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const found: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
      gc = typeof found === "function" ? (found as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
  actions.push("gc");
  return gc !== null;
}

/**
 * How far V8 lets the old generation grow past what was live at its last full collection, on large
 * builds: by default up to 4x, so that a 20,000-service build (realistic shape) with about 300 MB
 * live during verification reached 630 MB of heap and 730 MB of RSS before V8 collected. Bounded to
 * a quarter, V8 collects more often (about 10 full collections instead of 4 there) and peak RSS is
 * about 520 MB. V8 reads the setting at each full collection, so setting it at run time works.
 */
const LARGE_HEAP_GROWTH_PERCENT = 25;

/**
 * Above this much program text (characters: about 20,000 services), `build` lets the old generation
 * grow freely while it parses and checks. Everything the check allocates that survives is live until
 * the model is made (the syntax trees, the binding): a full collection in between marks it all and
 * frees almost nothing (single shape at 20,000 services: 145 → 132 MB), and the collection after
 * the model (`afterModel`) follows anyway. What is left for later is only the check's garbage that
 * survived scavenges (about 13 MB there); the peak is the live trees either way.
 */
export const FREE_GROWTH_MIN_CHARS = 2 * 1024 * 1024;

/** While checking a large program: the old generation may grow to 21 times what was live (V8's dynamic factor is at most 4). */
const FREE_GROWTH_PERCENT = 2000;

let growingFreely = false;

const actions: string[] = [];

function setFlag(flag: string): void {
  setFlagsFromString(flag);
  actions.push(flag);
}

/** The heap flags this process has set and the collections it asked for (`gc`), in order (for the tests). */
export function heapActions(): readonly string[] {
  return actions;
}

/** Before `build` parses and checks a program of `programChars` characters. */
export function beforeCheck(programChars: number): void {
  if (programChars <= FREE_GROWTH_MIN_CHARS) return;
  setFlag(`--heap-growing-percent=${FREE_GROWTH_PERCENT}`);
  growingFreely = true;
}

/** Once the output is handed to the writer: a large heap is collected (its texts are garbage then). */
export function afterOutput(): void {
  if (process.memoryUsage().heapUsed > COLLECT_ABOVE_BYTES) collectGarbage();
}

/**
 * Once the program is checked into its model, before its lints: a heap over 24 MB is collected (the
 * syntax trees are garbage then; a smaller one's build is over before it matters). (Collected after
 * the lints instead, as before, the trees stayed through them and the peak RSS of a 20,000-service
 * realistic build, about 520 MB, came at their end.)
 */
export function afterModel(): void {
  if (growingFreely) {
    // V8's own factor again, and a collection whatever the heap's size: the limit the last
    // collection set, at 21 times, would let the rest of the build grow that far
    growingFreely = false;
    setFlag("--heap-growing-percent=0");
    collectGarbage();
  } else if (process.memoryUsage().heapUsed > COLLECT_AT_MODEL_ABOVE_BYTES) collectGarbage();
}

/**
 * After a pass of `build`: once a large program is checked, its heap is kept closer to what is
 * live. (Not before the lints: their garbage, about 110 MB at 20,000 services, then took several
 * full collections of the model, about 1.5 s.)
 */
export function afterPass(pass: string): void {
  if (pass === "check" && process.memoryUsage().heapUsed > COLLECT_ABOVE_BYTES)
    setFlag(`--heap-growing-percent=${LARGE_HEAP_GROWTH_PERCENT}`);
}
