// The data plane of one namespace: emissions out (sent now, buffered, or
// dropped), events and acknowledgements in, and the buffers flushed on
// connection. It does not go through an actor: it reads the namespace's state
// and writes to the transport, so that the statecharts cost nothing per packet.
// It is the Socket's end of the connection (NamespaceEnd): the connection hands
// it the Socket's packets, and the namespace actor's events, which it turns
// into the Socket events.
import { PacketType, type Packet } from "socket.io-parser";
import { hasSession, keepOffset, type Credentials } from "../machines/credentials.js";
import type { Transport } from "../machines/transport.js";
import { AckRegistry, type AckCallback, type QueuedEmission } from "./ack-registry.js";
import type { NamespaceEmitted } from "../machines/namespace.machine.js";
import { originalOf } from "../machines/secrets.js";
import type { Connection, NamespaceEnd } from "./connection.js";
import { invokeAll } from "./dispatch.js";
import { dispatch } from "./emitter.js";
import { checkAckTimeout, checkRetries } from "./options.js";
import { reportError } from "./report-error.js";
import { SendBufferLimiter, sendBufferLimits, type DropReason, type SendBufferLimits } from "./send-buffer.js";
import type { Socket, SocketOptions } from "./socket.js";

/** The modifiers of one emission: compress(), volatile, timeout(). */
export interface Flags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
}

/** Event names a server must not fake (socket.io-parser refuses them; a custom parser may not). */
export const RESERVED_EVENTS: ReadonlySet<unknown> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
  // ours: an emission the send buffer's limits dropped
  "send_buffer_drop",
]);

type OutgoingPacket = Packet & { options: { compress: boolean } };

const UNBOUNDED: SendBufferLimits = {
  sendBufferLimit: Infinity,
  sendBufferMaxBytes: Infinity,
  sendBufferMaxAge: Infinity,
  sendBufferOverflow: "drop-oldest",
};

export class DataPlane implements NamespaceEnd<Socket> {
  readonly #socket: Socket;
  readonly #connection: Connection;
  readonly #nsp: string;
  readonly #ackTimeout: number | undefined;
  readonly #retries: number | undefined;
  #ids = 0;
  /** Created on the first acknowledgement: most sockets never need one. */
  #ackRegistry: AckRegistry | undefined;
  /** Where connection state recovery keeps the offset of the last event received. */
  readonly #credentials: Credentials;
  /** The limits of the send buffer, if the options set any (unbounded, the buffer is a plain array push). */
  readonly #limits: SendBufferLimits | undefined;
  /** Made on first use: most Sockets never need one. */
  #limiter: SendBufferLimiter | undefined;

  constructor(socket: Socket, connection: Connection, credentials: Credentials, opts: Partial<SocketOptions> | undefined) {
    this.#socket = socket;
    this.#connection = connection;
    this.#credentials = credentials;
    this.#limits = sendBufferLimits(opts);
    this.#nsp = socket.nsp;
    this.#ackTimeout = checkAckTimeout("ackTimeout", opts?.ackTimeout);
    this.#retries = checkRetries(opts?.retries);
  }

  /** The Socket, for manager.socket(nsp). */
  get socket(): Socket {
    return this.#socket;
  }

  /** What the namespace actor emitted (once the actors are idle): the Socket events. */
  onLifecycle(event: NamespaceEmitted): void {
    const socket = this.#socket;
    switch (event.type) {
      case "connect":
        this.connected();
        return dispatch(socket, "connect", []);
      case "connect_error":
        return dispatch(socket, "connect_error", [originalOf(event.error)]);
      case "disconnect":
        dispatch(socket, "disconnect", [event.reason, originalOf(event.description)]);
        // after the listeners, like the official client: acks that take an error get one
        return this.disconnected();
      case "inactive":
        return this.inactive();
    }
  }

