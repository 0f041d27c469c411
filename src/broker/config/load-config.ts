import { ConfigError } from '../../common/errors.js';
import type { FileIO } from '../../storage/io/file-io.js';
import { NodeFileIO } from '../../storage/io/node-file-io.js';
import type { BrokerConfig } from './broker-config.js';
import { DEFAULT_CONFIG_TEXT, parseBrokerConfig } from './broker-config.js';

/** Read and validate server.ini, or the built-in defaults when no file is given. */
export async function loadBrokerConfig(file: string | undefined, io: FileIO = new NodeFileIO()): Promise<BrokerConfig> {
  if (file === undefined) return parseBrokerConfig(DEFAULT_CONFIG_TEXT, undefined);
  const raw = await io.readFile(file);
  if (raw === undefined)
    throw new ConfigError(`config file ${file} does not exist; pass an existing server.ini with --config, or omit --config for the built-in defaults`);
  return parseBrokerConfig(raw.toString('utf8'), file);
}
