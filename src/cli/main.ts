#!/usr/bin/env node
import type { Command } from 'commander';
import { exitWhenStdoutCloses } from './closed-stdout.js';
import { createProgram, exitCodeOf } from './program/cli-program.js';

// `metaq`: the command line. Each command's name, options, help and action are declared in
// src/cli/program/; this only runs the one named and turns its errors into an exit code. What a
// command runs is imported when it runs, so --help and usage errors load only the declarations.
exitWhenStdoutCloses();
const argv = process.argv.slice(2);
const program = createProgram();
let running: Command = program;
program.hook('preAction', async (_program, command) => {
  running = command;
  const { loadConnectionEnv } = await import('./connection-env.js');
  await loadConnectionEnv();
});
program.parseAsync(argv, { from: 'user' }).catch((error: unknown) => {
  process.exitCode = exitCodeOf(error, argv, running);
});
