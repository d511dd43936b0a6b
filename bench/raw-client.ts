// The raw engine.io floor, measured next to ours and the official client in
// the per-message trials (emit, receive, acks): an engine.io-client Socket
// that writes socket.io EVENT packets as strings and reads EVENT and ACK
// packets itself, with nothing in between: no Manager, no namespaces, no
// reconnection, no packet buffer, no binary support, no argument checks. Any
// socket.io client runs on engine.io and must at least encode and decode
// these packets, so no socket.io layer can go below these figures. Like the
// shared bench's `raw` client (../shared/bench/worker.mjs), except that it
// JSON-encodes the arguments of every emit (the shared one concatenates a
// pre-encoded string) and JSON-decodes every incoming event and ack, which
// is the least a general emit()/on() must do, and that it offers the subset
// of the Socket API the bench drives (emit with a callback, timeout(),
// emitWithAck, on/once/off), so that the same worker code measures it.
import { Socket as Engine, type SocketOptions } from "engine.io-client";

type Listener = (...args: any[]) => void;

const EVENT = 50; // "2"
const ACK = 51; // "3"
const CONNECT = 48; // "0"
const CONNECT_ERROR = 52; // "4"

class RawSocket {
  connected = false;
  readonly #engine: Engine;
  readonly #listeners = new Map<string, Listener[]>();
  readonly #acks = new Map<number, (args: unknown[]) => void>();
  #nextId = 0;

  constructor(uri: string, options: Partial<SocketOptions>) {
    const engine = new Engine(uri, { path: "/socket.io/", transports: options.transports });
    this.#engine = engine;
    engine.on("open", () => engine.send("0"));
    engine.on("message", (data) => this.#onPacket(data as string));
    engine.on("error", (error) => {
      if (!this.connected) this.#fire("connect_error", [error instanceof Error ? error : new Error(String(error))]);
    });
    engine.on("close", (reason) => {
      if (!this.connected) return this.#fire("connect_error", [new Error(`closed before connect: ${reason}`)]);
      this.connected = false;
      this.#fire("disconnect", [reason]);
    });
  }

  #onPacket(data: string): void {
    switch (data.charCodeAt(0)) {
      case EVENT: {
        const args = JSON.parse(data.slice(1)) as [string, ...unknown[]];
        this.#fire(args[0], args.slice(1));
        return;
      }
      case ACK: {
        let id = 0;
        let j = 1;
        for (let d = data.charCodeAt(j); d >= 48 && d <= 57; d = data.charCodeAt(++j)) id = id * 10 + (d - 48);
        const onAck = this.#acks.get(id);
        if (onAck === undefined) return;
        this.#acks.delete(id);
        onAck(JSON.parse(data.slice(j)) as unknown[]);
        return;
      }
      case CONNECT:
        this.connected = true;
        this.#fire("connect", []);
        return;
      case CONNECT_ERROR:
        this.#fire("connect_error", [new Error(`CONNECT_ERROR ${data}`)]);
        return;
    }
  }

  #fire(event: string, args: unknown[]): void {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined) return;
    if (listeners.length === 1) return void listeners[0]!(...args);
    for (const listener of listeners.slice()) listener(...args);
  }

  /** Writes the EVENT packet; `onAck` (when given) gets the ACK's arguments. */
  #send(args: unknown[], onAck?: (values: unknown[]) => void): void {
    if (onAck === undefined) {
      this.#engine.send("2" + JSON.stringify(args));
      return;
    }
    const id = this.#nextId++;
    this.#acks.set(id, onAck);
    this.#engine.send("2" + id + JSON.stringify(args));
  }

  /** An ack callback called with (error) after `ms`, or with (null, ...values) on the ACK. */
  #sendWithTimeout(args: unknown[], ms: number, callback: Listener): void {
    const id = this.#nextId;
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      callback(new Error("operation has timed out"));
    }, ms);
    this.#send(args, (values) => {
      clearTimeout(timer);
      callback(null, ...values);
    });
  }

  emit(event: string, ...args: unknown[]): this {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args.pop();
      this.#send([event, ...args], (values) => (last as Listener)(...values));
    } else {
      this.#send([event, ...args]);
    }
    return this;
  }

  emitWithAck(event: string, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve) => this.#send([event, ...args], (values) => resolve(values[0])));
  }

  timeout(ms: number) {
    return {
      emit: (event: string, ...args: unknown[]) => {
        const callback = args.pop() as Listener;
        this.#sendWithTimeout([event, ...args], ms, callback);
      },
      emitWithAck: (event: string, ...args: unknown[]) =>
        new Promise((resolve, reject) =>
          this.#sendWithTimeout([event, ...args], ms, (error: Error | null, value: unknown) => (error ? reject(error) : resolve(value))),
        ),
    };
  }

  on(event: string, listener: Listener): this {
    const listeners = this.#listeners.get(event);
    if (listeners) listeners.push(listener);
    else this.#listeners.set(event, [listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapper: Listener & { listener?: Listener } = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    wrapper.listener = listener;
    return this.on(event, wrapper);
  }

  off(event: string, listener: Listener): this {
    const listeners = this.#listeners.get(event);
    if (!listeners) return this;
    const i = listeners.findIndex((l) => l === listener || (l as { listener?: Listener }).listener === listener);
    if (i >= 0) listeners.splice(i, 1);
    return this;
  }

  disconnect(): this {
    if (this.connected) this.#engine.send("1");
    this.connected = false;
    this.#engine.close();
    return this;
  }
}

export function io(uri: string, options: Partial<SocketOptions> = {}): RawSocket {
  return new RawSocket(uri, options);
}

/** The bench checks that a client exports a Manager; the raw floor has none (per-message trials only). */
export class Manager {
  constructor() {
    throw new Error("the raw engine.io floor has no Manager: only io(url) (per-message trials)");
  }
}
