import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ScramClientExchange, ScramError, ScramServerExchange, scramCredentials } from '../../src/protocol/scram.js';
import type { ScramCredentials } from '../../src/protocol/scram.js';

/** RFC 7677 section 3: the SCRAM-SHA-256 example exchange, user "user", password "pencil". */
const RFC = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const decoy = (): ScramCredentials => ({ salt: Buffer.alloc(16, 1), iterations: 4096, storedKey: Buffer.alloc(32, 2), serverKey: Buffer.alloc(32, 3) });

describe('SCRAM-SHA-256 (RFC 5802, RFC 7677)', () => {
  it('reproduces the RFC 7677 example byte for byte, on both sides', async () => {
    const credentials = await scramCredentials('pencil', 4096, RFC.salt);
    const client = new ScramClientExchange('user', 'pencil', RFC.clientNonce);
    assert.equal(client.first(), RFC.clientFirst);
    const server = new ScramServerExchange((name) => (name === 'user' ? credentials : undefined), decoy);
    assert.equal(server.first(RFC.clientFirst, RFC.serverNonce), RFC.serverFirst);
    assert.equal(await client.final(RFC.serverFirst), RFC.clientFinal);
    assert.equal(server.final(RFC.clientFinal), RFC.serverFinal);
    assert.equal(server.user, 'user');
    assert.ok(client.verify(RFC.serverFinal));
    assert.ok(!client.verify('v=AAAA'), 'a server that does not hold the keys is not trusted');
  });

  it('logs in with the right password and never with another, for any names and passwords', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9=,._@-]{1,12}$/),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        async (name, password, other) => {
          const credentials = await scramCredentials(password, 4096);
          const attempt = async (tried: string): Promise<boolean> => {
            const client = new ScramClientExchange(name, tried);
            const server = new ScramServerExchange((user) => (user === name ? credentials : undefined), decoy);
            try {
              const serverFinal = server.final(await client.final(server.first(client.first())));
              return client.verify(serverFinal) && server.user !== undefined;
            } catch (error) {
              if (error instanceof ScramError) return false;
              throw error;
            }
          };
          assert.equal(await attempt(password), true);
          if (other !== password) assert.equal(await attempt(other), false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('fails an unknown user exactly as a wrong password, and refuses malformed or replayed steps', async () => {
    const credentials = await scramCredentials('secret-password');
    const server = (): ScramServerExchange => new ScramServerExchange((user) => (user === 'alice' ? credentials : undefined), decoy);
    const unknown = new ScramClientExchange('mallory', 'secret-password');
    const exchange = server();
    const first = exchange.first(unknown.first());
    assert.match(first, /^r=.+,s=.+,i=4096$/, 'an unknown user is shown a salt too');
    assert.throws(() => exchange.final(''), /client-final message needs p=/);
    const again = server();
    assert.throws(() => again.final('c=biws,r=x,p=AAAA'), /before client-first/);
    assert.throws(() => server().first('y,,n=alice,r=abc'), /must start with "n,,"/);
    assert.throws(() => server().first('n,,n=alice'), /needs n=<user> and r=<nonce>/);
    const alice = new ScramClientExchange('alice', 'secret-password');
    const tampered = server();
    const final = await alice.final(tampered.first(alice.first()));
    assert.throws(() => tampered.final(final.replace(/r=[^,]+/, 'r=other')), /nonce does not match/);
    const wrong = new ScramClientExchange('mallory', 'secret-password');
    const probe = server();
    assert.throws(() => probe.final(forgedFinal(wrong, probe)), /authentication failed/);
  });
});

/** A client-final message with a made-up proof, for an exchange it opens. */
function forgedFinal(client: ScramClientExchange, server: ScramServerExchange): string {
  const first = server.first(client.first());
  const nonce = /r=([^,]+)/.exec(first)![1]!;
  return `c=biws,r=${nonce},p=${Buffer.alloc(32).toString('base64')}`;
}
