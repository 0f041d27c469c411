/** One admin token for every broker, or each broker's own (a saved profile's, src/cli/profile/). */
export type BrokerToken = string | ((adminUrl: string) => string);

export function tokenOf(token: BrokerToken, adminUrl: string): string {
  return typeof token === 'string' ? token : token(adminUrl);
}
