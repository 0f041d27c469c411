// Docs that work when copied: every server.ini block of README.md and docs/*.md is accepted by the
// broker's parser, and every TypeScript block marked `<!-- runnable -->` runs as written against a
// broker (its `metaq` imports pointed at this build, its broker address at the test's broker);
// doc-shell-blocks.test.ts runs the runnable shell blocks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import type { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { tempDir } from '../support/broker-process.js';
import { blocksOf, DOCS, root } from '../support/doc-blocks.js';
import { startBroker } from '../support/in-process-broker.js';

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

    const runnable = blocks.filter((b) => b.runnable && b.language === 'ts'); // shell blocks: doc-shell-blocks.test.ts
    it('are there', () => assert.ok(runnable.length >= 2, 'README marks its client blocks runnable'));
    for (const block of runnable)
      it(`${block.where} runs as written`, { timeout: 30_000 }, async () => {
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
