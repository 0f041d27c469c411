import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyBudget } from '../../src/broker/body-budget.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';

const putLine = (length: number, opaque: number): string => `put t 0 ${length} 0 ${opaque}\r\n`;

describe('body budget (maxBodyBytesInFlight)', () => {
  it('reserves a spanning body at its command line, stops before a body that does not fit, and decodes it once room is given back', () => {
    const budget = new BodyBudget(100);
    const first = new CommandDecoder({}, { bodyBudget: budget.forAddress('a') });
    const second = new CommandDecoder({}, { bodyBudget: budget.forAddress('b') });
    assert.deepEqual(first.push(Buffer.from(`${putLine(50, 1)}${'x'.repeat(10)}`)), []);
    assert.equal(budget.bytesInFlight, 50);
    // b's 60 bytes do not fit beside a's 50 in 100.
    assert.deepEqual(second.push(Buffer.from(`${putLine(60, 2)}${'y'.repeat(5)}`)), []);
    assert.equal(second.waitingForBudget, 60);
    assert.equal(second.inHeader, false, 'a waiting body is not a slow command line');
    let woken = false;
    budget.waitFor('b', 60, () => (woken = true));
    const done = first.push(Buffer.from('x'.repeat(40)));
    assert.equal(done.length, 1);
    assert.equal(woken, true);
    // Pushed again, the second decoder reserves and reads the body it had kept.
    assert.deepEqual(second.push(Buffer.alloc(0)), []);
    assert.equal(budget.bytesInFlight, 60);
    const [put] = second.push(Buffer.from('y'.repeat(55)));
    assert.equal(put?.kind === 'put' && put.body.toString(), 'y'.repeat(60));
    assert.equal(budget.bytesInFlight, 0);
  });

  it('gives one address at most half, and a closed connection its reservation back', () => {
    const budget = new BodyBudget(100);
    assert.equal(budget.reserve('a', 40), true);
    assert.equal(budget.reserve('a', 20), false, 'a would hold 60 of 100');
    assert.equal(budget.reserve('b', 50), true);
    const decoder = new CommandDecoder({}, { bodyBudget: budget.forAddress('c') });
    assert.equal(budget.reserve('c', 20), false, 'only 10 left');
    decoder.dispose();
    budget.release('a', 40);
    assert.deepEqual(decoder.push(Buffer.from(`${putLine(30, 1)}zz`)), []);
    assert.equal(budget.bytesInFlight, 80);
    decoder.dispose();
    assert.equal(budget.bytesInFlight, 50);
  });
});
