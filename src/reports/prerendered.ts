// JSON text of results and findings rendered where they were evaluated (a worker thread), kept by object.
//
// A worker stringifies what it evaluated, in parallel with the other threads, and sends the text along; the JSON
// report then writes that text instead of stringifying the object again on the main thread. Results and findings
// are never modified in place once evaluated (the gate makes a new object for anything it changes), so text kept
// for an object stays true; an object without text is stringified as usual.

const texts = new WeakMap<object, string>();

/** The JSON text of a value as JSON.stringify would give it, when it was rendered ahead. */
export function prerenderedJson(value: unknown): string | undefined {
  return value !== null && typeof value === "object" ? texts.get(value) : undefined;
}

/** Keep JSON.stringify(value)'s text, made elsewhere, for the JSON report. */
export function rememberJson(value: object, text: string): void {
  texts.set(value, text);
}
