// Reads a test child's event log (a group member's, a move client's) while the child may still be appending to it.
import { readFileSync } from 'node:fs';
import type { GroupEvent } from './ownership-checker.js';

/** A group member's events (test/support/group-member.ts). */
export function readEventLog(file: string): GroupEvent[] {
  return readJsonLines<GroupEvent>(file);
}

/**
 * The events logged so far: whole lines only, and only up to the first that does not parse. A read
 * can land in the middle of an append (the last line cut short, or its bytes not yet visible), and a
 * poll that threw on it, or that treated it as an empty log, would judge the member on half a story.
 */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const events: T[] = [];
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a line still being written
  for (const line of lines) {
    try {
      events.push(JSON.parse(line) as T);
    } catch {
      break;
    }
  }
  return events;
}
