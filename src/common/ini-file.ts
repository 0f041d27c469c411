import { ConfigError } from './errors.js';

export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  entries: IniEntry[];
}

/**
 * Read an INI text into sections, keeping line numbers so configuration errors can point at the
 * offending line. `;` and `#` start comment lines; keys before any section are an error. We keep
 * our own reader rather than a generic INI package because errors must name the line.
 */
export function parseIni(text: string, fileName: string): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('[')) {
      if (!trimmed.endsWith(']')) throw new ConfigError(`${fileName}:${line}: section header ${JSON.stringify(trimmed)} is missing its closing ']'`);
      current = { name: trimmed.slice(1, -1).trim(), line, entries: [] };
      sections.push(current);
      return;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${fileName}:${line}: expected key=value, got ${JSON.stringify(trimmed)}`);
    if (current === undefined)
      throw new ConfigError(`${fileName}:${line}: ${JSON.stringify(trimmed)} comes before any [section]; put it under [system] or a [topic=...] section`);
    current.entries.push({ key: trimmed.slice(0, eq).trim(), value: trimmed.slice(eq + 1).trim(), line });
  });
  return sections;
}
