/**
 * A stats reply's text values as JSON values, for `--json` (stats, slave status): whole numbers as
 * numbers, true/false as booleans, `k v k v…` lines (topics, offsets, replication partitions) and
 * `K=v,K=v` tallies (realtime) as objects. Anything else stays a string; a key without a value, or null, is null.
 */
export type StatsValue = number | boolean | string | null | { [key: string]: StatsValue };

const PAIR_KEY = /^[a-z_]+$/;

function scalar(text: string): StatsValue {
  if (text === 'true' || text === 'false') return text === 'true';
  // Decimals like realtime's Value/Count too; ids past 2^53 stay strings rather than round.
  if (/^-?\d+(\.\d+)?$/.test(text) && Number.isSafeInteger(Math.trunc(Number(text)))) return Number(text);
  return text;
}

function pairs(entries: Array<[string, string]>): { [key: string]: StatsValue } {
  return Object.fromEntries(entries.map(([key, value]) => [key, scalar(value)]));
}

export function statsValue(text: string): StatsValue {
  // decodeStatsReply's stand-in for a line that is only a key; realtime's for a kind never counted.
  if (text === 'NO VALUE' || text === 'null') return null;
  const words = text.split(' ');
  if (words.length > 1 && words.length % 2 === 0 && words.every((word, i) => i % 2 === 1 || PAIR_KEY.test(word)))
    return pairs(words.flatMap((word, i) => (i % 2 === 0 ? [[word, words[i + 1]!] as [string, string]] : [])));
  const tally = text.split(',').map((part) => part.split('='));
  if (tally.length > 1 && tally.every((part) => part.length === 2)) return pairs(tally as Array<[string, string]>);
  return scalar(text);
}

/** `stats config`: the server.ini text is not key/value lines, so `--json` gives it back whole, as `config`. */
export function configText(values: Map<string, string>): string {
  return [...values].map(([key, value]) => (value === 'NO VALUE' ? key : `${key} ${value}`)).join('\n');
}

/** A stats item's key → value map as a JSON object, keys in the broker's order. */
export function statsObject(values: Map<string, string>): { [key: string]: StatsValue } {
  return Object.fromEntries([...values].map(([key, value]) => [key, statsValue(value)]));
}
