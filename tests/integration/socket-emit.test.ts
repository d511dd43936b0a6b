// Emitting against a real socket.io server: payloads (binary included),
// argument checks, buffering while disconnected, send(), the compress and
// volatile flags, and the receive buffer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../support/servers.js";
import { bytes, clients, fast, until, waitFor } from "../support/util.js";
import { startScriptedServer } from "./socket-helpers.js";
import { usePerTestServers } from "../support/fixtures.js";

let server: EchoServer;
const c = clients();
const { closers, proxyTo } = usePerTestServers(c);
beforeAll(async () => {
  server = await startEchoServer();
  server.io.on("connection", (socket) => {
    socket.on("message", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack({ echoed: args });
    });
  });
});
afterAll(() => server.close());

/** A unique event name per test, so that the shared server's records do not mix. */
let counter = 0;
const eventName = (what: string) => `${what}-${++counter}`;

describe("payloads", () => {
  it("strings, numbers, booleans, null and objects arrive as sent, in order", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const name = eventName("plain");
    socket.emit(name, "text", 42, -1.5, true, null, { a: [1, { b: "c" }], d: {} }, [1, "2"]);
    socket.emit(name, "second");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(name)).toEqual([["text", 42, -1.5, true, null, { a: [1, { b: "c" }], d: {} }, [1, "2"]], ["second"]]);
  });

  it("an event with no argument arrives with none", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const name = eventName("empty");
    socket.emit(name);
    await until(() => server.received(name).length === 1, "the event");
    expect(server.received(name)).toEqual([[]]);
  });

  it("emit() returns the socket", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    expect(socket.emit(eventName("offline"))).toBe(socket);
    socket.connect();
    await waitFor(socket, "connect");
    expect(socket.emit(eventName("online"), 1)).toBe(socket);
    expect(socket.send("m")).toBe(socket);
  });

  it("a top-level Buffer, a Uint8Array and an ArrayBuffer arrive as bytes", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const name = eventName("binary");
    socket.emit(name, Buffer.from([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([6, 7, 8]).buffer);
    await until(() => server.received(name).length === 1, "the binary event");
    const [buffer, view, arrayBuffer] = server.received(name)[0]!;
    expect(bytes(buffer)).toEqual([1, 2, 3]);
    expect(bytes(view)).toEqual([4, 5]);
    expect(bytes(arrayBuffer)).toEqual([6, 7, 8]);
  });

  it("Buffers nested anywhere in the arguments, mixed with plain data, arrive in place", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const name = eventName("nested");
    socket.emit(name, 1, "2", { 3: "4", 5: Buffer.from([6, 7, 8]) }, [Buffer.from([9]), { deep: { deeper: [Buffer.from([10, 11])] } }]);
    await until(() => server.received(name).length === 1, "the nested binary event");
    const [one, two, object, array] = server.received(name)[0]! as [number, string, any, any];
    expect([one, two, object[3]]).toEqual([1, "2", "4"]);
    expect(bytes(object[5])).toEqual([6, 7, 8]);
    expect(bytes(array[0])).toEqual([9]);
    expect(bytes(array[1].deep.deeper[0])).toEqual([10, 11]);
  });

  it("binary comes back through an acknowledgement intact", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const reply = await socket.emitWithAck("echo", { file: Buffer.from([0, 255, 128]) });
    expect(bytes(reply.file)).toEqual([0, 255, 128]);
  });

  it("emit with a callback gets the server's acknowledgement", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const reply = await new Promise<unknown[]>((resolve) => socket.emit("echo", "a", { b: 1 }, (...args: unknown[]) => resolve(args)));
    expect(reply).toEqual(["a", { b: 1 }]);
  });

  it("emitWithAck resolves with the first argument of the acknowledgement", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", { answer: 42 }, "ignored")).toEqual({ answer: 42 });
  });

  it("timeout(ms) returns the socket, and an acknowledgement in time gets a null error", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    expect(socket.timeout(5000)).toBe(socket);
    // the flag set above applies to this emission
    const reply = await new Promise<unknown[]>((resolve) => socket.emit("echo", "in time", (...args: unknown[]) => resolve(args)));
    expect(reply).toEqual([null, "in time"]);
  });
});

