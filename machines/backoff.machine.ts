// The reconnection backoff: how long to wait before each reconnection attempt,
// and when to give up. The machine says *when*; nextDelay() says *how much*.
import { assertEvent, assign, sendParent, setup } from "xstate";

export interface BackoffSettings {
  /** Nominal delay before the first attempt, in ms; doubles on every attempt. */
  reconnectionDelay: number;
  /** Cap of the nominal delay, in ms. */
  reconnectionDelayMax: number;
  /** Jitter: the delay lies within [1 - f, 1 + f] x the nominal delay. */
  randomizationFactor: number;
  /** Attempts before giving up. */
  reconnectionAttempts: number;
}

/**
 * The delay before reconnection attempt number `attempt` (1, 2, ...):
 * `reconnectionDelay * 2^(attempt - 1)`, capped by `reconnectionDelayMax`, then
 * jittered within `[1 - randomizationFactor, 1 + randomizationFactor]` of that
 * nominal delay (the documented meaning of both options). `random` is in [0, 1).
 */
export function nextDelay(attempt: number, settings: BackoffSettings, random: number): number {
  const base = Math.max(0, settings.reconnectionDelay);
  const nominal = Math.min(base * 2 ** Math.max(0, attempt - 1), Math.max(0, settings.reconnectionDelayMax));
  const factor = Math.min(1, Math.max(0, settings.randomizationFactor));
  return Math.max(0, Math.round(nominal * (1 + factor * (2 * random - 1))));
}

export interface BackoffInput {
  settings: BackoffSettings;
  /** Source of jitter, [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

export interface BackoffContext {
  settings: BackoffSettings;
  random: () => number;
  /** Attempts scheduled since the last reset. */
  attempts: number;
  /** The delay of the wait in progress, drawn once when it starts. */
  delay: number;
}

export type BackoffEvent =
  /** The connection asks for the next attempt. */
  | { type: "backoff.schedule" }
  /** A reconnection succeeded: start again from the first delay. */
  | { type: "backoff.reset" }
  /** Settings changed at run time (the Manager's setters); they apply to the next attempt. */
  | { type: "backoff.configure"; settings: BackoffSettings };

/** What the backoff tells its parent (the connection machine). */
export type BackoffReport =
  | { type: "backoff.elapsed"; attempt: number }
  | { type: "backoff.exhausted"; attempts: number };

export const backoffMachine = setup({
  types: {
    context: {} as BackoffContext,
    events: {} as BackoffEvent,
    input: {} as BackoffInput,
  },
  delays: {
    backoffDelay: ({ context }) => context.delay,
  },
  guards: {
    attemptsLeft: ({ context }) => context.attempts < context.settings.reconnectionAttempts,
  },
  actions: {
    drawNextDelay: assign(({ context }) => {
      const attempts = context.attempts + 1;
      return { attempts, delay: nextDelay(attempts, context.settings, context.random()) };
    }),
    resetAttempts: assign({ attempts: 0, delay: 0 }),
    applySettings: assign(({ event }) => {
      assertEvent(event, "backoff.configure");
      return { settings: event.settings };
    }),
    reportElapsed: sendParent(({ context }): BackoffReport => ({ type: "backoff.elapsed", attempt: context.attempts })),
    reportExhausted: sendParent(({ context }): BackoffReport => ({ type: "backoff.exhausted", attempts: context.attempts })),
  },
}).createMachine({
  id: "backoff",
  context: ({ input }) => ({
    settings: input.settings,
    random: input.random ?? Math.random,
    attempts: 0,
    delay: 0,
  }),
  initial: "idle",
  on: {
    "backoff.configure": { actions: "applySettings" },
  },
  states: {
    idle: {
      on: {
        "backoff.schedule": [
          { guard: "attemptsLeft", target: "waiting", actions: "drawNextDelay" },
          { target: "exhausted" },
        ],
        "backoff.reset": { actions: "resetAttempts" },
      },
    },
    waiting: {
      after: {
        backoffDelay: { target: "idle", actions: "reportElapsed" },
      },
      on: {
        "backoff.reset": { target: "idle", actions: "resetAttempts" },
      },
    },
    exhausted: {
      type: "final",
      entry: "reportExhausted",
    },
  },
});
