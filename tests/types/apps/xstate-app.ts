// An XState app's code from docs/xstate.md, against the built package and the
// app's own xstate (one copy: xstate is a peer dependency). Compiled by
// tests/types/xstate-app.test.ts, and by scripts/check-xstate.sh against the
// lowest xstate the peer range allows.
import { assign, createActor, setup, SimulatedClock, waitFor } from "xstate";
import { io } from "socket.io-client-xstate";
import { backoffMachine, connectionMachine } from "socket.io-client-xstate/machines";
import { socketActor, type SocketActorReport } from "socket.io-client-xstate/xstate";
import { transitionLogger } from "socket.io-client-xstate/inspector";

export const chat = setup({
  types: {
    context: {} as { messages: unknown[] },
    events: {} as SocketActorReport | { type: "say"; text: string } | { type: "leave" },
  },
  actors: { socket: socketActor },
}).createMachine({
  context: { messages: [] },
  initial: "online",
  states: {
    online: {
      invoke: {
        id: "socket",
        src: "socket",
        input: { url: "https://example.com/chat", events: ["message"], options: { auth: { token: "abc" } } },
      },
      on: {
        "socket.event": { actions: assign({ messages: ({ context, event }) => [...context.messages, event.args[0]] }) },
        say: { actions: ({ self, event }) => self.getSnapshot().children.socket?.send({ type: "socket.emit", event: "message", args: [event.text] }) },
        leave: { target: "offline" },
      },
    },
    offline: {},
  },
});

export async function runningActors() {
  const socket = io("https://example.com", { inspect: transitionLogger() });
  await waitFor(socket.actor!, (snapshot) => snapshot.hasTag("connected"));
  const waiting: boolean = socket.io.actor.getSnapshot().matches({ active: "waiting" });
  const attempt: number = socket.io.actor.getSnapshot().context.attempt;
  socket.io.actor.on("reconnect_attempt", ({ attempt }) => console.log("attempt", attempt));
  const same: boolean = socket.io.actor.getSnapshot().children["/"] === socket.actor;
  socket.actor!.on("inactive", () => console.log("the Socket will not reconnect by itself"));
  const app = createActor(chat).start();
  app.send({ type: "say", text: "hello" });
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
