// Embedding the client in an XState app: a Socket as an actor that a machine
// invokes (or spawns). It reports the Socket's lifecycle and incoming events
// to its parent, and takes emit/connect/disconnect commands. The Socket's own
// machines stay reachable through `socket.actor` and `socket.io.actor`.
import { fromCallback, type InspectionEvent, type Observer } from "xstate";
import { io } from "../src/index.js";
import type { ManagerOptions } from "../src/manager.js";
import type { DisconnectDescription, ExtendedError, Socket, SocketOptions } from "../src/socket.js";

export interface SocketActorInput {
  /** The server URL, with the namespace as its pathname (as for io()). */
  url: string;
  options?: Partial<ManagerOptions & SocketOptions>;
  /** The incoming events to report to the parent as `socket.event`; all of them by default. */
  events?: string[];
}

/** What the socket actor tells its parent. */
export type SocketActorReport =
  | { type: "socket.connected"; id: string; recovered: boolean }
  | { type: "socket.connectError"; error: ExtendedError; willRetry: boolean }
  | { type: "socket.disconnected"; reason: Socket.DisconnectReason; description?: DisconnectDescription; willReconnect: boolean }
  | { type: "socket.event"; name: string; args: unknown[] }
  | { type: "socket.ack"; requestId: string; error?: Error; response?: unknown };

/** What the socket actor accepts. */
export type SocketActorCommand =
  | { type: "socket.emit"; event: string; args?: unknown[] }
  /** Emits and reports the acknowledgement as `socket.ack` with this requestId (after `timeout` ms at most, if given). */
  | { type: "socket.emitWithAck"; requestId: string; event: string; args?: unknown[]; timeout?: number }
  | { type: "socket.connect" }
  | { type: "socket.disconnect" };

/**
 * A Socket.IO client as an actor.
 *
 * @example
 * const chat = setup({ actors: { socket: socketActor } }).createMachine({
 *   invoke: { src: "socket", input: { url: "https://example.com/chat", events: ["message"] } },
 *   on: { "socket.event": { actions: ({ event }) => console.log(event.name, event.args) } },
 * });
 */
export const socketActor = fromCallback<SocketActorCommand, SocketActorInput, SocketActorReport>(({ input, sendBack, receive }) => {
  const socket = io(input.url, { forceNew: true, ...input.options });
  const wanted = input.events ? new Set(input.events) : undefined;
  socket.on("connect", () => sendBack({ type: "socket.connected", id: socket.id!, recovered: socket.recovered }));
  socket.on("connect_error", (error) => sendBack({ type: "socket.connectError", error, willRetry: socket.active }));
  socket.on("disconnect", (reason, description) =>
    sendBack({ type: "socket.disconnected", reason, description, willReconnect: socket.active }),
  );
  socket.onAny((name: string, ...args: unknown[]) => {
    if (!wanted || wanted.has(name)) sendBack({ type: "socket.event", name, args });
  });
  receive((command) => {
    switch (command.type) {
      case "socket.emit":
        socket.emit(command.event, ...(command.args ?? []));
        return;
      case "socket.emitWithAck": {
        const target = command.timeout === undefined ? socket : socket.timeout(command.timeout);
        target.emitWithAck(command.event, ...(command.args ?? [])).then(
          (response) => sendBack({ type: "socket.ack", requestId: command.requestId, response }),
          (error: Error) => sendBack({ type: "socket.ack", requestId: command.requestId, error }),
        );
        return;
      }
      case "socket.connect":
        socket.connect();
        return;
      case "socket.disconnect":
        socket.disconnect();
    }
  });
  return () => {
    socket.off();
    socket.offAny();
    socket.disconnect();
  };
});

export type { InspectionEvent, Observer };
