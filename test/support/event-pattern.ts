/**
 * EventBridge event-pattern matching, for checking the deployed rules against sample events offline.
 * No maintained npm library does this (AWS offers it only as the TestEventPattern API), so it is written here
 * from the documented semantics, with its own tests: exact values, arrays (any of), prefix, suffix,
 * equals-ignore-case, wildcard, anything-but (value, list, prefix, suffix), exists, numeric, and $or.
 */
type Pattern = { [key: string]: unknown };

function matchesCondition(value: unknown, present: boolean, condition: unknown): boolean {
  if (condition === null || typeof condition !== 'object') return present && (Array.isArray(value) ? value.includes(condition) : value === condition);
  const c = condition as Record<string, unknown>;
  const strings = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  if ('exists' in c) return c.exists === present;
  if (!present) return false;
  if ('prefix' in c) return typeof c.prefix === 'string' ? strings.some((s) => s.startsWith(c.prefix as string)) : strings.some((s) => s.toLowerCase().startsWith(String((c.prefix as Record<string, unknown>)['equals-ignore-case']).toLowerCase()));
  if ('suffix' in c) return strings.some((s) => s.endsWith(String(c.suffix)));
  if ('equals-ignore-case' in c) return strings.some((s) => s.toLowerCase() === String(c['equals-ignore-case']).toLowerCase());
  if ('wildcard' in c) {
    const regex = new RegExp(`^${String(c.wildcard).split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return strings.some((s) => regex.test(s));
  }
  if ('anything-but' in c) {
    const but = c['anything-but'];
    const values = Array.isArray(value) ? value : [value];
    if (Array.isArray(but)) return values.every((v) => !but.includes(v));
    if (but !== null && typeof but === 'object') {
      const b = but as Record<string, unknown>;
      if ('prefix' in b) return strings.length > 0 && strings.every((s) => !s.startsWith(String(b.prefix)));
      if ('suffix' in b) return strings.length > 0 && strings.every((s) => !s.endsWith(String(b.suffix)));
    }
    return values.every((v) => v !== but);
  }
  if ('numeric' in c) {
    const ops = c.numeric as Array<string | number>;
    const numbers = (Array.isArray(value) ? value : [value]).filter((v): v is number => typeof v === 'number');
    return numbers.some((n) => {
      for (let i = 0; i < ops.length; i += 2) {
        const [op, bound] = [ops[i], Number(ops[i + 1])];
        const ok = op === '=' ? n === bound : op === '<' ? n < bound : op === '<=' ? n <= bound : op === '>' ? n > bound : op === '>=' ? n >= bound : false;
        if (!ok) return false;
      }
      return true;
    });
  }
  throw new Error(`unsupported pattern condition ${JSON.stringify(condition)}`);
}

/** True when `event` matches `pattern`, as EventBridge decides it. */
export function matchesPattern(event: unknown, pattern: Pattern): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Pattern[]).some((alternative) => matchesPattern(event, alternative));
    const object = event !== null && typeof event === 'object' ? (event as Record<string, unknown>) : {};
    const present = Object.prototype.hasOwnProperty.call(object, key);
    const value = object[key];
    if (Array.isArray(expected)) return expected.some((condition) => matchesCondition(value, present, condition));
    if (expected !== null && typeof expected === 'object') return present && matchesPattern(value, expected as Pattern);
    throw new Error(`a pattern leaf must be an array, got ${JSON.stringify(expected)} at ${key}`);
  });
}
