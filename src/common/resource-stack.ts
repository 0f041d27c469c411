/** Gives one resource back; may be synchronous. */
export type Release = () => Promise<void> | void;

/** Called for every release that throws: releasing carries on with the rest. */
export type ReleaseErrorReport = (name: string, error: unknown) => void;

/**
 * Resources acquired in order and released in reverse: a step that fails releases what the
 * earlier steps acquired before its error is rethrown, and `releaseAll` releases everything even
 * when one release throws. Start and stop of a service are then the same list read both ways.
 */
export class ResourceStack {
  private readonly held: Array<{ name: string; release: Release }> = [];

  constructor(private readonly reportReleaseError: ReleaseErrorReport) {}

  /**
   * Run `open`; on success keep its release (if any) on the stack and return the resource. On
   * failure release everything acquired so far, in reverse, and rethrow `open`'s error.
   */
  async acquire<T>(name: string, open: () => Promise<T> | T, release?: (resource: T) => Promise<void> | void): Promise<T> {
    let resource: T;
    try {
      resource = await open();
    } catch (error) {
      await this.releaseAll().catch(() => undefined); // each failure was reported; the step's error is the one to tell
      throw error;
    }
    if (release !== undefined) this.held.push({ name, release: () => release(resource) });
    return resource;
  }

  /** Keep the release of something already acquired (or safe to release in any state). */
  defer(name: string, release: Release): void {
    this.held.push({ name, release });
  }

  /**
   * Release everything, last acquired first. A release that throws is reported and the rest still
   * run; then the first such error is rethrown. The stack is empty afterwards.
   */
  async releaseAll(): Promise<void> {
    let first: { error: unknown } | undefined;
    for (let entry = this.held.pop(); entry !== undefined; entry = this.held.pop()) {
      try {
        await entry.release();
      } catch (error) {
        this.reportReleaseError(entry.name, error);
        first ??= { error };
      }
    }
    if (first !== undefined) throw first.error;
  }

  /** How many releases are held (for tests and diagnostics). */
  get size(): number {
    return this.held.length;
  }
}
