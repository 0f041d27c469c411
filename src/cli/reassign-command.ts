import { NodeFileIO } from '../broker/local-files.js';
import { MetaqError } from '../common/errors.js';
import { topicNameProblem } from '../common/names.js';
import { addMove, readMoves, removeMove } from '../coordination/zk/reassignments.js';
import type { MoveRecord, VersionedMove } from '../coordination/zk/reassignments.js';
import { MetaZnodes } from '../coordination/zk/znodes.js';
import { writeJson } from './json-output.js';
import { withZk } from './zk-command-session.js';
import type { PlannedMove, PlanRequest } from './reassign-plan.js';
import { planMoves, planProblem, readLayout } from './reassign-plan.js';
import { textTable } from './text-table.js';

/** A plan as `--plan` prints it and `--execute` reads it. */
export interface ReassignPlan {
  version: 1;
  moves: PlannedMove[];
}

/** `metaq reassign --plan`: the moves a drain, an added broker or named moves need, as JSON for `--execute`. */
export async function planReassignment(zk: string, root: string, request: PlanRequest, out: NodeJS.WritableStream): Promise<void> {
  const plan = await withZk(zk, async (session) => {
    const layout = await readLayout(session, new MetaZnodes(root));
    try {
      return { version: 1, moves: planMoves(layout, request) } satisfies ReassignPlan;
    } catch (error) {
      throw new MetaqError('MOVE_REFUSED', (error as Error).message);
    }
  });
  writeJson(out, plan);
}

/** Read a plan file (`-` for standard input) and check its shape and names. */
export async function readPlan(file: string): Promise<ReassignPlan> {
  const bytes = file === '-' ? Buffer.from(await readStdin()) : await new NodeFileIO().readFile(file);
  if (bytes === undefined) throw new MetaqError('NOT_FOUND', `the plan ${file} does not exist; make one with metaq reassign --plan > ${file}`);
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MetaqError('USAGE', `the plan ${file} is not JSON (${(error as Error).message}); make one with metaq reassign --plan`);
  }
  const moves = (parsed as { moves?: unknown }).moves;
  if (!Array.isArray(moves)) throw new MetaqError('USAGE', `the plan ${file} has no "moves" array; make one with metaq reassign --plan`);
  for (const [i, m] of moves.entries()) {
    const move = m as Partial<PlannedMove>;
    const whole = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0;
    if (
      typeof move.topic !== 'string' ||
      topicNameProblem(move.topic) !== undefined ||
      !whole(move.source?.broker) ||
      !whole(move.source?.partition) ||
      !whole(move.target?.broker) ||
      !whole(move.target?.partition)
    )
      throw new MetaqError(
        'USAGE',
        `move ${i} of ${file} must be {"topic", "source": {"broker", "partition"}, "target": {"broker", "partition"}} with valid names and whole numbers`,
      );
  }
  return { version: 1, moves: moves as PlannedMove[] };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `metaq reassign --execute`: record the plan's moves in ZooKeeper, where the brokers pick them up. */
export async function executeReassignment(zk: string, root: string, plan: ReassignPlan, throttle: number, out: NodeJS.WritableStream): Promise<void> {
  await withZk(zk, async (session) => {
    const znodes = new MetaZnodes(root);
    const running = (await readMoves(session, znodes)).filter((m) => m.state !== 'done');
    if (running.length > 0)
      throw new MetaqError(
        'MOVE_IN_PROGRESS',
        `${running.length} moves of an earlier reassignment are not done; follow them with metaq reassign --status, or cancel them with metaq reassign --cancel`,
      );
    const problem = planProblem(await readLayout(session, znodes), plan.moves);
    if (problem !== undefined) throw new MetaqError('MOVE_REFUSED', `${problem}; plan again with metaq reassign --plan`);
    const now = new Date().toISOString();
    for (const m of plan.moves) {
      const record: MoveRecord = {
        topic: m.topic,
        source: m.source,
        target: m.target,
        state: 'pending',
        epoch: 1,
        throttleBytesPerSecond: throttle,
        created: now,
        updated: now,
      };
      await addMove(session, znodes, record);
    }
    out.write(
      `${plan.moves.length} moves recorded; the brokers copy and switch them${throttle > 0 ? ` at up to ${throttle} bytes/s each` : ''}. Follow with: metaq reassign --status\n`,
    );
  });
}

/** One line per move for `--status`. */
function statusRow(m: VersionedMove): string[] {
  const start = m.sourceStart ?? 0;
  const copied = m.targetEnd === undefined || m.targetEnd < 0 ? '?' : String(m.targetEnd - start);
  const total = m.sourceEnd === undefined || m.sourceEnd < 0 ? '?' : String(m.sourceEnd - start);
  return [
    m.topic,
    `${m.source.broker}-${m.source.partition}`,
    `${m.target.broker}-${m.target.partition ?? '?'}`,
    m.state,
    `${copied}/${total}`,
    m.problem ?? '',
  ];
}

/**
 * `metaq reassign --status`: every recorded move and how far it got. With `wait`, print again on
 * each change until every move is done (or `timeoutMs` passes). Returns whether all are done.
 */
export async function reassignmentStatus(
  zk: string,
  root: string,
  out: NodeJS.WritableStream,
  options: { json?: boolean; wait?: boolean; timeoutMs?: number },
): Promise<boolean> {
  return withZk(zk, async (session) => {
    const znodes = new MetaZnodes(root);
    const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
    let printed = '';
    for (;;) {
      let changed!: () => void;
      const change = new Promise<void>((resolve) => (changed = resolve));
      const moves = await readMoves(session, znodes, () => changed());
      const allDone = moves.every((m) => m.state === 'done');
      const text = options.json
        ? JSON.stringify(moves.map(({ version: _version, ...m }) => m))
        : moves.length === 0
          ? 'no partition moves recorded'
          : textTable(['topic', 'from', 'to', 'state', 'copied/bytes', 'problem'], moves.map(statusRow));
      if (text !== printed) {
        if (options.json) writeJson(out, JSON.parse(text));
        else out.write(`${text}\n`);
        printed = text;
      }
      if (!options.wait || allDone) return allDone;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // Progress is rewritten every few seconds, so a change comes; the timer bounds the wait anyway.
      await Promise.race([change, new Promise((resolve) => setTimeout(resolve, Math.min(left, 5000)).unref())]);
    }
  });
}

/** `metaq reassign --cancel`: drop the moves that have not fenced their source; the brokers undo their part. */
export async function cancelReassignment(zk: string, root: string, out: NodeJS.WritableStream): Promise<void> {
  await withZk(zk, async (session) => {
    const znodes = new MetaZnodes(root);
    let cancelled = 0;
    for (const m of await readMoves(session, znodes)) {
      if (m.state === 'pending' || m.state === 'copying' || m.state === 'fencing') {
        await removeMove(session, znodes, m);
        cancelled += 1;
      } else if (m.state !== 'done')
        out.write(`${m.topic} ${m.source.broker}-${m.source.partition} is ${m.state}: past the point of cancelling, it finishes by itself\n`);
      else await removeMove(session, znodes, m);
    }
    out.write(`${cancelled} moves cancelled\n`);
  });
}
