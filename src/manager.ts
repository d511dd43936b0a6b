// The Manager: a projection of the connection machine. Attributes read the
// actor's snapshot, methods send it one event, and its emitted events become
// the Manager events. The data plane (decoded EVENT and ACK packets) goes from
// the transport straight to the Sockets, without an actor event per packet.
import type { SocketOptions as EngineOptions, Socket as Engine } from "engine.io-client";
import * as defaultParser from "socket.io-parser";
import { PacketType, type Packet } from "socket.io-parser";
import { createActor, type Actor, type InspectionEvent, type Observer } from "xstate";
import { createClock } from "../adapters/clock.js";
import { engineTransport } from "../adapters/engine-transport.js";
import {
  connectionMachine,
  type ConnectionEmitted,
  type ConnectionSettings,
  type NamespaceActorRef,
} from "../machines/connection.machine.js";
import type { NamespaceEmitted, NamespaceEvent, NamespaceInput } from "../machines/namespace.machine.js";
import type { DisconnectDescription, Parser, Transport } from "../machines/transport.js";
import { Emitter, invoke, type DefaultEventsMap, type EventsMap } from "./emitter.js";
import { checkOption, checkSettings } from "./options.js";
import { Socket, type SocketOptions } from "./socket.js";

export interface ManagerOptions extends EngineOptions {
  /** io(): always create a new Manager. */
  forceNew: boolean;
  /** io(): `false` has the effect of `forceNew: true`. */
  multiplex: boolean;
  /** The server's path. Default "/socket.io". */
  path: string;
  /** Reconnect automatically. Default true. */
  reconnection: boolean;
  /** Attempts before giving up. Default Infinity. */
  reconnectionAttempts: number;
  /** Nominal delay before the first attempt, in ms; doubles on every attempt. Default 1000. */
  reconnectionDelay: number;
  /** Cap of the nominal delay, in ms. Default 5000. */
  reconnectionDelayMax: number;
  /** Jitter of each delay, within [1 - f, 1 + f] x the nominal delay. Default 0.5. */
  randomizationFactor: number;
  /** ms before an unanswered connection attempt fails; `false` waits forever. Default 20000. */
  timeout: number | false;
  /** Connect at once. Default true. */
  autoConnect: boolean;
  /** A custom parser, with `Encoder` and `Decoder` (e.g. socket.io-msgpack-parser). */
  parser: unknown;
  /**
   * Not an option of the official client: an XState inspection observer that
   * sees every actor of this Manager (see `socket.io-client-xstate/inspector`).
   */
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: string, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

const managedConnection = connectionMachine.provide({ actors: { transport: engineTransport } });
const timers = { ref: createClock(), unref: createClock({ unref: true }) };

export type ConnectionActor = Actor<typeof managedConnection>;

/** Settings as the options give them, with the official defaults. */
function settingsOf(opts: Partial<ManagerOptions>): ConnectionSettings {
  return checkSettings({
    reconnection: opts.reconnection !== false,
    reconnectionAttempts: opts.reconnectionAttempts ?? Infinity,
    reconnectionDelay: opts.reconnectionDelay ?? 1000,
    reconnectionDelayMax: opts.reconnectionDelayMax ?? 5000,
    randomizationFactor: opts.randomizationFactor ?? 0.5,
    timeout: opts.timeout == null ? 20000 : opts.timeout,
  });
}

export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends Emitter<{}, {}, ManagerReservedEvents> {
  /** The options, as given (with `path` defaulted), like the official client's. */
  readonly opts: Partial<ManagerOptions>;
  readonly #actor: ConnectionActor;
  /** The Socket of each namespace: where the data plane delivers packets. */
  readonly #sockets: Record<string, Socket | undefined> = Object.create(null);
  #checkEncoder: { encode(packet: Packet): unknown[] } | undefined;

  constructor(opts: Partial<ManagerOptions>);
  constructor(uri?: string, opts?: Partial<ManagerOptions>);
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>);
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super();
    if (uri && typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    if (uri !== undefined && typeof uri !== "string") throw new TypeError(`new Manager(): the URL must be a string, got ${typeof uri}`);
    opts = opts || {};
    opts.path = opts.path || "/socket.io";
    this.opts = opts;
    const parser = (opts.parser as Parser | undefined) ?? (defaultParser as unknown as Parser);
    if (typeof parser?.Encoder !== "function" || typeof parser?.Decoder !== "function") {
      throw new TypeError("the `parser` option must have an Encoder and a Decoder (like socket.io-parser)");
    }
    this.#actor = createActor(managedConnection, {
      id: "connection",
      input: {
        uri: uri ?? "",
        engineOptions: opts as Record<string, unknown>,
        parser,
        settings: settingsOf(opts),
        autoConnect: opts.autoConnect !== false,
        deliver: (packet) => this.#deliver(packet),
      },
      clock: opts.autoUnref ? timers.unref : timers.ref,
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    this.#actor.on("*", (event) => this.#onConnectionEvent(event));
    this.#actor.start();
  }

