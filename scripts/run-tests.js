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

// The whole suite runs on this machine's Node and on Node 24 LTS (scripts/ensure-node24.sh brings
// it): TEST_NODES=current or TEST_NODES=24 for one of them; a run of some files takes this Node only.
const which = process.env.TEST_NODES ?? (only.length > 0 ? 'current' : 'all');
const nodes = which === '24' ? [] : [process.execPath];
if (which === 'all' || which === '24') {
  const ensured = spawnSync('bash', ['scripts/ensure-node24.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (ensured.status !== 0) process.exit(ensured.status ?? 1);
  nodes.push(ensured.stdout.trim());
}
let status = 0;
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`# the tests on Node ${version} (${node})`);
  const result = spawnSync(node, ['--test', '--test-concurrency=2', '--test-timeout=180000', '--test-force-exit', ...files], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
