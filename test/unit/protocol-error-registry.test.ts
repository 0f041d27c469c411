import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, MetaqError, ProtocolError, isOutcomeUnknown, isRetriable } from '../../src/common/errors.js';
import { ErrorCodes, errorCodeInfo } from '../../src/common/error-codes.js';
import { Status, isRetriableStatus } from '../../src/protocol/status.js';
import {
  AbortedError,
  BrokerError,
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  RequestTimeoutError,
  TransactionStateUnknownError,
  XaError,
  brokerStatus,
} from '../../src/client/errors.js';

describe('error registry: retry decisions come from the code, not the class', () => {
  it('a timeout and a lost connection are retriable with an unknown outcome', () => {
    for (const error of [new RequestTimeoutError('send', 3000), new ConnectionError('lost')]) {
      assert.equal(error.retriable, true, error.code);
      assert.equal(error.outcomeUnknown, true, error.code);
      assert.ok(isRetriable(error) && isOutcomeUnknown(error));
    }
  });

  it('a broker refusal is retriable by its status, and nothing was stored', () => {
    const retriable: number[] = [Status.forbidden, Status.requestTimeout, Status.serviceUnavailable];
    for (const status of Object.values(Status)) {
      const error = new BrokerError(status, 'x');
      assert.equal(error.retriable, retriable.includes(status), `status ${status}`);
      assert.equal(isRetriableStatus(status), retriable.includes(status));
      assert.equal(error.outcomeUnknown, false);
      assert.equal(brokerStatus(error), status);
    }
    assert.equal(brokerStatus(new ConnectionError('lost')), undefined);
  });

  it('caller mistakes, closures and failed transactions are not retriable', () => {
    const errors = [
      new InvalidArgumentError('topic', 'is empty'),
      new ClosedError('producer'),
      new AbortedError('send'),
      new XaError(-4, 'unknown'),
      new ProtocolError('bad'),
      new ConfigError('bad'),
      new MetaqError('UNSUPPORTED', 'no +otime'),
    ];
    for (const error of errors) assert.equal(isRetriable(error), false, error.code);
    assert.equal(new TransactionStateUnknownError('COMMIT of TX:1:1').outcomeUnknown, true);
    assert.equal(new TransactionStateUnknownError('COMMIT of TX:1:1').retriable, false);
  });

  it('every code in the registry has a meaning and both flags; errors that are not MetaqErrors are not retriable', () => {
    for (const [code, info] of Object.entries(ErrorCodes)) {
      assert.ok(info.meaning.length > 0, code);
      assert.equal(typeof info.retriable, 'boolean', code);
      assert.equal(typeof info.outcomeUnknown, 'boolean', code);
    }
    assert.deepEqual(errorCodeInfo('ZK_ERROR'), ErrorCodes.ZK_ERROR);
    assert.equal(isRetriable(new Error('plain')), false);
    assert.equal(isOutcomeUnknown('text'), false);
  });
});
