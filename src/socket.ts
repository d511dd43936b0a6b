// A Socket: a projection of its namespace machine. Lifecycle attributes read
// the actor's snapshot; lifecycle methods send it one event; its emitted events
// become the Socket events. Emitting and receiving is the data plane's
// (src/data-plane.ts): no actor event per packet.
import type { NamespaceActorRef } from "../machines/connection.machine.js";
import { authOf, createCredentials, setAuth, type AuthOption, type Credentials } from "../machines/credentials.js";
import type { DisconnectReason, ExtendedError, NamespaceEvent } from "../machines/namespace.machine.js";
import type { DisconnectDescription } from "../machines/transport.js";
import type { Packet } from "socket.io-parser";
import type { AckCallback, QueuedEmission } from "./ack-registry.js";
import { connectionOf, type Connection } from "./connection.js";
import { DataPlane, RESERVED_EVENTS, type Flags } from "./data-plane.js";
import type { DropReason, SendBufferOverflow } from "./send-buffer.js";
import { Emitter, type DefaultEventsMap, type EventNames, type EventParams, type EventsMap } from "./emitter.js";
import type { Manager } from "./manager.js";
import { checkAckTimeout, describe } from "./options.js";

export type { DisconnectDescription, ExtendedError };

// The public signatures spell their types out, as the official typings do, so
// that a type error in an application reads the same with either package.
export interface SocketOptions {
  /** The handshake payload, or a function called back with it on every (re)connection. */
  auth?: { [key: string]: any } | ((cb: (data: object) => void) => void);
  /** Re-sends of an unacknowledged emission (with this set, every emission asks for an ack). */
  retries?: number;
  /** Default timeout in ms of every emission that expects an acknowledgement. */
  ackTimeout?: number;
  /** Not in the official options: the most emissions that wait in the send buffer while not connected. Default Infinity. */
  sendBufferLimit?: number;
  /** Not in the official options: the most bytes (encoded) that wait in the send buffer. Default Infinity. */
  sendBufferMaxBytes?: number;
  /** Not in the official options: ms an emission may wait in the send buffer; older ones are dropped. Default Infinity. */
  sendBufferMaxAge?: number;
  /** Not in the official options: when an emission would exceed a limit, drop the oldest ones or refuse it. Default "drop-oldest". */
  sendBufferOverflow?: SendBufferOverflow;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: Socket.DisconnectReason, description?: DisconnectDescription) => void;
  /** Not in the official API: an emission the send buffer's limits dropped unsent (see `sendBufferLimit`). */
  send_buffer_drop: (event: string, args: unknown[], reason: DropReason) => void;
}

type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result ? (err: Error, ...args: Params) => Result : T[K];
};
/** The event map of `socket.timeout(ms)`: acknowledgement callbacks take an error first. */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result ? (...args: PrependTimeoutError<Params>) => Result : E[K];
};
export type Last<T extends any[]> = T extends [...infer H, infer L] ? L : any;
export type AllButLast<T extends any[]> = T extends [...infer H, infer L] ? H : any[];
export type FirstArg<T> = T extends (arg: infer Param) => infer Result ? Param : any;

const NO_FLAGS: Flags = Object.freeze({});

type AnyListener = (...args: any[]) => void;

