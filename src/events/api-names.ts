/**
 * CloudTrail names some API calls with an API-version suffix (Lambda: `UpdateFunctionCode20150331v2`).
 * A name matches an API when it is the API's name, optionally followed by such a suffix — never a longer
 * API name that merely starts with it (`DeleteFunctionConcurrency20171031` is not `DeleteFunction`).
 */
const SUFFIX = /^(?:\d{8}(?:v\d+)?)?$/;

export function matchesApi(eventName: string, api: string): boolean {
  return eventName.startsWith(api) && SUFFIX.test(eventName.slice(api.length));
}

/** The API (of `apis`) an event name stands for, if any. */
export function apiOf<T extends string>(eventName: string, apis: readonly T[]): T | undefined {
  return apis.find((api) => matchesApi(eventName, api));
}
