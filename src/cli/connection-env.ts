import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { NodeFileIO } from '../broker/local-files.js';
import type { FileIO } from '../broker/local-files.js';
import type { Credentials } from '../client/index.js';

/** What the environment says about reaching brokers. */
export interface EnvConnection {
  tls?: TlsConnectionOptions;
  auth?: Credentials;
}

/** Loaded once by `loadConnectionEnv` before a command runs. */
let loaded: EnvConnection = {};

/**
 * TLS and login for the CLI's broker connections, from the environment. `METAQ_USER` and
 * `METAQ_PASSWORD` log in to brokers with `[auth] enabled=true`. TLS: `METAQ_TLS=1` (or any of the
 * files below) turns it on, `METAQ_TLS_CA` names the CA bundle that signs the brokers'
 * certificates, `METAQ_TLS_CERT` and `METAQ_TLS_KEY` a client certificate for brokers with
 * `clientAuth=true`. The admin API over HTTPS trusts a private CA through Node's own
 * `NODE_EXTRA_CA_CERTS`.
 */
export async function loadConnectionEnv(env: NodeJS.ProcessEnv = process.env, io: FileIO = new NodeFileIO()): Promise<void> {
  const file = async (name: string): Promise<Buffer | undefined> => {
    const path = env[name];
    if (path === undefined || path === '') return undefined;
    const bytes = await io.readFile(path);
    if (bytes === undefined) throw new Error(`${name}=${path} does not exist; give the path of a PEM file`);
    return bytes;
  };
  const [ca, cert, key] = await Promise.all([file('METAQ_TLS_CA'), file('METAQ_TLS_CERT'), file('METAQ_TLS_KEY')]);
  if ((cert === undefined) !== (key === undefined))
    throw new Error('METAQ_TLS_CERT and METAQ_TLS_KEY go together: set both for a client certificate, or neither');
  const on = env.METAQ_TLS === '1' || ca !== undefined || cert !== undefined;
  const username = env.METAQ_USER ?? '';
  if (username !== '' && (env.METAQ_PASSWORD ?? '') === '')
    throw new Error('METAQ_USER is set but METAQ_PASSWORD is not: set the password too, or unset METAQ_USER');
  loaded = {
    ...(on ? { tls: { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert, key }) } } : {}),
    ...(username === '' ? {} : { auth: { username, password: env.METAQ_PASSWORD! } }),
  };
}

/** Connection options carrying the environment's TLS and login settings (none before `loadConnectionEnv`). */
export function connectionFromEnv(): EnvConnection {
  return loaded;
}
