/** A value as text, every field of every object written out (bigints as numbers with an `n`): equal texts, equal values. */
export function canonical(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    // (only address ranges hold bigints: the replacer, which costs, is for them)
    return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined";
  }
}
