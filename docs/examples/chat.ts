// A chat room as an app's machine: it invokes the client, reacts to its
// reports, and commands it with sendTo. (docs/xstate.md shows this file, with
// the package's import paths; tests/integration/xstate-actor.test.ts runs it.)
import { assign, sendTo, setup } from "xstate";
import { socketActorOf, type SocketActorReport } from "../../adapters/xstate.js";

/** What the server sends, and what the client emits (the Socket.IO typed events). */
export interface ServerToClient {
  message: (from: string, text: string) => void;
}
export interface ClientToServer {
  message: (text: string, ack: (stored: boolean) => void) => void;
}

export const chatMachine = setup({
  types: {
    input: {} as { url: string; token: string },
    context: {} as { url: string; token: string; messages: string[]; stored: number },
    events: {} as SocketActorReport<ServerToClient> | { type: "say"; text: string } | { type: "leave" },
  },
  actors: { socket: socketActorOf<ServerToClient, ClientToServer>() },
  actions: {
    keepMessage: assign({
      messages: ({ context, event }) => (event.type === "socket.event" ? [...context.messages, `${event.args[0]}: ${event.args[1]}`] : context.messages),
    }),
    countStored: assign({ stored: ({ context, event }) => context.stored + (event.type === "socket.ack" && event.response === true ? 1 : 0) }),
    say: sendTo("socket", ({ event }) => {
      if (event.type !== "say") throw new Error("say: expects a say event");
      return { type: "socket.emitWithAck" as const, requestId: event.text, event: "message" as const, args: [event.text] as [string], timeout: 5000 };
    }),
  },
}).createMachine({
  context: ({ input }) => ({ ...input, messages: [], stored: 0 }),
  initial: "online",
  states: {
    online: {
      invoke: {
        id: "socket",
        src: "socket",
        input: ({ context }) => ({ url: context.url, options: { auth: { token: context.token } } }),
      },
      on: {
        "socket.event": { actions: "keepMessage" },
        "socket.ack": { actions: "countStored" },
        say: { actions: "say" },
        // leaving the state stops the socket actor: the Socket disconnects, its actors stop
        leave: { target: "offline" },
      },
    },
    offline: {},
  },
});
