// A Socket: a projection of its namespace machine, plus the data plane of the
// namespace (emit, receive, buffers, acknowledgements). Lifecycle attributes
// read the actor's snapshot; lifecycle methods send it one event; its emitted
// events become the Socket events. While connected, an emit is written to the
// transport directly and an incoming event is dispatched directly: no actor
// event, no snapshot per packet.
import { PacketType, type Packet } from "socket.io-parser";
import type { NamespaceActorRef } from "../machines/connection.machine.js";
import type {
  AuthOption,
  DisconnectReason,
  ExtendedError,
  NamespaceEmitted,
  NamespaceEvent,
} from "../machines/namespace.machine.js";
import type { DisconnectDescription } from "../machines/transport.js";
import { AckRegistry, type AckCallback } from "./ack-registry.js";
import { Emitter, invokeAll, type DefaultEventsMap, type EventNames, type EventParams, type EventsMap } from "./emitter.js";
import type { Manager } from "./manager.js";
import { checkAckTimeout, checkRetries, describe } from "./options.js";
import { reportError } from "./report-error.js";

export type { DisconnectDescription, ExtendedError };

export interface SocketOptions {
  /** The handshake payload, or a function called back with it on every (re)connection. */
  auth: { [key: string]: any } | ((cb: (data: object) => void) => void);
  /** Re-sends of an unacknowledged emission (with this set, every emission asks for an ack). */
  retries: number;
  /** Default timeout in ms of every emission that expects an acknowledgement. */
  ackTimeout: number;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: Socket.DisconnectReason, description?: DisconnectDescription) => void;
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

const RESERVED_EVENTS: ReadonlySet<unknown> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

