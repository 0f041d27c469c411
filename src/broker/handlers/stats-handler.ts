import type { StatsCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { statsReport } from '../stats/stats-report.js';
import { shareableConfigText } from '../config/shareable-config.js';

/** `stats [item]` (§1.3.6, §7.1); `config` answers the raw server.ini text. */
export function handleStats(command: StatsCommand, ctx: BrokerContext, reply: ReplySink): void {
  const item = command.item?.trim();
  const text = item === 'config' ? shareableConfigText(ctx.config.text) : statsReport(item, ctx);
  reply.send(encodeResult(Status.success, command.opaque, text));
}
