import { join } from 'node:path';
import { stateDirectory } from '../state-directory.js';
import { ConfigError } from '../../common/errors.js';
import type { FileIO } from '../../storage/io/file-io.js';
import { NodeFileIO } from '../../storage/io/node-file-io.js';
import type { BrokerConfig } from './broker-config.js';
import { DEFAULT_CONFIG_TEXT, parseBrokerConfig } from './broker-config.js';

/**
 * Where a broker started without a server.ini keeps the one topic administration writes: in its
 * state directory beside the data directory (docs/storage.md), where a Java broker opening the
 * data directory does not see it.
 */
export function savedConfigPath(dataPath: string): string {
  return join(stateDirectory(dataPath), 'server.ini');
}

/**
 * The configuration `metaq server` runs without --config: the server.ini that topic administration
 * saved beside the data directory (the built-in defaults with the topics created, altered or deleted
 * since; docs/operations.md, topics), or the built-in defaults when there is none.
 */
export async function loadSavedOrDefaultConfig(dataPath: string | undefined, io: FileIO = new NodeFileIO()): Promise<BrokerConfig> {
  const path = savedConfigPath(dataPath ?? parseBrokerConfig(DEFAULT_CONFIG_TEXT, undefined).system.dataPath);
  return (await io.stat(path)) === undefined ? parseBrokerConfig(DEFAULT_CONFIG_TEXT, undefined) : loadBrokerConfig(path, io);
}

/** Read and validate server.ini, or the built-in defaults when no file is given. */
export async function loadBrokerConfig(file: string | undefined, io: FileIO = new NodeFileIO()): Promise<BrokerConfig> {
  if (file === undefined) return parseBrokerConfig(DEFAULT_CONFIG_TEXT, undefined);
  const raw = await io.readFile(file);
  if (raw === undefined)
    throw new ConfigError(`config file ${file} does not exist; pass an existing server.ini with --config, or omit --config for the built-in defaults`);
  return parseBrokerConfig(raw.toString('utf8'), file);
}
