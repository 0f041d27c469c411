import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GroupMembership } from '../../src/client/consumer/group-membership.js';
import { assignmentStrategy, defaultAssignment, MetaZnodes, topicBrokerJson } from '../../src/coordination/index.js';
import { ZkSession } from '../../src/coordination/zk/zk-session.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';

/**
 * P8: consumer partition ownership (docs/cluster.md) as a state table, driven by random sequences of
 * members joining, leaving, crashing and brokers coming and going, on a real ZooKeeper. Per
 * partition the only states are "no owner" and "one live member owns it and fetches it":
 *
 * - at every instant no partition is fetched by two live members (checked on every change of
 *   any member's fetch set, not only at rest);
 * - at rest every partition is fetched by exactly the member MetaQ's DEFAULT strategy gives it,
 *   and its ephemeral owner node names that member.
 */

const MEMBERS = 3;
const BROKERS = 3;
const PARTS_PER_BROKER = 2;
const znodes = new MetaZnodes('/meta');
const zookeeper = useZookeeper();

interface Member {
  session: ZkSession;
  membership: GroupMembership;
  fetching: Set<string>;
  dead: boolean;
}

interface Model {
  joined: boolean[];
  brokers: Set<number>;
}

interface Real {
  topic: string;
  group: string;
  members: Array<Member | undefined>;
  /** Instants at which two live members fetched one partition. */
  overlaps: string[];
}

const consumerId = (r: Real, i: number): string => `${r.group}_m${i}`;

function checkNoOverlap(r: Real): void {
  const fetchers = new Map<string, number>();
  r.members.forEach((member, i) => {
    if (member === undefined || member.dead) return;
    for (const partition of member.fetching) {
      const other = fetchers.get(partition);
      if (other !== undefined) r.overlaps.push(`${partition} fetched by m${other} and m${i}`);
      fetchers.set(partition, i);
    }
  });
}

/** At rest: each live member fetches exactly its DEFAULT share, and owns it in ZooKeeper. */
async function settled(m: Model, r: Real): Promise<boolean> {
  const partitions = [...m.brokers].flatMap((b) => Array.from({ length: PARTS_PER_BROKER }, (_, p) => `${b}-${p}`));
  const live = m.joined.flatMap((joined, i) => (joined ? [i] : []));
  const ids = live.map((i) => consumerId(r, i));
  for (const i of live) {
    const share = defaultAssignment(consumerId(r, i), ids, partitions).sort();
    if (JSON.stringify([...r.members[i]!.fetching].sort()) !== JSON.stringify(share)) return false;
    for (const partition of share) if ((await zookeeper.session.getData(znodes.owner(r.group, r.topic, partition))) !== consumerId(r, i)) return false;
  }
  return true;
}

abstract class Step implements fc.AsyncCommand<Model, Real> {
  abstract check(m: Readonly<Model>): boolean;
  abstract act(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
  async run(m: Model, r: Real): Promise<void> {
    await this.act(m, r);
    await eventually(() => settled(m, r), `the group settling after ${this.toString()}`);
    assert.deepEqual(r.overlaps, [], `after ${this.toString()}`);
  }
}

class Join extends Step {
  constructor(readonly i: number) {
    super();
  }
  check(m: Readonly<Model>): boolean {
    return !m.joined[this.i];
  }
  async act(m: Model, r: Real): Promise<void> {
    const session = await ZkSession.open({ connect: zookeeper.server.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    // What this member fetches, as its consumer's fetchers would: set by the membership's assign calls.
    const view = { fetching: new Set<string>(), dead: false };
    const assign = (_topic: string, partitions: string[]): Promise<void> => {
      if (!view.dead) {
        view.fetching = new Set(partitions);
        checkNoOverlap(r);
      }
      return Promise.resolve();
    };
    const membership = new GroupMembership(session, znodes, r.group, [r.topic], assign, silentLogger, 50, assignmentStrategy('DEFAULT'), `m${this.i}`);
    const member: Member = Object.assign(view, { session, membership });
    r.members[this.i] = member;
    await member.membership.join();
    m.joined[this.i] = true;
  }
  toString(): string {
    return `join m${this.i}`;
  }
}

/**
 * The member goes: it leaves the group (stops fetching, releases its owner nodes, says goodbye),
 * or its process dies (its session ends without a goodbye, and it fetches nothing more).
 */
class Depart extends Step {
  constructor(
    readonly i: number,
    readonly how: 'leave' | 'crash',
  ) {
    super();
  }
  check(m: Readonly<Model>): boolean {
    return m.joined[this.i]!;
  }
  async act(m: Model, r: Real): Promise<void> {
    const member = r.members[this.i]!;
    if (this.how === 'leave') {
      await member.membership.leave();
      assert.equal(member.fetching.size, 0, 'a member that left fetches nothing');
    } else {
      member.dead = true;
      member.fetching.clear();
    }
    await member.session.close();
    m.joined[this.i] = false;
  }
  toString(): string {
    return `${this.how} m${this.i}`;
  }
}

class Broker extends Step {
  constructor(
    readonly b: number,
    readonly up: boolean,
  ) {
    super();
  }
  check(m: Readonly<Model>): boolean {
    return m.brokers.has(this.b) !== this.up;
  }
  async act(m: Model, r: Real): Promise<void> {
    const path = `${znodes.topicsSub(r.topic)}/${this.b}-m`;
    if (this.up) await zookeeper.session.create(path, topicBrokerJson(PARTS_PER_BROKER, this.b), 'persistent');
    else await zookeeper.session.remove(path);
    if (this.up) m.brokers.add(this.b);
    else m.brokers.delete(this.b);
  }
  toString(): string {
    return `broker ${this.b} ${this.up ? 'up' : 'down'}`;
  }
}

const member = fc.integer({ min: 0, max: MEMBERS - 1 });
const commands = [
  member.map((i) => new Join(i)),
  member.map((i) => new Join(i)),
  member.map((i) => new Depart(i, 'leave')),
  member.map((i) => new Depart(i, 'crash')),
  fc.tuple(fc.integer({ min: 0, max: BROKERS - 1 }), fc.boolean()).map(([b, up]) => new Broker(b, up)),
];

describe('P8 consumer ownership state table (fast-check commands, real ZooKeeper)', () => {
  it('no partition ever has two live fetchers; at rest each has exactly its DEFAULT owner', { timeout: 170_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (cmds) => {
        run += 1;
        const real: Real = { topic: `p8-${run}`, group: `p8g-${run}`, members: [], overlaps: [] };
        await zookeeper.session.ensure(znodes.topicsSub(real.topic));
        await zookeeper.session.create(`${znodes.topicsSub(real.topic)}/0-m`, topicBrokerJson(PARTS_PER_BROKER, 0), 'persistent');
        const model: Model = { joined: Array.from({ length: MEMBERS }, () => false), brokers: new Set([0]) };
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        } finally {
          for (const [i, joined] of model.joined.entries()) if (joined) await real.members[i]?.session.close();
        }
      }),
      { numRuns: 12, includeErrorInReport: true },
    );
  });
});
