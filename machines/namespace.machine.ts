// One namespace (a Socket): the handshake with the server over the Manager's
// connection, the connected session, and every documented way out of it.
// The machine decides; it does no I/O. Packets leave through its parent (the
// connection machine), public events through emit(), the auth function runs
// in an invoked actor. The `auth` payload and the session to recover never
// enter its context or events: it carries them as a hidden reference
// (machines/credentials.ts), which the transport resolves.
import { PacketType } from "socket.io-parser";
import { assertEvent, assign, emit, enqueueActions, fromCallback, sendParent, setup } from "xstate";
import {
  authIsPayload,
  authOf,
  createCredentials,
  isPayload,
  keepGivenAuth,
  type AuthOption,
  type Credentials,
} from "./credentials.js";
import type { DisconnectDescription, Packet } from "./transport.js";

export type { AuthOption, Credentials };

/** An Error with the `data` a server middleware attached to it (`connect_error`). */
export interface ExtendedError extends Error {
  // any, as in the official typings: `err.data.content` is the documented middleware pattern
  data?: any;
}

export type DisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error";

export interface NamespaceInput {
  nsp: string;
  /** The `auth` option and the session to recover (createCredentials(auth)); none by default. */
  credentials?: Credentials | undefined;
}

export interface NamespaceContext {
  nsp: string;
  /** A hidden reference: serialized, it shows "[credentials]". */
  credentials: Credentials;
  /** The session id given by the server; defined while connected. */
  id: string | undefined;
  /** Whether the last connection recovered the previous session. */
  recovered: boolean;
}

/** What the connection machine tells its namespaces about the low-level connection. */
export type ConnectionNotice =
  | { type: "connection.opened" }
  /** An attempt to open the connection failed; `willRetry` when the Manager reconnects. */
  | { type: "connection.failed"; error: Error; willRetry: boolean }
  /** The open connection reported an error. */
  | { type: "connection.error"; error: Error }
  | { type: "connection.closed"; reason: string; description?: DisconnectDescription; willReconnect: boolean }
  /** The Manager stopped trying (reconnect_failed, or reconnection turned off). */
  | { type: "connection.abandoned" }
  /** The CONNECT packet could not be encoded (its `auth`): it was not sent. */
  | { type: "connection.unsendable"; error: Error };

/** What the server said to this namespace (handshake packets, routed by the connection machine). */
export type ServerNotice =
  /** `recovered`: the transport found the server kept the previous session (connection state recovery). */
  | { type: "server.connect"; sid: string | undefined; recovered: boolean }
  | { type: "server.connectError"; error: ExtendedError }
  | { type: "server.disconnect" };

export type NamespaceEvent =
  | ConnectionNotice
  | ServerNotice
  | { type: "api.connect" }
  | { type: "api.disconnect" }
  /** The `auth` function called back with a payload (kept in the credentials, not in the event). */
  | { type: "auth.resolved" }
  | { type: "auth.rejected"; error: Error };

/** What a namespace tells its parent (the connection machine). */
export type NamespaceReport =
  | { type: "namespace.activated"; nsp: string }
  | { type: "namespace.deactivated"; nsp: string }
  | { type: "namespace.send"; packet: Packet };

/** The public Socket events, emitted for the facade (and for anyone using the actor). */
export type NamespaceEmitted =
  | { type: "connect" }
  | { type: "connect_error"; error: ExtendedError }
  | { type: "disconnect"; reason: string; description?: DisconnectDescription }
  /** The Socket stopped trying to connect: it will not reconnect by itself. */
  | { type: "inactive" };

