export type AlertKind =
  | 'unreachable'
  | 'probe-send'
  | 'probe-receive'
  | 'put-failed'
  | 'stalled-consumer'
  | 'prepared-transactions'
  | 'connections'
  | 'disk'
  | 'load'
  | 'zookeeper'
  | 'replication';

/** A condition found in one round; `subject` tells apart alerts of one kind on one broker. */
export interface Alert {
  broker: string;
  kind: AlertKind;
  subject: string;
  message: string;
}

const keyOf = (alert: Alert): string => `${alert.broker}\u0000${alert.kind}\u0000${alert.subject}`;

/**
 * Which alerts are active. Like Alertmanager, a condition is reported when it starts and when it
 * clears, not again every round while it lasts.
 */
export class AlertBook {
  private readonly active = new Map<string, Alert>();
  /** Alerts that fired during the whole run. */
  fired = 0;

  /**
   * The alerts found in a round for `brokers` (the brokers that round looked at): returns those
   * that started and those that cleared.
   */
  update(brokers: readonly string[], found: readonly Alert[]): { started: Alert[]; cleared: Alert[] } {
    const now = new Map(found.map((alert) => [keyOf(alert), alert]));
    const started = [...now].filter(([key]) => !this.active.has(key)).map(([, alert]) => alert);
    const cleared = [...this.active].filter(([key, alert]) => brokers.includes(alert.broker) && !now.has(key)).map(([, alert]) => alert);
    for (const alert of cleared) this.active.delete(keyOf(alert));
    for (const alert of started) this.active.set(keyOf(alert), alert);
    this.fired += started.length;
    return { started, cleared };
  }

  get activeCount(): number {
    return this.active.size;
  }
}