  get #acks(): AckRegistry {
    return (this.#ackRegistry ??= new AckRegistry(
      {
        transmit: (packet, retry) => this.#transmit(packet, retry),
        nextId: () => this.#ids++,
        discardUnsent: (id) => this.#discardUnsent(id),
        isConnected: () => this.#socket.connected,
      },
      // inspected or embedded, every ack is an actor under its namespace's, for the observer to see and the app's clock to drive
      { timers: this.#connection.timers, actorsUnder: () => (this.#connection.actorAcks ? this.#socket.actor : undefined) },
    ));
  }

  /** One emission: `args` starts with the event name, without the ack callback. */
  emit(args: unknown[], ack: AckCallback | undefined, flags: Flags, withAckPromise: boolean): void {
    const packet: OutgoingPacket = {
      type: PacketType.EVENT,
      nsp: this.#nsp,
      data: args,
      options: { compress: flags.compress !== false },
    };
    const timeout = flags.timeout ?? this.#ackTimeout;
    if (this.#retries !== undefined && !flags.volatile) {
      // every emission asks for an ack and waits for its turn in the queue
      packet.id = this.#ids++;
      this.#connection.encodedSize(packet);
      this.#acks.register({ id: packet.id, timeout, retries: this.#retries, expectsError: true, transmitted: false, callback: ack, packet });
      return;
    }
    if (ack) packet.id = this.#ids++;
    const transport = this.#connection.transport;
    const sendNow = this.#socket.connected && transport !== undefined && !transport.isStale();
    if (flags.volatile && !(sendNow && transport.writable)) {
      // dropped on purpose: an ack it asked for still ends, by its timeout
      if (ack) this.#registerAck(packet.id!, ack, timeout, withAckPromise, true);
      return;
    }
    if (sendNow) {
      transport.send(packet);
      this.#notifyOutgoing(args);
      if (ack) this.#registerAck(packet.id!, ack, timeout, withAckPromise, true);
      return;
    }
    const bytes = this.#connection.encodedSize(packet);
    // first, so that a packet the buffer's limits drop at once ends its ack
    if (ack) this.#registerAck(packet.id!, ack, timeout, withAckPromise, false);
    if (this.#limits) this.#sendBuffer.push(this.#socket.sendBuffer, packet, bytes);
    else this.#socket.sendBuffer.push(packet);
  }

  get #sendBuffer(): SendBufferLimiter {
    return (this.#limiter ??= new SendBufferLimiter(this.#limits ?? UNBOUNDED, (packet, reason) => this.#dropped(packet, reason)));
  }

  /** Drops every emission waiting in the send buffer, each reported (socket.clearSendBuffer()). */
  clearSendBuffer(): void {
    this.#sendBuffer.clear(this.#socket.sendBuffer);
  }

  /** An emission the send buffer's limits dropped unsent: the Socket says so, and its ack gets an error if it takes one. */
  #dropped(packet: Packet, reason: DropReason) {
    const [event, ...args] = packet.data as unknown[];
    dispatch(this.#socket, "send_buffer_drop", [event, args, reason]);
    if (packet.id !== undefined) this.#ackRegistry?.dropped(packet.id, reason);
  }

  /** Retries mode: the emissions waiting for their ack, in order. */
  queued(): QueuedEmission[] {
    return this.#ackRegistry?.queued() ?? [];
  }

  /** An EVENT or ACK packet for this namespace, from the transport. */
  receive(packet: Packet): void {
    if (packet.type === PacketType.ACK || packet.type === PacketType.BINARY_ACK) {
      this.#ackRegistry?.settle(packet.id!, packet.data as unknown[]);
      return;
    }
    const args = packet.data as unknown[];
    // a server never sends these; one that does must not fake a lifecycle event
    if (RESERVED_EVENTS.has(args[0])) return;
    if (packet.id !== undefined) args.push(this.#acknowledge(packet.id, this.#connection.transport));
    const socket = this.#socket;
    if (socket.connected) this.#emitEvent(args);
    else if (socket.active) socket.receiveBuffer.push(Object.freeze(args));
  }

  /** The namespace connected: what was received, then what was emitted, while not connected; then the retries queue. */
  connected(): void {
    const socket = this.#socket;
    const received = socket.receiveBuffer;
    socket.receiveBuffer = [];
    for (const args of received) this.#emitEvent(args);
    if (this.#limits) this.#sendBuffer.expire(socket.sendBuffer);
    const sent = socket.sendBuffer;
    socket.sendBuffer = [];
    const transport = this.#connection.transport;
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
    }
    // acks whose packet left the buffer, sent or taken out by the user (`socket.sendBuffer = []`)
    this.#ackRegistry?.bufferFlushed();
    this.#ackRegistry?.connected();
  }

  /** The namespace lost its connection (after the `disconnect` listeners, like the official client). */
  disconnected(): void {
    this.#ackRegistry?.connectionLost();
  }

  /** The Socket stopped trying to connect: what waits for an error gets one. */
  inactive(): void {
    this.#ackRegistry?.socketInactive();
  }

  #registerAck(id: number, callback: AckCallback, timeout: number | undefined, withAckPromise: boolean, transmitted: boolean) {
    const expectsError = withAckPromise || timeout !== undefined;
    if (!expectsError && transmitted) return this.#acks.registerPlain(id, callback);
    this.#acks.register({ id, timeout, retries: undefined, expectsError, transmitted, callback, packet: undefined });
  }

  /**
   * The callback the server's acknowledgement request gets: one ACK packet, at
   * most, on the connection that asked (never on a later one, where the id means nothing).
   */
  #acknowledge(id: number, transport: Transport | undefined) {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !transport || transport.closed) return;
      sent = true;
      transport.send({ type: PacketType.ACK, nsp: this.#nsp, id, data: args });
    };
  }

  #emitEvent(args: readonly unknown[]) {
    const socket = this.#socket;
    const any = socket.listenersAny();
    if (any.length) invokeAll(socket, any, args);
    dispatch(socket, args[0] as string, args.slice(1));
    // connection state recovery: the server appends the event's offset
    const last = args[args.length - 1];
    if (typeof last === "string" && hasSession(this.#credentials)) keepOffset(this.#credentials, last);
  }

  #notifyOutgoing(args: readonly unknown[]) {
    const any = this.#socket.listenersAnyOutgoing();
    if (any.length) invokeAll(this.#socket, any, args);
  }

  /**
   * A queued emission's turn (retries mode). A re-send has an ack id of its
   * own, like the official client's (an answer to any copy settles it), and
   * `retry: true` in its write options, which socket.io.engine's "packetCreate" event shows.
   */
  #transmit(packet: Packet, retry: boolean) {
    const transport = this.#connection.transport;
    if (!transport) return;
    const options = (packet as { options?: object }).options;
    try {
      transport.send(retry ? ({ ...packet, options: { ...options, retry: true } } as Packet) : packet);
    } catch (error) {
      // a timer of the ack chart called this: its lifecycle goes on, the error reaches the host
      reportError(error);
      return;
    }
    this.#notifyOutgoing(packet.data as unknown[]);
  }

  #discardUnsent(id: number) {
    const buffer = this.#socket.sendBuffer;
    const index = buffer.findIndex((packet) => packet.id === id);
    if (index !== -1) buffer.splice(index, 1);
  }
}