  /**
   * Not in the official API: the connection actor, for XState users
   * (`manager.actor.subscribe(...)`, `waitFor(...)`).
   */
  get actor(): ConnectionActor {
    return this.#actor;
  }

  /** The engine.io-client socket of the current (or last) connection. */
  get engine(): Engine {
    return this.#actor.getSnapshot().context.transport?.engine as Engine;
  }

  /** Like the official client's: "opening", "open" or "closed". */
  get _readyState(): "opening" | "open" | "closed" {
    const snapshot = this.#actor.getSnapshot();
    if (snapshot.matches({ active: { connecting: "open" } })) return "open";
    return snapshot.matches({ active: "connecting" }) ? "opening" : "closed";
  }

  /** Like the official client's: whether a reconnection loop is running. */
  get _reconnecting(): boolean {
    const snapshot = this.#actor.getSnapshot();
    return snapshot.matches({ active: "waiting" }) || (snapshot.matches("active") && snapshot.context.attempt > 0);
  }

  get _autoConnect(): boolean {
    return this.#actor.getSnapshot().context.autoConnect;
  }

  reconnection(v: boolean): this;
  reconnection(): boolean;
  reconnection(v?: boolean): this | boolean;
  reconnection(v?: boolean): this | boolean {
    if (!arguments.length) return this.#settings.reconnection;
    return this.#configure({ reconnection: !!v });
  }

  reconnectionAttempts(v: number): this;
  reconnectionAttempts(): number;
  reconnectionAttempts(v?: number): this | number;
  reconnectionAttempts(v?: number): this | number {
    if (v === undefined) return this.#settings.reconnectionAttempts;
    return this.#configure({ reconnectionAttempts: v });
  }

  reconnectionDelay(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(v?: number): this | number;
  reconnectionDelay(v?: number): this | number {
    if (v === undefined) return this.#settings.reconnectionDelay;
    return this.#configure({ reconnectionDelay: v });
  }

  randomizationFactor(v: number): this;
  randomizationFactor(): number;
  randomizationFactor(v?: number): this | number;
  randomizationFactor(v?: number): this | number {
    if (v === undefined) return this.#settings.randomizationFactor;
    return this.#configure({ randomizationFactor: v });
  }

  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v?: number): this | number;
  reconnectionDelayMax(v?: number): this | number {
    if (v === undefined) return this.#settings.reconnectionDelayMax;
    return this.#configure({ reconnectionDelayMax: v });
  }

  timeout(v: number | false): this;
  timeout(): number | false;
  timeout(v?: number | false): this | number | false;
  timeout(v?: number | false): this | number | false {
    if (!arguments.length) return this.#settings.timeout;
    return this.#configure({ timeout: v ?? 20000 });
  }

  /**
   * Opens the connection (when `autoConnect` is false, or after it closed).
   * `callback` is called once, with an Error if the attempt fails. While the
   * Manager is reconnecting, the loop goes on and no second engine is opened.
   *
   * @example
   * manager.open((err) => {
   *   if (err) console.error("connection failed", err);
   * });
   */
  open(callback?: (err?: Error) => void): this {
    if (callback !== undefined) {
      checkOption("manager.open(callback)", "callback", callback, "function");
      this.#callBackOnce(callback);
    }
    this.#actor.send({ type: "api.open" });
    return this;
  }