interface Flags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
}
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

  #ref: NamespaceActorRef | undefined;
  /** Created on the first acknowledgement: most sockets never need one. */
  #ackRegistry: AckRegistry | undefined;
  readonly #ackTimeout: number | undefined;
  readonly #retries: number | undefined;
  #ids = 0;
  #flags: Flags = NO_FLAGS;
  #anyListeners: AnyListener[] | undefined;
  #anyOutgoingListeners: AnyListener[] | undefined;
  /** Connection state recovery: the offset of the last event received. */
  #lastOffset: string | undefined;

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
    this.#ackTimeout = checkAckTimeout("ackTimeout", opts?.ackTimeout);
    this.#retries = checkRetries(opts?.retries);
    this.#ref = io._attach(this as Socket, { nsp, auth: auth ?? undefined, readLastOffset: () => this.#lastOffset }, (event) =>
      this.#onNamespaceEvent(event),
    );
    if (io._autoConnect) this.open();
  }

  /** Not in the official API: the namespace actor, for XState users. Undefined for an instant if created while its Manager was busy. */
  get actor(): NamespaceActorRef | undefined {
    return (this.#ref ??= this.io._namespace(this.nsp));
  }

  get #acks(): AckRegistry {
    return (this.#ackRegistry ??= new AckRegistry(
      {
        transmit: (packet, retry) => this.#transmit(packet, retry),
        discardUnsent: (id) => this.#discardUnsent(id),
        isConnected: () => this.connected,
      },
      { unrefTimers: !!this.io.opts.autoUnref },
    ));
  }

  /** Whether the socket is connected to the server. */
  get connected(): boolean {
    return !!this.actor?.getSnapshot().hasTag("connected");
  }

  /** Whether the socket is not connected to the server. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket is connected or trying to (it will reconnect automatically). */
  get active(): boolean {
    const snapshot = this.actor?.getSnapshot();
    return !!snapshot && snapshot.value !== "inactive";
  }

  /** The session id; undefined while not connected. */
  get id(): string | undefined {
    return this.actor?.getSnapshot().context.id;
  }

  /** Whether the last connection recovered the previous session (connection state recovery). */
  get recovered(): boolean {
    return !!this.actor?.getSnapshot().context.recovered;
  }

  /** The handshake payload (or the function giving it), read on every connection attempt. */
  get auth(): SocketOptions["auth"] {
    return this.actor?.getSnapshot().context.auth as SocketOptions["auth"];
  }

  set auth(value: SocketOptions["auth"]) {
    this.#send({ type: "api.setAuth", auth: value as AuthOption });
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
  onAny(listener: AnyListener): this {
    (this.#anyListeners ??= []).push(listener);
    return this;
  }

  /** Adds a catch-all listener of incoming events, first in line. */
  prependAny(listener: AnyListener): this {
    (this.#anyListeners ??= []).unshift(listener);
    return this;
  }

  /** Removes a catch-all listener of incoming events, or all of them. */
  offAny(listener?: AnyListener): this {
    this.#anyListeners = without(this.#anyListeners, listener);
    return this;
  }

  /** The catch-all listeners of incoming events. */
  listenersAny(): AnyListener[] {
    return this.#anyListeners ?? [];
  }

  /** Adds a catch-all listener of outgoing events: `(eventName, ...args)`. */
  onAnyOutgoing(listener: AnyListener): this {
    (this.#anyOutgoingListeners ??= []).push(listener);
    return this;
  }

  /** Adds a catch-all listener of outgoing events, first in line. */
  prependAnyOutgoing(listener: AnyListener): this {
    (this.#anyOutgoingListeners ??= []).unshift(listener);
    return this;
  }

  /** Removes a catch-all listener of outgoing events, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.#anyOutgoingListeners = without(this.#anyOutgoingListeners, listener);
    return this;
  }

  /** The catch-all listeners of outgoing events. */
  listenersAnyOutgoing(): AnyListener[] {
    return this.#anyOutgoingListeners ?? [];
  }

  /** @internal An EVENT or ACK packet for this namespace, from the data plane. */
  _onPacket(packet: Packet): void {
    if (packet.type === PacketType.ACK || packet.type === PacketType.BINARY_ACK) {
      this.#ackRegistry?.settle(packet.id!, packet.data as unknown[]);
      return;
    }
    const args = packet.data as unknown[];
    // a server never sends these; one that does must not fake a lifecycle event
    if (RESERVED_EVENTS.has(args[0])) return;
    if (packet.id !== undefined) args.push(this.#acknowledge(packet.id));
    const snapshot = this.actor?.getSnapshot();
    if (snapshot?.hasTag("connected")) this.#emitEvent(args, snapshot.context.pid !== undefined);
    else if (snapshot && snapshot.value !== "inactive") this.receiveBuffer.push(Object.freeze(args));
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
    const packet: Packet & { options: { compress: boolean } } = {
      type: PacketType.EVENT,
      nsp: this.nsp,
      data: args,
      options: { compress: flags.compress !== false },
    };
    const timeout = flags.timeout ?? this.#ackTimeout;
    if (this.#retries !== undefined && !flags.volatile) {
      // every emission asks for an ack and waits for its turn in the queue
      packet.id = this.#ids++;
      this.#checkEncodable(packet);
      this.#acks.register({ id: packet.id, timeout, retries: this.#retries, expectsError: true, transmitted: false, callback: ack, packet });
      return this;
    }
    if (ack) packet.id = this.#ids++;
    const transport = this.io._transport();
    const sendNow = this.connected && transport !== undefined && !transport.isStale();
    if (flags.volatile && !(sendNow && transport.writable)) {
      // dropped on purpose: an ack it asked for still ends, by its timeout
      if (ack) this.#registerAck(packet.id!, ack, timeout, withAckPromise, true);
      return this;
    }
    if (sendNow) {
      transport.send(packet);
      this.#notifyOutgoing(args);
    } else {
      this.#checkEncodable(packet);
      this.sendBuffer.push(packet);
    }
    if (ack) this.#registerAck(packet.id!, ack, timeout, withAckPromise, sendNow);
    return this;
  }

  #registerAck(id: number, callback: AckCallback, timeout: number | undefined, withAckPromise: boolean, transmitted: boolean) {
    const expectsError = withAckPromise || timeout !== undefined;
    if (!expectsError && transmitted) return this.#acks.registerPlain(id, callback);
    this.#acks.register({ id, timeout, retries: undefined, expectsError, transmitted, callback, packet: undefined });
  }

  /** A packet that would fail to encode later (offline) fails now, at the emit() that made it. */
  #checkEncodable(packet: Packet) {
    try {
      this.io._checkEncoder().encode(packet);
    } catch (error) {
      throw new TypeError(`socket.emit(): cannot encode the arguments of "${String(packet.data[0])}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The callback the server's acknowledgement request gets: one ACK packet, at most. */
  #acknowledge(id: number) {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.io._transport()?.send({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  #emitEvent(args: readonly unknown[], recovering: boolean) {
    if (this.#anyListeners) invokeAll(this, this.#anyListeners, args);
    this.dispatch(args[0] as string, args.slice(1));
    // connection state recovery: the server appends the event's offset
    const last = args[args.length - 1];
    if (recovering && typeof last === "string") this.#lastOffset = last;
  }

  #notifyOutgoing(args: readonly unknown[]) {
    if (this.#anyOutgoingListeners) invokeAll(this, this.#anyOutgoingListeners, args);
  }

  /**
   * A queued emission's turn (retries mode). A re-send is the same packet, with
   * the same ack id (an answer to any copy settles it), marked `retry: true` in
   * its write options, which socket.io.engine's "packetCreate" event shows.
   */
  #transmit(packet: Packet, retry: boolean) {
    const transport = this.io._transport();
    if (!transport) return;
    const options = (packet as { options?: object }).options;
    transport.send(retry ? ({ ...packet, options: { ...options, retry: true } } as Packet) : packet);
    this.#notifyOutgoing(packet.data as unknown[]);
  }

  #discardUnsent(id: number) {
    const index = this.sendBuffer.findIndex((packet) => packet.id === id);
    if (index !== -1) this.sendBuffer.splice(index, 1);
  }

  #send(event: NamespaceEvent) {
    const ref = this.actor;
    if (ref) ref.send(event);
    else this.io._forward(this.nsp, event);
  }

  #onNamespaceEvent(event: NamespaceEmitted) {
    switch (event.type) {
      case "connect":
        this.#flushBuffers();
        this.#ackRegistry?.connected();
        return this.dispatch("connect", []);
      case "connect_error":
        return this.dispatch("connect_error", [event.error]);
      case "disconnect":
        this.dispatch("disconnect", [event.reason, event.description]);
        // after the listeners, like the official client: acks that take an error get one
        return this.#ackRegistry?.connectionLost();
      case "inactive":
        return this.#ackRegistry?.socketInactive();
    }
  }

  /** On connection: what was received, then what was emitted, while not connected. */
  #flushBuffers() {
    const recovering = this.actor?.getSnapshot().context.pid !== undefined;
    const received = this.receiveBuffer;
    this.receiveBuffer = [];
    for (const args of received) this.#emitEvent(args, recovering);
    const sent = this.sendBuffer;
    this.sendBuffer = [];
    const transport = this.io._transport();
    for (const packet of sent) {
      if (!transport) break;
      try {
        transport.send(packet);
      } catch (error) {
        // checked at emit(); a custom parser may still refuse it
        reportError(error);
        continue;
      }
      this.#notifyOutgoing(packet.data as unknown[]);
      if (packet.id !== undefined) this.#ackRegistry?.sent(packet.id);
    }
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
