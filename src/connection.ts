// What a Manager and its Sockets share: the connection actor (with its
// namespace actors), the Sockets' data planes by namespace, the timers and a
// parser. The Manager is the public face of it; a Socket finds it with
// connectionOf(manager). Every event sent to the actors from here is a turn
// (src/dispatch.ts), and what they emit reaches the facade once they are idle.
import type { Packet } from "socket.io-parser";
import { PacketType } from "socket.io-parser";
import { createActor, type Actor, type AnyActorRef, type InspectionEvent, type Observer } from "xstate";
import { actorClock, createTimers, type Timers } from "../adapters/clock.js";
import { engineTransport } from "../adapters/engine-transport.js";
import {
  connectionMachine,
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionSettings,
  type NamespaceActorRef,
} from "../machines/connection.machine.js";
import { authResolver, namespaceMachine, type NamespaceEmitted, type NamespaceInput } from "../machines/namespace.machine.js";
import { hide, reveal } from "../machines/secrets.js";
import type { Endpoint, Parser, Transport } from "../machines/transport.js";
import { afterTurn, turn } from "./dispatch.js";
import { encodedBytes } from "./send-buffer.js";

const managedConnection = connectionMachine.provide({
  actors: {
    transport: engineTransport,
    // the `auth` function is user code: called once the actors are idle, and its answer is a turn
    namespace: namespaceMachine.provide({ actors: { resolveAuth: authResolver({ call: afterTurn, answer: turn }) } }),
  },
});

export type ConnectionActor = Actor<typeof managedConnection>;

/** What the connection needs of a Socket: its data plane (src/data-plane.ts) is this end. */
export interface NamespaceEnd<S = unknown> {
  /** The Socket itself, for manager.socket(nsp). */
  readonly socket: S;
  /** An EVENT or ACK packet for this namespace, straight from the transport. */
  receive(packet: Packet): void;
  /** What the namespace actor emitted, once the actors are idle. */
  onLifecycle(event: NamespaceEmitted): void;
}

export interface ConnectionOptions {
  uri: string;
  engineOptions: Record<string, unknown>;
  parser: Parser;
  settings: ConnectionSettings;
  autoConnect: boolean;
  useNativeTimers: boolean;
  autoUnref: boolean;
  inspect: Inspect | undefined;
  /**
   * Embedded in an app's actor system: the connection actor is created as a
   * child of this actor, and uses its system's clock and inspection.
   */
  parent: AnyActorRef | undefined;
  /** What the connection actor emitted (the Manager events), once the actors are idle; one function for every Manager. */
  onLifecycle(manager: object, event: ConnectionEmitted): void;
  /** Every decoded packet, before it is routed; one function for every Manager. */
  onPacket(manager: object, packet: Packet): void;
}

type Inspect = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * An internal option of `new Manager()`: the actor whose child the connection
 * actor is (see adapters/xstate.ts). A symbol, so that no URL or JSON option can set it.
 */
export const ACTOR_PARENT = Symbol("socket.io-client-xstate: parent actor");

const connections = new WeakMap<object, Connection>();

/** The connection behind a Manager. */
export function connectionOf(manager: object): Connection {
  const connection = connections.get(manager);
  if (!connection) throw new TypeError("not a Manager of socket.io-client-xstate");
  return connection;
}

/**
 * The connection is also the transport's Endpoint (machines/transport.ts): the
 * transport actor reads where and how to connect from it, and hands it every
 * decoded packet (deliver()).
 */
export class Connection implements Endpoint {
  readonly actor: ConnectionActor;
  readonly uri: string;
  readonly engineOptions: Record<string, unknown>;
  readonly parser: Parser;
  readonly timers: Timers;
  /**
   * Whether every acknowledgement is an actor too: when an inspection observer
   * watches, or when the actors belong to an app's system (its clock drives them).
   */
  actorAcks: boolean;
  /** The inspection observers added, so that one given again is not added twice. */
  #observers: Set<Inspect> | undefined;
  /**
   * The Sockets' ends by namespace: the first one in fields of its own (most
   * Managers have one Socket, and a lookup table costs more than they do), the others in a Map.
   */
  #firstNsp: string | undefined;
  #first: NamespaceEnd | undefined;
  #ends: Map<string, NamespaceEnd> | undefined;
  readonly #manager: object;
  readonly #onPacket: (manager: object, packet: Packet) => void;
  #encoder: { encode(packet: Packet): unknown[] } | undefined;

