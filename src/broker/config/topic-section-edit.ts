import { parseIni } from '../../common/ini-file.js';

/** One `key=value` line of a topic section, in the order it is written. */
export type TopicEntry = readonly [key: string, value: string];

/** Where a section's lines are in a text: `[start, end)`, the header first, trailing blank and comment lines left out. */
function sectionLines(lines: readonly string[], name: string): { start: number; end: number } | undefined {
  const header = (line: string): string | undefined => {
    const trimmed = line.trim();
    return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1).trim() : undefined;
  };
  const start = lines.findIndex((line) => {
    const section = header(line);
    return section !== undefined && section.startsWith('topic=') && section.slice('topic='.length).trim() === name;
  });
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && header(lines[end]!) === undefined) end += 1;
  // Blank lines and comments just above the next header belong to the next section.
  while (end > start + 1 && /^\s*([;#].*)?$/.test(lines[end - 1]!)) end -= 1;
  return { start, end };
}

/** The entries of the `[topic=name]` section (the name as written, wildcards included), or undefined. */
export function topicSectionEntries(text: string, name: string): TopicEntry[] | undefined {
  const section = parseIni(text, 'server.ini').find((s) => s.name.startsWith('topic=') && s.name.slice('topic='.length).trim() === name);
  return section?.entries.map((entry) => [entry.key, entry.value] as const);
}

/**
 * The text with `[topic=name]` holding exactly `entries`: the section is rewritten in place
 * (comments inside it go with it) or appended at the end. The rest of the file, comments
 * included, is kept as the operator wrote it.
 */
export function withTopicSection(text: string, name: string, entries: readonly TopicEntry[]): string {
  const lines = text.split(/\r?\n/);
  const section = [`[topic=${name}]`, ...entries.map(([key, value]) => `${key}=${value}`)];
  const found = sectionLines(lines, name);
  if (found !== undefined) {
    lines.splice(found.start, found.end - found.start, ...section);
    return lines.join('\n');
  }
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return `${lines.join('\n')}\n\n${section.join('\n')}\n`;
}

/** The text without its `[topic=name]` section; unchanged when there is none. */
export function withoutTopicSection(text: string, name: string): string {
  const lines = text.split(/\r?\n/);
  const found = sectionLines(lines, name);
  if (found === undefined) return text;
  let end = found.end;
  while (end < lines.length && lines[end]!.trim() === '') end += 1;
  lines.splice(found.start, end - found.start);
  return lines.join('\n');
}
