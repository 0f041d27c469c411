import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { startBroker } from '../support/in-process-broker.js';

describe('broker stop', () => {
  it('finishes when a client closes its side while the broker drains it', { timeout: 20_000 }, async () => {
    const broker = await startBroker();
    const port = broker.port;
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.write('version 1\r\n');
    await once(client, 'data'); // the broker has taken the connection in
    client.on('error', () => undefined);
    // stop() pauses the connection at once; the client's FIN then arrives at a socket that no longer reads.
    const stopping = broker.stop();
    client.end();
    await stopping;
    const refused = connect(port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED', 'the broker stopped listening');
  });
});
