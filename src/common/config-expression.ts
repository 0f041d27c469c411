/**
 * MetaQ evaluates numeric config values as expressions (`1024*1024`, docs/operations.md). This evaluates the
 * integer arithmetic those files use: + - * / % and parentheses. Anything else is refused.
 */
export function evaluateIntegerExpression(text: string): number {
  const tokens = text.match(/\d+|[-+*/%()]|\S/g) ?? [];
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const fail = (): never => {
    throw new SyntaxError(`${JSON.stringify(text)} is not an integer expression`);
  };
  const primary = (): number => {
    const token = tokens[at++];
    if (token === '(') {
      const value = sum();
      if (tokens[at++] !== ')') fail();
      return value;
    }
    if (token === '-') return -primary();
    if (token === undefined || !/^\d+$/.test(token)) return fail();
    return Number(token);
  };
  const product = (): number => {
    let value = primary();
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      at += 1;
      const right = primary();
      value = op === '*' ? value * right : op === '/' ? Math.trunc(value / right) : value % right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      at += 1;
      value = op === '+' ? value + product() : value - product();
    }
    return value;
  };
  const value = sum();
  if (at !== tokens.length || !Number.isSafeInteger(value)) fail();
  return value;
}
