// What a user of the npm packages gets: each packed tarball installed into a fresh TypeScript
// project, compiled with NodeNext and with node10 module resolution, run against a broker, and
// the README's examples compiled against it by the package's name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

/** Run a command to its end without blocking this process (the broker under test lives here); its output in the error if it fails. */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/** The application: produce a message with the root export, read it back with a subpath's types. */
const APP = `import { MetaqClient, MemoryOffsetStorage } from 'metaq';
import type { ReceivedMessage } from 'metaq/client';

const client = new MetaqClient({ serverUrl: process.argv[2]! });
const sent = await client.producer().send({ topic: 'installed', data: process.argv[3]! });
const received = await new Promise<ReceivedMessage>((resolve) => {
  void client
    .consumer({ group: 'installed', offsetStorage: new MemoryOffsetStorage(), startFrom: 0 })
    .subscribe('installed')
    .run((message) => resolve(message));
});
await client.close();
process.stdout.write(JSON.stringify({ offset: sent.offset, data: received.data.toString() }));
`;

/** The same under CommonJS with node10 resolution: a promise chain, since CommonJS has no top-level await. */
const APP_NODE10 = `import { MetaqClient, MemoryOffsetStorage } from 'metaq';
import type { ReceivedMessage } from 'metaq/client';
import type { MessageSink } from 'metaq/stream';

const client = new MetaqClient({ serverUrl: process.argv[2]! });
const sinkType: typeof MessageSink | undefined = undefined;
void sinkType;
client
  .producer()
  .send({ topic: 'installed10', data: process.argv[3]! })
  .then(() =>
    new Promise<ReceivedMessage>((resolve) => {
      void client
        .consumer({ group: 'installed-node10', offsetStorage: new MemoryOffsetStorage(), startFrom: 0 })
        .subscribe('installed10')
        .run((message) => resolve(message));
    }),
  )
  .then(async (received) => {
    await client.close();
    process.stdout.write(JSON.stringify({ data: received.data.toString() }));
  });
`;

const tsconfig = (options: Record<string, unknown>, include: string[]): string =>
  JSON.stringify({ compilerOptions: { target: 'ES2023', strict: true, skipLibCheck: false, types: ['node'], ...options }, include });

/** Pack the package in `dir` and install it, with `extra` packages, into a fresh project; also the tarball's file list. */
async function packAndInstall(dir: string, extra: string[]): Promise<{ project: string; files: string[] }> {
  const packed = tempDir('pack');
  const [info] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', packed], dir)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const project = tempDir('app');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'installed-app', private: true, type: 'module' }));
  // From the npm cache the repository's own install filled; the registry only for what is missing.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(packed, info!.filename), ...extra], project);
  return { project, files: info!.files.map((f) => f.path) };
}

const typescript = [`typescript@${repoPackage.devDependencies['typescript']}`, `@types/node@${repoPackage.devDependencies['@types/node']}`];

describe('the npm package, installed into a fresh TypeScript project', () => {
  let broker: Broker;
  let files: string[];
  let project: string;

  before(async () => {
    broker = await startBroker();
    ({ project, files } = await packAndInstall(root, [...typescript, `mysql2@${repoPackage.devDependencies['mysql2']}`]));
  });
  after(async () => {
    await broker.stop();
  });

  it('holds what runs and its types, and no tests, benchmarks or sources', () => {
    for (const wanted of [
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'bin/metaq.cjs',
      'dist/src/client/index.js',
      'dist/src/client/index.d.ts',
      'console/public/index.html',
    ])
      assert.ok(files.includes(wanted), `${wanted} is in the package`);
    const stray = files.filter((f) => /^(test|bench|src|scripts|\.ci|dist\/test|dist\/bench|dist\/examples)\/|\.map$/.test(f));
    assert.deepEqual(stray, []);
  });

  it('compiles and runs with NodeNext resolution, importing the root and a subpath', async () => {
    mkdirSync(join(project, 'nodenext'));
    writeFileSync(join(project, 'nodenext/app.ts'), APP);
    writeFileSync(join(project, 'tsconfig.json'), tsconfig({ module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' }, ['nodenext']));
    await run(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], project);
    const output = JSON.parse(await run(process.execPath, ['out/app.js', broker.url, 'hello from nodenext'], project)) as { offset: number; data: string };
    assert.deepEqual(output, { offset: 0, data: 'hello from nodenext' });
  });

  it('compiles with node10 resolution (subpaths through typesVersions) and runs as CommonJS', async () => {
    const dir = join(project, 'node10');
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.ts'), APP_NODE10);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      tsconfig({ module: 'CommonJS', moduleResolution: 'node10', esModuleInterop: true, outDir: 'out', typeRoots: ['../node_modules/@types'] }, ['app.ts']),
    );
    await run(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], dir);
    const output = JSON.parse(await run(process.execPath, ['out/app.js', broker.url, 'hello from node10'], dir)) as { data: string };
    assert.deepEqual(output, { data: 'hello from node10' });
  });

  it("compiles the repository's examples against the package by name", async () => {
    const dir = join(project, 'examples');
    mkdirSync(dir);
    for (const example of ['word-count.ts', 'debit-and-publish.ts']) copyFileSync(join(root, 'examples', example), join(dir, example));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      tsconfig({ module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, typeRoots: ['../node_modules/@types'] }, ['*.ts']),
    );
    await run(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], dir);
  });

  it('installs the metaq command', async () => {
    assert.equal((await run(join(project, 'node_modules/.bin/metaq'), ['--version'], project)).trim(), repoPackage.version);
  });
});

describe('metaq-client, the client alone, installed into a fresh TypeScript project', () => {
  let broker: Broker;
  let files: string[];
  let project: string;

  before(async () => {
    broker = await startBroker();
    ({ project, files } = await packAndInstall(join(root, 'packages/client'), typescript));
  });
  after(async () => {
    await broker.stop();
  });

  it('holds the client and pulls in no server code or server dependencies', () => {
    assert.ok(files.includes('dist/client/index.js') && files.includes('dist/client/index.d.ts'), 'the client and its types');
    assert.deepEqual(
      files.filter((f) => /^dist\/(broker|admin|cli|integrations)\//.test(f)),
      [],
    );
    const installed = readdirSync(join(project, 'node_modules'));
    for (const server of ['metaq', 'fastify', '@fastify', 'preact', 'uplot', 'protobufjs', 'yazl', 'croner', 'commander', 'prom-client', 'htm'])
      assert.ok(!installed.includes(server), `${server} is not installed with the client`);
  });

  it('compiles and runs with NodeNext resolution', async () => {
    mkdirSync(join(project, 'client-app'));
    writeFileSync(
      join(project, 'client-app', 'app.ts'),
      APP.replaceAll("from 'metaq'", "from 'metaq-client'").replace("from 'metaq/client'", "from 'metaq-client'"),
    );
    writeFileSync(join(project, 'tsconfig.json'), tsconfig({ module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' }, ['client-app']));
    await run(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], project);
    const output = JSON.parse(await run(process.execPath, ['out/app.js', broker.url, 'hello from metaq-client'], project)) as { offset: number; data: string };
    assert.deepEqual(output, { offset: 0, data: 'hello from metaq-client' });
  });
});
