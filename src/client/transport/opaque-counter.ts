const START = -2147483648;
const WRAP = 2147483637;

/** Request ids as the Java client makes them (docs/protocol.md, opaque): from -2^31 up, wrapping before 2^31 - 10. */
export class OpaqueCounter {
  private next = START;

  take(): number {
    const value = this.next;
    this.next = value >= WRAP ? START : value + 1;
    return value;
  }
}
