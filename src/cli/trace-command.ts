import { tokenOf } from './broker-token.js';
import type { BrokerToken } from './broker-token.js';
import { AdminClient } from '../admin/admin-client.js';
import type { TraceEvent } from '../broker/tracing/trace-book.js';

export interface TraceOptions {
  /** Admin API URLs, one per broker: a message's trace is on the brokers it passed. */
  brokers: string[];
  token: BrokerToken;
  id: string;
  json: boolean;
}

type Row = TraceEvent & { brokerId: number };

/** `metaq trace ID`: a message's path from every broker named, in time order. Returns the events found. */
export async function trace(options: TraceOptions, out: NodeJS.WritableStream): Promise<Row[]> {
  const rows: Row[] = [];
  for (const url of options.brokers) {
    try {
      const { brokerId, events } = await new AdminClient(url, tokenOf(options.token, url)).call<{ brokerId: number; events: TraceEvent[] }>(
        'GET',
        `/traces/${options.id}`,
      );
      rows.push(...events.map((event) => ({ ...event, brokerId })));
    } catch (error) {
      if (!/answered 404/.test((error as Error).message)) throw error;
    }
  }
  rows.sort((a, b) => a.at - b.at);
  if (options.json) out.write(`${JSON.stringify(rows)}\n`);
  else
    for (const row of rows)
      out.write(`${new Date(row.at).toISOString()}\tbroker ${row.brokerId}\t${row.event}\t${row.topic}-${row.partition}\t${detail(row)}\n`);
  return rows;
}

function detail(row: Row): string {
  switch (row.event) {
    case 'produced':
      return `from ${row.client}`;
    case 'stored':
      return `offset ${row.offset}`;
    case 'replicated':
      return `to ${row.slave}`;
    case 'delivered':
      return `offset ${row.offset} to group ${row.group} (${row.client})`;
  }
}
