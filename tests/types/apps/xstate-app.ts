// An XState app's code from docs/xstate.md, against the built package and the
// app's own xstate (one copy: xstate is a peer dependency). Compiled, with the
// docs' chat example (docs/examples/chat.ts, its imports made the package's),
// by tests/types/xstate-app.test.ts, and by scripts/check-xstate.sh against
// the lowest xstate the peer range allows.
import { createActor, setup, SimulatedClock, waitFor } from "xstate";
import { io } from "socket.io-client-xstate";
import { backoffMachine, connectionMachine } from "socket.io-client-xstate/machines";
import { socketActor } from "socket.io-client-xstate/xstate";
import { transitionLogger } from "socket.io-client-xstate/inspector";

export const app = setup({ actors: { socket: socketActor } }).createMachine({
  invoke: { src: "socket", input: { url: "https://example.com/chat" } },
});

export async function runningActors() {
  const socket = io("https://example.com", { inspect: transitionLogger() });
  await waitFor(socket.actor, (snapshot) => snapshot.hasTag("connected"));
  const waiting: boolean = socket.io.actor.getSnapshot().matches({ active: "waiting" });
  const attempt: number = socket.io.actor.getSnapshot().context.attempt;
  socket.io.actor.on("reconnect_attempt", ({ attempt }) => console.log("attempt", attempt));
  const same: boolean = socket.io.actor.getSnapshot().context.namespaces.get("/") === socket.actor;
  socket.actor.on("inactive", () => console.log("the Socket will not reconnect by itself"));
  createActor(app).start();
  return { waiting, attempt, same, definition: connectionMachine.id };
}

export function backoffSchedule() {
  const clock = new SimulatedClock();
  const settings = { reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0, reconnectionAttempts: 3 };
  const wait = createActor(backoffMachine, { input: { attempt: 2, settings }, clock }).start();
  const delay: number = wait.getSnapshot().context.delay;
  clock.increment(2000);
  return { delay, output: wait.getSnapshot().output };
}
