import type { Command, Option } from 'commander';

// Options a command cannot run without. Commander's own mandatory check runs before its
// unknown-option check, so a misspelt `--brokerid 1` would be reported as `--broker-id` missing;
// checked just before the action instead, the misspelling is named and the right flag suggested.

const requiredOptions = new WeakSet<Option>();

/** Marks the option required, and says so in the help. */
export function required(option: Option): Option {
  requiredOptions.add(option);
  option.description = `${option.description} (required)`;
  return option;
}

/** Reports the first required option the command was not given, as commander reports usage errors. */
export function checkRequiredOptions(command: Command): void {
  for (const option of command.options) {
    if (requiredOptions.has(option) && command.getOptionValue(option.attributeName()) === undefined) {
      command.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
    }
  }
}
