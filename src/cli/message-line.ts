import type { ReceivedMessage } from '../client/index.js';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A field as JSON would escape it inside a string, without the quotes: backslash, newline, tab
 * and every other control character, so one message is always one line of tab-separated fields.
 */
export function escapeField(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\u0000-\u001f\u007f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `metaq consume`'s line for a message: partition, offset, id, attribute (`-` when none) and
 * data, tab-separated. The partition comes first, as `metaq lookup` prints it, because consume
 * reads every partition of a topic and an offset means nothing without its partition.
 */
export function messageLine(message: ReceivedMessage, partition: string): string {
  const attribute = message.attribute === undefined ? '-' : escapeField(message.attribute);
  return `${partition}\t${message.offset}\t${message.id}\t${attribute}\t${escapeField(message.data.toString('utf8'))}\n`;
}
