// The timers of a Manager: XState's `after` delays, the connection timeout, the
// backoff and the ack timeouts all run on one clock, made like the official
// client's (engine.io-client's installTimerFunctions): the global setTimeout as
// it is when the Manager is created, so that a fake clock installed after the
// import is used, unless `useNativeTimers` asks for the one seen at import.
// A timer that fires is a turn (src/dispatch.ts). An infinite delay (no timeout
// configured) never fires, instead of firing at once as setTimeout(fn,
// Infinity) would; a delay beyond setTimeout's range is clamped to it for the
// same reason.
import { installTimerFunctions } from "engine.io-client";
import { turn } from "../src/dispatch.js";

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

export interface TimerOptions {
  /** The timers captured when engine.io-client was imported, instead of the current global ones. */
  useNativeTimers?: boolean;
  /** Node.js: timers that do not keep the process alive (`autoUnref`). */
  autoUnref?: boolean;
}

/** A Manager's timer functions. */
export interface Timers {
  setTimeoutFn: typeof setTimeout;
  clearTimeoutFn: typeof clearTimeout;
  autoUnref: boolean;
}

export function createTimers({ useNativeTimers = false, autoUnref = false }: TimerOptions = {}): Timers {
  const timers = { autoUnref } as Timers;
  installTimerFunctions(timers, { useNativeTimers });
  return timers;
}

/** Arms a timer of `timers` (unref'd with `autoUnref`); its callback gets `args`. */
export function startTimer<A extends unknown[]>(timers: Timers, delay: number, callback: (...args: A) => void, ...args: A): unknown {
  const handle = timers.setTimeoutFn(callback as (...args: unknown[]) => void, delay, ...args);
  // browsers return a number
  if (timers.autoUnref) (handle as { unref?: () => void }).unref?.();
  return handle;
}

/** The clock of a Manager's actors: each timer that fires is a turn. */
export function actorClock(timers: Timers): Clock {
  return {
    setTimeout(fn, timeout) {
      const delay = timerDelay(timeout);
      return delay === Infinity ? undefined : startTimer(timers, delay, turn, fn as () => void);
    },
    clearTimeout(handle) {
      if (handle !== undefined) timers.clearTimeoutFn(handle as ReturnType<typeof setTimeout>);
    },
  };
}
