import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configText, statsObject, statsValue } from '../../src/cli/stats-values.js';

describe('stats values as JSON', () => {
  it('turns whole numbers, decimals and true/false into JSON numbers and booleans; null and a missing value into null', () => {
    assert.equal(statsValue('42'), 42);
    assert.equal(statsValue('-1'), -1);
    assert.equal(statsValue('0.5'), 0.5);
    assert.equal(statsValue('false'), false);
    assert.equal(statsValue('null'), null);
    assert.equal(statsValue('NO VALUE'), null);
  });

  it('keeps ids past 2^53 and free text as strings', () => {
    assert.equal(statsValue('9223372036854775807'), '9223372036854775807');
    assert.equal(statsValue('*Empty*'), '*Empty*');
    assert.equal(statsValue('end 10 master_end 20 lag_bytes 10 problem disk full'), 'end 10 master_end 20 lag_bytes 10 problem disk full');
  });

  it('reads name value pairs and realtime tallies as objects', () => {
    assert.deepEqual(statsValue('part 0 min_offset 0 max_offset 44'), { part: 0, min_offset: 0, max_offset: 44 });
    assert.deepEqual(statsValue('Count=2,Value=2,Value/Count=1,Count/Duration=invalid,Duration=0'), {
      Count: 2,
      Value: 2,
      'Value/Count': 1,
      'Count/Duration': 'invalid',
      Duration: 0,
    });
  });

  it('keeps the keys in order; config text back whole', () => {
    const values = new Map([
      ['pid', '7'],
      ['slave', 'false'],
    ]);
    assert.deepEqual(Object.keys(statsObject(values)), ['pid', 'slave']);
    assert.equal(configText(new Map([['[system]\nbrokerId=0\n', 'NO VALUE']])), '[system]\nbrokerId=0\n');
  });
});
