import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerLagSeries } from '../../src/admin/partition-series.js';

/** A fetch-only group (no committed offset, no members) or a ZooKeeper-known one, lagging 10 bytes on t/0. */
const group = (name: string, known = false) => ({
  group: name,
  members: [],
  partitions: [{ topic: 't', partition: 0, committed: known ? 0 : undefined, lagBytes: 10 }],
});

describe('consumer lag series', () => {
  it('gives groups ZooKeeper knows their series before fetch-only names, then sums the rest per partition', () => {
    const groups = [group('aaa-invented-1'), group('aaa-invented-2'), group('real-consumers', true)];
    const series = [...consumerLagSeries(groups, () => true, 2).values()].map((s) => [s.labels.group, s.value]);
    assert.deepEqual(series, [
      ['real-consumers', 10],
      ['aaa-invented-1', 10],
      ['_other', 10],
    ]);
  });

  it('sums partitions without their own series under _other, and groups past the cap under group="_other"', () => {
    const groups = Array.from({ length: 50 }, (_, i) => group(`g${i}`));
    const series = [...consumerLagSeries(groups, () => false, 3).values()].map((s) => [s.labels.group, s.labels.topic, s.value]);
    assert.deepEqual(series, [
      ['g0', '_other', 10],
      ['g1', '_other', 10],
      ['g2', '_other', 10],
      ['_other', '_other', 470],
    ]);
  });
});
