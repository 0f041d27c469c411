import { InvalidArgumentError } from '../errors.js';

/** An XA transaction branch id: format, global transaction id and branch qualifier (≤ 64 bytes each). */
export interface Xid {
  formatId: number;
  gtrid: Buffer;
  bqual: Buffer;
}

/** MetaQ's key for an XA branch (docs/protocol.md, transaction): `XID:<format>:<gtrid hex>:<bqual hex>:<qualifier>`. */
export function xidKey(xid: Xid, uniqueQualifier: string): string {
  return `XID:${xid.formatId}:${xid.gtrid.toString('hex')}:${xid.bqual.toString('hex')}:${uniqueQualifier}`;
}

export function parseXidKey(key: string): Xid {
  const [prefix, format, gtrid, bqual] = key.split(':');
  if (prefix !== 'XID' || format === undefined || gtrid === undefined || bqual === undefined)
    throw new InvalidArgumentError('XA key', `${JSON.stringify(key)} is not XID:<format>:<gtrid>:<bqual>:<qualifier>`);
  return { formatId: Number(format), gtrid: Buffer.from(gtrid, 'hex'), bqual: Buffer.from(bqual, 'hex') };
}

export function sameXid(a: Xid, b: Xid): boolean {
  return a.formatId === b.formatId && a.gtrid.equals(b.gtrid) && a.bqual.equals(b.bqual);
}

/** A readable form for logs and errors. */
export function describeXid(xid: Xid): string {
  return `${xid.formatId}:${xid.gtrid.toString('latin1')}:${xid.bqual.toString('latin1')}`;
}
