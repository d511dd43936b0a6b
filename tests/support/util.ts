// Waiting helpers that fail with a message naming what never happened, and a
// per-test registry of clients that are torn down (and checked) afterwards.
import { io, Manager, type Socket } from "../../src/index.js";
import type { ManagerOptions } from "../../src/manager.js";
import type { SocketOptions } from "../../src/socket.js";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Emitterish = { on(event: any, fn: (...args: any[]) => void): unknown; off(event: any, fn: (...args: any[]) => void): unknown };

/** Resolves with the arguments of the next `event`; rejects after `ms`. */
export function waitFor<T extends unknown[] = any[]>(emitter: Emitterish, event: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const handler = (...args: any[]) => {
      clearTimeout(timer);
      emitter.off(event, handler);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    emitter.on(event, handler);
  });
}

/** Polls `predicate` until it holds; rejects after `ms`, naming `what`. */
export async function until<T>(predicate: () => T | Promise<T>, what: string, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Every emission of `event`, as argument lists (with the times they came, not enumerable). */
export function record<T extends unknown[] = any[]>(emitter: Emitterish, event: string): T[] & { times: number[] } {
  const calls = [] as unknown as T[] & { times: number[] };
  Object.defineProperty(calls, "times", { value: [], enumerable: false });
  emitter.on(event, (...args: any[]) => {
    calls.push(args as T);
    calls.times.push(performance.now());
  });
  return calls;
}

export function deferred<T = unknown>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects after `ms`, naming `what`, unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The bytes of whatever binary container came back. */
export function bytes(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  throw new Error(`not binary: ${Object.prototype.toString.call(value)}`);
}

/** Fast reconnection settings for tests. */
export const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, randomizationFactor: 0 } as const;

/** The `timeout` option `false` (wait forever), which works at run time; the typings say number, like socket.io-client's. */
export const noTimeout = false as unknown as number;

type Options = Partial<ManagerOptions & SocketOptions>;

/**
 * The clients of one test: created through it, disconnected by cleanup(),
 * which also checks that every Manager ended up closed (no engine, no timer).
 */
export function clients() {
  const sockets = new Set<Socket>();
  const managers = new Set<Manager>();
  return {
    /** io(url, opts), with forceNew unless opts says otherwise. */
    io(url: string, opts: Options = {}): Socket {
      const socket = io(url, { forceNew: true, ...opts });
      sockets.add(socket);
      managers.add(socket.io);
      return socket;
    },
    manager(url: string, opts?: Options): Manager {
      const manager = new Manager(url, opts);
      managers.add(manager);
      return manager;
    },
    socket(manager: Manager, nsp: string, opts?: Options): Socket {
      const socket = manager.socket(nsp, opts);
      sockets.add(socket);
      managers.add(manager);
      return socket;
    },
    track(socket: Socket): Socket {
      sockets.add(socket);
      managers.add(socket.io);
      return socket;
    },
    /**
     * Disconnects everything, and keeps track of it: for a test that closes its
     * own server afterwards, while the file's cleanup() still checks every Manager.
     */
    disconnectAll(): void {
      for (const socket of sockets) socket.disconnect();
      for (const manager of managers) {
        // a Manager with no active socket (autoConnect alone) closes with its last socket
        if (manager.actor.getSnapshot().matches("active")) {
          manager.reconnection(false);
          manager.socket("/").disconnect();
        }
      }
    },
    /** Disconnects everything; returns the Managers that are not closed afterwards. */
    cleanup(): Manager[] {
      this.disconnectAll();
      const open = [...managers].filter((manager) => {
        const snapshot = manager.actor.getSnapshot();
        return !snapshot.matches("closed") && !snapshot.matches("idle");
      });
      sockets.clear();
      managers.clear();
      return open;
    },
  };
}
