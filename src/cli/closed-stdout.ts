/**
 * Exit quietly (status 0) when whoever reads standard output closes it, as `metaq stats | head -5`
 * does: the command's output is no longer wanted, which is not an error. Other write errors still throw.
 */
export function exitWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}
