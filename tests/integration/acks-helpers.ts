// Server-side handlers the acknowledgement tests need on top of the echo
// server's: a server that holds acks until the test answers them, one that
// ignores the first N deliveries of an event, and a log of every event each
// namespace received, in arrival order. Also: a count of live Node timers,
// and a recorder of what the engine writes (to tell re-sends apart).
import type { Socket as ServerSocket } from "socket.io";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { startEchoServer, startProxy, type EchoServer, type Proxy, type TestServer } from "../support/servers.js";
import type { clients } from "../support/util.js";
import { activeResources } from "../support/resources.js";

export interface Receipt {
  nsp: string;
  event: string;
  /** The arguments, ack function removed. */
  args: unknown[];
  /** Whether the client asked for an acknowledgement. */
  askedForAck: boolean;
  /** The server-side socket id: a new one after each reconnection. */
  socketId: string;
}

export interface HeldAck {
  nsp: string;
  args: unknown[];
  answer(...response: unknown[]): void;
}

/**
 * Adds to `server`, on each of `namespaces`:
 * - "hold" (...args, ack): the ack is kept in `held`, answered when the test says so;
 * - "drop-first" (n, ...args, ack): the first n deliveries of the same arguments are
 *   ignored, the next one is acked with `args`;
 * - "note" (...args, ack?): acked with "noted" when the client asked for an ack.
 * `receipts` logs every event of every namespace, in order.
 */
export function addAckHandlers(server: TestServer, namespaces: string[] = ["/"]) {
  const receipts: Receipt[] = [];
  const held: HeldAck[] = [];
  const deliveries = new Map<string, number>();
  const onConnection = (socket: ServerSocket) => {
    const nsp = socket.nsp.name;
    socket.onAny((event: string, ...args: unknown[]) => {
      const askedForAck = typeof args[args.length - 1] === "function";
      receipts.push({ nsp, event, args: args.filter((arg) => typeof arg !== "function"), askedForAck, socketId: socket.id });
    });
    socket.on("hold", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") held.push({ nsp, args, answer: (...response) => ack(...response) });
    });
    socket.on("drop-first", (n: number, ...args: unknown[]) => {
      const ack = args.pop();
      const key = `${nsp} ${JSON.stringify(args)}`;
      const count = (deliveries.get(key) ?? 0) + 1;
      deliveries.set(key, count);
      if (count > n && typeof ack === "function") ack(...args);
    });
    socket.on("note", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack("noted");
    });
  };
  for (const nsp of namespaces) server.io.of(nsp).on("connection", onConnection);
  return {
    receipts,
    held,
    /** The argument lists of `event` received on `nsp`, in order. */
    argsOf(event: string, nsp = "/"): unknown[][] {
      return receipts.filter((r) => r.event === event && r.nsp === nsp).map((r) => r.args);
    },
    /** The events received on `nsp`, in order, as "event:firstArg". */
    sequence(nsp = "/"): string[] {
      return receipts.filter((r) => r.nsp === nsp).map((r) => `${r.event}:${String(r.args[0])}`);
    },
    reset() {
      receipts.length = 0;
      held.length = 0;
      deliveries.clear();
    },
  };
}
export type AckHandlers = ReturnType<typeof addAckHandlers>;

/** Every call of a callback, for exactly-once checks. */
export function calls<A extends unknown[] = any[]>() {
  const list: A[] = [];
  const fn = (...args: A) => {
    list.push(args);
  };
  return Object.assign(fn, { list });
}

/** The Node timers (setTimeout/setInterval) keeping this process alive now. */
export function activeTimeouts(): number {
  return activeResources().Timeout;
}

export interface WrittenMessage {
  /** The encoded Socket.IO packet, as the engine writes it. */
  data: unknown;
  /** Its write options' `retry` flag: true on a re-send (retries mode), false otherwise. */
  retry: boolean;
}

/** Every Engine.IO "message" packet `engine` creates from now on (pings and pongs left out). */
export function recordWrites(engine: { on(event: "packetCreate", fn: (packet: any) => void): unknown }, into: WrittenMessage[] = []): WrittenMessage[] {
  engine.on("packetCreate", (packet: { type: string; data?: unknown; options?: { retry?: boolean } }) => {
    if (packet.type === "message") into.push({ data: packet.data, retry: packet.options?.retry ?? false });
  });
  return into;
}

export interface AckServerBehindProxy {
  server: EchoServer;
  proxy: Proxy;
  handlers: AckHandlers;
}

/**
 * The hooks of the ack tests that need network faults: an echo server with the
 * ack handlers and a "/denied" namespace whose middleware refuses everyone, a
 * TCP proxy in front of it, the clients checked after each test. `use` gets
 * the servers once they run.
 */
export function useAckServerBehindProxy(c: ReturnType<typeof clients>, use: (fixture: AckServerBehindProxy) => void): void {
  let fixture: AckServerBehindProxy;
  beforeAll(async () => {
    const server = await startEchoServer();
    const handlers = addAckHandlers(server);
    server.io.of("/denied").use((_socket, next) => next(new Error("not allowed")));
    fixture = { server, handlers, proxy: await startProxy(server.port) };
    use(fixture);
  });
  beforeEach(() => {
    fixture.handlers.reset();
    fixture.proxy.refuse(false);
  });
  afterEach(() => {
    expect(c.cleanup()).toEqual([]);
  });
  afterAll(async () => {
    await fixture.proxy.close();
    await fixture.server.close();
  });
}

/** The message of an Error a callback got. */
export const message = (value: unknown) => (value as Error).message;
