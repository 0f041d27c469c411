interface Timer<T> {
  dueMs: number;
  item: T;
}

/**
 * A hashed timing wheel (Varghese and Lauck; Netty's HashedWheelTimer): `slotCount` slots of
 * `tickMs` each, a timer in the slot of its due tick, one slot looked at per tick. Adding is O(1)
 * and a tick costs only the timers of its slot, whatever the total. Timers more than a turn away
 * share slots with nearer ones and are passed over until due.
 *
 * Time is the wall clock (a message is scheduled "at 10:00"): moved forward, every timer now due
 * comes out at the next advance; moved back, the wheel turns on from the new time, and a timer is
 * released once its slot comes round with the clock past its time (within a turn of being due,
 * however far the clock went back).
 */
export class TimingWheel<T> {
  private readonly slots: Array<Array<Timer<T>>>;
  /** The last tick whose slot was handled for good (the one before the current tick). */
  private cursor: number;
  private count = 0;
  /** Timers added already due: out at the next advance, even if the clock has not moved a tick. */
  private overdue: Array<Timer<T>> = [];

  constructor(
    private readonly tickMs: number,
    private readonly slotCount: number,
    nowMs: number,
  ) {
    this.slots = Array.from({ length: slotCount }, () => []);
    this.cursor = Math.floor(nowMs / tickMs) - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Add a timer; one already due comes out at the next advance. */
  add(dueMs: number, item: T): void {
    const tick = Math.floor(dueMs / this.tickMs);
    if (tick <= this.cursor) this.overdue.push({ dueMs, item });
    else this.slots[tick % this.slotCount]!.push({ dueMs, item });
    this.count += 1;
  }

  /** The timers due by `nowMs`, earliest first, taken out of the wheel. */
  advance(nowMs: number): T[] {
    const target = Math.floor(nowMs / this.tickMs);
    if (target <= this.cursor) this.cursor = target - 1; // set back: turn on from here
    const due: Array<Timer<T>> = [];
    // Timers of the current tick (or of ticks passed before the clock went back) wait for their time.
    this.overdue = this.overdue.filter((timer) => timer.dueMs > nowMs || (due.push(timer), false));
    // After a jump of more than a turn every slot is looked at once.
    const steps = Math.min(target - this.cursor, this.slotCount);
    for (let step = 1; step <= steps; step += 1) {
      const index = (this.cursor + step) % this.slotCount;
      const slot = this.slots[index]!;
      if (slot.length === 0) continue;
      this.slots[index] = slot.filter((timer) => timer.dueMs > nowMs || (due.push(timer), false));
    }
    // The current tick is not over: its slot is looked at again, for its timers not yet due.
    this.cursor = target - 1;
    this.count -= due.length;
    return due.sort((a, b) => a.dueMs - b.dueMs).map((timer) => timer.item);
  }
}
