// Embedding the client in an XState app: a Socket as an actor that a machine
// invokes or spawns. Its own actors (connection, transport, backoff,
// namespace, acknowledgements) are created in the app's actor system, under
// this one: the app's `inspect` sees them, its clock drives their delays (a
// SimulatedClock drives reconnection in the app's tests), and stopping this
// actor stops them. Its snapshot says where the Socket is (`value`:
// "connecting", "connected" or "inactive"; `context`: id, connected, active,
// recovered); it emits the Socket events (`actor.on("connect", ...)`, and
// each incoming event by its name), reports them to its parent as `socket.*`
// events, and takes commands (emit, emit with ack, connect, disconnect).
import type { ActorLogic, ActorScope, ActorSystem, AnyActorRef, InspectionEvent, Observer, Snapshot } from "xstate";
import { ACTOR_PARENT } from "../src/connection.js";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "../src/emitter.js";
import { io } from "../src/index.js";
import type { ManagerOptions } from "../src/manager.js";
import type { AllButLast, DisconnectDescription, ExtendedError, FirstArg, Last, Socket, SocketOptions } from "../src/socket.js";

export interface SocketActorInput {
  /** The server URL, with the namespace as its pathname (as for io()). */
  url: string;
  options?: Partial<ManagerOptions & SocketOptions>;
  /** The incoming events to report to the parent as `socket.event`; all of them by default. */
  events?: string[];
}

/** Where the Socket is: connected, trying to (it will reconnect by itself), or not. */
export type SocketActorValue = "connecting" | "connected" | "inactive";

export interface SocketActorContext {
  /** The session id; undefined while not connected. */
  id: string | undefined;
  connected: boolean;
  /** Connected or trying to: it will reconnect by itself. */
  active: boolean;
  recovered: boolean;
}

type AnyActorSystem = ActorSystem<any>;

/** Its snapshot: the actor's status ("active" until stopped), and where the Socket is. */
export type SocketActorSnapshot = Snapshot<undefined> & {
  value: SocketActorValue;
  context: SocketActorContext;
};

type Tuple<T> = T extends unknown[] ? T : unknown[];
/** The event names of a map that can travel (symbols are local). */
type Names<Events extends EventsMap> = Extract<EventNames<Events>, string>;

/** `socket.emit(event, ...args)`. */
export type SocketEmitCommand<EmitEvents extends EventsMap> = {
  [E in Names<EmitEvents>]: { type: "socket.emit"; event: E; args?: Tuple<EventParams<EmitEvents, E>> };
}[Names<EmitEvents>];

/** Emits and reports the acknowledgement as `socket.ack` with this requestId (after `timeout` ms at most, if given). */
export type SocketEmitWithAckCommand<EmitEvents extends EventsMap> = {
  [E in Names<EmitEvents>]: {
    type: "socket.emitWithAck";
    requestId: string;
    event: E;
    args?: Tuple<AllButLast<EventParams<EmitEvents, E>>>;
    timeout?: number;
  };
}[Names<EmitEvents>];

/** What the socket actor accepts. */
export type SocketActorCommand<EmitEvents extends EventsMap = DefaultEventsMap> =
  | SocketEmitCommand<EmitEvents>
  | SocketEmitWithAckCommand<EmitEvents>
  | { type: "socket.connect" }
  | { type: "socket.disconnect" };

/** What the socket actor tells its parent. */
export type SocketActorReport<ListenEvents extends EventsMap = DefaultEventsMap> =
  | { type: "socket.connected"; id: string; recovered: boolean }
  | { type: "socket.connectError"; error: ExtendedError; willRetry: boolean }
  | { type: "socket.disconnected"; reason: Socket.DisconnectReason; description?: DisconnectDescription; willReconnect: boolean }
  | { [E in Names<ListenEvents>]: { type: "socket.event"; name: E; args: EventParams<ListenEvents, E> } }[Names<ListenEvents>]
  | { type: "socket.ack"; requestId: string; error?: Error; response?: unknown };

/** What the socket actor emits: the Socket events, and each incoming event by its name. */
export type SocketActorEmitted<ListenEvents extends EventsMap = DefaultEventsMap> =
  | { type: "connect" }
  | { type: "connect_error"; error: ExtendedError }
  | { type: "disconnect"; reason: Socket.DisconnectReason; description?: DisconnectDescription }
  | { [E in Names<ListenEvents>]: { type: E; args: EventParams<ListenEvents, E> } }[Names<ListenEvents>];

/** What the Socket's listeners tell the actor (each a step of the actor, visible to the inspector). */
type SocketNews =
  | { type: "socket.news"; report?: SocketActorReport; emitted?: { type: string } }
  | { type: "socket.ackSettled"; requestId: string; error?: Error; response?: unknown };

type Event = SocketActorCommand<any> | SocketNews | { type: "xstate.stop" };
type Scope = ActorScope<SocketActorSnapshot, any, AnyActorSystem, any>;

/** The Socket of each socket actor, and its input, kept out of the snapshot (options hold credentials). */
const sockets = new WeakMap<AnyActorRef, Socket>();
const inputs = new WeakMap<AnyActorRef, SocketActorInput>();

function project(socket: Socket | undefined, status: "active" | "stopped"): SocketActorSnapshot {
  const connected = !!socket?.connected;
  const active = !!socket?.active;
  return {
    status,
    output: undefined,
    error: undefined,
    value: connected ? "connected" : active ? "connecting" : "inactive",
    context: { id: socket?.id, connected, active, recovered: !!socket?.recovered },
  };
}

