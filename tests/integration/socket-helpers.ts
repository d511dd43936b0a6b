// Helpers of the Socket integration tests: a raw engine.io server where the
// test plays the socket.io server packet by packet, and a trap for errors that
// reach the host as uncaught exceptions.
import { startEngineServer } from "../support/servers.js";

/** One client connection to a scripted server: what it sent, and a way to answer. */
export class Peer {
  /** Every engine.io message the client sent, in order. */
  readonly messages: Array<string | Buffer> = [];
  readonly #waiters: Array<{ test: (message: string | Buffer) => boolean; resolve: (message: string | Buffer) => void }> = [];

  constructor(readonly socket: any) {
    socket.on("message", (message: string | Buffer) => {
      this.messages.push(message);
      for (const waiter of [...this.#waiters]) {
        if (!waiter.test(message)) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
  }

  /** The first message (already received or to come) that passes `test`. */
  next(test: (message: string | Buffer) => boolean, what = "a message", ms = 3000): Promise<string | Buffer> {
    const seen = this.messages.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      this.#waiters.push({
        test,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** Sends one raw engine.io message (a socket.io packet as text, or an attachment as binary). */
  send(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Waits for the client's CONNECT to `nsp` and accepts it with session id `sid`. */
  async accept(nsp = "/", sid = "abc"): Promise<void> {
    const prefix = nsp === "/" ? "0" : `0${nsp},`;
    await this.next((m) => typeof m === "string" && (nsp === "/" ? m === "0" || m.startsWith("0{") : m.startsWith(prefix)), `CONNECT to ${nsp}`);
    this.send(`${prefix}${JSON.stringify({ sid })}`);
  }
}

/**
 * A raw engine.io server on the socket.io path, where the test plays the
 * socket.io server. `script` runs for every client connection.
 */
export async function startScriptedServer(script: (peer: Peer, index: number) => void | Promise<void>, options: object = {}) {
  const peers: Peer[] = [];
  const server = await startEngineServer((socket) => {
    const peer = new Peer(socket);
    peers.push(peer);
    void Promise.resolve(script(peer, peers.length - 1)).catch(() => {});
  }, options);
  return Object.assign(server, { peers });
}

/**
 * Takes the process's uncaught exceptions for the duration of a test, so that
 * a test can assert on them (the library reports its users' listener errors
 * this way) instead of the test runner failing the whole run.
 */
export function trapUncaught() {
  const errors: unknown[] = [];
  const previous = process.listeners("uncaughtException");
  const previousRejections = process.listeners("unhandledRejection");
  process.removeAllListeners("uncaughtException");
  process.removeAllListeners("unhandledRejection");
  const onError = (error: unknown) => errors.push(error);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    errors,
    /**
     * Lets errors already scheduled for reporting arrive: the library reports
     * them from a 0 ms timer, and timers of the same delay fire in order.
     */
    async drain() {
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
    /** Gives the process its listeners back, after draining what is on its way. */
    async restore() {
      await this.drain();
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
      for (const listener of previous) process.on("uncaughtException", listener);
      for (const listener of previousRejections) process.on("unhandledRejection", listener);
    },
  };
}
