/** An SDK response object as plain JSON data: Dates become ISO strings, undefined fields disappear. */
export function jsonSafe<T>(value: T): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
