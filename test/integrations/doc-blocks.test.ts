// Docs that work when copied: every server.ini block of README.md and docs/*.md is accepted by the
// broker's parser, and every TypeScript block marked `<!-- runnable -->` runs as written against a
// broker (its `metaq` imports pointed at this build, its broker address at the test's broker).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import type { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

interface Block {
  where: string;
  language: string;
  text: string;
  runnable: boolean;
}

/** The fenced blocks of a Markdown file, each with its line and whether a `<!-- runnable -->` comment leads it. */
function blocksOf(file: string): Block[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(<!-- runnable[^>]*-->\s*\n)?```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
    where: `${file}:${text.slice(0, m.index + (m[1]?.length ?? 0)).split('\n').length}`,
    language: m[2]!,
    text: m[3]!,
    runnable: m[1] !== undefined,
  }));
}

const blocks = DOCS.flatMap(blocksOf);

/** This build's module for a package specifier the docs import. */
const BUILT: Record<string, string> = {
  metaq: 'dist/src/client/index.js',
  'metaq/client': 'dist/src/client/index.js',
  'metaq/stream': 'dist/src/integrations/stream/index.js',
};

describe('documentation blocks', () => {
  it('every server.ini block is accepted (a fragment with [system] and a [topic=*] added)', () => {
    const configs = blocks.filter((b) => b.language === 'ini');
    assert.ok(configs.length >= 5, 'the docs show server.ini blocks');
    for (const block of configs) {
      let text = /^\[system\]/m.test(block.text) ? block.text : `[system]\n${block.text}`;
      if (!/^\[topic=/m.test(text)) text += '[topic=*]\n';
      assert.doesNotThrow(() => parseBrokerConfig(text, block.where), block.where);
    }
  });

  describe('runnable TypeScript blocks', () => {
    let broker: Broker;
    before(async () => {
      broker = await startBroker();
    });
    after(() => broker.stop());

    const runnable = blocks.filter((b) => b.runnable);
    it('are there', () => assert.ok(runnable.length >= 2, 'README marks its client blocks runnable'));
    for (const block of runnable)
      it(`${block.where} runs as written`, { timeout: 30_000 }, async () => {
        assert.equal(block.language, 'ts', `${block.where}: only TypeScript blocks are run`);
        const source = block.text
          .replace(/from '(metaq(?:\/\w+)?)'/g, (whole, specifier: string) => {
            const built = BUILT[specifier];
            assert.ok(built !== undefined, `${block.where} imports ${specifier}: add it to BUILT`);
            return `from '${pathToFileURL(join(root, built)).href}'`;
          })
          .replaceAll('meta://127.0.0.1:8123', broker.url);
        const { outputText, diagnostics } = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
          reportDiagnostics: true,
        });
        assert.deepEqual(diagnostics ?? [], [], `${block.where} is valid TypeScript`);
        const file = join(tempDir('doc-block'), 'block.mjs');
        writeFileSync(file, outputText);
        await promisify(execFile)(process.execPath, [file], { timeout: 20_000 }).catch((error: Error & { stderr?: string }) => {
          throw new Error(`${block.where} failed:\n${error.stderr ?? error.message}`, { cause: error });
        });
      });
  });
});
