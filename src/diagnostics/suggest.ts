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

/**
 * Whether `a` and `b` are at most one edit apart (a character changed, added or dropped, or two
 * neighbours swapped): the common prefix and suffix are skipped, and what is left of each may be
 * one character at most, or two swapped. No table: most candidates of a long list fail at their
 * first differing character.
 */
export function withinOne(a: string, b: string): boolean {
  const aLength = a.length;
  const bLength = b.length;
  if (aLength - bLength > 1 || bLength - aLength > 1) return false;
  const shorter = aLength < bLength ? aLength : bLength;
  let start = 0;
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let aEnd = aLength;
  let bEnd = bLength;
  while (aEnd > start && bEnd > start && a.charCodeAt(aEnd - 1) === b.charCodeAt(bEnd - 1)) {
    aEnd--;
    bEnd--;
  }
  const aLeft = aEnd - start;
  const bLeft = bEnd - start;
  if (aLeft <= 1 && bLeft <= 1) return true;
  return (
    aLeft === 2 &&
    bLeft === 2 &&
    a.charCodeAt(start) === b.charCodeAt(start + 1) &&
    a.charCodeAt(start + 1) === b.charCodeAt(start)
  );
}

let before = new Int32Array(64);
let previous = new Int32Array(64);
let row = new Int32Array(64);

/**
 * Whether `a` and `b` are at most `limit` edits apart: their distance if so, else `limit + 1`.
 * A limit of one is `withinOne`. Otherwise the common prefix and suffix are skipped (they cost no
 * edit), and only the cells of what is left within `limit` of the diagonal are worked out, in three
 * rows reused, stopping at the first row past the limit: a long list of candidates costs time in
 * proportion to the length of the names, not its square, and allocates nothing.
 */
export function distanceWithin(a: string, b: string, limit: number): number {
  const far = limit + 1;
  if (a.length - b.length > limit || b.length - a.length > limit) return far;
  if (limit === 1) return a === b ? 0 : withinOne(a, b) ? 1 : far;
  const shorter = a.length < b.length ? a.length : b.length;
  let start = 0;
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let aEnd = a.length;
  let bEnd = b.length;
  while (aEnd > start && bEnd > start && a.charCodeAt(aEnd - 1) === b.charCodeAt(bEnd - 1)) {
    aEnd--;
    bEnd--;
  }
  const aLeft = aEnd - start;
  const bLeft = bEnd - start;
  if (aLeft === 0 || bLeft === 0) return Math.min(aLeft + bLeft, far);
  const width = bLeft + 1;
  // (the rows are reused from call to call: a list of 10,000 candidates allocates none)
  if (row.length < width) {
    before = new Int32Array(width * 2);
    previous = new Int32Array(width * 2);
    row = new Int32Array(width * 2);
  }
  before.fill(far, 0, width);
  for (let j = 0; j < width; j++) previous[j] = j <= limit ? j : far;
  for (let i = 1; i <= aLeft; i++) {
    row.fill(far, 0, width);
    if (i <= limit) row[0] = i;
    let least = row[0];
    const ai = a.charCodeAt(start + i - 1);
    const aBefore = i > 1 ? a.charCodeAt(start + i - 2) : -1;
    const last = i + limit < bLeft ? i + limit : bLeft;
    for (let j = i - limit > 1 ? i - limit : 1; j <= last; j++) {
      const bj = b.charCodeAt(start + j - 1);
      let best = previous[j - 1] + (ai === bj ? 0 : 1);
      if (previous[j] + 1 < best) best = previous[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      if (i > 1 && j > 1 && ai === b.charCodeAt(start + j - 2) && aBefore === bj && before[j - 2] + 1 < best)
        best = before[j - 2] + 1;
      row[j] = best < far ? best : far;
      if (row[j] < least) least = row[j];
    }
    // a row's cells only grow from here on (a transposition reaches back one row, which is past it too)
    if (least >= far && i > 1) {
      let lastLeast = far;
      for (let j = 0; j < width; j++) if (previous[j] < lastLeast) lastLeast = previous[j];
      if (lastLeast >= far) return far;
    }
    const oldest = before;
    before = previous;
    previous = row;
    row = oldest;
  }
  return previous[bLeft] < far ? previous[bLeft] : far;
}

/**
 * The closest candidate at most `edits` edits away (not the name itself), if any; ties go to the
 * first in sorted order. A first pass looks for candidates one edit away only (a typo's commonest
 * distance, and the least any other candidate can be), with `withinOne`; only when there is none
 * does a second pass work out distances, most candidates rejected by their length alone. No sort
 * of the list per name (a program with many unknown names asks once per name).
 */
export function closestWithin(name: string, candidates: Iterable<string>, edits: number): string | undefined {
  if (edits < 1) return undefined;
  // (two passes: a one-shot iterator, such as a map's keys, is read into a list first)
  const list = Array.isArray(candidates) ? (candidates as readonly string[]) : [...candidates];
  let best: string | undefined;
  for (const c of list) {
    if (c === name || !withinOne(name, c)) continue;
    if (best === undefined || c < best) best = c;
  }
  if (best !== undefined || edits === 1) return best;
  let bestDistance = edits;
  for (const c of list) {
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
