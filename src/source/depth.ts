// How deeply a parsed document nests: JSON.parse reads any depth, but everything after it that recurses
// (schema validation, JSON Logic, evidence in reports, messages between threads) would overflow the stack.

/** Nesting deeper than this is refused: no snapshot or platform config comes close. */
export const MAX_NESTING = 100;

/**
 * Whether a value has lists or mappings nested more than `max` levels deep; iterative, so any depth is safe.
 * It visits every value of a 25 MB snapshot, so it allocates nothing per value: one stack of containers and
 * their depths, children read in place (for...in over own keys of parsed JSON, which has no inherited ones).
 */
export function nestedDeeperThan(value: unknown, max: number = MAX_NESTING): boolean {
  if (value === null || typeof value !== "object") return false;
  const values: object[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i += 1) {
        const child: unknown = v[i];
        if (child !== null && typeof child === "object") {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in v) {
        if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
        const child: unknown = (v as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
