// The fenced blocks of README.md and docs/*.md, for the tests that check the docs work when copied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../..', import.meta.url));

export const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

export interface Block {
  file: string;
  where: string;
  language: string;
  text: string;
  runnable: boolean;
  /** `<!-- runnable: background 8123 8120 -->`: a long-running block, ready once these ports listen. */
  background: number[] | undefined;
}

/** The fenced blocks of a Markdown file, each with its line and whether a `<!-- runnable -->` comment leads it. */
export function blocksOf(file: string): Block[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(<!-- runnable([^>]*)-->\s*\n)?```(\w+)\n([\s\S]*?)```/g)].map((m) => {
    const background = /^:?\s*background((?:\s+\d+)+)/.exec(m[2] ?? '');
    return {
      file,
      where: `${file}:${text.slice(0, m.index + (m[1]?.length ?? 0)).split('\n').length}`,
      language: m[3]!,
      text: m[4]!,
      runnable: m[1] !== undefined,
      background: background === null ? undefined : background[1]!.trim().split(/\s+/).map(Number),
    };
  });
}
