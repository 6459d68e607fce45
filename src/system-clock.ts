import type { Clock } from './domain/clock.js';

// The one place that reads the process clock (test/clock-guard.test.ts checks it): front ends pass this
// to the use cases; everything that decides reads the clock it was given.

/** The real time, for the process entry points (CLI main, Lambda handlers). */
export const systemClock: Clock = () => new Date();

/** Milliseconds of wall time, for deadlines only (how long an invocation may still run), never for a decision. */
export const wallTimeMs = (): number => Date.now();
