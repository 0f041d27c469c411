/** The broker-wide counters of `stats` (docs/protocol.md, stats), counted since start. */
export class BrokerCounters {
  cmdPut = 0;
  cmdGet = 0;
  cmdOffset = 0;
  getMiss = 0;
  putFailed = 0;
  txBegin = 0;
  txXaBegin = 0;
  txCommit = 0;
  txRollback = 0;
  currentConnections = 0;
  /** Connections closed at once because a limit was reached, by limit (metaq). */
  refusedConnections = { total: 0, perIp: 0 };
  /** Connections closed because a command line did not arrive in time (metaq). */
  headerTimeouts = 0;
  /** Connections closed because a request body did not arrive within bodyTimeoutMs (metaq). */
  bodyTimeouts = 0;
  /** Connections closed after idleTimeoutMs with nothing in flight and nothing received (metaq). */
  idleTimeouts = 0;
  /** Connections closed because their unsent replies made no progress within bodyTimeoutMs (metaq). */
  writeStallTimeouts = 0;
  /** Connections closed because their TLS handshake did not finish within handshakeTimeoutMs, broker or HTTPS port (metaq). */
  tlsHandshakeTimeouts = 0;
  /** TLS handshakes under way right now, broker and HTTPS ports (a gauge; metaq). */
  tlsHandshakesInProgress = 0;
  /** Requests refused because their connection had maxInFlightRequests unanswered. */
  busyRefusals = 0;
  /** Logins refused (wrong user or password, malformed exchange) (metaq). */
  loginFailures = 0;
  /** Commands refused because the user lacks the right, by right (metaq). */
  accessDenials = { publish: 0, subscribe: 0, admin: 0 };
  /** TLS handshakes that failed on the broker port (metaq). */
  tlsHandshakeFailures = 0;
  /** Puts refused because a message was over its topic's maxMessageSize (metaq). */
  oversizedMessages = 0;
  /** Commands refused because a topic or group name broke the name rules (metaq). */
  invalidNames = 0;
}
