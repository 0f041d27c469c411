/** Numbers as operators read them. */

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function rate(n: number): string {
  return `${n.toLocaleString('en-US', { maximumFractionDigits: 1 })}/s`;
}

export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

export function ago(ms: number): string {
  return `${duration(Math.max(0, Math.round((Date.now() - ms) / 1000)))} ago`;
}
