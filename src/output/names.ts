/** FNV-1a (32 bit) as 8 hex digits: a stable, dependency-free hash for name suffixes. */
export function stableHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/**
 * Names for the objects of one kind and namespace, no two alike. An object keeps its `base` name
 * when no other object of the group wants it; objects whose base names clash get
 * `<base, cut to fit>-<6 hex digits of a stable hash of their key>`, and a suffixed name that is
 * taken already (by another object's base name, or another hash) is hashed again with a counter.
 * The keys must tell the objects apart; the result does not depend on the order of `items`.
 */
export function uniqueNames<T>(
  items: readonly T[],
  base: (t: T) => string,
  key: (t: T) => string,
  maxLength = 63,
): Map<T, string> {
  // (indexed loops over lists, no iterators: TurboFan compiled this, called once per namespace, at
  // 50 ms under load; the clashing names, rare, are named apart)
  const bases: string[] = new Array(items.length);
  const counts = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const b = (bases[i] = base(items[i]));
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const result = new Map<T, string>();
  let clashing: number[] | undefined;
  for (let i = 0; i < items.length; i++) {
    if (counts.get(bases[i]) === 1) result.set(items[i], bases[i]);
    else (clashing ??= []).push(i);
  }
  if (clashing) nameClashing(items, bases, key, clashing, result, maxLength);
  return result;
}

/** `uniqueNames` of the items whose base names clash (at `clashing`): hashed by key, in key order. */
function nameClashing<T>(
  items: readonly T[],
  bases: readonly string[],
  key: (t: T) => string,
  clashing: readonly number[],
  result: Map<T, string>,
  maxLength: number,
): void {
  const taken = new Set(result.values());
  const keyed = clashing
    .map((i) => ({ item: items[i], base: bases[i], key: key(items[i]) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const b of keyed) {
    const stem = b.base.slice(0, maxLength - 7);
    let name = `${stem}-${stableHash(b.key).slice(0, 6)}`;
    for (let n = 1; taken.has(name); n++) name = `${stem}-${stableHash(`${b.key}\u0000${n}`).slice(0, 6)}`;
    taken.add(name);
    result.set(b.item, name);
  }
}
