// The bounded send buffer (beyond the official client): emissions made while
// not connected wait in socket.sendBuffer, capped by count, bytes or age, with
// a policy when full. Every emission dropped is reported (send_buffer_drop),
// and its acknowledgement, if it takes an error, gets one: nothing is dropped
// silently. Unbounded by default, as in the official client.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Socket } from "../../src/index.js";
import { usePerTestServers } from "../support/fixtures.js";
import { clients, until, waitFor } from "../support/util.js";

const c = clients();
const { echoServer } = usePerTestServers(c);
afterEach(() => {
  vi.useRealTimers();
});

/** Every send_buffer_drop of `socket`, as "event args reason". */
function drops(socket: Socket) {
  const list: string[] = [];
  socket.on("send_buffer_drop", (event, args, reason) => list.push(`${event} ${JSON.stringify(args)} ${reason}`));
  return list;
}

const settled = (promise: Promise<unknown>) =>
  promise.then(
    (value) => `resolved ${JSON.stringify(value)}`,
    (error: Error) => `rejected: ${error.message}`,
  );

describe("sendBufferLimit", () => {
  it("drop-oldest (the default): the oldest emissions leave, reported, their error-first acks end; the newest are sent on connect, in order", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false, sendBufferLimit: 3 });
    const dropped = drops(socket);
    const plain: unknown[] = [];
    const withTimeout: unknown[] = [];
    socket.emit("echo", 1, (...args: unknown[]) => plain.push(args));
    socket.timeout(60_000).emit("echo", 2, (err: Error | null) => withTimeout.push(err?.message ?? err));
    const third = settled(socket.emitWithAck("echo", 3));
    socket.emit("echo", 4);
    socket.emit("echo", 5);
    expect(socket.sendBuffer.map((packet) => packet.data[1])).toEqual([3, 4, 5]);
    expect(dropped).toEqual(["echo [1] overflow", "echo [2] overflow"]);
    // the plain callback is never called, as for a lost connection; the error-first one gets an error now
    expect(plain).toEqual([]);
    expect(withTimeout).toEqual(["emission dropped from the send buffer (overflow)"]);
    socket.connect();
    expect(await third).toBe("resolved 3");
    await until(() => server.received("echo").length === 3, "the three emissions");
    expect(server.received("echo")).toEqual([[3], [4], [5]]);
  });

  it("refuse-newest: the emission that would exceed the limit is dropped, and its emitWithAck rejects", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false, sendBufferLimit: 2, sendBufferOverflow: "refuse-newest" });
    const dropped = drops(socket);
    socket.emit("echo", "a");
    socket.emit("echo", "b");
    expect(await settled(socket.emitWithAck("echo", "c"))).toBe("rejected: emission dropped from the send buffer (overflow)");
    expect(dropped).toEqual(['echo ["c"] overflow']);
    socket.connect();
    await until(() => server.received("echo").length === 2, "the two emissions");
    expect(server.received("echo")).toEqual([["a"], ["b"]]);
  });

  it("0 drops every emission made while not connected, and none made while connected", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false, sendBufferLimit: 0 });
    const dropped = drops(socket);
    socket.emit("echo", "offline");
    expect(socket.sendBuffer).toEqual([]);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "online")).toBe("online");
    expect(dropped).toEqual(['echo ["offline"] overflow']);
  });
});

describe("sendBufferMaxBytes", () => {
  it("counts the encoded bytes: drops the oldest to make room, and refuses an emission larger than the limit by itself", async () => {
    const server = await echoServer();
    // '2["echo","xxxxxxxxxx"]' is 22 bytes
    const socket = c.io(server.url, { autoConnect: false, sendBufferMaxBytes: 50 });
    const dropped = drops(socket);
    for (const text of ["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"]) socket.emit("echo", text);
    expect(dropped).toEqual(['echo ["aaaaaaaaaa"] overflow']);
    socket.emit("echo", "é".repeat(30)); // 2 bytes each in UTF-8: 72 bytes
    expect(dropped.at(-1)).toBe(`echo ["${"é".repeat(30)}"] overflow`);
    expect(socket.sendBuffer.map((packet) => packet.data[1])).toEqual(["bbbbbbbbbb", "cccccccccc"]);
    socket.connect();
    await until(() => server.received("echo").length === 2, "the two emissions");
  });
});

