// Listening on a Socket, against a real socket.io server: on/once/off and
// their forms, listeners()/hasListeners(), symbol event names, the catch-all
// listeners (incoming and outgoing), events with several arguments or an
// acknowledgement request, and listeners that throw.
import { describe, expect, it } from "vitest";
import type { Socket as ServerSocket } from "socket.io";
import type { DefaultEventsMap } from "../../src/emitter.js";
import type { Socket } from "../../src/index.js";
import type { EchoServer } from "../support/servers.js";
import { clients, until, waitFor } from "../support/util.js";
import { trapUncaught } from "./socket-helpers.js";
import { useEchoServer } from "../support/fixtures.js";

let server: EchoServer;
const c = clients();
useEchoServer(c, (started) => {
  server = started;
  server.io.on("connection", (socket) => {
    // "send-me" (name, ...args): the server emits `name` with `args` back to this client
    socket.on("send-me", (name: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === "function" ? (args.pop() as () => void) : undefined;
      socket.emit(name, ...args);
      ack?.();
    });
  });
});

async function connected() {
  const socket = c.io(server.url);
  await waitFor(socket, "connect");
  return socket;
}

/** Has the server emit `name` with `args` to this client, and waits until the client has handled it. */
async function serverEmits(socket: Awaited<ReturnType<typeof connected>>, name: string, ...args: unknown[]) {
  await socket.emitWithAck("send-me", name, ...args);
  // the event was written before the ack: a round trip later it has been dispatched
  await socket.emitWithAck("echo");
}

describe("on, once and off", () => {
  it("on() returns the socket and its listener gets every event, with all its arguments", async () => {
    const socket = await connected();
    const calls: unknown[][] = [];
    expect(socket.on("news", (...args: unknown[]) => calls.push(args))).toBe(socket);
    await serverEmits(socket, "news", 1, "two", { three: [3] });
    await serverEmits(socket, "news");
    expect(calls).toEqual([[1, "two", { three: [3] }], []]);
  });

  it("listeners are called in the order they were added", async () => {
    const socket = await connected();
    const order: string[] = [];
    socket.on("news", () => order.push("first"));
    socket.on("news", () => order.push("second"));
    socket.once("news", () => order.push("once"));
    await serverEmits(socket, "news");
    await serverEmits(socket, "news");
    expect(order).toEqual(["first", "second", "once", "first", "second"]);
  });

  it("once() returns the socket and its listener gets one event only", async () => {
    const socket = await connected();
    const calls: unknown[][] = [];
    expect(socket.once("news", (...args: unknown[]) => calls.push(args))).toBe(socket);
    expect(socket.listeners("news")).toHaveLength(1);
    await serverEmits(socket, "news", 1);
    await serverEmits(socket, "news", 2);
    expect(calls).toEqual([[1]]);
    expect(socket.hasListeners("news")).toBe(false);
  });

  it("off(event, listener) removes that listener only, and returns the socket", async () => {
    const socket = await connected();
    const calls: string[] = [];
    const removed = () => calls.push("removed");
    const kept = () => calls.push("kept");
    socket.on("news", removed);
    socket.on("news", kept);
    expect(socket.off("news", removed)).toBe(socket);
    await serverEmits(socket, "news");
    expect(calls).toEqual(["kept"]);
    expect(socket.listeners("news")).toEqual([kept]);
  });

  it("off(event, listener) removes a once() listener before it fires", async () => {
    const socket = await connected();
    const calls: string[] = [];
    const listener = () => calls.push("once");
    socket.once("news", listener);
    socket.off("news", listener);
    expect(socket.hasListeners("news")).toBe(false);
    await serverEmits(socket, "news");
    expect(calls).toEqual([]);
  });

  it("off(event) removes every listener of that event only", async () => {
    const socket = await connected();
    const calls: string[] = [];
    socket.on("news", () => calls.push("news 1"));
    socket.on("news", () => calls.push("news 2"));
    socket.on("other", () => calls.push("other"));
    socket.off("news");
    await serverEmits(socket, "news");
    await serverEmits(socket, "other");
    expect(calls).toEqual(["other"]);
  });

  it("off() removes every listener, lifecycle ones included", async () => {
    const socket = await connected();
    const calls: string[] = [];
    socket.on("news", () => calls.push("news"));
    socket.on("disconnect", () => calls.push("disconnect"));
    socket.off();
    expect(socket.hasListeners("news")).toBe(false);
    expect(socket.hasListeners("disconnect")).toBe(false);
    await serverEmits(socket, "news");
    socket.disconnect();
    expect(calls).toEqual([]);
  });

  it("a listener removed by another listener during an event still runs for that event, not afterwards", async () => {
    const socket = await connected();
    const calls: string[] = [];
    const second = () => calls.push("second");
    socket.on("news", () => {
      calls.push("first");
      socket.off("news", second);
    });
    socket.on("news", second);
    await serverEmits(socket, "news");
    await serverEmits(socket, "news");
    expect(calls).toEqual(["first", "second", "first"]);
  });

  it("listeners() and hasListeners() tell what is registered", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const a = () => {};
    const b = () => {};
    expect(socket.listeners("news")).toEqual([]);
    expect(socket.hasListeners("news")).toBe(false);
    socket.on("news", a);
    socket.on("news", b);
    expect(socket.listeners("news")).toEqual([a, b]);
    expect(socket.hasListeners("news")).toBe(true);
    expect(socket.hasListeners("other")).toBe(false);
  });

  it("listeners registered before connecting get the events after connection", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const calls: unknown[] = [];
    socket.on("news", (value: unknown) => calls.push(value));
    socket.connect();
    await waitFor(socket, "connect");
    await serverEmits(socket, "news", "hello");
    expect(calls).toEqual(["hello"]);
  });
});

