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

let rows = [0, 1, 2].map(() => new Int32Array(64));

/**
 * Whether `a` and `b` are at most `limit` edits apart: their distance if so, else `limit + 1`.
 * Only the cells within `limit` of the diagonal are worked out, in three rows reused, and it stops
 * at the first row past the limit, so a long list of candidates costs time in proportion to the
 * length of the names, not its square, and allocates nothing per row.
 */
export function distanceWithin(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const far = limit + 1;
  const width = b.length + 1;
  // (the rows are reused from call to call: a list of 10,000 candidates allocates none)
  if (rows[0].length < width) rows = [0, 1, 2].map(() => new Int32Array(width * 2));
  let [before, previous, row] = rows;
  before.fill(far, 0, width);
  for (let j = 0; j < width; j++) previous[j] = j <= limit ? j : far;
  for (let i = 1; i <= a.length; i++) {
    row.fill(far, 0, width);
    if (i <= limit) row[0] = i;
    let least = row[0];
    for (let j = Math.max(1, i - limit); j <= Math.min(b.length, i + limit); j++) {
      let best = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2] + 1);
      row[j] = Math.min(best, far);
      if (row[j] < least) least = row[j];
    }
    // a row's cells only grow from here on (a transposition reaches back one row, which is past it too)
    if (least >= far && i > 1) {
      let lastLeast = far;
      for (let j = 0; j < width; j++) if (previous[j] < lastLeast) lastLeast = previous[j];
      if (lastLeast >= far) return far;
    }
    [before, previous, row] = [previous, row, before];
  }
  return Math.min(previous[b.length], far);
}

/**
 * The closest candidate at most `edits` edits away (not the name itself), if any; ties go to the
 * first in sorted order. One pass over the candidates, most of them rejected by their length alone:
 * no copy or sort of the list per name (a program with many unknown names asks once per name).
 */
export function closestWithin(name: string, candidates: Iterable<string>, edits: number): string | undefined {
  let best: string | undefined;
  let bestDistance = edits;
  for (const c of candidates) {
    if (c === name) continue;
    const d = distanceWithin(name, c, bestDistance);
    if (d > bestDistance) continue;
    if (best === undefined || d < bestDistance || c < best) best = c;
    bestDistance = d;
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
