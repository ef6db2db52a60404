/** A value as text, every field of every object written out (bigints as numbers with an `n`): equal texts, equal values. */
export function canonical(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    // (only address ranges hold bigints: the replacer, which costs, is for them)
    return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined";
  }
}

/**
 * Whether two values are equal field by field (plain objects and arrays compared by their entries,
 * others by identity): what `canonical` tells apart, without writing either as text, and stopping
 * at the first difference or at an object both share.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], other[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) if (!Object.hasOwn(y, key) || !sameValue(x[key], y[key])) return false;
  return true;
}

/** Texts numbered, so that a key names a long text by a short number (equal texts, equal numbers). */
export class Numbered {
  private readonly numbers = new Map<string, number>();
  of(text: string): number {
    let n = this.numbers.get(text);
    if (n === undefined) this.numbers.set(text, (n = this.numbers.size));
    return n;
  }
  get size(): number {
    return this.numbers.size;
  }
}