// Symbol names need an events map that declares them (the default map's keys are strings, as in the official typings).
const news = Symbol("news");
const otherNews = Symbol("news");
const secret = Symbol("secret");
interface SymbolEvents {
  [news]: () => void;
  [otherNews]: () => void;
  [secret]: () => void;
  news: () => void;
}
type SymbolSocket = Socket<SymbolEvents, DefaultEventsMap>;

describe("symbol event names", () => {
  it("on, once, off, listeners and hasListeners accept symbols, distinct from strings of the same description", () => {
    const socket = c.io(server.url, { autoConnect: false }) as unknown as SymbolSocket;
    const a = () => {};
    const b = () => {};
    expect(socket.on(news, a)).toBe(socket);
    socket.once(news, b);
    expect(socket.listeners(news)).toHaveLength(2);
    expect(socket.listeners(news)[0]).toBe(a);
    expect(socket.hasListeners(news)).toBe(true);
    expect(socket.hasListeners(otherNews)).toBe(false);
    expect(socket.hasListeners("news")).toBe(false);
    expect(socket.off(news, a)).toBe(socket);
    expect(socket.listeners(news)).toHaveLength(1);
    socket.off(news);
    expect(socket.hasListeners(news)).toBe(false);
  });

  it("a listener registered under a symbol is not called by an event from the server, whatever its name", async () => {
    const socket = await connected();
    const calls: unknown[] = [];
    (socket as unknown as SymbolSocket).on(secret, () => calls.push("symbol listener"));
    // string names a server could choose to reach a symbol listener
    for (let i = 0; i < 64; i++) await socket.emitWithAck("send-me", `@@symbol:${i}:secret`);
    await serverEmits(socket, "secret");
    await serverEmits(socket, String(secret));
    expect(calls).toEqual([]);
  });
});

describe("catch-all listeners of incoming events", () => {
  it("onAny gets every incoming event with its name and arguments, and returns the socket", async () => {
    const socket = await connected();
    const calls: unknown[][] = [];
    expect(socket.onAny((...args) => calls.push(args))).toBe(socket);
    await serverEmits(socket, "news", 1, { two: 2 });
    await serverEmits(socket, "weather");
    expect(calls).toEqual([["news", 1, { two: 2 }], ["weather"]]);
  });

  it("catch-all listeners run before the event's own listeners; prependAny puts one first", async () => {
    const socket = await connected();
    const order: string[] = [];
    socket.on("news", () => order.push("on"));
    socket.onAny(() => order.push("any 1"));
    socket.onAny(() => order.push("any 2"));
    expect(socket.prependAny(() => order.push("prepended"))).toBe(socket);
    await serverEmits(socket, "news");
    expect(order).toEqual(["prepended", "any 1", "any 2", "on"]);
  });

  it("offAny(listener) removes one, offAny() removes all; listenersAny() lists them", async () => {
    const socket = await connected();
    const calls: string[] = [];
    const a = () => calls.push("a");
    const b = () => calls.push("b");
    socket.onAny(a);
    socket.onAny(b);
    expect(socket.listenersAny()).toEqual([a, b]);
    expect(socket.offAny(a)).toBe(socket);
    expect(socket.listenersAny()).toEqual([b]);
    await serverEmits(socket, "news");
    socket.offAny();
    expect(socket.listenersAny()).toEqual([]);
    await serverEmits(socket, "news");
    expect(calls).toEqual(["b"]);
  });

  it("is not triggered by connect, disconnect, nor by acknowledgements", async () => {
    const socket = c.io(server.url);
    const calls: unknown[][] = [];
    socket.onAny((...args) => calls.push(args));
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "an ack")).toBe("an ack");
    await serverEmits(socket, "news");
    socket.disconnect();
    expect(calls).toEqual([["news"]]);
  });
});

