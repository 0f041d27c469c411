import { MetaqError } from '../../common/errors.js';
import type { ReplicationConfig, ReplicationRole } from '../config/config-keys.js';

/**
 * What this broker is in replication now. `sync-master` is a master with a sync slave
 * (`[replication] slave`); `fenced` is a master another broker was promoted in place of: it acks
 * nothing until restarted as that broker's slave (docs/replication.md).
 */
export type RoleState = 'master' | 'sync-master' | 'sync-slave' | 'async-slave' | 'fenced';

/**
 * What moves a broker between roles: `claim-epoch` (a sync master owns its broker id's epoch in
 * ZooKeeper), `promote` (the epoch names this sync slave), `replaced` (the epoch names another
 * broker: this master is fenced).
 */
export type RoleEvent = 'claim-epoch' | 'promote' | 'replaced';

/** Every allowed move, as (from, event, to); anything else is refused. */
export const ROLE_TRANSITIONS: ReadonlyArray<readonly [from: RoleState, event: RoleEvent, to: RoleState]> = [
  ['sync-master', 'claim-epoch', 'sync-master'],
  ['sync-slave', 'promote', 'master'],
  // A promoted slave acts as master in its epoch and is replaced the same way a sync master is.
  ['master', 'replaced', 'fenced'],
  ['sync-master', 'replaced', 'fenced'],
];

/** The state a broker starts in, from its `[replication]` section. */
export function initialRole(config: Pick<ReplicationConfig, 'role' | 'slave'>): RoleState {
  return config.role === 'master' && config.slave !== '' ? 'sync-master' : config.role;
}

/** Where `event` takes a broker in state `from`; throws ROLE_TRANSITION_REFUSED for a move not in the table. */
export function nextRole(from: RoleState, event: RoleEvent): RoleState {
  for (const [state, on, to] of ROLE_TRANSITIONS) if (state === from && on === event) return to;
  throw new MetaqError('ROLE_TRANSITION_REFUSED', `replication role ${from} has no transition on ${event} in the role table: refused`);
}

/** The role as config, stats and the admin API name it: a sync master and a fenced master are masters. */
export function configuredRole(state: RoleState): ReplicationRole {
  return state === 'sync-master' || state === 'fenced' ? 'master' : state;
}
