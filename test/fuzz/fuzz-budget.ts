import type { Parameters } from 'fast-check';

/**
 * How long each fuzz property runs: a few seconds in `npm test`, as long as asked with
 * `FUZZ_SECONDS` (`npm run fuzz` gives each a minute). A failure prints fast-check's seed and
 * path, which `FUZZ_SEED` and `FUZZ_PATH` replay.
 */
export function fuzzParameters<T>(): Parameters<T> {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 3);
  return {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: seconds * 1000,
    markInterruptAsFailure: false,
    ...(process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH }),
  };
}