describe("catch-all listeners of outgoing events", () => {
  it("onAnyOutgoing gets every emitted event with its name and arguments (not the ack callback)", async () => {
    const socket = await connected();
    const calls: unknown[][] = [];
    expect(socket.onAnyOutgoing((...args) => calls.push(args))).toBe(socket);
    socket.emit("plain", 1, "two");
    await socket.emitWithAck("echo", { three: 3 });
    socket.send("hi");
    expect(calls).toEqual([["plain", 1, "two"], ["echo", { three: 3 }], ["message", "hi"]]);
  });

  it("prependAnyOutgoing puts one first; offAnyOutgoing removes one or all; listenersAnyOutgoing lists them", async () => {
    const socket = await connected();
    const order: string[] = [];
    const a = () => order.push("a");
    const b = () => order.push("b");
    socket.onAnyOutgoing(a);
    expect(socket.prependAnyOutgoing(b)).toBe(socket);
    expect(socket.listenersAnyOutgoing()).toEqual([b, a]);
    socket.emit("one");
    expect(socket.offAnyOutgoing(b)).toBe(socket);
    expect(socket.listenersAnyOutgoing()).toEqual([a]);
    socket.emit("two");
    socket.offAnyOutgoing();
    expect(socket.listenersAnyOutgoing()).toEqual([]);
    socket.emit("three");
    expect(order).toEqual(["b", "a", "a"]);
  });

  it("is not triggered when the client acknowledges an event of the server", async () => {
    const socket = await connected();
    const outgoing: unknown[][] = [];
    socket.onAnyOutgoing((...args) => outgoing.push(args));
    socket.on("question", (text: string, callback: (answer: string) => void) => callback(`answer to ${text}`));
    const answer = await server.serverSocket(socket.id).timeout(2000).emitWithAck("question", "life");
    expect(answer).toBe("answer to life");
    expect(outgoing).toEqual([]);
  });
});

