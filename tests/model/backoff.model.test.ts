// Model-based tests of the backoff machine: for a grid of inputs, the paths
// xstate/graph generates are replayed on a real actor with a SimulatedClock;
// the delayed event of the model becomes exactly the drawn delay of clock time.
import { describe, expect, it } from "vitest";
import { createActor, SimulatedClock, type SnapshotFrom } from "xstate";
import { backoffMachine, nextDelay, type BackoffInput } from "../../machines/backoff.machine.js";
import { holds, same } from "./check.js";
import { afterEventTypes, describePath, edgePaths, simplePaths, type ModelPath } from "./paths.js";

type Snapshot = SnapshotFrom<typeof backoffMachine>;
type Path = ModelPath<Snapshot, { type: string }>;

const [delayElapsed] = afterEventTypes(backoffMachine);

function* inputs(): Generator<BackoffInput & { draw: number }> {
  for (const attempt of [1, 2, 3, 4, 7])
    for (const reconnectionAttempts of [0, 3, Infinity])
      for (const reconnectionDelay of [0, 1000])
        for (const randomizationFactor of [0, 0.5, 1])
          for (const draw of [0, 0.5, 0.999]) {
            yield {
              attempt,
              settings: { reconnectionDelay, reconnectionDelayMax: 5000, randomizationFactor, reconnectionAttempts },
              random: () => draw,
              draw,
            };
          }
}

function traversal(input: BackoffInput) {
  return {
    input,
    events: [{ type: delayElapsed! }],
    filterEvents: (snapshot: Snapshot, event: { type: string }) => snapshot.can(event as never),
    serializeState: (snapshot: Snapshot) => JSON.stringify([snapshot.value, snapshot.status]),
  };
}

function replay(path: Path, input: BackoffInput & { draw: number }) {
  let draws = 0;
  const clock = new SimulatedClock();
  const actor = createActor(backoffMachine, {
    clock,
    input: {
      ...input,
      random: () => {
        draws++;
        return input.draw;
      },
    },
  });
  actor.start();
  const { attempt, settings } = input;
  const exhausted = attempt > settings.reconnectionAttempts;
  try {
    same(actor.getSnapshot().value, path.initial.value, "initial state");
    // decided at once: wait (one draw of the jitter), or give up (none)
    same(actor.getSnapshot().value, exhausted ? "exhausted" : "waiting", "decision");
    same(draws, exhausted ? 0 : 1, "jitter draws");
    for (const step of path.steps) {
      holds(step.event.type === delayElapsed, `unexpected event ${step.event.type}`);
      const { delay } = actor.getSnapshot().context;
      same(delay, nextDelay(attempt, settings, input.draw), "the delay is nextDelay()");
      if (delay > 0) {
        clock.increment(delay - 1);
        same(actor.getSnapshot().status, "active", "still waiting 1 ms before the delay");
      }
      clock.increment(delay > 0 ? 1 : 0);
      same(actor.getSnapshot().value, step.state.value, "state");
    }
    const snapshot = actor.getSnapshot();
    same(snapshot.status === "done", snapshot.value === "elapsed" || snapshot.value === "exhausted", "done iff final");
    if (snapshot.status === "done") {
      same(snapshot.output, path.steps.at(-1)?.state.output ?? path.initial.output, "output as the model says");
      same(snapshot.output, { attempt, exhausted }, "output");
    }
    same(draws, exhausted ? 0 : 1, "one draw per wait");
  } catch (error) {
    (error as Error).message += `\n  input: ${JSON.stringify({ ...input, random: undefined })}\n  path: ${describePath(path)}`;
    throw error;
  } finally {
    actor.stop();
  }
}

describe("backoff machine, generated paths", () => {
  it("every transition and every simple path, for a grid of settings, attempts and draws, waits exactly the drawn delay", () => {
    let replayed = 0;
    for (const input of inputs()) {
      const paths = [...edgePaths(backoffMachine, traversal(input)), ...simplePaths(backoffMachine, traversal(input))];
      for (const path of paths) {
        replay(path, input);
        replayed++;
      }
    }
    expect(replayed).toBeGreaterThan(500);
  });

  it("the model reaches elapsed when attempts are left and exhausted otherwise, nothing else", () => {
    for (const input of inputs()) {
      const finals = new Set(
        simplePaths(backoffMachine, traversal(input))
          .map((path) => path.steps.at(-1)?.state ?? path.initial)
          .filter((state) => state.status === "done")
          .map((state) => state.value),
      );
      expect([...finals]).toEqual([input.attempt > input.settings.reconnectionAttempts ? "exhausted" : "elapsed"]);
    }
  });
});