describe("argument checks", () => {
  const reserved = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
  for (const name of reserved) {
    it(`emit("${name}") throws: it is a reserved event name`, async () => {
      const socket = c.io(server.url);
      await waitFor(socket, "connect");
      expect(() => socket.emit(name as any)).toThrow(new RegExp(`"${name}".*reserved`));
      expect(await socket.emitWithAck("echo", "still works")).toBe("still works");
      expect(server.received(name)).toEqual([]);
    });
  }

  for (const [what, name] of [
    ["an object", { not: "a name" }],
    ["a symbol", Symbol("event")],
    ["undefined", undefined],
    ["null", null],
    ["a function", () => {}],
  ] as const) {
    it(`an event name that is ${what} throws a TypeError naming the problem`, async () => {
      const socket = c.io(server.url);
      await waitFor(socket, "connect");
      expect(() => socket.emit(name as any, "x")).toThrow(TypeError);
      expect(() => socket.emit(name as any, "x")).toThrow(/event name/);
      expect(await socket.emitWithAck("echo", "still works")).toBe("still works");
    });
  }

  function circular() {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;
    return value;
  }

  for (const [what, make] of [
    ["a BigInt", () => 10n],
    ["a circular object", circular],
  ] as const) {
    it(`an argument that is ${what} throws a TypeError at emit() while connected, and the socket keeps working`, async () => {
      const socket = c.io(server.url);
      await waitFor(socket, "connect");
      const seenOutgoing: unknown[][] = [];
      socket.onAnyOutgoing((...args) => seenOutgoing.push(args));
      const name = eventName("unserializable");
      expect(() => socket.emit(name, make())).toThrow(TypeError);
      expect(await socket.emitWithAck("echo", "still works")).toBe("still works");
      expect(server.received(name)).toEqual([]);
      expect(seenOutgoing.map(([event]) => event)).toEqual(["echo"]);
    });

    it(`an argument that is ${what} throws a TypeError at emit() while disconnected, and nothing is buffered`, async () => {
      const socket = c.io(server.url, { autoConnect: false });
      const name = eventName("unserializable-offline");
      expect(() => socket.emit(name, make())).toThrow(TypeError);
      expect(socket.sendBuffer).toEqual([]);
      socket.emit(name, "fine");
      socket.connect();
      await waitFor(socket, "connect");
      expect(await socket.emitWithAck("echo", "still works")).toBe("still works");
      expect(server.received(name)).toEqual([["fine"]]);
    });
  }

  it("an unserializable argument with an acknowledgement callback throws, and the callback is never called", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    let called = 0;
    expect(() => socket.emit("echo", 1n, () => called++)).toThrow(TypeError);
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(called).toBe(0);
  });
});

describe("modifiers and a throwing emit()", () => {
  it("a volatile flag does not outlive an emit() that threw: the next emission is buffered and delivered", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const name = eventName("after-throw");
    expect(() => socket.volatile.emit(undefined as any)).toThrow(TypeError);
    socket.emit(name, "must not be lost");
    expect(socket.sendBuffer).toHaveLength(1);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(name)).toEqual([["must not be lost"]]);
  });

  it("a timeout flag does not outlive an emit() that threw: the next callback gets the plain acknowledgement", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    expect(() => socket.timeout(5000).emit("disconnect" as any)).toThrow(/reserved/);
    const reply = await new Promise<unknown[]>((resolve) => socket.emit("echo", "plain", (...args: unknown[]) => resolve(args)));
    expect(reply).toEqual(["plain"]);
  });

  it("a compress(false) flag does not outlive an emit() that threw", async () => {
    const socket = c.io(server.url, { transports: ["websocket"] });
    await waitFor(socket, "connect");
    const created: Array<{ type: string; options?: { compress?: boolean } }> = [];
    socket.io.engine.on("packetCreate", (packet: any) => created.push(packet));
    expect(() => socket.compress(false).emit(Symbol("bad") as any)).toThrow(TypeError);
    const name = eventName("compress-after-throw");
    socket.emit(name, 1);
    await until(() => server.received(name).length === 1, "the event");
    expect(created.filter((packet) => packet.type === "message").map((packet) => packet.options?.compress)).toEqual([true]);
  });
});

describe("buffering while disconnected", () => {
  it("events emitted before connecting are visible in sendBuffer and sent once, in order, on connection", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const name = eventName("early");
    socket.emit(name, 1);
    socket.emit(name, 2, Buffer.from([3]));
    socket.emit(name, { four: 4 });
    expect(socket.sendBuffer).toHaveLength(3);
    expect(socket.sendBuffer.map((packet) => packet.data)).toEqual([
      [name, 1],
      [name, 2, Buffer.from([3])],
      [name, { four: 4 }],
    ]);
    socket.connect();
    await waitFor(socket, "connect");
    expect(socket.sendBuffer).toEqual([]);
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    const received = server.received(name);
    expect(received.map((args) => args[0])).toEqual([1, 2, { four: 4 }]);
    expect(bytes(received[1]![1])).toEqual([3]);
  });

  it("events emitted during reconnection are sent once, in order, after it", async () => {
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const name = eventName("during-outage");
    proxy.refuse();
    proxy.cut();
    await waitFor(socket, "disconnect");
    for (let i = 0; i < 5; i++) socket.emit(name, i);
    expect(socket.sendBuffer).toHaveLength(5);
    // a few failed attempts while the server looks down
    await waitFor(socket.io, "reconnect_error");
    expect(socket.sendBuffer).toHaveLength(5);
    proxy.refuse(false);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(name)).toEqual([[0], [1], [2], [3], [4]]);
  });

  it("assigning sendBuffer = [] drops what was buffered", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const dropped = eventName("dropped");
    const kept = eventName("kept");
    socket.emit(dropped, 1);
    socket.emit(dropped, 2);
    socket.sendBuffer = [];
    socket.emit(kept, 3);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(dropped)).toEqual([]);
    expect(server.received(kept)).toEqual([[3]]);
  });

  it("buffered events reach onAnyOutgoing when they are actually sent", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const outgoing: unknown[][] = [];
    socket.onAnyOutgoing((...args) => outgoing.push(args));
    const name = eventName("buffered-outgoing");
    socket.emit(name, "a");
    expect(outgoing).toEqual([]);
    socket.connect();
    await waitFor(socket, "connect");
    expect(outgoing).toEqual([[name, "a"]]);
  });
});

