// Every citation in the repository points at a file in the repository. Run by `npm run lint`:
// `node scripts/check-citations.js [root]` lists each offence as file:line and exits 1.
// The patterns are written so this file does not match itself (e.g. `\u00a7`, `DESIGN\.md`).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const root = process.argv[2] ?? process.cwd();

/** Words that point outside the repository, and what to write instead. */
const forbidden = [
  { pattern: /\u00a7/, advice: 'section sign: cite the in-repo document instead (docs/<topic>.md, ARCHITECTURE.md, docs/testing.md)' },
  { pattern: /\.\.\/shared/, advice: 'a path outside the repository: cite the in-repo document instead' },
  { pattern: /DESIGN\.md/, advice: 'not in the repository: cite ARCHITECTURE.md' },
  { pattern: /metaq-referenc[e]/, advice: 'not in the repository: cite the docs/<topic>.md that covers it' },
  { pattern: /reliability-matri[x]/, advice: 'not in the repository: cite docs/testing.md (fault-test ids) or RELIABILITY.md' },
];

// A path-like token; `*`, `$`, `:` and quotes end it, so globs, templates and URLs never form one.
const token = /[\w.@/-]+/g;
// Tokens that cite a repository file: the top-level documents, docs/*.md, and source paths with an extension.
const cited = /^(?:(?:ARCHITECTURE|RELIABILITY|BENCHMARKS|README)\.md|docs\/[\w./-]+\.md|(?:src|test|bench|scripts)\/[\w./-]*\.[A-Za-z]\w*)$/;
// Markdown links: relative targets are resolved from the linking file's folder.
const link = /\]\(([^)\s]+)\)/g;

function trackedFiles() {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  return out.split('\0').filter((file) => file !== '' && file !== 'package-lock.json');
}

function textOf(file) {
  const path = join(root, file);
  if (!existsSync(path) || !statSync(path).isFile()) return undefined; // deleted but still in the index
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 8000).includes(0)) return undefined; // binary
  return bytes.toString('utf8');
}

/** The repository path a token cites, or undefined when it cites none (URLs, absolute and dist/ paths). */
function citedPath(raw) {
  let path = raw.replace(/[.,;]+$/, '');
  while (path.startsWith('./') || path.startsWith('../')) path = path.slice(path.indexOf('/') + 1);
  return cited.test(path) ? path : undefined;
}

/** Does the cited file exist? A `.js` path cites the `.ts` it compiles from, as imports do. */
function exists(path) {
  return existsSync(join(root, path)) || (path.endsWith('.js') && existsSync(join(root, `${path.slice(0, -3)}.ts`)));
}

function linkTarget(file, target) {
  if (/^[a-z][\w+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('/')) return undefined;
  const path = target.split('#')[0];
  if (path === '') return undefined;
  return normalize(join(dirname(file), decodeURI(path)));
}

const problems = [];
for (const file of trackedFiles()) {
  const text = textOf(file);
  if (text === undefined) continue;
  text.split('\n').forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    for (const { pattern, advice } of forbidden) {
      if (pattern.test(line)) problems.push(`${where}: ${advice}`);
    }
    for (const [raw] of line.matchAll(token)) {
      const path = citedPath(raw);
      if (path !== undefined && !exists(path)) problems.push(`${where}: cites ${path}, which does not exist: fix the path or drop the citation`);
    }
    if (!file.endsWith('.md')) return;
    for (const [, target] of line.matchAll(link)) {
      const path = linkTarget(file, target);
      if (path !== undefined && !path.startsWith('..') && !exists(path)) problems.push(`${where}: links to ${path}, which does not exist: fix the link`);
    }
  });
}

if (problems.length > 0) {
  console.error(`check-citations: ${problems.length} citation(s) point outside the repository or at missing files:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
