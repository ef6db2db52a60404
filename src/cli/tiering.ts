/**
 * V8's optimizing compiler on one-shot runs (`build`, `check`). About half of a 5,000-service
 * build's CPU is TurboFan compiling on V8's worker threads, and how much it inlines drives that:
 * by default one optimized function takes in up to 920 bytes of its callees' bytecode. Bounded to
 * 60, the workers' CPU is about 0.6x and the build's 0.75-0.85x (main thread unchanged, same
 * output). On programs above about 2 MB of text (20,000 services) it gained nothing measurable, so
 * they keep V8's default. The language server sets it too: its edits run code paths the opening
 * check did not (the reuse's), which V8 optimizes during the first edits, and with the bound the
 * server's CPU per edit of the 5,000-service program is about 0.6-0.75x (its workers compiling
 * less; the main thread's instructions unchanged). V8 reads the setting when it starts optimizing a function, so setting it at run
 * time applies to every function optimized afterwards (test/cli/tiering.test.ts shows it taking
 * effect).
 */
import { setFlagsFromString } from "node:v8";

/** Above this much program text (characters), the run keeps V8's own inlining. */
export const BOUNDED_INLINING_MAX_CHARS = 2 * 1024 * 1024;

const BOUNDED_INLINING = "--max-inlined-bytecode-size-cumulative=60";

const applied: string[] = [];

/** The V8 flags a one-shot run over a program of `programChars` characters sets. */
export function flagsForOneRun(programChars: number): readonly string[] {
  return programChars <= BOUNDED_INLINING_MAX_CHARS ? [BOUNDED_INLINING] : [];
}

/** Sets the flags for a one-shot run over a program of `programChars` characters, before its work. */
export function forOneRun(programChars: number): void {
  for (const flag of flagsForOneRun(programChars)) {
    setFlagsFromString(flag);
    applied.push(flag);
  }
}

/** Sets the flags for the language server, before it starts. */
export function forLanguageServer(): void {
  setFlagsFromString(BOUNDED_INLINING);
  applied.push(BOUNDED_INLINING);
}

/** The flags this process has set through forOneRun and forLanguageServer, in order (for the tests). */
export function appliedFlags(): readonly string[] {
  return applied;
}
