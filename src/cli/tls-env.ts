import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { NodeFileIO } from '../broker/index.js';
import type { FileIO } from '../broker/index.js';

/** Loaded once by `loadTlsFromEnv` before a command runs. */
let loaded: { tls?: TlsConnectionOptions } = {};

/**
 * TLS for the CLI's broker connections, from the environment: `METAQ_TLS=1` (or any of the
 * files below) turns it on, `METAQ_TLS_CA` names the CA bundle that signs the brokers'
 * certificates, `METAQ_TLS_CERT` and `METAQ_TLS_KEY` a client certificate for brokers with
 * `clientAuth=true`. The admin API over HTTPS trusts a private CA through Node's own
 * `NODE_EXTRA_CA_CERTS`.
 */
export async function loadTlsFromEnv(env: NodeJS.ProcessEnv = process.env, io: FileIO = new NodeFileIO()): Promise<void> {
  const file = async (name: string): Promise<Buffer | undefined> => {
    const path = env[name];
    if (path === undefined || path === '') return undefined;
    const bytes = await io.readFile(path);
    if (bytes === undefined) throw new Error(`${name}=${path} does not exist; give the path of a PEM file`);
    return bytes;
  };
  const [ca, cert, key] = await Promise.all([file('METAQ_TLS_CA'), file('METAQ_TLS_CERT'), file('METAQ_TLS_KEY')]);
  if ((cert === undefined) !== (key === undefined)) throw new Error('METAQ_TLS_CERT and METAQ_TLS_KEY go together: set both for a client certificate, or neither');
  const on = env.METAQ_TLS === '1' || ca !== undefined || cert !== undefined;
  loaded = on ? { tls: { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert, key }) } } : {};
}

/** Connection options carrying the environment's TLS settings (none before `loadTlsFromEnv`). */
export function tlsFromEnv(): { tls?: TlsConnectionOptions } {
  return loaded;
}