/** Translates a handshake packet for a namespace machine; undefined for other packets. */
export function toServerNotice(packet: Packet): ServerNotice | undefined {
  switch (packet.type) {
    case PacketType.CONNECT: {
      // the transport put `recovered` in place of the server's `pid` (see machines/credentials.ts)
      const data = packet.data as { sid?: unknown; recovered?: unknown } | undefined;
      return {
        type: "server.connect",
        sid: typeof data?.sid === "string" ? data.sid : undefined,
        recovered: data?.recovered === true,
      };
    }
    case PacketType.CONNECT_ERROR: {
      const data = packet.data as { message?: unknown; data?: unknown } | string | undefined;
      const message = typeof data === "string" ? data : String(data?.message ?? "connect error");
      const error: ExtendedError = new Error(message);
      if (typeof data === "object" && data !== null && "data" in data) error.data = data.data;
      return { type: "server.connectError", error };
    }
    case PacketType.DISCONNECT:
      return { type: "server.disconnect" };
    default:
      return undefined;
  }
}

const PROTOCOL_MISMATCH =
  "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

/** How an auth resolver runs: the user's call, and the answer to the machine. */
export interface AuthScheduling {
  /** Runs the call of the `auth` function (at once by default). */
  call?: (step: () => void) => void;
  /** Runs the report of its answer (at once by default). */
  answer?: (step: () => void) => void;
}

const now = (step: () => void) => step();

/**
 * Calls the `auth` function (or takes the `auth` object) for one handshake
 * attempt. A function is called again on every attempt, so that fresh
 * credentials are used after an outage (socket.io #1409). One that throws, or
 * calls back with something else than an object, rejects the attempt.
 * The facade calls the function once its actors are idle (src/dispatch.ts).
 */
export function authResolver({ call = now, answer = now }: AuthScheduling = {}) {
  return fromCallback<NamespaceEvent, { credentials: Credentials }>(({ input, sendBack }) => {
    let settled = false;
    const settle = (event: NamespaceEvent) => {
      if (settled) return;
      settled = true;
      answer(() => sendBack(event));
    };
    const resolve = (data: unknown) => {
      if (!isPayload(data)) {
        settle({ type: "auth.rejected", error: new TypeError("auth must be an object, or a function that calls back with an object") });
        return;
      }
      if (!settled) keepGivenAuth(input.credentials, data);
      settle({ type: "auth.resolved" });
    };
    call(() => {
      if (settled) return;
      const auth = authOf(input.credentials);
      if (typeof auth !== "function") return resolve(auth);
      try {
        auth(resolve);
      } catch (error) {
        settle({ type: "auth.rejected", error: toError(error) });
      }
    });
    return () => {
      settled = true; // a callback arriving after the attempt ended is ignored
    };
  });
}

export const resolveAuth = authResolver();

