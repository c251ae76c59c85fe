// How deeply a parsed document nests: JSON.parse reads any depth, but everything after it that recurses
// (schema validation, JSON Logic, evidence in reports, messages between threads) would overflow the stack.

/** Nesting deeper than this is refused: no snapshot or platform config comes close. */
export const MAX_NESTING = 100;

/** Whether a value has lists or mappings nested more than `max` levels deep; iterative, so any depth is safe. */
export function nestedDeeperThan(value: unknown, max: number = MAX_NESTING): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) {
      if (child !== null && typeof child === "object") {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
