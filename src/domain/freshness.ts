const HOUR = 3_600_000;

/**
 * How old a scope's picture is: from when it was captured (a snapshot's `capturedAt`, a live read's time), never from
 * when it was loaded — a ten-day-old snapshot loaded today is ten days old. Undefined when it is fresh.
 */
export function staleness(watermark: { readonly capturedAt: string; readonly reconciledAt: string }, maxLedgerAgeHours: number, now: string): string | undefined {
  const captured = watermark.capturedAt < watermark.reconciledAt ? watermark.capturedAt : watermark.reconciledAt;
  const age = (Date.parse(now) - Date.parse(captured)) / HOUR;
  if (age <= maxLedgerAgeHours) return undefined;
  const loaded = watermark.reconciledAt === captured ? '' : `, loaded ${watermark.reconciledAt}`;
  return `its picture was captured ${captured}${loaded}, ${age.toFixed(1)} h ago: more than maxLedgerAgeHours (${maxLedgerAgeHours})`;
}
