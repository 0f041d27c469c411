// The (send time, latency) pairs a latency consumer child wrote, and their percentiles over windows of send time.
import { readFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';

/** Percentiles of one set of samples, in milliseconds. */
export interface Percentiles {
  messages: number;
  p50ms: number;
  p99ms: number;
  p999ms: number;
  maxMs: number;
}

/** A half-open window of send times, in wall-clock microseconds. */
export interface Window {
  fromUs: number;
  toUs: number;
}

/** Pairs as written by `latency-child.js consume`: send time then latency, both microseconds. */
export function readSamples(file: string): Float64Array {
  const bytes = readFileSync(file);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

/** Percentiles of the samples sent inside any of `windows` (all of them when none is given). */
export function percentiles(samples: Float64Array, windows?: readonly Window[]): Percentiles {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  let messages = 0;
  for (let i = 0; i < samples.length; i += 2) {
    const sentUs = samples[i]!;
    if (windows !== undefined && !windows.some((w) => sentUs >= w.fromUs && sentUs < w.toUs)) continue;
    histogram.recordValue(Math.max(1, Math.round(samples[i + 1]!)));
    messages += 1;
  }
  const at = (percentile: number): number => (messages === 0 ? NaN : histogram.getValueAtPercentile(percentile) / 1000);
  return { messages, p50ms: at(50), p99ms: at(99), p999ms: at(99.9), maxMs: messages === 0 ? NaN : histogram.maxValue / 1000 };
}

/** The p99 of each whole second from `startUs`, for the trace printed beside the table. */
export function p99BySecond(samples: Float64Array, startUs: number, seconds: number): number[] {
  const result: number[] = [];
  for (let s = 0; s < seconds; s += 1) result.push(percentiles(samples, [{ fromUs: startUs + s * 1e6, toUs: startUs + (s + 1) * 1e6 }]).p99ms);
  return result;
}