describe("send()", () => {
  it("sends a message event", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const before = server.received("message").length;
    socket.send("hello", { n: 1 });
    await until(() => server.received("message").length === before + 1, "the message event");
    expect(server.received("message").at(-1)).toEqual(["hello", { n: 1 }]);
  });

  it("takes an acknowledgement callback as its last argument", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const reply = await new Promise((resolve) => socket.send("ping", 7, resolve));
    expect(reply).toEqual({ echoed: ["ping", 7] });
  });
});

describe("compress()", () => {
  for (const value of [false, true]) {
    it(`compress(${value}) sets the compress option of the packet it sends, and returns the socket`, async () => {
      const socket = c.io(server.url, { transports: ["websocket"] });
      await waitFor(socket, "connect");
      const created: Array<{ type: string; data?: unknown; options?: { compress?: boolean } }> = [];
      socket.io.engine.on("packetCreate", (packet: any) => created.push(packet));
      const name = eventName("compressed");
      expect(socket.compress(value)).toBe(socket);
      socket.emit(name, "payload");
      socket.emit(name, "default");
      await until(() => server.received(name).length === 2, "both events");
      const messages = created.filter((packet) => packet.type === "message");
      expect(messages.map((packet) => packet.options?.compress)).toEqual([value, true]);
    });
  }
});

describe("volatile", () => {
  it("a volatile emission while not connected is dropped, not buffered", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const volatileName = eventName("volatile-offline");
    const normalName = eventName("normal-offline");
    expect(socket.volatile.emit(volatileName, 1)).toBe(socket);
    socket.emit(normalName, 2);
    expect(socket.sendBuffer).toHaveLength(1);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(volatileName)).toEqual([]);
    expect(server.received(normalName)).toEqual([[2]]);
  });

  it("a volatile emission while connected on websocket is delivered", async () => {
    const socket = c.io(server.url, { transports: ["websocket"] });
    await waitFor(socket, "connect");
    const name = eventName("volatile-ws");
    socket.volatile.emit(name, "delivered");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(name)).toEqual([["delivered"]]);
  });

  it("a volatile emission while a polling POST is in flight is dropped; once drained, one is delivered", async () => {
    const socket = c.io(server.url, { transports: ["polling"] });
    await waitFor(socket, "connect");
    const engine = socket.io.engine;
    if (!engine.transport.writable) await waitFor(engine, "drain");
    const normal = eventName("normal-poll");
    const dropped = eventName("volatile-busy");
    const delivered = eventName("volatile-idle");
    socket.emit(normal, 1); // starts a POST: the transport is not writable until it ends
    expect(engine.transport.writable).toBe(false);
    socket.volatile.emit(dropped, 2);
    await waitFor(engine, "drain");
    socket.volatile.emit(delivered, 3);
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(normal)).toEqual([[1]]);
    expect(server.received(dropped)).toEqual([]);
    expect(server.received(delivered)).toEqual([[3]]);
  });

  it("the volatile flag applies to one emission only", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const name = eventName("volatile-once");
    socket.volatile.emit(name, "dropped");
    socket.emit(name, "buffered");
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received(name)).toEqual([["buffered"]]);
  });
});

describe("receiveBuffer", () => {
  it("events the server sends before the handshake completes are buffered, then delivered before connect", async () => {
    const scripted = await startScriptedServer(async (peer) => {
      await peer.next((m) => m === "0", "CONNECT");
      peer.send('2["early",1]');
      peer.send('2["early",2]');
      // the client has the events before it has its session
      setTimeout(() => peer.send('0{"sid":"abc"}'), 30);
    });
    closers.push(() => scripted.close());
    const socket = c.io(scripted.url);
    const order: string[] = [];
    socket.on("early", (n: number) => order.push(`early ${n} connected=${socket.connected}`));
    socket.on("connect", () => order.push("connect"));
    await until(() => socket.receiveBuffer.length === 2, "two buffered events");
    expect(socket.receiveBuffer).toEqual([
      ["early", 1],
      ["early", 2],
    ]);
    expect(order).toEqual([]);
    await waitFor(socket, "connect");
    expect(order).toEqual(["early 1 connected=true", "early 2 connected=true", "connect"]);
    expect(socket.receiveBuffer).toEqual([]);
  });
});
