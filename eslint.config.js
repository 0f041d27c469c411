// Lint rules: type-aware typescript-eslint plus the layer rules (ARCHITECTURE.md, Layers).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const fsModules = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises'];
const fsRule = { paths: fsModules.map((name) => ({ name, message: 'Only src/storage/io may touch the file system (ARCHITECTURE.md, Layers).' })) };

/** Forbid imports of our own folders that a layer may not depend on. */
function layer(files, forbidden, allowFs = false) {
  const patterns = forbidden.map((dir) => ({
    group: [`**/${dir}`, `**/${dir}/**`],
    message: `${files} may not import src/${dir} (ARCHITECTURE.md, Layers).`,
  }));
  return {
    files: [files],
    rules: { 'no-restricted-imports': ['error', allowFs ? { patterns } : { ...fsRule, patterns }] },
  };
}

/** A client file that keeps local state: the file system, and from src/storage only the atomic write and NodeFileIO. */
function clientLocalFile(file) {
  const patterns = [
    ...['broker', 'admin', 'cli'].map((dir) => ({
      group: [`**/${dir}`, `**/${dir}/**`],
      message: `${file} may not import src/${dir} (ARCHITECTURE.md, Layers).`,
    })),
    {
      regex: '/storage(/(?!atomic-file\\.js$|io/node-file-io\\.js$)|$)',
      message: `${file} may import only src/storage/atomic-file and src/storage/io/node-file-io of src/storage (ARCHITECTURE.md, Layers).`,
    },
  ];
  return { files: [file], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/', 'packages/*/dist/', 'node_modules/', 'eslint.config.js', 'scripts/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  layer('src/common/**', ['protocol', 'storage', 'coordination', 'broker', 'client', 'admin', 'cli']),
  layer('src/protocol/**', ['storage', 'coordination', 'broker', 'client', 'admin', 'cli']),
  layer('src/storage/**', ['coordination', 'broker', 'client', 'admin', 'cli']),
  layer('src/storage/io/**', ['coordination', 'broker', 'client', 'admin', 'cli'], true),
  layer('src/coordination/**', ['protocol', 'storage', 'broker', 'client', 'admin', 'cli']),
  layer('src/broker/**', ['client', 'admin', 'cli']),
  layer('src/client/**', ['broker', 'storage', 'admin', 'cli']),
  // A replicating broker is a client of its peer: it may use the client's wire transport, nothing else of the client.
  {
    files: ['src/broker/replication/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...fsRule,
          patterns: [
            { group: ['**/admin', '**/admin/**', '**/cli', '**/cli/**'], message: 'src/broker may not import src/admin or src/cli (ARCHITECTURE.md, Layers).' },
            {
              regex: '/client/(?!transport/|errors\\.js$)',
              message: 'src/broker/replication may use only src/client/transport and src/client/errors (a replica talks to its peer over the wire).',
            },
          ],
        },
      ],
    },
  },
  // The client's own local files (offsets, recovery, the XA decision log) live on the client machine, not in
  // broker storage; they replace their files with storage's one atomic write, so they may import that and the
  // real file system it writes through, and nothing else of src/storage.
  clientLocalFile('src/client/offsets/file-offset-storage.ts'),
  clientLocalFile('src/client/local-store/local-message-store.ts'),
  clientLocalFile('src/client/transactions/decision-log.ts'),
  layer('src/admin/**', ['storage', 'client', 'cli']),
  // Integrations (metaq tail, the pino transport…) are client programs: the client, and storage/io for local files.
  layer('src/integrations/**', ['broker', 'coordination', 'admin', 'cli']),
  layer('src/cli/**', ['storage']),
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
    },
  },
);
