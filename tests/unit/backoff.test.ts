// The reconnection backoff: nextDelay()'s arithmetic, then the machine as an
// actor on a SimulatedClock (no real time passes).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createActor, SimulatedClock } from "xstate";
import { backoffMachine, nextDelay, type BackoffSettings } from "../../machines/backoff.machine.js";

const defaults: BackoffSettings = {
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0,
  reconnectionAttempts: Infinity,
};

/** The nominal delay of the spec: reconnectionDelay doubling per attempt, capped by reconnectionDelayMax. */
const nominalDelay = (attempt: number, s: BackoffSettings) =>
  Math.min(s.reconnectionDelay * 2 ** (attempt - 1), s.reconnectionDelayMax);

function startBackoff(attempt: number, settings: Partial<BackoffSettings> = {}, random: () => number = () => 0.5) {
  const clock = new SimulatedClock();
  /** Every transition taken, as "source -> target". */
  const transitions: string[] = [];
  const actor = createActor(backoffMachine, {
    clock,
    input: { attempt, settings: { ...defaults, ...settings }, random },
    inspect: (event) => {
      if (event.type !== "@xstate.microstep") return;
      for (const t of event._transitions) transitions.push(`${t.source.key} -> ${t.target?.map((node) => node.key).join(",")}`);
    },
  });
  actor.start();
  return { actor, clock, transitions };
}

describe("nextDelay", () => {
  it("doubles reconnectionDelay on every attempt and caps it by reconnectionDelayMax when there is no jitter", () => {
    const delays = [1, 2, 3, 4, 5, 6, 10].map((attempt) => nextDelay(attempt, defaults, 0.9));
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it("ignores the random draw when randomizationFactor is 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
        expect(nextDelay(attempt, { ...defaults, reconnectionDelayMax: 1e9 }, random)).toBe(
          Math.min(1000 * 2 ** (attempt - 1), 1e9),
        );
      }),
    );
  });

  it("jitters within [1 - f, 1 + f] x the nominal delay, the lowest draw giving the lower bound", () => {
    const settings = { ...defaults, randomizationFactor: 0.5 };
    expect(nextDelay(1, settings, 0)).toBe(500);
    expect(nextDelay(1, settings, 0.5)).toBe(1000);
    expect(nextDelay(3, settings, 0)).toBe(2000);
    // the cap applies to the nominal delay, before the jitter (the option's documented meaning)
    expect(nextDelay(8, settings, 0)).toBe(2500);
    expect(nextDelay(8, settings, 0.999999)).toBe(7500);
  });

  it("stays within [1 - f, 1 + f] x the nominal delay for any settings, attempt and draw", () => {
    fc.assert(
      fc.property(
        fc.record({
          reconnectionDelay: fc.integer({ min: 0, max: 100_000 }),
          reconnectionDelayMax: fc.integer({ min: 0, max: 1_000_000 }),
          randomizationFactor: fc.double({ min: 0, max: 1, noNaN: true }),
          reconnectionAttempts: fc.constant(Infinity),
        }),
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (settings, attempt, random) => {
          const delay = nextDelay(attempt, settings, random);
          const nominal = nominalDelay(attempt, settings);
          expect(Number.isInteger(delay)).toBe(true);
          // rounding to whole ms moves it by half a millisecond at most
          expect(delay).toBeGreaterThanOrEqual(nominal * (1 - settings.randomizationFactor) - 0.5);
          expect(delay).toBeLessThanOrEqual(nominal * (1 + settings.randomizationFactor) + 0.5);
        },
      ),
    );
  });

  it("never exceeds reconnectionDelayMax x (1 + f), however many attempts failed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (reconnectionDelayMax, attempt, randomizationFactor, random) => {
          const settings = { ...defaults, reconnectionDelayMax, randomizationFactor };
          expect(nextDelay(attempt, settings, random)).toBeLessThanOrEqual(Math.ceil(reconnectionDelayMax * (1 + randomizationFactor)));
        },
      ),
    );
  });

  it("gives reconnectionDelayMax, not Infinity or NaN, at attempt 1000", () => {
    expect(nextDelay(1000, defaults, 0.3)).toBe(5000);
    expect(nextDelay(1000, { ...defaults, reconnectionDelay: 1e300, reconnectionDelayMax: 60_000 }, 0.3)).toBe(60_000);
  });

  it("stays a finite number of ms >= 0 for any attempt number, including a reconnectionDelay of 0", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 5000 }),
        (reconnectionDelay, reconnectionDelayMax, attempt) => {
          const delay = nextDelay(attempt, { ...defaults, reconnectionDelay, reconnectionDelayMax }, 0.5);
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
        },
      ),
      { examples: [[0, 5000, 1100]] },
    );
  });

  it("gives 0, not NaN, past attempt 1024 when reconnectionDelay is 0, and reconnectionDelayMax once the doubling overflows", () => {
    // 2^1024 is Infinity, and 0 x Infinity is NaN
    expect(nextDelay(1025, { ...defaults, reconnectionDelay: 0 }, 0.5)).toBe(0);
    expect(nextDelay(Number.MAX_SAFE_INTEGER, { ...defaults, reconnectionDelay: 0, randomizationFactor: 0.5 }, 0.9)).toBe(0);
    expect(nextDelay(1025, defaults, 0.5)).toBe(5000);
    expect(nextDelay(Number.MAX_SAFE_INTEGER, { ...defaults, randomizationFactor: 0.5 }, 0)).toBe(2500);
  });

  it("is 0 when reconnectionDelay or reconnectionDelayMax is 0", () => {
    expect(nextDelay(1, { ...defaults, reconnectionDelay: 0 }, 0.7)).toBe(0);
    expect(nextDelay(5, { ...defaults, reconnectionDelay: 0, randomizationFactor: 1 }, 0.99)).toBe(0);
    expect(nextDelay(3, { ...defaults, reconnectionDelayMax: 0, randomizationFactor: 0.5 }, 0.99)).toBe(0);
  });
});

