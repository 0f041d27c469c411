// Runs every compiled test file with node's test runner (Node 20 takes files, not globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? find(path) : path.endsWith('.test.js') ? [path] : [];
  });
}

const only = process.argv.slice(2);
for (const script of ['scripts/ensure-databases.sh', 'scripts/ensure-zookeeper.sh', 'scripts/ensure-chromium.sh', 'scripts/ensure-python.sh']) {
  const setup = spawnSync('bash', [script], { stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}
const files = find('dist/test')
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort();
// A hung test fails after 3 minutes instead of blocking CI.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
