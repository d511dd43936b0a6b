// The clock of every actor of a Manager: XState schedules `after` delays with it.
// An infinite delay (no timeout configured) never fires, instead of firing at
// once as setTimeout(fn, Infinity) would; a delay beyond setTimeout's range is
// clamped to it for the same reason.
export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** setTimeout's largest delay (about 24.8 days); larger ones would fire at once. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** A timer delay from an option, or Infinity when it is not a finite number. */
export function timerDelay(ms: number): number {
  return ms < Infinity ? Math.min(Math.max(0, ms), MAX_TIMER_DELAY) : Infinity;
}

export function createClock({ unref = false }: { unref?: boolean } = {}): Clock {
  return {
    setTimeout(fn, timeout) {
      const delay = timerDelay(timeout);
      if (delay === Infinity) return undefined;
      const handle = setTimeout(fn, delay);
      // autoUnref: Node.js only; browsers return a number
      if (unref) (handle as { unref?: () => void }).unref?.();
      return handle;
    },
    clearTimeout(handle) {
      if (handle !== undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}
