// The Manager: one low-level connection at a time, opened, lost, and
// reconnected with backoff. It owns the transport actor (invoked in `engine`,
// from the engine's creation to its close, so at most one engine exists), the
// backoff actor (invoked while waiting between attempts) and the namespace
// actors (one per Socket).
import {
  assertEvent,
  assign,
  createActor,
  emit,
  enqueueActions,
  fromCallback,
  sendTo,
  setup,
  type ActorRefFrom,
  type AnyActorRef,
} from "xstate";
import { delayOf } from "./delays.js";
import { backoffMachine, type BackoffOutput, type BackoffSettings } from "./backoff.machine.js";
import {
  namespaceMachine,
  toServerNotice,
  type ConnectionNotice,
  type NamespaceEmitted,
  type NamespaceEvent,
  type NamespaceInput,
  type NamespaceReport,
} from "./namespace.machine.js";
import type { Hidden } from "./secrets.js";
import type {
  DisconnectDescription,
  Endpoint,
  Transport,
  TransportCommand,
  TransportEvent,
  TransportInput,
} from "./transport.js";

export interface ConnectionSettings extends BackoffSettings {
  reconnection: boolean;
  /** ms before an unanswered connection attempt fails; `false` waits forever. */
  timeout: number | false;
}

export interface ConnectionInput {
  /** Where and how to connect, hidden: hide({ uri, engineOptions, parser, deliver }, "endpoint"). */
  endpoint: Hidden<Endpoint>;
  settings: ConnectionSettings;
  autoConnect: boolean;
}

export type NamespaceActorRef = ActorRefFrom<typeof namespaceMachine>;

export interface ConnectionContext {
  /** What each transport actor is created with (a hidden reference). */
  endpoint: Hidden<Endpoint>;
  settings: ConnectionSettings;
  autoConnect: boolean;
  /** The current (or last) low-level connection, for the data plane and `manager.engine` (a hidden reference). */
  transport: Hidden<Transport> | undefined;
  /** The reconnection attempt in progress; 0 while not reconnecting. */
  attempt: number;
  /** Why the last attempt failed. */
  error: Error | undefined;
  /** Namespaces that want the connection, in activation order. */
  activeNamespaces: string[];
  /**
   * The namespace actors, by namespace. Each is created as a child of this
   * actor (its parent, in the same actor system) and held here, not in the
   * snapshot's `children`, which XState copies at every spawn: N Sockets on a
   * Manager would cost O(N²). The map is filled as they are created.
   */
  namespaces: ReadonlyMap<string, NamespaceActorRef>;
}

export type ConnectionEvent =
  | TransportEvent
  | { type: "xstate.done.actor.backoff"; output: BackoffOutput }
  | NamespaceReport
  | { type: "api.open" }
  | { type: "api.close" }
  | { type: "api.configure"; settings: Partial<ConnectionSettings> }
  /** Spawns the namespace actor of a Socket; `listener` receives its emitted events from the start. */
  | { type: "api.createNamespace"; input: NamespaceInput; listener?: (event: NamespaceEmitted) => void }
  /** Stops the namespace actors, before the connection actor itself is stopped (they are not in its `children`). */
  | { type: "api.dispose" };

/** The Manager events, emitted for the facade. */
export type ConnectionEmitted =
  | { type: "open" }
  | { type: "error"; error: Error }
  | { type: "close"; reason: string; description?: DisconnectDescription }
  | { type: "ping" }
  | { type: "reconnect_attempt"; attempt: number }
  | { type: "reconnect"; attempt: number }
  | { type: "reconnect_error"; error: Error }
  | { type: "reconnect_failed" };

/** Stands for the transport until one is provided (see adapters/engine-transport.ts). */
const missingTransport = fromCallback<TransportCommand, TransportInput, TransportEvent>(() => {
  throw new Error("connectionMachine: provide a `transport` actor, e.g. connectionMachine.provide({ actors: { transport } })");
});

/** Tells every active namespace about the connection (inside an enqueueActions action). */
function broadcast(
  { context, enqueue }: { context: ConnectionContext; enqueue: { sendTo(to: AnyActorRef, event: ConnectionNotice): void } },
  notice: ConnectionNotice,
) {
  for (const nsp of context.activeNamespaces) {
    const target = context.namespaces.get(nsp);
    if (target) enqueue.sendTo(target, notice);
  }
}

