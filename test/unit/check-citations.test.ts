import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const checker = fileURLToPath(new URL('../../../scripts/check-citations.js', import.meta.url));
// Built from pieces so this file itself passes the check it tests.
const sectionSign = '\u00a7';
const present = ['docs', 'present.md'].join('/');
const missing = ['docs', 'missing.md'].join('/');
const source = ['src', 'b'].join('/');

/** A fresh git repository holding `files`; the checker's verdict on it. */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'metaq-citations-'));
  try {
    const init = spawnSync('git', ['init', '-q', root]);
    assert.equal(init.status, 0, String(init.stderr));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    const run = spawnSync(process.execPath, [checker, root], { encoding: 'utf8' });
    return { status: run.status, output: run.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('scripts/check-citations.js', () => {
  it('passes when every citation names a file in the repository', () => {
    const result = check({
      [present]: '# Present\n',
      'lib/a.ts': `// Framing is in ${present}; the code is ${source}.ts (imported as ${source}.js).\n`,
      [`${source}.ts`]: '// See https://example.org/docs/elsewhere.md, /var/metaq/docs/x.md, dist/src/c.js and src/**.\n',
      'README.md': `[present](${present}) and [anchor](#top)\n`,
    });
    assert.equal(result.status, 0, result.output);
  });

  it('fails on a section sign, a document outside the repository and a missing file, naming file:line', () => {
    const result = check({
      [present]: `# Present\n\nSee [gone](gone.md).\n`,
      'lib/a.ts': `// fine\n// Framing (${sectionSign}1.2).\n`,
      'lib/b.ts': `// See ${missing} and ../${'shared'}/notes.\n`,
      'lib/c.ts': '// Layers: DESIGN' + '.md.\n',
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /lib\/a\.ts:2: section sign/);
    assert.match(result.output, /lib\/b\.ts:1: cites docs\/missing\.md, which does not exist/);
    assert.match(result.output, /lib\/b\.ts:1: a path outside the repository/);
    assert.match(result.output, /lib\/c\.ts:1: not in the repository: cite ARCHITECTURE\.md/);
    assert.match(result.output, /docs\/present\.md:3: links to docs\/gone\.md/);
    assert.doesNotMatch(result.output, /lib\/a\.ts:1/);
  });
});
