import { Option } from 'commander';
import type { Command } from 'commander';

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
