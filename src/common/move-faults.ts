/**
 * Faults the online-move kill tests switch on for their negative controls (docs/testing.md): each
 * removes one protection of a move, so the test shows its checker catches what the protection
 * prevents. Environment variables, read once; anything reading one logs loudly that it is on.
 */
export const MOVE_FAULTS = {
  /** The source keeps taking puts for a partition it is moving away (acked writes past the copy's end are lost). */
  unfenced: 'METAQ_TEST_FAULT_MOVE_UNFENCED',
  /** The target stops copying when it asks for the fence and switches with what it has (the copy ends short). */
  shortCopy: 'METAQ_TEST_FAULT_MOVE_SHORT_COPY',
  /** Neither the brokers nor a consumer carry a group's offset to the moved partition (redelivery). */
  offsetsNotCarried: 'METAQ_TEST_FAULT_MOVE_OFFSETS_NOT_CARRIED',
} as const;

export type MoveFault = keyof typeof MOVE_FAULTS;

/** Whether a move fault is switched on in this process. */
export function moveFault(fault: MoveFault): boolean {
  return process.env[MOVE_FAULTS[fault]] === '1';
}

/** The faults switched on, by variable name, for a loud log line. */
export function moveFaultsOn(): string[] {
  return (Object.keys(MOVE_FAULTS) as MoveFault[]).filter(moveFault).map((fault) => MOVE_FAULTS[fault]);
}
