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
  const names = uniqueNameList(items, base, key, maxLength);
  const result = new Map<T, string>();
  for (let i = 0; i < items.length; i++) result.set(items[i], names[i]);
  return result;
}

/**
 * `uniqueNames` as a list, the name of `items[i]` at `i` (for items that are all different). A
 * base name is hashed once where no two items clash (the usual case: one set added to, its size
 * telling whether the name was there), and no map by item is made: the compiler names about
 * 21,000 policies at 20,000 services, where a count per name (two look-ups), another look-up per
 * item and a map by item, read back once per item, were four hash operations per name.
 */
export function uniqueNameList<T>(
  items: readonly T[],
  base: (t: T) => string,
  key: (t: T) => string,
  maxLength = 63,
): string[] {
  // (indexed loops over lists, no iterators: TurboFan compiled this, called once per namespace, at
  // 50 ms under load; the clashing names, rare, are named apart)
  const bases: string[] = new Array(items.length);
  const seen = new Set<string>();
  let repeated: Set<string> | undefined;
  for (let i = 0; i < items.length; i++) {
    const b = (bases[i] = base(items[i]));
    const size = seen.size;
    if (seen.add(b).size === size) (repeated ??= new Set()).add(b);
  }
  if (!repeated) return bases;
  const names: string[] = new Array(items.length);
  const clashing: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (repeated.has(bases[i])) clashing.push(i);
    else names[i] = bases[i];
  }
  nameClashing(items, bases, key, clashing, names, maxLength);
  return names;
}

/** `uniqueNames` of the items whose base names clash (at `clashing`): hashed by key, in key order. */
function nameClashing<T>(
  items: readonly T[],
  bases: readonly string[],
  key: (t: T) => string,
  clashing: readonly number[],
  names: string[],
  maxLength: number,
): void {
  // the names taken already: those of the items that keep their base names
  const taken = new Set<string>();
  for (let i = 0; i < names.length; i++) if (names[i] !== undefined) taken.add(names[i]);
  const keyed = clashing
    .map((i) => ({ at: i, base: bases[i], key: key(items[i]) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const b of keyed) {
    const stem = b.base.slice(0, maxLength - 7);
    let name = `${stem}-${stableHash(b.key).slice(0, 6)}`;
    for (let n = 1; taken.has(name); n++) name = `${stem}-${stableHash(`${b.key}\u0000${n}`).slice(0, 6)}`;
    taken.add(name);
    names[b.at] = name;
  }
}
