// Docs that work when copied: every shell block of README.md and docs/*.md marked
// `<!-- runnable -->` runs as written, in document order, one terminal session per file
// (docs/testing.md has the convention); a block that fails names its doc line and shows its stderr.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { blocksOf, DOCS } from '../support/doc-blocks.js';
import { DocShellSession } from '../support/doc-shell-session.js';

const SHELL = new Set(['sh', 'bash', 'shell']);
const files = DOCS.map((file) => ({ file, blocks: blocksOf(file).filter((b) => b.runnable && SHELL.has(b.language)) })).filter((f) => f.blocks.length > 0);
const isolated = DocShellSession.available();
const skip = isolated ? false : 'needs root, ip netns and unshare to give the docs their own ports and /tmp';

describe('runnable shell blocks', { skip }, () => {
  it('are there', () => assert.ok(files.length >= 3, 'README.md and docs/ mark their shell blocks runnable'));

  for (const [n, { file, blocks }] of files.entries())
    void describe(file, () => {
      let session: DocShellSession;
      before(() => {
        session = DocShellSession.create(String(n));
      });
      after(() => session.close());

      for (const block of blocks)
        if (block.background === undefined)
          it(`${block.where} runs as written`, { timeout: 90_000 }, async () => {
            await session.run(block, 60_000);
          });
        else
          it(`${block.where} starts and listens on ${block.background.join(', ')}`, { timeout: 90_000 }, () => session.start(block, block.background!, 60_000));
    });
});
