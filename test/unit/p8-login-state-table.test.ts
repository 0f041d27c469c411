import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConnectionLogin } from '../../src/broker/auth/connection-login.js';
import { UserBook } from '../../src/broker/auth/user-book.js';
import { ScramClientExchange, SCRAM_MECHANISM } from '../../src/protocol/scram.js';
import { Status } from '../../src/protocol/status.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';

/**
 * P8: one connection's login state table, driven by random sequences of `auth` steps:
 *
 *   fresh --client-first--> challenged --client-final with the right proof--> logged in
 *   fresh | challenged --anything else--> closed (401, or 400 for an unknown mechanism)
 *   logged in --any auth--> logged in (400 "already logged in", the connection stays)
 *
 * A closed connection takes no more steps (the broker has closed it).
 */

type State = 'fresh' | 'challenged' | 'in' | 'closed';

interface Model {
  state: State;
}

/** Walks that logged in: the table's deep state must be reached, not only its refusals. */
let loginsReached = 0;

const fresh = (): Model => ({ state: 'fresh' });

interface Real {
  login: ConnectionLogin;
  /** The client side of the exchange in progress, and whom it was started as. */
  client: ScramClientExchange | undefined;
  startedAs: { user: string; password: string } | undefined;
  serverFirst: string | undefined;
}

const USER = 'alice';
const PASSWORD = 'correct horse';

const users = await (async () => {
  const io = new MemoryFileIO();
  await io.mkdirp('/auth');
  const book = await UserBook.open(io, '/auth/users.json');
  await book.put(USER, PASSWORD, { publish: ['*'], subscribe: ['*'], admin: false });
  return book;
})();

function step(real: Real, mechanism: string, message: string) {
  return real.login.step({ kind: 'auth', mechanism, opaque: 1, body: Buffer.from(message) });
}

abstract class LoginStep implements fc.AsyncCommand<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.state !== 'closed';
  }
  abstract run(m: Model, r: Real): Promise<void>;
  abstract toString(): string;

  /** Shared rule: a logged-in connection answers any auth with 400 and stays open. */
  protected alreadyIn(m: Model, answer: { code: number; close: boolean }): boolean {
    if (m.state !== 'in') return false;
    assert.deepEqual([answer.code, answer.close], [Status.badRequest, false], `${this.toString()} when logged in`);
    return true;
  }

  protected closes(m: Model, answer: { code: number; close: boolean }, code: number): void {
    assert.deepEqual([answer.code, answer.close], [code, true], `${this.toString()} from ${m.state} closes the connection`);
    m.state = 'closed';
  }
}

class ClientFirst extends LoginStep {
  constructor(
    readonly user: string,
    readonly password: string,
  ) {
    super();
  }
  run(m: Model, r: Real): Promise<void> {
    const client = new ScramClientExchange(this.user, this.password);
    const answer = step(r, SCRAM_MECHANISM, client.first());
    if (this.alreadyIn(m, answer)) return Promise.resolve();
    if (m.state === 'challenged') return Promise.resolve(this.closes(m, answer, Status.unauthorized));
    assert.equal(answer.code, Status.success, `${this.toString()}: ${answer.text}`);
    assert.match(answer.text, /^r=[^,]+,s=[^,]+,i=\d+$/);
    r.client = client;
    r.startedAs = { user: this.user, password: this.password };
    r.serverFirst = answer.text;
    m.state = 'challenged';
    return Promise.resolve();
  }
  toString(): string {
    return `first(${this.user}, ${this.password === PASSWORD ? 'right' : 'wrong'} password)`;
  }
}

/** The client-final message of the exchange in progress (or of a made-up one when there is none). */
class ClientFinal extends LoginStep {
  async run(m: Model, r: Real): Promise<void> {
    const client = r.client ?? new ScramClientExchange(USER, PASSWORD);
    const message = await client.final(r.serverFirst ?? `r=${client.first().split('r=')[1]}x,s=AAAA,i=4096`);
    const answer = step(r, SCRAM_MECHANISM, message);
    if (this.alreadyIn(m, answer)) return;
    const right = m.state === 'challenged' && r.startedAs?.user === USER && r.startedAs.password === PASSWORD;
    if (!right) return this.closes(m, answer, Status.unauthorized);
    assert.equal(answer.code, Status.success, `${this.toString()}: ${answer.text}`);
    assert.ok(r.client!.verify(answer.text), 'the broker proved it holds the keys');
    assert.equal(r.login.user, USER);
    m.state = 'in';
    loginsReached += 1;
  }
  toString(): string {
    return 'final';
  }
}

class Garbage extends LoginStep {
  constructor(readonly text: string) {
    super();
  }
  run(m: Model, r: Real): Promise<void> {
    const answer = step(r, SCRAM_MECHANISM, this.text);
    if (!this.alreadyIn(m, answer)) this.closes(m, answer, Status.unauthorized);
    return Promise.resolve();
  }
  toString(): string {
    return `garbage(${JSON.stringify(this.text)})`;
  }
}

class OtherMechanism extends LoginStep {
  run(m: Model, r: Real): Promise<void> {
    const answer = step(r, 'PLAIN', `\0${USER}\0${PASSWORD}`);
    if (!this.alreadyIn(m, answer)) this.closes(m, answer, Status.badRequest);
    return Promise.resolve();
  }
  toString(): string {
    return 'PLAIN';
  }
}

const commands = [
  fc.constantFrom(new ClientFirst(USER, PASSWORD), new ClientFirst(USER, 'wrong'), new ClientFirst('mallory', PASSWORD)),
  // The right first message more often, so that many walks reach "logged in" (one in a full run had none).
  fc.constant(new ClientFirst(USER, PASSWORD)),
  fc.constant(new ClientFirst(USER, PASSWORD)),
  fc.constant(new ClientFinal()),
  fc.constant(new ClientFinal()),
  // Anything a broken or hostile client may send as a SCRAM message, including names SASLprep forbids.
  fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('n,,n=\u0000,r=abc', 'n,,n=\u200e,r=abc', 'n,,n=,r=', 'n,,r=abc', 'c=biws,r=x,p=', 'y,,n=alice,r=abc'),
    )
    .map((text) => new Garbage(text)),
  fc.constant(new OtherMechanism()),
];

describe('P8 connection login state table (fast-check commands)', () => {
  it('a login reaches "logged in" only through a right proof; every other step closes the connection or is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 6 }), async (cmds) => {
        await fc.asyncModelRun(
          () => ({ model: fresh(), real: { login: new ConnectionLogin(users), client: undefined, startedAs: undefined, serverFirst: undefined } }),
          cmds,
        );
      }),
      { numRuns: 300, includeErrorInReport: true },
    );
    console.log(`# P8 login: ${loginsReached} walks logged in`);
    assert.ok(loginsReached > 0, 'some walks logged in');
  });
});