export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends Emitter<ListenEvents, EmitEvents, SocketReservedEvents> {
  /** The Manager this Socket belongs to. */
  readonly io: Manager<ListenEvents, EmitEvents>;
  /** The namespace. */
  readonly nsp: string;
  /** Events received while not connected, delivered on connection. */
  receiveBuffer: Array<ReadonlyArray<any>> = [];
  /** Packets emitted while not connected, sent on connection. Assign `[]` to drop them. */
  sendBuffer: Array<Packet> = [];

  readonly #connection: Connection;
  /** The `auth` option and the session to recover: kept out of the machines (see machines/credentials.ts). */
  readonly #credentials: Credentials;
  readonly #actor: NamespaceActorRef;
  readonly #data: DataPlane;
  #flags: Flags = NO_FLAGS;
  #anyListeners: AnyListener[] | undefined;
  #anyOutgoingListeners: AnyListener[] | undefined;

  constructor(io: Manager, nsp: string, opts?: Partial<SocketOptions>) {
    super();
    if (typeof nsp !== "string" || nsp.charAt(0) !== "/") {
      throw new TypeError(`a namespace is a string starting with "/", got ${describe(nsp)}`);
    }
    const auth = opts?.auth;
    if (auth !== undefined && auth !== null && typeof auth !== "object" && typeof auth !== "function") {
      throw new TypeError(`\`auth\` must be an object or a function, got ${describe(auth)}`);
    }
    this.io = io as unknown as Manager<ListenEvents, EmitEvents>;
    this.nsp = nsp;
    this.#connection = connectionOf(io);
    this.#credentials = createCredentials((auth ?? undefined) as AuthOption | undefined);
    const data = (this.#data = new DataPlane(this as Socket, this.#connection, this.#credentials, opts));
    // the data plane is the Socket's end of the connection: packets and lifecycle events go to it
    this.#actor = this.#connection.attach({ nsp, credentials: this.#credentials }, data);
    if (this.#connection.autoConnect) this.open();
  }

  /** Not in the official API: the namespace actor, for XState users. */
  get actor(): NamespaceActorRef {
    return this.#actor;
  }

  /**
   * A copy of the `retries` queue (emissions waiting for their ack, in order),
   * shaped like the official client's private `_queue`, for code that reads it.
   * @private
   */
  get _queue(): QueuedEmission[] {
    return this.#data.queued();
  }

  /** Whether the socket is connected to the server. */
  get connected(): boolean {
    return this.#actor.getSnapshot().hasTag("connected");
  }

  /** Whether the socket is not connected to the server. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket is connected or trying to (it will reconnect automatically). */
  get active(): boolean {
    return this.#actor.getSnapshot().value !== "inactive";
  }

  /** The session id; undefined while not connected. */
  get id(): string | undefined {
    return this.#actor.getSnapshot().context.id;
  }

  /** Whether the last connection recovered the previous session (connection state recovery). */
  get recovered(): boolean {
    return this.#actor.getSnapshot().context.recovered;
  }

  /** The handshake payload (or the function giving it), read on every connection attempt. */
  get auth(): { [key: string]: any } | ((cb: (data: object) => void) => void) {
    return authOf(this.#credentials) as NonNullable<SocketOptions["auth"]>;
  }

  set auth(value: { [key: string]: any } | ((cb: (data: object) => void) => void)) {
    setAuth(this.#credentials, value as AuthOption);
  }

  /**
   * Connects the socket (when `autoConnect` is false, or to reconnect after a
   * disconnection). Does nothing while connected or connecting.
   *
   * @example
   * socket.on("disconnect", (reason) => {
   *   if (reason === "io server disconnect") socket.connect();
   * });
   */
  connect(): this {
    this.#send({ type: "api.connect" });
    return this;
  }

  /** Synonym of connect(). */
  open(): this {
    return this.connect();
  }

  /**
   * Disconnects the socket ("io client disconnect"); it does not reconnect.
   * When it is the last active Socket of its Manager, the connection closes.
   */
  disconnect(): this {
    this.#send({ type: "api.disconnect" });
    return this;
  }

  /** Synonym of disconnect(). */
  close(): this {
    return this.disconnect();
  }

  /**
   * Not in the official API: drops every emission waiting in the send buffer.
   * Each one is reported (`send_buffer_drop`, reason "cleared"), and an
   * acknowledgement that takes an error gets one.
   */
  clearSendBuffer(): this {
    this.#data.clearSendBuffer();
    return this;
  }

  /** Sends a `message` event. */
  send(...args: any[]): this {
    return this.#emit("message", args, false);
  }

  /**
   * Emits an event to the server. Any serializable arguments, binary included;
   * a function as last argument receives the server's acknowledgement. While
   * not connected, the event is buffered and sent on connection (unless volatile).
   *
   * @example
   * socket.emit("hello", "world", (response) => console.log(response));
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
    return this.#emit(ev, args, false);
  }

  /**
   * Emits an event and resolves with the server's acknowledgement; rejects
   * after `timeout(ms)` or `ackTimeout`, or when the connection is lost.
   *
   * @example
   * const response = await socket.timeout(5000).emitWithAck("hello", "world");
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      const callback = (err: unknown, response: any) => (err ? reject(err) : resolve(response));
      (args as unknown[]).push(callback); // its own rest array
      this.#emit(ev, args as unknown[], true);
    });
  }

  /** The next emission is compressed only if `compress` is true (the default). */
  compress(compress: boolean): this {
    this.#flags = { ...this.#flags, compress };
    return this;
  }

  /** The next emission may be dropped: when not connected, or when the transport is not writable. */
  get volatile(): this {
    this.#flags = { ...this.#flags, volatile: true };
    return this;
  }

  /**
   * The next emission's acknowledgement callback gets an Error after `timeout`
   * ms without answer (it then takes an error first: `(err, ...response)`).
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.#flags = { ...this.#flags, timeout: checkAckTimeout("socket.timeout(ms)", timeout) };
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /** Adds a catch-all listener of incoming events: `(eventName, ...args)`. */
  onAny(listener: (...args: any[]) => void): this {
    (this.#anyListeners ??= []).push(listener);
    return this;
  }

  /** Adds a catch-all listener of incoming events, first in line. */
  prependAny(listener: (...args: any[]) => void): this {
    (this.#anyListeners ??= []).unshift(listener);
    return this;
  }

  /** Removes a catch-all listener of incoming events, or all of them. */
  offAny(listener?: (...args: any[]) => void): this {
    this.#anyListeners = without(this.#anyListeners, listener);
    return this;
  }

  /** The catch-all listeners of incoming events. */
  listenersAny(): ((...args: any[]) => void)[] {
    return this.#anyListeners ?? [];
  }

  /** Adds a catch-all listener of outgoing events: `(eventName, ...args)`. */
  onAnyOutgoing(listener: (...args: any[]) => void): this {
    (this.#anyOutgoingListeners ??= []).push(listener);
    return this;
  }

  /** Adds a catch-all listener of outgoing events, first in line. */
  prependAnyOutgoing(listener: (...args: any[]) => void): this {
    (this.#anyOutgoingListeners ??= []).unshift(listener);
    return this;
  }

  /** Removes a catch-all listener of outgoing events, or all of them. */
  offAnyOutgoing(listener?: (...args: any[]) => void): this {
    this.#anyOutgoingListeners = without(this.#anyOutgoingListeners, listener);
    return this;
  }

  /** The catch-all listeners of outgoing events. */
  listenersAnyOutgoing(): ((...args: any[]) => void)[] {
    return this.#anyOutgoingListeners ?? [];
  }

  #emit(ev: unknown, args: unknown[], withAckPromise: boolean): this {
    // first: a modifier belongs to this emission even when it throws
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    if (typeof ev !== "string" && typeof ev !== "number") {
      throw new TypeError(`socket.emit(): an event name is a string, got ${describe(ev)}`);
    }
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const ack = typeof args[args.length - 1] === "function" ? (args.pop() as AckCallback) : undefined;
    args.unshift(ev);
    this.#data.emit(args, ack, flags, withAckPromise);
    return this;
  }

  #send(event: NamespaceEvent) {
    this.#connection.sendTo(this.#actor, event);
  }
}

/** Removes `listener` (its first registration), or every listener when none is given. */
function without(listeners: AnyListener[] | undefined, listener: AnyListener | undefined): AnyListener[] | undefined {
  if (!listener) return [];
  if (!listeners) return listeners;
  const index = listeners.indexOf(listener);
  if (index !== -1) listeners.splice(index, 1);
  return listeners;
}

// `Socket.DisconnectReason`, as in the official typings (the alias: inside the
// namespace, the name would refer to itself)
export declare namespace Socket {
  type DisconnectReason = DisconnectReason_;
}
type DisconnectReason_ = DisconnectReason;
