import { SCRAM_MECHANISM, ScramError, ScramServerExchange } from '../../protocol/scram.js';
import type { AuthCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import type { UserBook } from './user-book.js';
import type { LoginBackoff } from './login-backoff.js';

/** What one `auth` step answers, and whether the connection must then be closed. */
export interface LoginStep {
  code: number;
  text: string;
  close: boolean;
  /** Refused by the back-off, without a password check (not a failed login). */
  blocked?: boolean;
}

/**
 * One connection's login on a broker with `[auth] enabled=true`: the SCRAM-SHA-256 exchange
 * step by step. One exchange per connection: a failed one closes it, so guessing passwords
 * costs a connection (and a TLS handshake) per guess.
 */
export class ConnectionLogin {
  private exchange: ScramServerExchange | undefined;
  /** The logged-in user's name. */
  user: string | undefined;

  constructor(
    private readonly users: UserBook,
    /** Set for connections on `legacyPort`: they act as this user without logging in. */
    presetUser?: string,
  ) {
    this.user = presetUser;
  }

  /** The user name this connection's exchange claims, before its proof is checked. */
  get claimedUser(): string | undefined {
    return this.exchange?.claimedUser;
  }

  /** One step; with `backoff`, a login as a name `address` failed too often with is refused before its proof is checked. */
  step(command: AuthCommand, backoff?: LoginBackoff, address = ''): LoginStep {
    const claimed = this.user === undefined ? this.claimedUser : undefined;
    const refusal = claimed === undefined || backoff === undefined ? undefined : backoff.refusal(address, claimed);
    if (refusal !== undefined) return { code: Status.unauthorized, text: refusal.text, close: true, blocked: true };
    const step = this.exchangeStep(command);
    if (step.code === Status.unauthorized) backoff?.failed(address, this.claimedUser ?? '');
    if (claimed !== undefined && this.user !== undefined) backoff?.succeeded(address, claimed);
    return step;
  }

  private exchangeStep(command: AuthCommand): LoginStep {
    if (this.user !== undefined) return { code: Status.badRequest, text: `this connection is already logged in as ${this.user}`, close: false };
    if (command.mechanism !== SCRAM_MECHANISM)
      return { code: Status.badRequest, text: `unsupported mechanism ${command.mechanism}; this broker offers ${SCRAM_MECHANISM}`, close: true };
    const message = command.body.toString('utf8');
    try {
      if (this.exchange === undefined) {
        this.exchange = new ScramServerExchange(
          (name) => this.users.credentials(name),
          (name) => this.users.decoy(name),
        );
        return { code: Status.success, text: this.exchange.first(message), close: false };
      }
      const serverFinal = this.exchange.final(message);
      this.user = this.exchange.user;
      return { code: Status.success, text: serverFinal, close: false };
    } catch (error) {
      if (!(error instanceof ScramError)) throw error;
      // One text for a wrong name and a wrong password alike.
      const text = error.message === 'authentication failed' ? 'authentication failed: wrong user name or password' : `authentication failed: ${error.message}`;
      return { code: Status.unauthorized, text, close: true };
    }
  }
}
