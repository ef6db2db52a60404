/**
 * An array built by `push` or `filter` keeps spare capacity: V8 grows a backing store to 1.5 times
 * plus 16 slots, so a one-element array costs about 150 bytes instead of 40. The model, the
 * manifests and verification keep hundreds of thousands of small arrays at 20,000 services; those
 * that outlive the pass that built them are copied to their exact size (`slice` allocates no spare).
 */
export const exact = <T>(items: T[]): T[] => (items.length === 0 ? [] : items.slice());

/** `items` in groups by `key`, in order of first appearance, each group in the order of `items`. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Whether two lists hold the same objects in the same order (what a cache kept from an earlier version read). */
export const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * An empty array for objects. V8 gives `[]` the elements kind of small integers, changed to that of
 * objects by the first object stored, and tells the two apart by the array's map: optimized code that
 * has only met arrays holding objects deoptimizes (and is compiled again) when it meets an empty `[]`
 * (`[].map(...)` too). Lists of objects that may stay empty and are read by hot code start as this,
 * an array whose kind is already that of objects (a kind never goes back to small integers).
 */
export function objectList<T extends object>(): T[] {
  const list: (T | null)[] = [null];
  list.pop();
  return list as T[];
}

/**
 * A list of objects kept for long, copied to its exact length (`push` leaves spare slots); an empty
 * one is returned as it is, keeping the kind `objectList` gave it.
 */
export const toSize = <T extends object>(list: T[]): T[] => (list.length > 0 ? list.slice() : list);
