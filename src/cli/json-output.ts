/** Writes `value` as one JSON document and a newline; bigints (64-bit message ids) become strings, as JSON numbers would round them. */
export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? field.toString() : field))}\n`);
}
