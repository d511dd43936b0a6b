// The Manager: a projection of the connection machine. Attributes read the
// actor's snapshot, methods send it one event, and its emitted events become
// the Manager events (src/connection.ts holds the actor and what the Sockets share).
import type { SocketOptions as EngineOptions, Socket as Engine } from "engine.io-client";
import * as defaultParser from "socket.io-parser";
import type { Packet } from "socket.io-parser";
import type { AnyActorRef, InspectionEvent, Observer } from "xstate";
import type { ConnectionEmitted, ConnectionSettings } from "../machines/connection.machine.js";
import { originalOf } from "../machines/secrets.js";
import type { DisconnectDescription, Parser } from "../machines/transport.js";
import { ACTOR_PARENT, Connection, type ConnectionActor } from "./connection.js";
import { afterTurn, invoke } from "./dispatch.js";
import { dispatch, Emitter, hasListeners, type DefaultEventsMap, type EventsMap } from "./emitter.js";
import { checkOption, checkSettings } from "./options.js";
import { Socket, type SocketOptions } from "./socket.js";

export type { ConnectionActor };

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
  /**
   * ms before an unanswered connection attempt fails. Default 20000. `false`
   * waits forever (at run time, as in the official client; its typings say number).
   */
  timeout: number;
  /** Connect at once. Default true. */
  autoConnect: boolean;
  /** A custom parser, with `Encoder` and `Decoder` (e.g. socket.io-msgpack-parser). */
  parser: any;
  /**
   * Not an option of the official client: an XState inspection observer that
   * sees every actor of this Manager (see `socket.io-client-xstate/inspector`).
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Not an option of the official client: give the listeners the engine's
   * errors as engine.io-client makes them, with the failed request (an
   * XMLHttpRequest, or the WebSocket of a `ws` event) as context. By default
   * they get plain copies of those, without the URL's query tokens and the
   * headers the request holds. Default false.
   */
  exposeTransportDetails?: boolean;
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

/** Settings as the options give them, with the official defaults. */
function settingsOf(opts: Partial<ManagerOptions>): ConnectionSettings {
  return checkSettings({
    reconnection: opts.reconnection !== false,
    reconnectionAttempts: opts.reconnectionAttempts ?? Infinity,
    reconnectionDelay: opts.reconnectionDelay ?? 1000,
    reconnectionDelayMax: opts.reconnectionDelayMax ?? 5000,
    randomizationFactor: opts.randomizationFactor ?? 0.5,
    timeout: opts.timeout == null ? 20000 : (opts.timeout as number | false),
  });
}