describe("sendBufferMaxBytes counts UTF-8 bytes, as they go on the wire", () => {
  it("3-byte characters and 4-byte ones (surrogate pairs): two packets that fill the limit exactly fit, one more byte drops the oldest", async () => {
    const server = await echoServer();
    const texts = ["€€€€", "😀😀😀"];
    // what the parser encodes: '2["echo","€€€€"]', 24 bytes each (12 characters, 10 UTF-16 units)
    const sizes = texts.map((text) => Buffer.byteLength(`2${JSON.stringify(["echo", text])}`));
    expect(sizes).toEqual([24, 24]);
    const socket = c.io(server.url, { autoConnect: false, sendBufferMaxBytes: 48 });
    const dropped = drops(socket);
    for (const text of texts) socket.emit("echo", text);
    expect(dropped).toEqual([]);
    socket.emit("echo", "");
    expect(dropped).toEqual(['echo ["€€€€"] overflow']);
    expect(socket.sendBuffer.map((packet) => packet.data[1])).toEqual(["😀😀😀", ""]);
    socket.connect();
    await until(() => server.received("echo").length === 2, "the two emissions");
    expect(server.received("echo")).toEqual([["😀😀😀"], [""]]);
  });
});

describe("sendBufferMaxAge", () => {
  it("drops what waited longer than the limit, when the next emission is buffered and when the buffer is flushed", async () => {
    const server = await echoServer();
    vi.useFakeTimers({ toFake: ["Date"] });
    const socket = c.io(server.url, { autoConnect: false, sendBufferMaxAge: 1000 });
    const dropped = drops(socket);
    const first = settled(socket.timeout(60_000).emitWithAck("echo", "first"));
    vi.advanceTimersByTime(1001);
    socket.emit("echo", "second");
    expect(dropped).toEqual(['echo ["first"] expired']);
    expect(await first).toBe("rejected: emission dropped from the send buffer (expired)");
    socket.emit("echo", "third");
    vi.advanceTimersByTime(600);
    socket.emit("echo", "fourth");
    vi.advanceTimersByTime(600);
    // "second" and "third" are 1200 ms old when the Socket connects: only "fourth" goes
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(dropped).toEqual(['echo ["first"] expired', 'echo ["second"] expired', 'echo ["third"] expired']);
    expect(server.received("echo")).toEqual([["fourth"], ["after"]]);
  });
});

describe("socket.clearSendBuffer()", () => {
  it("drops every buffered emission, reported as cleared, ending the acks that take an error; unbounded by default", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false });
    const dropped = drops(socket);
    for (let i = 0; i < 1000; i++) socket.emit("echo", i);
    expect(socket.sendBuffer).toHaveLength(1000);
    expect(dropped).toEqual([]);
    const pending = settled(socket.emitWithAck("echo", "pending"));
    socket.clearSendBuffer();
    expect(socket.sendBuffer).toEqual([]);
    expect(dropped).toHaveLength(1001);
    expect(dropped.at(-1)).toBe('echo ["pending"] cleared');
    expect(await pending).toBe("rejected: emission dropped from the send buffer (cleared)");
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(server.received("echo")).toEqual([["after"]]);
  });
});

describe("the options", () => {
  it.each<[string, object, RegExp]>([
    ["a negative limit", { sendBufferLimit: -1 }, /sendBufferLimit/],
    ["a limit that is not a number", { sendBufferMaxBytes: "1kB" }, /sendBufferMaxBytes/],
    ["NaN as an age", { sendBufferMaxAge: NaN }, /sendBufferMaxAge/],
    ["an unknown policy", { sendBufferOverflow: "drop-newest" }, /sendBufferOverflow/],
  ])("%s is a TypeError at creation", async (_, options, message) => {
    const server = await echoServer();
    expect(() => c.io(server.url, { autoConnect: false, ...options })).toThrow(message);
  });

  it("send_buffer_drop is reserved: it cannot be emitted, and a server cannot send it", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    expect(() => socket.emit("send_buffer_drop" as string)).toThrow('"send_buffer_drop" is a reserved event name');
    await waitFor(socket, "connect");
    const fake: unknown[] = [];
    socket.on("send_buffer_drop", (...args) => fake.push(args));
    server.serverSocket(socket.id).emit("send_buffer_drop", "x", [], "overflow");
    expect(await socket.emitWithAck("echo", "round trip")).toBe("round trip");
    expect(fake).toEqual([]);
  });
});