describe("incoming events", () => {
  it("with an acknowledgement requested by the server, the last argument is a callback that answers it once", async () => {
    const socket = await connected();
    const incoming: unknown[][] = [];
    socket.onAny((...args) => incoming.push(args.map((arg) => typeof arg)));
    socket.on("question", (a: number, b: string, callback: (...answer: unknown[]) => void) => {
      callback({ sum: a + Number(b) }, "extra");
      callback("a second answer is not sent");
    });
    const serverSide: ServerSocket = server.serverSocket(socket.id);
    const answer = await new Promise<unknown[]>((resolve, reject) =>
      serverSide.timeout(2000).emit("question", 1, "2", (err: Error | null, ...args: unknown[]) => (err ? reject(err) : resolve(args))),
    );
    expect(answer).toEqual([{ sum: 3 }, "extra"]);
    expect(incoming).toEqual([["string", "number", "string", "function"]]);
  });

  it("an acknowledgement answered after its connection was lost is not written to the next connection, where its id means nothing", async () => {
    const socket = c.io(server.url, { reconnectionDelay: 10, reconnectionDelayMax: 10, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const pending = new Promise<(...answer: unknown[]) => void>((resolve) => socket.once("question", resolve));
    server.serverSocket(socket.id).emit("question", () => {});
    const answer = await pending;
    socket.emit("close-transport");
    await waitFor(socket, "disconnect");
    await waitFor(socket, "connect");
    const written: string[] = [];
    socket.io.engine.on("packetCreate", (packet: { data?: unknown }) => written.push(String(packet.data)));
    answer("too late");
    expect(await socket.emitWithAck("echo", "round trip")).toBe("round trip");
    // the echo went out; no ACK ("3<id>[...]") did
    expect(written.filter((data) => data.startsWith("3"))).toEqual([]);
    expect(written.some((data) => data.includes("round trip"))).toBe(true);
  });

  it("the acknowledgement the client sends may carry binary", async () => {
    const socket = await connected();
    socket.on("download", (callback: (...answer: unknown[]) => void) => callback("file", Buffer.from([5, 6, 7])));
    const [name, data] = await new Promise<unknown[]>((resolve, reject) =>
      server
        .serverSocket(socket.id)
        .timeout(2000)
        .emit("download", (err: Error | null, ...args: unknown[]) => (err ? reject(err) : resolve(args))),
    );
    expect(name).toBe("file");
    expect([...(data as Buffer)]).toEqual([5, 6, 7]);
  });

  it("with binary arguments, the listener gets the bytes", async () => {
    const socket = await connected();
    const got = new Promise<unknown[]>((resolve) => socket.on("file", (...args: unknown[]) => resolve(args)));
    server.serverSocket(socket.id).emit("file", "name", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
    const [name, data, object] = (await got) as [string, Buffer, { nested: Buffer }];
    expect(name).toBe("name");
    expect([...data]).toEqual([1, 2, 3]);
    expect([...object.nested]).toEqual([4]);
  });
});

describe("a listener that throws", () => {
  it("does not stop the other listeners nor break the socket; its error is reported, as is, asynchronously", async () => {
    const trap = trapUncaught();
    try {
      const socket = await connected();
      const failure = new Error("listener failed");
      const calls: string[] = [];
      socket.onAny(() => calls.push("any"));
      socket.on("news", () => {
        calls.push("thrower");
        throw failure;
      });
      socket.on("news", () => calls.push("next"));
      await serverEmits(socket, "news");
      expect(calls).toEqual(["any", "thrower", "next"]);
      await until(() => trap.errors.length > 0, "the reported error");
      await trap.drain();
      expect(trap.errors).toEqual([failure]);
      expect(trap.errors[0]).toBe(failure);
      expect(socket.connected).toBe(true);
      expect(await socket.emitWithAck("echo", "still works")).toBe("still works");
      await serverEmits(socket, "news");
      expect(calls).toEqual(["any", "thrower", "next", "any", "thrower", "next"]);
      await trap.drain();
      expect(trap.errors).toEqual([failure, failure]);
    } finally {
      await trap.restore();
    }
  });

  it("a throwing catch-all listener does not keep the event from its own listeners", async () => {
    const trap = trapUncaught();
    try {
      const socket = await connected();
      const failure = new Error("catch-all failed");
      const calls: string[] = [];
      socket.onAny(() => {
        throw failure;
      });
      socket.on("news", () => calls.push("news"));
      await serverEmits(socket, "news");
      expect(calls).toEqual(["news"]);
      await until(() => trap.errors.length > 0, "the reported error");
      await trap.drain();
      expect(trap.errors).toEqual([failure]);
    } finally {
      await trap.restore();
    }
  });

  it("a throwing connect listener does not keep the socket from connecting, nor the other connect listeners from running", async () => {
    const trap = trapUncaught();
    try {
      const failure = new Error("connect listener failed");
      const socket = c.io(server.url);
      const calls: string[] = [];
      socket.on("connect", () => {
        throw failure;
      });
      socket.on("connect", () => calls.push("connect"));
      await until(() => calls.length === 1, "the second connect listener");
      expect(socket.connected).toBe(true);
      expect(await socket.emitWithAck("echo", "ok")).toBe("ok");
      await until(() => trap.errors.length > 0, "the reported error");
      await trap.drain();
      expect(trap.errors).toEqual([failure]);
    } finally {
      await trap.restore();
    }
  });

  it("a throwing disconnect listener does not keep the socket from disconnecting", async () => {
    const trap = trapUncaught();
    try {
      const failure = new Error("disconnect listener failed");
      const socket = await connected();
      const calls: string[] = [];
      socket.on("disconnect", () => {
        throw failure;
      });
      socket.on("disconnect", (reason) => calls.push(reason));
      socket.disconnect();
      expect(calls).toEqual(["io client disconnect"]);
      expect(socket.active).toBe(false);
      await until(() => socket.io.engine.readyState === "closed", "the engine to close");
      await until(() => trap.errors.length > 0, "the reported error");
      await trap.drain();
      expect(trap.errors).toEqual([failure]);
    } finally {
      await trap.restore();
    }
  });
});