describe("backoffMachine", () => {
  it("waits its delay, then ends elapsed with the attempt it waited for", () => {
    const { actor, clock, transitions } = startBackoff(1);
    expect(actor.getSnapshot().value).toBe("waiting");
    expect(actor.getSnapshot().context.delay).toBe(1000);
    clock.increment(1000);
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe("elapsed");
    expect(snapshot.status).toBe("done");
    expect(snapshot.output).toEqual({ attempt: 1 });
    expect(transitions).toEqual(["waiting -> elapsed"]);
  });

  it("waits whatever reconnectionAttempts says: whether an attempt is left is the connection machine's decision", () => {
    for (const reconnectionAttempts of [0, 3]) {
      const { actor, clock } = startBackoff(4, { reconnectionAttempts });
      expect(actor.getSnapshot().value).toBe("waiting");
      clock.increment(5000);
      expect(actor.getSnapshot().output).toEqual({ attempt: 4 });
    }
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 5000],
    [5, 5000],
    [6, 5000],
  ])("waits for attempt %i exactly %i ms with randomizationFactor 0 and reconnectionDelayMax 5000", (attempt, delay) => {
    const { actor, clock } = startBackoff(attempt);
    clock.increment(delay - 1);
    expect(actor.getSnapshot().status).toBe("active");
    clock.increment(1);
    expect(actor.getSnapshot().status).toBe("done");
    expect(actor.getSnapshot().output).toEqual({ attempt });
  });

  it("draws the jitter once per wait, from the random source it was given", () => {
    let draws = 0;
    const { actor, clock } = startBackoff(2, { randomizationFactor: 0.5 }, () => {
      draws++;
      return 0;
    });
    expect(actor.getSnapshot().context.delay).toBe(1000);
    clock.increment(999);
    expect(actor.getSnapshot().status).toBe("active");
    clock.increment(1);
    expect(actor.getSnapshot().status).toBe("done");
    expect(draws).toBe(1);
  });

  it("elapses on the clock's next tick when the delay is 0", () => {
    const { actor, clock } = startBackoff(1, { reconnectionDelay: 0 });
    expect(actor.getSnapshot().context.delay).toBe(0);
    clock.increment(0);
    expect(actor.getSnapshot().output).toEqual({ attempt: 1 });
  });

  it("still elapses at attempt 1100 when reconnectionDelay is 0 (the loop must not stall)", () => {
    const { actor, clock } = startBackoff(1100, { reconnectionDelay: 0 });
    clock.increment(0);
    expect(actor.getSnapshot().output).toEqual({ attempt: 1100 });
  });

  it("waits any delay nextDelay gives, no less and no more, for random settings", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, reconnectionDelay, reconnectionDelayMax, randomizationFactor, random) => {
          const settings = { reconnectionDelay, reconnectionDelayMax, randomizationFactor };
          const expected = nextDelay(attempt, { ...defaults, ...settings }, random);
          const { actor, clock } = startBackoff(attempt, settings, () => random);
          if (expected > 0) {
            clock.increment(expected - 1);
            expect(actor.getSnapshot().status).toBe("active");
          }
          clock.increment(expected > 0 ? 1 : 0);
          expect(actor.getSnapshot().output).toEqual({ attempt });
        },
      ),
      { numRuns: 200 },
    );
  });
});
