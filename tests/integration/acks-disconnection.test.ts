// Acknowledgements when the connection goes away: acks that can take an error
// end with one, plain acks are forgotten like with the official client, and a
// timed-out emission waiting in the send buffer is never sent (socket.io #4318).
// When the Socket stops trying to connect (disconnect(), denial, reconnection
// off or given up), buffered emissions whose callback takes an error end at
// once and are never sent; plain ones wait for a later connect().
import { io as officialIo } from "socket.io-client";
import { describe, expect, it } from "vitest";
import type { EchoServer, Proxy } from "../support/servers.js";
import { clients, fast, until, waitFor, within } from "../support/util.js";
import type { Socket } from "../../src/index.js";
import { type AckHandlers, activeTimeouts, calls, message, useAckServerBehindProxy } from "./acks-helpers.js";

let server: EchoServer;
let proxy: Proxy;
let handlers: AckHandlers;
const c = clients();
useAckServerBehindProxy(c, (fixture) => ({ server, proxy, handlers } = fixture));

async function connectedThroughProxy(opts: object = {}) {
  const socket = c.io(proxy.url, { transports: ["websocket"], ...fast, ...opts });
  await waitFor(socket, "connect");
  return socket;
}

/** Cuts the connection and refuses the next ones: resolves at the first reconnection attempt. */
async function cutAndKeepRefusing(socket: Socket) {
  proxy.refuse();
  const reconnecting = waitFor(socket.io, "reconnect_attempt");
  proxy.cut();
  await reconnecting;
}

/** Cuts the connection with `held` emissions on the server, and waits for the reconnection. */
async function cutAndReconnect(socket: Socket) {
  const reconnected = waitFor(socket, "connect");
  proxy.cut();
  await reconnected;
}

