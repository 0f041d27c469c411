import { XaError } from '../errors.js';
import type { PrepareVote, XaResource } from './xa-resource.js';
import type { Xid } from './xid.js';

/**
 * The part of a MariaDB/MySQL connection the branch needs; a mysql2/promise `Connection` is one.
 * It must be a dedicated connection (not a pool): XA state belongs to the session.
 */
export interface XaSqlConnection {
  query(sql: string): Promise<unknown>;
}

/** MySQL error numbers that are XA outcomes. */
const XA_ERRNO: Record<number, number> = {
  1397: -4, // ER_XAER_NOTA: unknown XID (already committed or rolled back)
  1398: -5, // ER_XAER_INVAL
  1399: -7, // ER_XAER_RMFAIL: wrong state
  1400: -3, // ER_XAER_OUTSIDE
  1401: -3, // ER_XAER_RMERR
  1402: 100, // ER_XA_RBROLLBACK
  1613: 106, // ER_XA_RBTIMEOUT
  1614: 102, // ER_XA_RBDEADLOCK
};

/**
 * A MariaDB branch over XA statements (`XA START … XA PREPARE … XA COMMIT`). Run the branch's
 * SQL on `connection` between start and end (inside the manager's `run`). Prepared branches
 * survive a MariaDB crash or a client disconnect (MariaDB ≥ 10.5) and are listed by XA RECOVER.
 */
export class MariaDbXaResource implements XaResource {
  constructor(
    readonly name: string,
    readonly connection: XaSqlConnection,
  ) {}

  start(xid: Xid): Promise<void> {
    return this.xa(`XA START ${sqlXid(xid)}`);
  }

  end(xid: Xid): Promise<void> {
    return this.xa(`XA END ${sqlXid(xid)}`);
  }

  async prepare(xid: Xid): Promise<PrepareVote> {
    await this.xa(`XA PREPARE ${sqlXid(xid)}`);
    return 'ok';
  }

  commit(xid: Xid, onePhase: boolean): Promise<void> {
    return this.xa(`XA COMMIT ${sqlXid(xid)}${onePhase ? ' ONE PHASE' : ''}`);
  }

  rollback(xid: Xid): Promise<void> {
    return this.xa(`XA ROLLBACK ${sqlXid(xid)}`);
  }

  async recover(): Promise<Xid[]> {
    const [rows] = (await this.connection.query('XA RECOVER')) as [
      Array<{ formatID: number | string; gtrid_length: number | string; bqual_length: number | string; data: string | Buffer }>,
    ];
    return rows.map((row) => {
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data, 'latin1');
      const gtridLength = Number(row.gtrid_length);
      return {
        formatId: Number(row.formatID),
        gtrid: data.subarray(0, gtridLength),
        bqual: data.subarray(gtridLength, gtridLength + Number(row.bqual_length)),
      };
    });
  }

  /** MariaDB never completes a branch heuristically: nothing to forget. */
  forget(): Promise<void> {
    return Promise.resolve();
  }

  private async xa(sql: string): Promise<void> {
    try {
      await this.connection.query(sql);
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      const code = errno === undefined ? undefined : XA_ERRNO[errno];
      if (code !== undefined) throw new XaError(code, `${sql}: ${(error as Error).message}`);
      throw error;
    }
  }
}

/** `X'gtrid',X'bqual',formatId`: hex literals, so any bytes are safe in the statement. */
function sqlXid(xid: Xid): string {
  return `X'${xid.gtrid.toString('hex')}',X'${xid.bqual.toString('hex')}',${xid.formatId}`;
}