  /** Synonym of open(). */
  connect(callback?: (err?: Error) => void): this {
    return this.open(callback);
  }

  /**
   * The Socket of namespace `nsp` on this Manager (created once, then the
   * same). Only `auth`, `ackTimeout` and `retries` are read from `opts`.
   *
   * @example
   * const adminSocket = manager.socket("/admin", { auth: { token: "abc" } });
   */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket<ListenEvents, EmitEvents> {
    let socket = this.#sockets[nsp];
    if (!socket) socket = new Socket(this as Manager, nsp, opts);
    else if (this._autoConnect && !socket.active) socket.connect();
    return socket as unknown as Socket<ListenEvents, EmitEvents>;
  }

  /**
   * @internal Registers a Socket for namespace `input.nsp` and spawns its actor.
   * Returns the actor, or undefined when this Manager is in the middle of a
   * transition (then the actor exists once it ends: see `_namespace()`).
   */
  _attach(socket: Socket, input: NamespaceInput, listener: (event: NamespaceEmitted) => void): NamespaceActorRef | undefined {
    if (this.#sockets[input.nsp]) {
      throw new Error(`the Manager already has a Socket for namespace "${input.nsp}": use manager.socket(nsp)`);
    }
    this.#sockets[input.nsp] = socket;
    this.#actor.send({ type: "api.createNamespace", input, listener });
    return this._namespace(input.nsp);
  }

  /** @internal Whether a Socket of namespace `nsp` exists on this Manager. */
  _hasSocket(nsp: string): boolean {
    return this.#sockets[nsp] !== undefined;
  }

  /** @internal The actor of namespace `nsp`. */
  _namespace(nsp: string): NamespaceActorRef | undefined {
    return this.#actor.getSnapshot().children[nsp] as NamespaceActorRef | undefined;
  }

  /** @internal Sends an event to a namespace actor through the connection actor, in order. */
  _forward(nsp: string, event: NamespaceEvent): void {
    this.#actor.send({ type: "api.forwardToNamespace", nsp, event });
  }

  /** @internal The current low-level connection, for the data plane. */
  _transport(): Transport | undefined {
    return this.#actor.getSnapshot().context.transport;
  }

  /** @internal An encoder of the parser, to check that offline emissions can be encoded (made once). */
  _checkEncoder(): { encode(packet: Packet): unknown[] } {
    return (this.#checkEncoder ??= new (this.#actor.getSnapshot().context.parser.Encoder)());
  }

  get #settings(): ConnectionSettings {
    return this.#actor.getSnapshot().context.settings;
  }

  #configure(settings: Partial<ConnectionSettings>): this {
    checkSettings({ ...this.#settings, ...settings });
    this.#actor.send({ type: "api.configure", settings });
    return this;
  }

  #callBackOnce(callback: (err?: Error) => void) {
    if (this._readyState === "open") {
      queueMicrotask(() => invoke(this, callback, []));
      return;
    }
    const subscriptions = [
      this.#actor.on("open", () => settle()),
      this.#actor.on("error", (event) => settle(event.error)),
      this.#actor.on("close", (event) => settle(new Error(`connection closed: ${event.reason}`))),
    ];
    const settle = (error?: Error) => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      invoke(this, callback, error ? [error] : []);
    };
  }

  #onConnectionEvent(event: ConnectionEmitted) {
    switch (event.type) {
      case "error":
      case "reconnect_error":
        return this.dispatch(event.type, [event.error]);
      case "close":
        return this.dispatch("close", [event.reason, event.description]);
      case "reconnect_attempt":
      case "reconnect":
        return this.dispatch(event.type, [event.attempt]);
      default:
        return this.dispatch(event.type, []);
    }
  }

  /** Every decoded packet, synchronously from the transport. */
  #deliver(packet: Packet) {
    // component-emitter's own store, read directly: this runs for every packet
    if ((this as unknown as { _callbacks?: Record<string, unknown[]> })._callbacks?.$packet?.length) {
      this.dispatch("packet", [packet]);
    }
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.#sockets[packet.nsp]?._onPacket(packet);
    }
  }
}
