import { createSecureContext } from 'node:tls';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { ConfigError } from '../../common/errors.js';
import type { FileIO } from '../../storage/io/file-io.js';
import type { TlsConfig } from './config-keys.js';

/** The PEM files `[tls]` names, read once at start. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
  clientAuth: boolean;
}

async function readPem(io: FileIO, key: string, path: string): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await io.readFile(path);
  } catch (error) {
    throw new ConfigError(
      `[tls] ${key}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the path of a PEM file this user can read`,
      { cause: error },
    );
  }
  if (bytes === undefined) throw new ConfigError(`[tls] ${key}=${path} does not exist; give the path of a PEM file`);
  return bytes;
}

/** Read the certificate, key and CA; undefined when TLS is off. A key that does not fit its certificate is refused here, not at the first client. */
export async function loadTlsMaterial(config: TlsConfig, io: FileIO): Promise<TlsMaterial | undefined> {
  if (config.certFile === '') return undefined;
  const [cert, key, ca] = await Promise.all([
    readPem(io, 'certFile', config.certFile),
    readPem(io, 'keyFile', config.keyFile),
    config.caFile === '' ? undefined : readPem(io, 'caFile', config.caFile),
  ]);
  try {
    createSecureContext({ cert, key, ca });
  } catch (error) {
    throw new ConfigError(
      `[tls] certFile=${config.certFile}, keyFile=${config.keyFile} and caFile=${config.caFile || '(none)'} do not make a usable TLS identity: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { cert, key, ca, clientAuth: config.clientAuth };
}

/**
 * Options of a listener: this broker's identity, and client certificates checked when asked for.
 * Handshakes are timed by the listener's admission (`handshakeTimeoutMs`), which also closes them.
 */
export function tlsServerOptions(material: TlsMaterial): TlsOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca === undefined ? {} : { ca: material.ca }),
    requestCert: material.clientAuth,
    rejectUnauthorized: material.clientAuth,
  };
}

/** Options of this broker's own connections to other brokers (replication): the CA checks them, the certificate identifies us. */
export function tlsClientOptions(material: TlsMaterial): ConnectionOptions {
  return { cert: material.cert, key: material.key, ...(material.ca === undefined ? {} : { ca: material.ca }) };
}
