import fc from 'fast-check';

/**
 * Property tests explore the same cases on every run (a test that fails on some runs only is a defect): one fixed
 * seed, `PROPERTY_SEED=N npm test` to explore others (a failure prints its seed and path to replay). The open-ended
 * search for new cases is `npm run simulate`.
 */
const seed = Number(process.env.PROPERTY_SEED ?? 20261207);
if (!Number.isInteger(seed)) throw new Error(`PROPERTY_SEED must be an integer, got ${process.env.PROPERTY_SEED}`);
fc.configureGlobal({ seed });