describe("acks in flight when the connection is lost", () => {
  it('ends an ack with a timeout with an Error "socket has been disconnected", once', async () => {
    const socket = await connectedThroughProxy();
    const ack = calls();
    // long enough to outlast the cut, short enough to wait for
    socket.timeout(1000).emit("hold", "in flight", ack);
    await until(() => handlers.held.length, "the emission on the server");
    await cutAndReconnect(socket);
    await until(() => ack.list.length, "the error");
    // a later emission with the same timeout has timed out: the first one's timer would have fired by then
    await socket.timeout(1000).emitWithAck("never-ack").catch(() => {});
    expect(ack.list).toHaveLength(1);
    expect(ack.list[0]).toHaveLength(1);
    expect(ack.list[0]![0]).toBeInstanceOf(Error);
    expect(message(ack.list[0]![0])).toBe("socket has been disconnected");
  });

  it("calls the error back after the disconnect listeners, like the official client", async () => {
    const socket = await connectedThroughProxy();
    const order: string[] = [];
    socket.on("disconnect", () => order.push("disconnect"));
    socket.timeout(10_000).emit("hold", "in flight", (err: unknown) => order.push(message(err)));
    await until(() => handlers.held.length, "the emission on the server");
    await cutAndReconnect(socket);
    expect(order).toEqual(["disconnect", "socket has been disconnected"]);
  });

  it("rejects emitWithAck without timeout", async () => {
    const socket = await connectedThroughProxy();
    const answer = socket.emitWithAck("hold", "in flight");
    const settled = answer.catch((e: unknown) => e);
    await until(() => handlers.held.length, "the emission on the server");
    await cutAndReconnect(socket);
    const error = await settled;
    expect(error).toBeInstanceOf(Error);
    expect(message(error)).toBe("socket has been disconnected");
  });

  it("rejects emitWithAck with a timeout with the disconnection, not the timeout", async () => {
    const socket = await connectedThroughProxy();
    const settled = socket.timeout(60_000).emitWithAck("hold", "in flight").catch((e: unknown) => e);
    await until(() => handlers.held.length, "the emission on the server");
    proxy.cut();
    expect(message(await settled)).toBe("socket has been disconnected");
  });

  it("forgets a plain ack (no timeout, not emitWithAck): its callback is never called, like the official client", async () => {
    const socket = await connectedThroughProxy();
    const plain = calls();
    socket.emit("hold", "in flight", plain);
    await until(() => handlers.held.length, "the emission on the server");
    await cutAndReconnect(socket);
    // the old session's answer goes nowhere; the new session works
    handlers.held[0]!.answer("to a closed session");
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(plain.list).toEqual([]);
    // not sent again over the new connection either
    expect(handlers.argsOf("hold")).toEqual([["in flight"]]);
  });

  it("the official client also never calls a plain ack in flight at a disconnection", async () => {
    const official = officialIo(proxy.url, { forceNew: true, transports: ["websocket"], ...fast });
    try {
      await waitFor(official, "connect");
      const plain = calls();
      official.emit("hold", "in flight", plain);
      await until(() => handlers.held.length, "the emission on the server");
      const reconnected = waitFor(official, "connect");
      proxy.cut();
      await reconnected;
      handlers.held[0]!.answer("to a closed session");
      expect(await official.emitWithAck("echo", "after")).toBe("after");
      expect(plain.list).toEqual([]);
    } finally {
      official.disconnect();
    }
  });

  it("ends acks that take an error when the client disconnects, forgets plain ones", async () => {
    const socket = await connectedThroughProxy();
    const timed = calls();
    const plain = calls();
    socket.timeout(10_000).emit("hold", "timed", timed);
    socket.emit("hold", "plain", plain);
    const promised = socket.emitWithAck("hold", "promised").catch((e: unknown) => e);
    await until(() => handlers.held.length === 3, "the emissions on the server");
    socket.disconnect();
    expect(timed.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
    expect(message(await promised)).toBe("socket has been disconnected");
    expect(plain.list).toEqual([]);
  });

  it("ends acks that take an error when the server disconnects the socket", async () => {
    const socket = await connectedThroughProxy();
    const timed = calls();
    socket.timeout(10_000).emit("hold", "timed", timed);
    socket.emit("disconnect-me");
    const [reason] = await waitFor(socket, "disconnect");
    expect(reason).toBe("io server disconnect");
    expect(timed.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
  });
});

describe("acks buffered while disconnected", () => {
  it("keeps a plain ack whose packet is still in the send buffer, and calls it once answered after the reconnection", async () => {
    const socket = await connectedThroughProxy();
    await cutAndKeepRefusing(socket);
    const plain = calls();
    socket.emit("echo", "buffered", plain);
    proxy.refuse(false);
    await waitFor(socket, "connect");
    await until(() => plain.list.length, "the answer");
    expect(plain.list).toEqual([["buffered"]]);
    expect(handlers.receipts.filter((r) => r.event === "echo").map((r) => r.args)).toEqual([["buffered"]]);
  });

  it("sends a buffered emission with a timeout on reconnection, and calls back the answer, when in time", async () => {
    const socket = await connectedThroughProxy();
    await cutAndKeepRefusing(socket);
    const ack = calls();
    socket.timeout(10_000).emit("echo", "buffered", ack);
    proxy.refuse(false);
    await until(() => ack.list.length, "the answer");
    expect(ack.list).toEqual([[null, "buffered"]]);
  });

  it("never sends an emission that timed out in the send buffer (socket.io #4318)", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const ack = calls();
    socket.timeout(50).emit("echo", "timed out offline", ack);
    const promised = socket.timeout(50).emitWithAck("echo", "also timed out offline").catch((e: unknown) => e);
    await until(() => ack.list.length, "the timeout error");
    expect(message(await promised)).toBe("operation has timed out");
    expect(socket.sendBuffer).toEqual([]);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "after connection")).toBe("after connection");
    expect(message(ack.list[0]![0])).toBe("operation has timed out");
    expect(ack.list).toHaveLength(1);
    expect(handlers.argsOf("echo")).toEqual([["after connection"]]);
  });

  it("never sends an emission that timed out in the send buffer during a reconnection (socket.io #4318)", async () => {
    const socket = await connectedThroughProxy();
    await cutAndKeepRefusing(socket);
    const ack = calls();
    socket.timeout(50).emit("echo", "timed out offline", ack);
    socket.emit("echo", "kept");
    await until(() => ack.list.length, "the timeout error");
    proxy.refuse(false);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(message(ack.list[0]![0])).toBe("operation has timed out");
    expect(handlers.argsOf("echo")).toEqual([["kept"], ["after"]]);
  });

  it("does not end a buffered ack with a timeout when the reconnection attempt fails", async () => {
    const socket = await connectedThroughProxy();
    await cutAndKeepRefusing(socket);
    const ack = calls();
    socket.timeout(10_000).emit("echo", "waits", ack);
    await waitFor(socket.io, "reconnect_error");
    expect(ack.list).toEqual([]);
    proxy.refuse(false);
    await until(() => ack.list.length, "the answer");
    expect(ack.list).toEqual([[null, "waits"]]);
  });
});

