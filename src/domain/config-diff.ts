/**
 * Where two configs differ, key path by key path (`sweep.maxDeletionsPerRun: 500 deployed, 200 in the file`): the
 * deployed stack's config against the file `doctor --config` is given. Both are compared with their defaults filled in.
 */
export function configDifferences(deployed: unknown, file: unknown): string[] {
  const flat = (value: unknown, path: string, out: Map<string, string>): Map<string, string> => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) flat(v, path ? `${path}.${k}` : k, out);
      if (Object.keys(value as object).length === 0 && path) out.set(path, '{}');
    } else {
      out.set(path, JSON.stringify(value));
    }
    return out;
  };
  const a = flat(deployed, '', new Map());
  const b = flat(file, '', new Map());
  return [...new Set([...a.keys(), ...b.keys()])].sort()
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k}: ${a.get(k) ?? '(absent)'} deployed, ${b.get(k) ?? '(absent)'} in the file`);
}
