const MINUTE = 60_000;

/**
 * A duration as people write it on a command line: `90m`, `12h`, `30d`, `2w`, or ISO-8601 (`P30D`, `PT12H`, `P2W`).
 * Its length in milliseconds, or undefined when the text is not a duration.
 */
export function durationMs(text: string): number | undefined {
  const simple = /^(\d+)([mhdw])$/.exec(text);
  if (simple) return Number(simple[1]) * { m: MINUTE, h: 60 * MINUTE, d: 1440 * MINUTE, w: 10_080 * MINUTE }[simple[2] as 'm' | 'h' | 'd' | 'w'];
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  if (iso && text !== 'P' && text !== 'PT') return (Number(iso[1] ?? 0) * 10_080 + Number(iso[2] ?? 0) * 1440 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0)) * MINUTE;
  return undefined;
}