describe("buffered acks when the Socket stops trying to connect", () => {
  /** A Socket on "/" that is trying to connect (the proxy refuses), with "/users" keeping the Manager busy. */
  function connectingSocket(opts: object = {}) {
    proxy.refuse();
    const manager = c.manager(proxy.url, { transports: ["websocket"], ...fast, ...opts });
    const socket = c.socket(manager, "/");
    c.socket(manager, "/users");
    expect(socket.active).toBe(true);
    expect(socket.connected).toBe(false);
    return socket;
  }

  it("ends a buffered timeout(60 s) ack at once on socket.disconnect(), removes its packet and leaves no timer", async () => {
    const socket = connectingSocket();
    const before = activeTimeouts();
    const ack = calls();
    socket.timeout(60_000).emit("echo", "buffered", ack);
    expect(activeTimeouts()).toBe(before + 1);
    expect(socket.sendBuffer).toHaveLength(1);
    socket.disconnect();
    // within the call, long before its 60 s deadline
    expect(ack.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
    expect(ack.list[0]).toHaveLength(1);
    // its deadline went with it; "/users" keeps the Manager (and its own timers) as they were
    expect(activeTimeouts()).toBe(before);
    expect(socket.sendBuffer).toEqual([]);
    // never sent later
    proxy.refuse(false);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(handlers.argsOf("echo")).toEqual([["after"]]);
    expect(ack.list).toHaveLength(1);
  });

  it("on socket.disconnect(): error-first acks end, their packets are never sent; plain emissions stay buffered and go after connect()", async () => {
    const socket = connectingSocket();
    const timed = calls();
    const plain = calls();
    socket.timeout(60_000).emit("echo", "timed", timed);
    const promised = socket.emitWithAck("echo", "promised").catch((e: unknown) => e);
    socket.emit("echo", "plain ack", plain);
    socket.emit("note", "no ack");
    socket.disconnect();
    expect(timed.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
    expect(message(await within(promised, 1000, "the rejection"))).toBe("socket has been disconnected");
    expect(socket.sendBuffer.map((packet) => packet.data[1])).toEqual(["plain ack", "no ack"]);
    proxy.refuse(false);
    socket.connect();
    await until(() => plain.list.length, "the plain answer");
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(plain.list).toEqual([["plain ack"]]);
    expect(handlers.sequence()).toEqual(["echo:plain ack", "note:no ack", "echo:after"]);
  });

  it("ends buffered error-first acks when the reconnection gives up, before the reconnect_failed listeners; plain emissions wait for connect()", async () => {
    const socket = await connectedThroughProxy({ reconnectionAttempts: 2 });
    const order: string[] = [];
    socket.on("connect_error", () => order.push("connect_error"));
    socket.io.on("reconnect_attempt", () => order.push("reconnect_attempt"));
    socket.io.on("reconnect_failed", () => order.push("reconnect_failed"));
    proxy.refuse();
    proxy.cut();
    await waitFor(socket, "disconnect");
    socket.timeout(60_000).emit("echo", "timed", (err: unknown) => order.push(`timed: ${message(err)}`));
    const promised = socket.emitWithAck("echo", "promised").catch((e: unknown) => e);
    socket.emit("echo", "plain", (answer: string) => order.push(`plain: ${answer}`));
    await waitFor(socket.io, "reconnect_failed");
    expect(order).toEqual([
      "reconnect_attempt",
      "connect_error",
      "reconnect_attempt",
      "connect_error",
      "timed: socket has been disconnected",
      "reconnect_failed",
    ]);
    expect(message(await within(promised, 1000, "the rejection"))).toBe("socket has been disconnected");
    expect(socket.active).toBe(false);
    expect(socket.sendBuffer.map((packet) => packet.data[1])).toEqual(["plain"]);
    proxy.refuse(false);
    socket.connect();
    await until(() => order.includes("plain: plain"), "the plain answer");
    expect(handlers.argsOf("echo")).toEqual([["plain"]]);
  });

  it("rejects a buffered emitWithAck without timeout when the first connection fails with reconnection off: no hanging promise", async () => {
    proxy.refuse();
    const socket = c.io(proxy.url, { transports: ["websocket"], reconnection: false });
    const promised = socket.emitWithAck("echo", "never sent").catch((e: unknown) => e);
    await waitFor(socket, "connect_error");
    expect(message(await within(promised, 1000, "the rejection"))).toBe("socket has been disconnected");
    expect(socket.active).toBe(false);
    expect(socket.sendBuffer).toEqual([]);
  });

  it("ends buffered error-first acks when the server denies the namespace (connect_error), never sending them", async () => {
    const socket = c.io(`${server.url}/denied`, { transports: ["websocket"] });
    const timed = calls();
    socket.timeout(60_000).emit("echo", "timed", timed);
    const promised = socket.emitWithAck("echo", "promised").catch((e: unknown) => e);
    const [error] = await waitFor<[Error]>(socket, "connect_error");
    expect(error.message).toBe("not allowed");
    expect(timed.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
    expect(message(await within(promised, 1000, "the rejection"))).toBe("socket has been disconnected");
    expect(socket.sendBuffer).toEqual([]);
  });
});

describe("acks whose packet the user took out of the send buffer (socket.sendBuffer = [])", () => {
  it("are never sent; the next lost connection ends those that take an error (no hanging promise) and forgets the plain ones", async () => {
    const socket = c.io(proxy.url, { transports: ["websocket"], ...fast, autoConnect: false });
    const plain = calls();
    const withTimeout = calls();
    socket.emit("echo", "plain", plain);
    socket.timeout(60_000).emit("echo", "with timeout", withTimeout);
    const promise = socket.emitWithAck("echo", "promise");
    const settled = promise.then(
      (value) => ({ value }),
      (error: Error) => ({ error: error.message }),
    );
    expect(socket.sendBuffer).toHaveLength(3);
    socket.sendBuffer = [];
    socket.connect();
    await waitFor(socket, "connect");
    // a round trip: the server got nothing of what was taken out
    expect(await socket.emitWithAck("echo", "after")).toBe("after");
    expect(handlers.argsOf("echo")).toEqual([["after"]]);
    // like the official client: they wait for an answer until the connection is lost
    await cutAndReconnect(socket);
    expect(await within(settled, 1000, "the emitWithAck promise")).toEqual({ error: "socket has been disconnected" });
    expect(withTimeout.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
    expect(plain.list).toEqual([]);
  });
});
