// A setup file (vitest.config.ts): the process clock runs a year and a bit ahead during the tests. Every deciding path
// takes its clock from its caller, and the tests pin it; one that read the process clock instead would judge at a
// date no test expects, on every date CI runs, rather than only after the real date passes some threshold.
export const dayShift = 400;
const SHIFT_MS = dayShift * 86_400_000;

const RealDate = Date;
if (!(globalThis.Date as { shifted?: boolean }).shifted) {
  class ShiftedDate extends RealDate {
    static shifted = true;
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + SHIFT_MS);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + SHIFT_MS;
    }
  }
  globalThis.Date = ShiftedDate as unknown as DateConstructor;
}
