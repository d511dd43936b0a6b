// The reconnection backoff: one wait before a reconnection attempt. The
// connection machine decides whether an attempt is left (its guard
// `canReconnect`, which also tells the namespaces whether the Manager will
// retry) and only then invokes it, with the number of the next attempt and the
// current settings, so that settings changed at run time apply to the next
// attempt, and a successful reconnection (attempt back to 0) starts again from
// the first delay. The machine says *when*; nextDelay() says *how much*.
import { assign, setup } from "xstate";

export interface BackoffSettings {
  /** Nominal delay before the first attempt, in ms; doubles on every attempt. */
  reconnectionDelay: number;
  /** Cap of the nominal delay, in ms. */
  reconnectionDelayMax: number;
  /** Jitter: the delay lies within [1 - f, 1 + f] x the nominal delay. */
  randomizationFactor: number;
  /** Attempts before giving up (the connection machine's decision; the wait does not read it). */
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
  const max = Math.max(0, settings.reconnectionDelayMax);
  // 2^1024 is Infinity, and 0 * Infinity is NaN: past the cap the exponent no longer matters
  const growth = base * 2 ** Math.min(Math.max(0, attempt - 1), 1023);
  const nominal = Number.isFinite(growth) ? Math.min(growth, max) : max;
  const factor = Math.min(1, Math.max(0, settings.randomizationFactor));
  return Math.max(0, Math.round(nominal * (1 + factor * (2 * random - 1))));
}

export interface BackoffInput {
  /** The number of the attempt to wait for (1 for the first reconnection attempt). */
  attempt: number;
  settings: BackoffSettings;
  /** Source of jitter, [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

export interface BackoffContext {
  attempt: number;
  settings: BackoffSettings;
  /** The delay of this wait, drawn once when it starts. */
  delay: number;
  random: () => number;
}

/** How the wait ended: `attempt` is due. */
export type BackoffOutput = { attempt: number };

export const backoffMachine = setup({
  types: {
    context: {} as BackoffContext,
    input: {} as BackoffInput,
    output: {} as BackoffOutput,
  },
  delays: {
    backoffDelay: ({ context }) => context.delay,
  },
  actions: {
    drawDelay: assign({
      delay: ({ context }) => nextDelay(context.attempt, context.settings, context.random()),
    }),
  },
}).createMachine({
  id: "backoff",
  context: ({ input }) => ({
    attempt: input.attempt,
    settings: input.settings,
    delay: 0,
    random: input.random ?? Math.random,
  }),
  initial: "waiting",
  states: {
    // the delay is drawn once, as the wait starts
    waiting: {
      entry: "drawDelay",
      after: { backoffDelay: { target: "elapsed" } },
    },
    elapsed: {
      type: "final",
      output: ({ context }) => ({ attempt: context.attempt }),
    },
  },
  // the output of the final state reached
  output: ({ event }) => (event as unknown as { output: BackoffOutput }).output,
});
