import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetaqError } from '../../src/common/errors.js';
import { configuredRole, initialRole, nextRole, ROLE_TRANSITIONS } from '../../src/broker/replication/replication-roles.js';
import type { RoleEvent, RoleState } from '../../src/broker/replication/replication-roles.js';
import { Replication } from '../../src/broker/replication/replication.js';
import type { ReplicationConfig } from '../../src/broker/config/config-keys.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';

const STATES: RoleState[] = ['master', 'sync-master', 'sync-slave', 'async-slave', 'fenced'];
const EVENTS: RoleEvent[] = ['claim-epoch', 'promote', 'replaced'];

function replicationConfig(section: string): ReplicationConfig {
  return parseBrokerConfig(`[system]\nbrokerId=3\n[replication]\n${section}\n[topic=*]\n`, undefined).replication;
}

describe('replication role table', () => {
  it('starts in the role the [replication] section names, a master with a slave as sync master', () => {
    assert.equal(initialRole({ role: 'master', slave: '' }), 'master');
    assert.equal(initialRole({ role: 'master', slave: 'localhost:8124' }), 'sync-master');
    assert.equal(initialRole({ role: 'sync-slave', slave: '' }), 'sync-slave');
    assert.equal(initialRole({ role: 'async-slave', slave: '' }), 'async-slave');
  });

  it('allows exactly the moves in the table and refuses every other', () => {
    const allowed = new Map(ROLE_TRANSITIONS.map(([from, event, to]) => [`${from} ${event}`, to]));
    assert.deepEqual([...allowed.entries()].sort(), [
      ['master replaced', 'fenced'],
      ['sync-master claim-epoch', 'sync-master'],
      ['sync-master replaced', 'fenced'],
      ['sync-slave promote', 'master'],
    ]);
    for (const from of STATES) {
      for (const event of EVENTS) {
        const to = allowed.get(`${from} ${event}`);
        if (to !== undefined) assert.equal(nextRole(from, event), to, `${from} ${event}`);
        else
          assert.throws(
            () => nextRole(from, event),
            (error: unknown) => error instanceof MetaqError && error.code === 'ROLE_TRANSITION_REFUSED',
            `${from} ${event} must be refused`,
          );
      }
    }
  });

  it('reports a sync master and a fenced master as masters', () => {
    assert.deepEqual(
      STATES.map((state) => configuredRole(state)),
      ['master', 'master', 'sync-slave', 'async-slave', 'master'],
    );
  });

  it('moves a sync slave to master when promoted, then to fenced when replaced, and refuses a second promotion', () => {
    const replication = new Replication(replicationConfig('role=sync-slave'), 3);
    assert.match(replication.refusal() ?? '', /sync slave of broker 3/);
    replication.promote(2);
    assert.equal(replication.roleState, 'master');
    assert.equal(replication.role, 'master');
    assert.equal(replication.epoch, 2);
    assert.equal(replication.syncSlave?.promotedAt, 2, 'frames from the old master are refused from now on');
    assert.equal(replication.refusal(), undefined);
    assert.throws(() => replication.promote(3), /role master has no transition on promote/);
    assert.equal(replication.fence('broker 3 is now served by another broker'), true);
    assert.equal(replication.fence('a later reason'), false, 'fenced once; the first reason stays');
    assert.equal(replication.roleState, 'fenced');
    assert.equal(replication.role, 'master');
    assert.equal(replication.demotedBecause, 'broker 3 is now served by another broker');
    assert.equal(replication.refusal(), 'broker 3 is now served by another broker');
  });

  it('refuses an epoch claim and a replacement outside the table (an async slave has neither)', () => {
    const replication = new Replication(replicationConfig('role=async-slave\nslaveId=1'), 3);
    assert.throws(() => replication.claimEpoch(1), /async-slave has no transition on claim-epoch/);
    assert.throws(() => replication.fence('replaced'), /async-slave has no transition on replaced/);
    assert.equal(replication.roleState, 'async-slave');
    assert.equal(replication.demotedBecause, undefined);
  });
});
