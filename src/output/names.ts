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
  // (a loop, not `map`: the lists `map` makes differ in kind, and V8 threw away its compiled code)
  const bases: { item: T; base: string; key: string }[] = [];
  for (let i = 0; i < items.length; i++) bases.push({ item: items[i], base: base(items[i]), key: key(items[i]) });
  const counts = new Map<string, number>();
  for (const b of bases) counts.set(b.base, (counts.get(b.base) ?? 0) + 1);
  const taken = new Set<string>();
  const result = new Map<T, string>();
  for (const b of bases) {
    if (counts.get(b.base) === 1) {
      taken.add(b.base);
      result.set(b.item, b.base);
    }
  }
  const clashing = bases
    .filter((b) => counts.get(b.base)! > 1)
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const b of clashing) {
    const stem = b.base.slice(0, maxLength - 7);
    let name = `${stem}-${stableHash(b.key).slice(0, 6)}`;
    for (let n = 1; taken.has(name); n++) name = `${stem}-${stableHash(`${b.key}\u0000${n}`).slice(0, 6)}`;
    taken.add(name);
    result.set(b.item, name);
  }
  return result;
}
