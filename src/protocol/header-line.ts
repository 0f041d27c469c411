/**
 * Split a header line the way Java's `Pattern.split(" ")` does (docs/protocol.md, framing): every single space is a
 * separator, consecutive spaces give empty tokens, trailing empty tokens are dropped.
 */
export function splitHeader(line: string): string[] {
  const tokens = line.split(' ');
  while (tokens.length > 0 && tokens[tokens.length - 1] === '') tokens.pop();
  return tokens;
}
