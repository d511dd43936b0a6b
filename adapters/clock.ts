// The timers of a Manager: XState's `after` delays, the connection timeout, the
// backoff and the ack timeouts all run on one clock, made like the official
// client's (engine.io-client's installTimerFunctions): the global setTimeout as
// it is when the Manager is created, so that a fake clock installed after the
// import is used, unless `useNativeTimers` asks for the one seen at import.
// A timer that fires is a turn (src/dispatch.ts). The machines' "never"
// (machines/delays.ts: setTimeout's longest delay) is never armed.
import { installTimerFunctions } from "engine.io-client";
import { NEVER } from "../machines/delays.js";
import { turn } from "../src/dispatch.js";

export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A timer delay, or Infinity for the machines' "never" (and anything at or past it): no timer. */
export function timerDelay(ms: number): number {
  return ms < NEVER ? Math.max(0, ms) : Infinity;
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

/** The clock of a Manager's actors: each timer that fires is a turn (its methods on the prototype: nothing but a field per Manager). */
export function actorClock(timers: Timers): Clock {
  return new TimersClock(timers);
}

class TimersClock implements Clock {
  constructor(private readonly timers: Timers) {}
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown {
    const delay = timerDelay(timeout);
    return delay === Infinity ? undefined : startTimer(this.timers, delay, turn, fn as () => void);
  }
  clearTimeout(handle: unknown): void {
    if (handle !== undefined) this.timers.clearTimeoutFn(handle as ReturnType<typeof setTimeout>);
  }
}
