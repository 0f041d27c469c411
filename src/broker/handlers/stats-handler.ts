import type { StatsCommand } from '../../protocol/commands.js';
import { statsReport } from '../stats/stats-report.js';
import { shareableConfigText } from '../config/shareable-config.js';
import { ok } from './outcome.js';
import type { RequestContext } from './request-context.js';

/** `stats [item]` (docs/protocol.md, stats); `config` answers the raw server.ini text. */
export function handleStats(command: StatsCommand, request: RequestContext): void {
  const ctx = request.broker;
  const item = command.item?.trim();
  request.answer(command, ok(item === 'config' ? shareableConfigText(ctx.config.text) : statsReport(item, ctx)));
}
