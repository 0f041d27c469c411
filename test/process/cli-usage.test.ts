import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { createProgram } from '../../src/cli/program/cli-program.js';
import { CLI } from '../support/broker-process.js';

const run = promisify(execFile);
const metaq = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, METAQ_ADMIN_TOKEN: '' } });

/** What a failed run left: its exit code and standard error. */
async function refused(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await metaq(...args);
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
  throw new Error(`metaq ${args.join(' ')} succeeded`);
}

/** A usage error: exit 64, one line saying what is wrong, then one line pointing at --help. */
function assertUsageError(result: { code: number; stderr: string }, line: RegExp, hint: string): void {
  assert.equal(result.code, 64);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, result.stderr);
  assert.match(lines[0]!, line);
  assert.equal(lines[1], hint);
}

describe('metaq usage: help, version and usage errors from the command declarations', { timeout: 60_000 }, () => {
  it("every command's help names each option it declares", () => {
    const program = createProgram();
    assert.ok(program.commands.length >= 24);
    for (const command of program.commands) {
      if (command.name() === 'help') continue;
      const help = command.helpInformation();
      assert.match(help, new RegExp(`^Usage: metaq ${command.name()} `), command.name());
      for (const option of command.options) assert.ok(help.includes(option.long!), `${command.name()} --help lacks ${option.long}`);
    }
  });

  it("metaq <command> --help and -h print that command's options and defaults and exit 0", async () => {
    const consume = await metaq('consume', '--help');
    assert.match(consume.stdout, /^Usage: metaq consume \[options\] <topic>/);
    assert.match(consume.stdout, /--partition <N>\s+read only this partition \(default: every\s+partition,\s+each in order\)/);
    assert.match(consume.stdout, /--max-size <B>\s+largest fetch in bytes \(default: 1048576\)/);
    assert.match(consume.stdout, /--port <N>\s+broker port \(default: 8123\)/);
    const monitor = await metaq('monitor', '-h');
    assert.match(monitor.stdout, /^Usage: metaq monitor \[options\]/);
    assert.match(monitor.stdout, /--disk-used-percent <P>\s[^-]*\(default:\s+90\)/);
    assert.match(monitor.stdout, /--token <T>\s[^-]*\(env:\s+METAQ_TOKEN\)/);
    const tail = await metaq('help', 'tail');
    assert.match(tail.stdout, /^Usage: metaq tail \[options\]/);
    assert.match(tail.stdout, /--files <GLOB>/);
  });

  it('metaq --help lists every command with its summary; metaq alone prints the same and exits 0', async () => {
    const { stdout } = await metaq('--help');
    for (const [command, summary] of [
      ['server', 'run a broker'],
      ['produce', 'send messages to a topic'],
      ['dlq', "list a group's dead letters"],
      ['binlog-apply', 'write the row changes of a topic'],
    ]) {
      assert.match(stdout, new RegExp(`^  ${command} [^\\n]*${summary}`, 'm'));
    }
    const bare = await metaq();
    assert.match(bare.stderr, /^Usage: metaq \[options\] \[command\]/);
  });

  it("metaq --version prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
    assert.equal((await metaq('--version')).stdout, `${version}\n`);
    assert.equal((await metaq('-V')).stdout, `${version}\n`);
  });

  it('an unknown command or option names the nearest one, on one line, and exits 64', async () => {
    assertUsageError(await refused(['prodcue']), /^metaq: unknown command 'prodcue' \(did you mean produce\?\)$/, "Run 'metaq --help' for the commands.");
    assertUsageError(
      await refused(['stats', '--prot', '1']),
      /^metaq: unknown option '--prot' \(did you mean --port\?\)$/,
      "Run 'metaq stats --help' for its usage.",
    );
    // A misspelt required option is named as unknown, not reported as the required one missing.
    assertUsageError(
      await refused(['promote', '--brokerid', '1']),
      /^metaq: unknown option '--brokerid' \(did you mean --broker-id\?\)$/,
      "Run 'metaq promote --help' for its usage.",
    );
  });

  it('a bad or missing value exits 64 with the same one line and hint, whichever check found it', async () => {
    const hint = (command: string) => `Run 'metaq ${command} --help' for its usage.`;
    assertUsageError(
      await refused(['consume', 'orders', '--partition', 'first']),
      /^metaq: option '--partition <N>' argument 'first' is invalid\. It must be an integer\.$/,
      hint('consume'),
    );
    assertUsageError(
      await refused(['tail', '--topic', 'logs', '--files', 'x.log', '--from', 'middle']),
      /argument 'middle' is invalid\. Allowed choices are start, end\.$/,
      hint('tail'),
    );
    assertUsageError(await refused(['promote']), /^metaq: required option '--broker-id <N>' not specified$/, hint('promote'));
    assertUsageError(await refused(['slave', 'restart']), /value 'restart' is invalid for argument 'action'/, hint('slave'));
    // Checks the action makes after parsing report the same way.
    assertUsageError(await refused(['lookup', 'orders']), /^metaq: lookup needs either --key K or --id ID$/, hint('lookup'));
    assertUsageError(await refused(['reload']), /^metaq: the admin API needs a token/, hint('reload'));
  });

  it('a topic or group name outside the name rule is a usage error before anything is touched', async () => {
    const hint = (command: string) => `Run 'metaq ${command} --help' for its usage.`;
    assertUsageError(
      await refused(['delete-partitions', '--data', '/tmp', '--topic', '../etc', '--start', '0', '--end', '0', '--force']),
      /^metaq: option '--topic <T>' argument '\.\.\/etc' is invalid\. It is an invalid topic name "\.\.\/etc": a topic name is 1 to 249 characters/,
      hint('delete-partitions'),
    );
    assertUsageError(
      await refused(['offsets', '--group', '', '--topic', 'orders']),
      /argument '' is invalid\. It is an invalid group name "": a group name is/,
      hint('offsets'),
    );
    assertUsageError(
      await refused(['produce', 'a/b', '--message', 'x']),
      /value 'a\/b' is invalid for argument 'topic'\. It is an invalid topic name/,
      hint('produce'),
    );
  });
});
