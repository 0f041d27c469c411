import type { AuthCommand, Command } from '../protocol/commands.js';
import { Status } from '../protocol/status.js';
import { accessFor, deniedText, holds } from './auth/access-rules.js';
import { ConnectionLogin } from './auth/connection-login.js';
import type { BrokerContext } from './broker-context.js';
import type { UserBook } from './auth/user-book.js';
import { ok, refused } from './handlers/outcome.js';
import type { OkOutcome, RefusedOutcome } from './handlers/outcome.js';

/**
 * The login check in front of the handler table on a broker with `[auth] enabled=true`: `auth`
 * commands are the login's steps, and every other command is checked against the user's rights
 * as they are now, so a change applies at once.
 */
export class ConnectionAuth {
  readonly login: ConnectionLogin;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly users: UserBook,
    /** `address:port` of the client, for the log. */
    private readonly remote: string,
    private readonly remoteAddress: string,
    /** `[auth] legacyPort`: no login; commands are checked against this user's rights. */
    legacyUser: string | undefined,
  ) {
    this.login = new ConnectionLogin(users, legacyUser);
  }

  /**
   * Undefined when this connection's user may run the command, else the 401 saying why (401
   * rather than 403, which MetaQ clients take for a closed partition and retry).
   */
  refusal(command: Command): RefusedOutcome | undefined {
    const access = accessFor(command);
    if (access.right === 'none') return undefined;
    const name = this.login.user;
    const user = name === undefined ? undefined : this.users.get(name);
    let refusal: RefusedOutcome | undefined;
    if (name === undefined)
      refusal = refused(
        Status.unauthorized,
        'authentication required: this broker has [auth] enabled; log in first (client option connection.auth: { username, password })',
      );
    else if (user === undefined) refusal = refused(Status.unauthorized, `user ${name} no longer exists on this broker; log in as another user`);
    else if (!holds(user, access))
      refusal = refused(
        Status.unauthorized,
        `access denied: user ${name} ${deniedText(access)}; an admin can grant it (metaq user add, or PUT /api/users/${name})`,
        'denied',
      );
    if (refusal !== undefined && (command.kind === 'sync' || command.kind === 'syncend')) {
      this.ctx.logger.error(
        { component: 'replication', remote: this.remote, refusal: refusal.text },
        "refused a master's replication: its [auth] brokerUser must be an admin user of this slave",
      );
    }
    return refusal;
  }

  /** One step of the login; a failed one closes the connection once answered. */
  logIn(command: AuthCommand): OkOutcome | RefusedOutcome {
    const step = this.login.step(command, this.ctx.loginBackoff, this.remoteAddress);
    if (step.close) {
      const hint =
        this.ctx.replication.syncSlave === undefined
          ? ''
          : ' (if this is the master, its [auth] brokerUser and brokerPassword must be an admin user of this slave)';
      this.ctx.logger[hint === '' ? 'info' : 'warn'](
        { component: 'connection', remote: this.remote, user: this.login.claimedUser, reason: step.text },
        `login failed: closing the connection${hint}`,
      );
    }
    if (step.code === Status.success) return ok(step.text);
    // Refused by the back-off, no password was checked: not a failed login.
    const failed = step.code === Status.unauthorized && step.blocked !== true;
    return refused(step.code, step.text, failed ? 'login' : undefined, step.close);
  }
}