export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends Emitter<{}, {}, ManagerReservedEvents> {
  /** The options, as given (with `path` defaulted), like the official client's. */
  readonly opts: Partial<ManagerOptions>;
  readonly #connection: Connection;

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
    this.#connection = new Connection(this, {
      uri: uri ?? "",
      engineOptions: opts as Record<string, unknown>,
      parser,
      settings: settingsOf(opts),
      autoConnect: opts.autoConnect !== false,
      useNativeTimers: !!opts.useNativeTimers,
      autoUnref: !!opts.autoUnref,
      inspect: opts.inspect,
      parent: (opts as { [ACTOR_PARENT]?: AnyActorRef })[ACTOR_PARENT],
      onLifecycle: onConnectionEvent,
      onPacket,
    });
  }

  /**
   * Not in the official API: the connection actor, for XState users
   * (`manager.actor.subscribe(...)`, `waitFor(...)`).
   */
  get actor(): ConnectionActor {
    return this.#connection.actor;
  }

  /** The engine.io-client socket of the current (or last) connection. */
  get engine(): Engine {
    return this.#connection.transport?.engine as Engine;
  }

  /** Like the official client's: "opening", "open" or "closed". */
  get _readyState(): "opening" | "open" | "closed" {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.matches({ active: { engine: "open" } })) return "open";
    return snapshot.matches({ active: "engine" }) ? "opening" : "closed";
  }

  /** Like the official client's: whether a reconnection loop is running. */
  get _reconnecting(): boolean {
    const snapshot = this.actor.getSnapshot();
    return snapshot.matches({ active: "waiting" }) || (snapshot.matches("active") && snapshot.context.attempt > 0);
  }

  get _autoConnect(): boolean {
    return this.#connection.autoConnect;
  }

  reconnection(v: boolean): this;
  reconnection(): boolean;
  reconnection(v?: boolean): this | boolean;
  reconnection(v?: boolean): this | boolean {
    if (!arguments.length) return this.#connection.settings.reconnection;
    return this.#configure({ reconnection: !!v });
  }

  reconnectionAttempts(v: number): this;
  reconnectionAttempts(): number;
  reconnectionAttempts(v?: number): this | number;
  reconnectionAttempts(v?: number): this | number {
    if (v === undefined) return this.#connection.settings.reconnectionAttempts;
    return this.#configure({ reconnectionAttempts: v });
  }

  reconnectionDelay(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(v?: number): this | number;
  reconnectionDelay(v?: number): this | number {
    if (v === undefined) return this.#connection.settings.reconnectionDelay;
    return this.#configure({ reconnectionDelay: v });
  }

  randomizationFactor(v: number): this;
  randomizationFactor(): number;
  randomizationFactor(v?: number): this | number;
  randomizationFactor(v?: number): this | number {
    if (v === undefined) return this.#connection.settings.randomizationFactor;
    return this.#configure({ randomizationFactor: v });
  }

  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v?: number): this | number;
  reconnectionDelayMax(v?: number): this | number {
    if (v === undefined) return this.#connection.settings.reconnectionDelayMax;
    return this.#configure({ reconnectionDelayMax: v });
  }

  // a boolean as in the official typings: `false` waits forever, `true` is a TypeError (not a delay)
  timeout(v: number | boolean): this;
  timeout(): number | boolean;
  timeout(v?: number | boolean): this | number | boolean;
  timeout(v?: number | boolean): this | number | boolean {
    if (!arguments.length) return this.#connection.settings.timeout;
    return this.#configure({ timeout: (v ?? 20000) as number | false });
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
    this.#connection.send({ type: "api.open" });
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
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket {
    let socket = this.#connection.socket(nsp) as Socket | undefined;
    if (!socket) socket = new Socket(this as Manager, nsp, opts);
    else if (this._autoConnect && !socket.active) socket.connect();
    return socket;
  }

  /**
   * Closes the connection ("forced close") and stops reconnecting, like the
   * official client's; its Sockets stay active and handshake again on the next open().
   * @private in the official typings, called by code in the wild.
   */
  _close(): void {
    this.#connection.send({ type: "api.close" });
  }

  /** Closes the connection when no Socket of this Manager is active any more (official typings). */
  _destroy(_socket: Socket): void {
    for (const socket of this.#connection.sockets() as Socket[]) if (socket.active) return;
    this._close();
  }

  /** Encodes and writes one packet on the current connection (official typings). */
  _packet(packet: Partial<Packet & { query: string; options: any }>): void {
    this.#connection.transport?.send(packet as Packet);
  }

  #configure(settings: Partial<ConnectionSettings>): this {
    checkSettings({ ...this.#connection.settings, ...settings });
    this.#connection.send({ type: "api.configure", settings });
    return this;
  }

  #callBackOnce(callback: (err?: Error) => void) {
    if (this._readyState === "open") {
      queueMicrotask(() => invoke(this, callback, []));
      return;
    }
    const actor = this.actor;
    const subscriptions = [
      actor.on("open", () => settle()),
      actor.on("error", (event) => settle(originalOf(event.error))),
      actor.on("close", (event) => settle(new Error(`connection closed: ${event.reason}`))),
    ];
    const settle = (error?: Error) => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      afterTurn(() => invoke(this, callback, error ? [error] : []));
    };
  }
}

/** The Manager events: what its connection actor emitted (the same function for every Manager). */
function onConnectionEvent(manager: object, event: ConnectionEmitted) {
  switch (event.type) {
    case "error":
    case "reconnect_error":
      return dispatch(manager, event.type, [originalOf(event.error)]);
    case "close":
      return dispatch(manager, "close", [event.reason, originalOf(event.description)]);
    case "reconnect_attempt":
    case "reconnect":
      return dispatch(manager, event.type, [event.attempt]);
    default:
      return dispatch(manager, event.type, []);
  }
}

/** The Manager's `packet` event: every decoded packet (the same function for every Manager). */
function onPacket(manager: object, packet: Packet) {
  if (hasListeners(manager, "packet")) dispatch(manager, "packet", [packet]);
}
