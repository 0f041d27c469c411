/** Keys whose values are secrets: a shared server.ini shows them as `<hidden>`. */
const SECRET_KEY = /^(\s*(?:token|brokerPassword|password)\s*=).*$/gm;

/**
 * server.ini as `stats config` answers it (an async slave follows its master's topic sections
 * through it): every line as written except secret values, which would otherwise give any
 * client of the broker port the admin token or the replication password.
 */
export function shareableConfigText(text: string): string {
  return text.replace(SECRET_KEY, '$1<hidden>');
}