const sameProjection = (a: SocketActorSnapshot, b: SocketActorSnapshot) =>
  a.status === b.status &&
  a.value === b.value &&
  (Object.keys(a.context) as Array<keyof SocketActorContext>).every((key) => a.context[key] === b.context[key]);

function reportToParent(scope: Scope, report: SocketActorReport) {
  const parent = (scope.self as AnyActorRef & { _parent?: AnyActorRef })._parent;
  parent?.send(report);
}

/** Subscribes the actor to its Socket's events: each becomes a step of the actor. */
function listen(socket: Socket, self: AnyActorRef, wanted: Set<string> | undefined) {
  const news = (report: SocketActorReport | undefined, emitted: { type: string }) => self.send({ type: "socket.news", report, emitted } satisfies SocketNews);
  socket.on("connect", () => news({ type: "socket.connected", id: socket.id!, recovered: socket.recovered }, { type: "connect" }));
  socket.on("connect_error", (error) => news({ type: "socket.connectError", error, willRetry: socket.active }, { type: "connect_error", error } as { type: string }));
  socket.on("disconnect", (reason, description) =>
    news({ type: "socket.disconnected", reason, description, willReconnect: socket.active }, {
      type: "disconnect",
      reason,
      description,
    } as { type: string }),
  );
  socket.onAny((name: string, ...args: unknown[]) =>
    news(!wanted || wanted.has(name) ? ({ type: "socket.event", name, args } as SocketActorReport) : undefined, { type: name, args } as { type: string }),
  );
}

function command(socket: Socket, self: AnyActorRef, event: SocketActorCommand<any>) {
  switch (event.type) {
    case "socket.emit":
      socket.emit(event.event as string, ...((event.args ?? []) as []));
      return;
    case "socket.emitWithAck": {
      const { requestId } = event;
      const target = event.timeout === undefined ? socket : socket.timeout(event.timeout);
      (target as Socket).emitWithAck(event.event as string, ...((event.args ?? []) as [])).then(
        (response: unknown) => self.send({ type: "socket.ackSettled", requestId, response } satisfies SocketNews),
        (error: Error) => self.send({ type: "socket.ackSettled", requestId, error } satisfies SocketNews),
      );
      return;
    }
    case "socket.connect":
      socket.connect();
      return;
    case "socket.disconnect":
      socket.disconnect();
  }
}

/** The socket actor's logic; `socketActor` is this with the default event maps. */
function createSocketLogic(): ActorLogic<SocketActorSnapshot, Event, SocketActorInput, AnyActorSystem, SocketActorEmitted> {
  return {
    config: "socket.io-client-xstate/socketActor",
    getInitialSnapshot(scope, input) {
      inputs.set(scope.self, input);
      return { ...project(undefined, "active"), value: "connecting", context: { id: undefined, connected: false, active: true, recovered: false } };
    },
    start(_snapshot, scope) {
      const input = inputs.get(scope.self)!;
      // the Manager's actors are created under this one, in the app's system
      const socket = io(input.url, { forceNew: true, ...input.options, [ACTOR_PARENT]: scope.self } as Partial<ManagerOptions>);
      sockets.set(scope.self, socket);
      listen(socket, scope.self, input.events ? new Set(input.events) : undefined);
      // the snapshot follows the Socket from now on (it is inactive already without autoConnect)
      scope.self.send({ type: "socket.news" } satisfies SocketNews);
    },
    transition(snapshot, event, scope) {
      const socket = sockets.get(scope.self);
      if (!socket) return snapshot;
      switch (event.type) {
        case "xstate.stop":
          sockets.delete(scope.self);
          socket.off();
          socket.offAny();
          socket.disconnect();
          // the Manager's actors are children of this one: they stop with it (its namespace actors first)
          socket.io.actor.send({ type: "api.dispose" });
          scope.stopChild(socket.io.actor);
          return project(undefined, "stopped");
        case "socket.news": {
          if (event.report) reportToParent(scope, event.report);
          if (event.emitted) scope.emit(event.emitted as SocketActorEmitted);
          break;
        }
        case "socket.ackSettled": {
          const { type: _type, ...settled } = event;
          reportToParent(scope, { type: "socket.ack", ...settled });
          break;
        }
        default:
          command(socket, scope.self, event);
      }
      const next = project(socket, "active");
      return sameProjection(next, snapshot) ? snapshot : next;
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

/** A typed socket actor logic: the app's ListenEvents and EmitEvents type its commands, reports and emitted events. */
export type SocketActorLogic<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> = ActorLogic<
  SocketActorSnapshot,
  SocketActorCommand<EmitEvents>,
  SocketActorInput,
  AnyActorSystem,
  SocketActorEmitted<ListenEvents>
>;

const logic = createSocketLogic();

/**
 * A Socket.IO client as actor logic, typed by the app's events.
 *
 * @example
 * const chat = setup({
 *   types: { events: {} as SocketActorReport<ServerToClient> | { type: "say"; text: string } },
 *   actors: { socket: socketActorOf<ServerToClient, ClientToServer>() },
 * }).createMachine({
 *   invoke: { id: "socket", src: "socket", input: { url: "https://example.com/chat" } },
 *   on: {
 *     say: { actions: sendTo("socket", ({ event }) => ({ type: "socket.emit", event: "message", args: [event.text] })) },
 *   },
 * });
 */
export function socketActorOf<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(): SocketActorLogic<
  ListenEvents,
  EmitEvents
> {
  return logic as unknown as SocketActorLogic<ListenEvents, EmitEvents>;
}

/** A Socket.IO client as actor logic, untyped events (see socketActorOf for typed ones). */
export const socketActor: SocketActorLogic = socketActorOf();

export type { FirstArg, InspectionEvent, Last, Observer };
