/**
 * What a long build is doing, on a terminal: one line of stderr, rewritten as the build moves on
 * and erased before anything else is printed, so that none of it stays on the screen or reaches a
 * log. It is shown only when stderr is a terminal, and only once the build has taken half a second
 * (a build of a few hundred services never shows it).
 */
export const SHOW_AFTER_MS = 500;

const ERASE = "\r\x1b[K";

export class StatusLine {
  private shown = false;
  private readonly start: number;

  /** `write` is undefined when stderr is not a terminal: nothing is ever shown then. */
  constructor(
    private readonly write: ((text: string) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  /** Shows what the build does now (once it has run long enough). */
  show(doing: string): void {
    if (!this.write || this.now() - this.start < SHOW_AFTER_MS) return;
    this.write(`${ERASE}secpolc: ${doing}…`);
    this.shown = true;
  }

  /** Erases the line, if one is shown. */
  clear(): void {
    if (this.shown) this.write?.(ERASE);
    this.shown = false;
  }
}

/** What `build` does after each of its passes, for the status line (undefined: nothing new to say). */
export function nextStep(pass: string, verify: boolean): string | undefined {
  if (pass === "check") return "compiling";
  if (pass === "emit" && verify) return "verifying the NetworkPolicies against the program";
  return undefined;
}
