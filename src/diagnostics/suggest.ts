/**
 * "Did you mean" help: the one place that decides which known name a mistyped one was meant to be,
 * and how the suggestion is worded.
 */

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment):
 * `dsn` is one edit from `dns`, as a typist sees it.
 */
export function editDistance(a: string, b: string): number {
  let before = Array.from({ length: b.length + 1 }, () => 0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2] + 1);
      row.push(best);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

/** The closest candidate within a third of the name's length (at least one edit), if any; ties go to the first in sorted order. */
export const closest = (name: string, candidates: Iterable<string>): string | undefined =>
  closestWithin(name, candidates, Math.max(1, Math.floor(name.length / 3)));

/** The closest candidate at most `edits` edits away (not the name itself), if any; ties go to the first in sorted order. */
export function closestWithin(name: string, candidates: Iterable<string>, edits: number): string | undefined {
  let best: string | undefined;
  let bestDistance = edits + 1;
  for (const c of [...new Set(candidates)].sort()) {
    if (c === name) continue;
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** The wording of a suggestion: "did you mean `x`?" (with what it is, when given: "did you mean `dns` (the stdlib group)?"). */
export const meant = (name: string, what?: string): string => `did you mean \`${name}\`${what ? ` (${what})` : ""}?`;

/**
 * The `help` of a diagnostic about an unknown `name`: the closest of `candidates`, or `otherwise`
 * when none is close (no help at all without it). Spread into a diagnostic's extras.
 */
export function didYouMean(name: string, candidates: Iterable<string>, otherwise?: string): { help?: string } {
  const suggestion = closest(name, candidates);
  if (suggestion !== undefined) return { help: meant(suggestion) };
  return otherwise === undefined ? {} : { help: otherwise };
}