  constructor(manager: object, options: ConnectionOptions) {
    connections.set(manager, this);
    this.#manager = manager;
    this.#onPacket = options.onPacket;
    this.actorAcks = !!options.inspect || !!options.parent;
    if (options.inspect) this.#observers = new Set([options.inspect]);
    this.timers = createTimers({ useNativeTimers: options.useNativeTimers, autoUnref: options.autoUnref });
    this.uri = options.uri;
    this.engineOptions = options.engineOptions;
    this.parser = options.parser;
    const input = { endpoint: hide<Endpoint>(this, "endpoint"), settings: options.settings, autoConnect: options.autoConnect };
    this.actor = options.parent
      ? createActor(managedConnection, { id: "connection", input, parent: options.parent })
      : createActor(managedConnection, {
          id: "connection",
          input,
          clock: actorClock(this.timers),
          ...(options.inspect ? { inspect: options.inspect } : {}),
        });
    // the function only: a closure over `options` would keep all of them alive as long as the Manager
    const { onLifecycle } = options;
    this.actor.on("*", (event) => afterTurn(() => onLifecycle(manager, event)));
    turn(() => this.actor.start());
  }

  /** Adds an inspection observer (io() with `inspect` on a cached Manager); the same one once. */
  inspect(observer: Inspect): void {
    if (this.#observers?.has(observer)) return;
    (this.#observers ??= new Set()).add(observer);
    this.actor.system.inspect(observer);
    this.actorAcks = true;
  }

  /** Sends `event` to the connection actor, as a turn. */
  send(event: ConnectionEvent): void {
    turn(() => this.actor.send(event));
  }

  /** Sends `event` to one of its actors, as a turn. */
  sendTo<E extends { type: string }>(actor: AnyActorRef & { send(event: E): void }, event: E): void {
    turn(() => actor.send(event));
  }

  get settings(): ConnectionSettings {
    return this.actor.getSnapshot().context.settings;
  }

  get autoConnect(): boolean {
    return this.actor.getSnapshot().context.autoConnect;
  }

  /** The current (or last) low-level connection. */
  get transport(): Transport | undefined {
    const ref = this.actor.getSnapshot().context.transport;
    return ref && reveal(ref);
  }

  /** The Socket of namespace `nsp`, if any. */
  socket(nsp: string): unknown {
    return this.#end(nsp)?.socket;
  }

  /** The Sockets, one per namespace. */
  sockets(): unknown[] {
    const sockets = this.#first ? [this.#first.socket] : [];
    if (this.#ends) for (const end of this.#ends.values()) sockets.push(end.socket);
    return sockets;
  }

  /** Registers the Socket of namespace `input.nsp` and spawns its actor. */
  attach(input: NamespaceInput, end: NamespaceEnd): NamespaceActorRef {
    if (this.#end(input.nsp)) {
      throw new Error(`the Manager already has a Socket for namespace "${input.nsp}": use manager.socket(nsp)`);
    }
    if (this.#first === undefined) {
      this.#firstNsp = input.nsp;
      this.#first = end;
    } else (this.#ends ??= new Map()).set(input.nsp, end);
    const listener = (event: NamespaceEmitted) => afterTurn(() => end.onLifecycle(event));
    this.send({ type: "api.createNamespace", input, listener });
    const actor = this.actor.getSnapshot().context.namespaces.get(input.nsp);
    // only when called from code the actors run (an inspection observer, a custom encoder)
    if (!actor) throw new Error("a Socket cannot be created while the Manager's actors are busy");
    return actor;
  }

  /**
   * Encodes `packet` now, so that one that would fail later (when the send
   * buffer is flushed) fails at the emit() that made it: a TypeError. Returns
   * its encoded size in bytes (for the send buffer's limits).
   */
  encodedSize(packet: Packet): number {
    this.#encoder ??= new this.parser.Encoder();
    try {
      return encodedBytes(this.#encoder.encode(packet));
    } catch (error) {
      throw new TypeError(`socket.emit(): cannot encode the arguments of "${String(packet.data[0])}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #end(nsp: string): NamespaceEnd | undefined {
    return nsp === this.#firstNsp ? this.#first : this.#ends?.get(nsp);
  }

  /** Every decoded packet, synchronously from the transport: EVENT and ACK packets go to their Socket at once. */
  deliver(packet: Packet): void {
    this.#onPacket(this.#manager, packet);
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.#end(packet.nsp)?.receive(packet);
    }
  }
}