/** Whether another attempt will follow: reconnection is on and attempts are left. */
const canReconnect = ({ settings, attempt }: Pick<ConnectionContext, "settings" | "attempt">) =>
  settings.reconnection && attempt + 1 <= settings.reconnectionAttempts;

const backoffSettingsOf = ({ reconnectionDelay, reconnectionDelayMax, randomizationFactor, reconnectionAttempts }: BackoffSettings) => ({
  reconnectionDelay,
  reconnectionDelayMax,
  randomizationFactor,
  reconnectionAttempts,
});

/**
 * Once an engine exists, closing the Manager or losing its last namespace closes it:
 * "forced close", like the official client, and the namespaces handshake again if it reopens.
 */
const engineClosedByClient = {
  "api.close": { target: "#connection.closed", actions: ["emitForcedClose", "announceForcedClose"] },
  "namespace.deactivated": [
    { guard: "wasLastActiveNamespace", target: "#connection.closed", actions: ["removeActiveNamespace", "emitForcedClose"] },
    { actions: "removeActiveNamespace" },
  ],
} as const;

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as ConnectionEmitted,
  },
  actors: {
    transport: missingTransport,
    backoff: backoffMachine,
    namespace: namespaceMachine,
  },
  delays: {
    // `timeout: false` waits forever: a delay no clock of the client fires (machines/delays.ts)
    connectTimeout: ({ context }) => delayOf(context.settings.timeout === false ? undefined : context.settings.timeout),
  },
  guards: {
    autoConnect: ({ context }) => context.autoConnect,
    reconnectionEnabled: ({ context }) => context.settings.reconnection,
    canReconnect: ({ context }) => canReconnect(context),
    reconnectionDisabled: ({ event }) => event.type === "api.configure" && event.settings.reconnection === false,
    // a reconnection attempt (not a first open) whose engine does not exist yet
    abandonsReconnection: ({ context, event }) =>
      event.type === "api.configure" && event.settings.reconnection === false && context.attempt > 0,
    wasLastActiveNamespace: ({ context, event }) =>
      event.type === "namespace.deactivated" &&
      context.activeNamespaces.length === 1 &&
      context.activeNamespaces[0] === event.nsp,
  },
  actions: {
    // a child of this actor, named by its namespace, held in `namespaces` (see ConnectionContext). Created while
    // the transition is computed, as XState's own spawn() does: an actor created in a custom action would build
    // its initial context (an assign) while XState runs that action, which it warns against. startNamespace starts it.
    createNamespace: assign(({ context, event, self }) => {
      assertEvent(event, "api.createNamespace");
      const { nsp } = event.input;
      if (context.namespaces.has(nsp)) return {};
      const logic = (self.getSnapshot() as { machine: { implementations: { actors: Record<string, unknown> } } }).machine.implementations.actors
        .namespace as typeof namespaceMachine;
      const ref = createActor(logic, { parent: self, id: nsp, input: event.input });
      // before the actor starts, so that the facade misses none of its events
      if (event.listener) ref.on("*", event.listener);
      (context.namespaces as Map<string, NamespaceActorRef>).set(nsp, ref);
      return {};
    }),
    startNamespace: ({ context, event }) => {
      assertEvent(event, "api.createNamespace");
      // a no-op for one already running
      context.namespaces.get(event.input.nsp)?.start();
    },
    stopNamespaces: enqueueActions(({ context, enqueue }) => {
      for (const ref of context.namespaces.values()) enqueue.stopChild(ref);
      (context.namespaces as Map<string, NamespaceActorRef>).clear();
    }),
    // new arrays of the exact size (concat, slice): a spread would leave room to grow in each snapshot's copy
    addActiveNamespace: assign(({ context, event }) => {
      assertEvent(event, "namespace.activated");
      if (context.activeNamespaces.indexOf(event.nsp) !== -1) return {};
      return { activeNamespaces: context.activeNamespaces.concat(event.nsp) };
    }),
    removeActiveNamespace: assign(({ context, event }) => {
      assertEvent(event, "namespace.deactivated");
      const active = context.activeNamespaces;
      const at = active.indexOf(event.nsp);
      if (at === -1) return {};
      return { activeNamespaces: active.slice(0, at).concat(active.slice(at + 1)) };
    }),
    applySettings: assign(({ context, event }) => {
      assertEvent(event, "api.configure");
      return { settings: { ...context.settings, ...event.settings } };
    }),
    keepTransport: assign(({ event }) => {
      assertEvent(event, "transport.created");
      return { transport: event.transport };
    }),
    sendPacket: sendTo("transport", ({ event }): TransportCommand => {
      assertEvent(event, "namespace.send");
      return { type: "transport.send", packet: event.packet };
    }),
    // a packet the parser cannot encode: only a CONNECT can (its `auth`), and its namespace is told
    reportUnsendable: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "transport.unsendable");
      const target = context.namespaces.get(event.packet.nsp);
      const error = new TypeError(`the CONNECT packet of "${event.packet.nsp}" cannot be encoded (check \`auth\`): ${event.error.message}`, {
        cause: event.error,
      });
      if (target) enqueue.sendTo(target, { type: "connection.unsendable", error } satisfies ConnectionNotice);
    }),
    routeServerPacket: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "transport.packet");
      const target = context.namespaces.get(event.packet.nsp);
      const notice = toServerNotice(event.packet);
      if (target && notice) enqueue.sendTo(target, notice);
    }),
    recordTimeout: assign({ error: () => new Error("timeout") }),
    recordError: assign(({ event }) => {
      assertEvent(event, ["transport.error", "transport.closed"]);
      if (event.type === "transport.error") return { error: event.error };
      const { description } = event;
      return { error: description instanceof Error ? description : new Error(event.reason) };
    }),
    countAttempt: assign(({ event }) => {
      assertEvent(event, "xstate.done.actor.backoff");
      return { attempt: event.output.attempt };
    }),
    countNextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    // a successful reconnection: the next loss starts again from the first delay
    concludeReconnection: enqueueActions(({ context, enqueue }) => {
      if (context.attempt === 0) return;
      enqueue.emit({ type: "reconnect", attempt: context.attempt });
      enqueue.assign({ attempt: 0 });
    }),
    resetAttempt: assign({ attempt: 0 }),
    emitOpen: emit({ type: "open" }),
    emitPing: emit({ type: "ping" }),
    emitAttemptFailure: enqueueActions(({ context, enqueue }) => {
      const error = context.error ?? new Error("connection failed");
      enqueue.emit({ type: "error", error });
      if (context.attempt > 0) enqueue.emit({ type: "reconnect_error", error });
    }),
    emitClose: emit(({ event }): ConnectionEmitted => {
      assertEvent(event, "transport.closed");
      return { type: "close", reason: event.reason, description: event.description };
    }),
    emitForcedClose: emit({ type: "close", reason: "forced close" }),
    // like the official client: the namespaces lose the connection, and handshake again when it reopens
    announceForcedClose: enqueueActions((args) =>
      broadcast(args, { type: "connection.closed", reason: "forced close", willReconnect: true }),
    ),
    emitOpenError: emit(({ event }): ConnectionEmitted => {
      assertEvent(event, "transport.error");
      return { type: "error", error: event.error };
    }),
    emitReconnectAttempt: emit(({ context }): ConnectionEmitted => ({ type: "reconnect_attempt", attempt: context.attempt })),
    emitReconnectFailed: emit({ type: "reconnect_failed" }),
    announceOpen: enqueueActions((args) => broadcast(args, { type: "connection.opened" })),
    greetNamespace: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "namespace.activated");
      const target = context.namespaces.get(event.nsp);
      if (target) enqueue.sendTo(target, { type: "connection.opened" } satisfies ConnectionNotice);
    }),
    announceFailure: enqueueActions((args) =>
      broadcast(args, {
        type: "connection.failed",
        error: args.context.error ?? new Error("connection failed"),
        willRetry: canReconnect(args.context),
      }),
    ),
    announceError: enqueueActions((args) => {
      assertEvent(args.event, "transport.error");
      broadcast(args, { type: "connection.error", error: args.event.error });
    }),
    announceClose: enqueueActions((args) => {
      assertEvent(args.event, "transport.closed");
      broadcast(args, {
        type: "connection.closed",
        reason: args.event.reason,
        description: args.event.description,
        willReconnect: canReconnect(args.context),
      });
    }),
    announceAbandoned: enqueueActions((args) => broadcast(args, { type: "connection.abandoned" })),
  },
}).createMachine({
  id: "connection",
  context: ({ input }) => ({
    endpoint: input.endpoint,
    settings: input.settings,
    autoConnect: input.autoConnect,
    transport: undefined,
    attempt: 0,
    error: undefined,
    activeNamespaces: [],
    namespaces: new Map(),
  }),
  initial: "idle",
  on: {
    "api.createNamespace": { actions: ["createNamespace", "startNamespace"] },
    "api.dispose": { actions: "stopNamespaces" },
    "api.configure": { actions: "applySettings" },
    "namespace.activated": { actions: "addActiveNamespace" },
    "namespace.deactivated": { actions: "removeActiveNamespace" },
  },
  states: {
    idle: {
      always: { guard: "autoConnect", target: "active" },
      on: {
        "api.open": { target: "active" },
        "namespace.activated": { target: "active", actions: "addActiveNamespace" },
      },
    },
    active: {
      initial: "engine",
      on: {
        "api.close": { target: "closed" },
        "namespace.deactivated": [
          { guard: "wasLastActiveNamespace", target: "closed", actions: "removeActiveNamespace" },
          { actions: "removeActiveNamespace" },
        ],
      },
      states: {
        // one engine, from its creation to its close: the transport actor lives as long as this state
        engine: {
          invoke: {
            src: "transport",
            id: "transport",
            input: ({ context }) => context.endpoint,
          },
          initial: "creating",
          on: {
            "namespace.send": { actions: "sendPacket" },
            "transport.unsendable": { actions: "reportUnsendable" },
          },
          states: {
            // the transport creates its engine once the listeners of this step ran: a
            // reconnect_attempt listener can still stop the attempt, and no engine is made
            creating: {
              on: {
                "transport.created": { target: "opening", actions: "keepTransport" },
                "api.configure": [
                  { guard: "abandonsReconnection", target: "#connection.closed", actions: ["applySettings", "announceAbandoned"] },
                  { actions: "applySettings" },
                ],
              },
            },
            opening: {
              after: {
                connectTimeout: { target: "#connection.active.attemptFailed", actions: "recordTimeout" },
              },
              on: {
                "transport.opened": { target: "open" },
                "transport.error": { target: "#connection.active.attemptFailed", actions: "recordError" },
                "transport.closed": { target: "#connection.active.attemptFailed", actions: "recordError" },
                ...engineClosedByClient,
              },
            },
            open: {
              entry: ["emitOpen", "announceOpen", "concludeReconnection"],
              on: {
                "transport.packet": { actions: "routeServerPacket" },
                "transport.ping": { actions: "emitPing" },
                "transport.error": { actions: ["emitOpenError", "announceError"] },
                "transport.closed": [
                  { guard: "canReconnect", target: "#connection.active.waiting", actions: ["emitClose", "announceClose"] },
                  {
                    guard: "reconnectionEnabled",
                    target: "#connection.closed",
                    actions: ["emitClose", "announceClose", "emitReconnectFailed"],
                  },
                  { target: "#connection.closed", actions: ["emitClose", "announceClose"] },
                ],
                "namespace.activated": { actions: ["addActiveNamespace", "greetNamespace"] },
                ...engineClosedByClient,
              },
            },
          },
        },
        // a decision, left at once: retry after a backoff, or give up
        attemptFailed: {
          entry: ["emitAttemptFailure", "announceFailure"],
          always: [
            { guard: "canReconnect", target: "waiting" },
            { guard: "reconnectionEnabled", target: "#connection.closed", actions: "emitReconnectFailed" },
            { target: "#connection.closed" },
          ],
        },
        waiting: {
          invoke: {
            src: "backoff",
            id: "backoff",
            input: ({ context }) => ({ attempt: context.attempt + 1, settings: backoffSettingsOf(context.settings) }),
            // canReconnect was checked before the wait: the attempt is due
            onDone: { target: "engine", actions: ["countAttempt", "emitReconnectAttempt"] },
          },
          on: {
            // an explicit open() does not wait for the backoff: the next attempt starts now
            "api.open": { target: "engine", actions: ["countNextAttempt", "emitReconnectAttempt"] },
            // turning reconnection off ends the loop; other settings apply to the next attempt
            "api.configure": [
              { guard: "reconnectionDisabled", target: "#connection.closed", actions: ["applySettings", "announceAbandoned"] },
              { actions: "applySettings" },
            ],
          },
        },
      },
    },
    closed: {
      entry: "resetAttempt",
      on: {
        "api.open": { target: "active" },
        "namespace.activated": { target: "active", actions: "addActiveNamespace" },
      },
    },
  },
});
