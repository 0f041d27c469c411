import { Option } from 'commander';
import type { Command } from 'commander';
import { MetaqError } from '../../common/errors.js';

/** `--json`: the option every command that prints data declares, so its name, default and help agree. */
export interface JsonOptionValues {
  json: boolean;
}

/** One JSON document on stdout: the commands that print a table or key/value text (README, command line). */
export const JSON_DOCUMENT = 'print one JSON document on stdout instead of text';

/** `lag`, `trace` and `monitor` stream as they go, so theirs is a line per object. */
export const JSON_LINES = 'one JSON object per line';

export function withJsonOption(command: Command, description: string = JSON_DOCUMENT): Command {
  return command.addOption(new Option('--json', description).default(false));
}

/** For commands whose other actions change something (`tx commit`): only the listing action prints JSON, so --json elsewhere is a usage error, not text on stdout. */
export function checkJsonAction(values: JsonOptionValues, command: string, action: string, listing: string): void {
  if (values.json && action !== listing) throw new MetaqError('USAGE', `--json goes with ${command} ${listing} only, not ${command} ${action}`);
}