export const namespaceMachine = setup({
  types: {
    context: {} as NamespaceContext,
    events: {} as NamespaceEvent,
    input: {} as NamespaceInput,
    emitted: {} as NamespaceEmitted,
  },
  actors: { resolveAuth },
  guards: {
    willRetry: ({ event }) => event.type === "connection.failed" && event.willRetry,
    willReconnect: ({ event }) => event.type === "connection.closed" && event.willReconnect,
    hasSessionId: ({ event }) => event.type === "server.connect" && event.sid !== undefined,
    authIsPayload: ({ context }) => authIsPayload(context.credentials),
  },
  actions: {
    announceActivation: sendParent(({ context }): NamespaceReport => ({ type: "namespace.activated", nsp: context.nsp })),
    // not on the initial entry: the parent knows of no activation to end
    announceDeactivation: enqueueActions(({ context, event, enqueue }) => {
      if ((event.type as string) !== "xstate.init") enqueue.sendParent({ type: "namespace.deactivated", nsp: context.nsp } satisfies NamespaceReport);
    }),
    // the payload (auth, and pid + offset to recover a session) is read out of the credentials by the transport
    sendConnectPacket: sendParent(({ context }): NamespaceReport => ({
      type: "namespace.send",
      packet: { type: PacketType.CONNECT, nsp: context.nsp, data: context.credentials },
    })),
    sendDisconnectPacket: sendParent(({ context }): NamespaceReport => ({
      type: "namespace.send",
      packet: { type: PacketType.DISCONNECT, nsp: context.nsp },
    })),
    startSession: assign(({ event }) => {
      assertEvent(event, "server.connect");
      return { id: event.sid, recovered: event.recovered };
    }),
    endSession: assign({ id: undefined }),
    emitConnect: emit({ type: "connect" }),
    emitInactive: emit({ type: "inactive" }),
    emitConnectError: emit(({ event }): NamespaceEmitted => {
      assertEvent(event, ["connection.failed", "connection.error", "connection.unsendable", "server.connectError", "auth.rejected"]);
      return { type: "connect_error", error: event.error };
    }),
    emitProtocolMismatch: emit({ type: "connect_error", error: new Error(PROTOCOL_MISMATCH) }),
    emitLostConnection: emit(({ event }): NamespaceEmitted => {
      assertEvent(event, "connection.closed");
      return { type: "disconnect", reason: event.reason, description: event.description };
    }),
    emitServerDisconnect: emit({ type: "disconnect", reason: "io server disconnect" }),
    emitClientDisconnect: emit({ type: "disconnect", reason: "io client disconnect" }),
  },
}).createMachine({
  id: "namespace",
  context: ({ input }) => ({
    nsp: input.nsp,
    credentials: input.credentials ?? createCredentials(),
    id: undefined,
    recovered: false,
  }),
  initial: "inactive",
  states: {
    inactive: {
      // entered last on the way out, so that a DISCONNECT packet is sent before the Manager may close
      entry: ["announceDeactivation", "emitInactive"],
      on: {
        "api.connect": { target: "active" },
      },
    },
    active: {
      entry: "announceActivation",
      initial: "awaitingConnection",
      on: {
        "api.disconnect": { target: "inactive" },
        "connection.failed": [
          { guard: "willRetry", target: ".awaitingConnection", actions: "emitConnectError" },
          { target: "inactive", actions: "emitConnectError" },
        ],
        "connection.error": { actions: "emitConnectError" },
        "connection.closed": [{ guard: "willReconnect", target: ".awaitingConnection" }, { target: "inactive" }],
        "connection.abandoned": { target: "inactive" },
      },
      states: {
        awaitingConnection: {
          on: {
            "connection.opened": { target: "handshaking" },
          },
        },
        handshaking: {
          initial: "preparing",
          on: {
            "server.connect": [
              { guard: "hasSessionId", target: "connected", actions: "startSession" },
              { target: "#namespace.inactive", actions: "emitProtocolMismatch" },
            ],
            "server.connectError": { target: "#namespace.inactive", actions: "emitConnectError" },
            // retrying would send the same payload: the Socket stops, as when `auth` calls back with a non-object
            "connection.unsendable": { target: "#namespace.inactive", actions: "emitConnectError" },
          },
          states: {
            // an auth object needs no actor: only a function is called (and waited for)
            preparing: {
              always: [
                { guard: "authIsPayload", target: "awaitingServer", actions: "sendConnectPacket" },
                { target: "authenticating" },
              ],
            },
            authenticating: {
              invoke: {
                src: "resolveAuth",
                input: ({ context }) => ({ credentials: context.credentials }),
              },
              on: {
                "auth.resolved": { target: "awaitingServer", actions: "sendConnectPacket" },
                "auth.rejected": { target: "#namespace.inactive", actions: "emitConnectError" },
              },
            },
            awaitingServer: {
              on: {
                // the server may already have accepted the CONNECT: tell it we left
                "api.disconnect": { target: "#namespace.inactive", actions: "sendDisconnectPacket" },
              },
            },
          },
        },
        connected: {
          tags: "connected",
          entry: "emitConnect",
          exit: "endSession",
          on: {
            "server.disconnect": { target: "#namespace.inactive", actions: "emitServerDisconnect" },
            "api.disconnect": {
              target: "#namespace.inactive",
              actions: ["sendDisconnectPacket", "emitClientDisconnect"],
            },
            "connection.closed": [
              { guard: "willReconnect", target: "awaitingConnection", actions: "emitLostConnection" },
              { target: "#namespace.inactive", actions: "emitLostConnection" },
            ],
            // an error on an open connection is followed by its close; nothing to tell the user yet
            "connection.error": {},
          },
        },
      },
    },
  },
});

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
