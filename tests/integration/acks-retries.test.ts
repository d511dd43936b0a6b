// The `retries` option against a real server: the queue (one emission at a
// time, in order), re-sends of unacknowledged emissions and their `retry`
// marker, exactly-once callbacks, no duplicates on the wire (socket.io #5258,
// #5334), queued emissions surviving an automatic reconnection, and ending at
// once when the Socket stops trying to connect.
import { describe, expect, it } from "vitest";
import type { EchoServer, Proxy } from "../support/servers.js";
import { bytes, clients, fast, until, waitFor, within } from "../support/util.js";
import type { Socket } from "../../src/index.js";
import { type AckHandlers, calls, message, recordWrites, useAckServerBehindProxy, type WrittenMessage } from "./acks-helpers.js";

let server: EchoServer;
let proxy: Proxy;
let handlers: AckHandlers;
const c = clients();
useAckServerBehindProxy(c, (fixture) => ({ server, proxy, handlers } = fixture));

async function connected(opts: object, url = server.url) {
  const socket = c.io(url, { transports: ["websocket"], ...opts });
  await waitFor(socket, "connect");
  return socket;
}

/**
 * A round trip past the retries queue (volatile bypasses it): every packet
 * sent before it has been processed by the server when it resolves. A
 * volatile packet is dropped while the transport is busy writing, so it is
 * sent again until answered.
 */
async function roundTrip(socket: Socket) {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await socket.volatile.timeout(200).emitWithAck("echo", "round trip");
      return;
    } catch {
      // dropped or not yet answered: try again
    }
  }
  throw new Error("no round trip in 20 attempts");
}

describe("a server that drops the first N deliveries", () => {
  it.each([1, 2])("re-sends an unacknowledged emission until acked (%i drops, as many retries): one answer, drops + 1 deliveries", async (n) => {
    const socket = await connected({ retries: n, ackTimeout: 400 });
    const ack = calls();
    socket.emit("drop-first", n, "payload", ack);
    await until(() => ack.list.length, "the answer");
    await roundTrip(socket);
    expect(ack.list).toEqual([[null, "payload"]]);
    expect(handlers.argsOf("drop-first")).toEqual(Array.from({ length: n + 1 }, () => [n, "payload"]));
  });

  it('gives up after `retries` re-sends: one Error "operation has timed out", retries + 1 deliveries', async () => {
    const socket = await connected({ retries: 2, ackTimeout: 50 });
    const ack = calls();
    socket.emit("drop-first", 5, "too many drops", ack);
    await until(() => ack.list.length, "the failure");
    // the queue moved on: the next emission is sent and answered
    const next = calls();
    socket.timeout(5000).emit("echo", "next", next);
    await until(() => next.list.length, "the next answer");
    expect(ack.list).toHaveLength(1);
    expect(ack.list[0]).toHaveLength(1);
    expect(message(ack.list[0]![0])).toBe("operation has timed out");
    expect(handlers.argsOf("drop-first")).toHaveLength(3);
    expect(next.list).toEqual([[null, "next"]]);
    expect(handlers.sequence()).toEqual(["drop-first:5", "drop-first:5", "drop-first:5", "echo:next"]);
  });

  it("re-sends a binary emission intact, and gives its binary answer as binary", async () => {
    const socket = await connected({ retries: 1, ackTimeout: 400 });
    const answer = await socket.emitWithAck("drop-first", 1, Buffer.from([1, 2, 3]));
    expect(bytes(answer)).toEqual([1, 2, 3]);
    const deliveries = handlers.argsOf("drop-first");
    expect(deliveries).toHaveLength(2);
    for (const [, payload] of deliveries) expect(bytes(payload)).toEqual([1, 2, 3]);
  });

  it("lets onAnyOutgoing listeners see each send, the re-sends included", async () => {
    const socket = await connected({ retries: 1, ackTimeout: 400 });
    const outgoing = calls();
    socket.onAnyOutgoing(outgoing);
    await socket.emitWithAck("drop-first", 1, "seen twice");
    expect(outgoing.list).toEqual([
      ["drop-first", 1, "seen twice"],
      ["drop-first", 1, "seen twice"],
    ]);
  });

  it("calls the callback once when the server answers both the first send and its re-send", async () => {
    const socket = await connected({ retries: 1, ackTimeout: 400 });
    const ack = calls();
    socket.emit("hold", "answered twice", ack);
    await until(() => handlers.held.length === 2, "the re-send on the server");
    // an answer to any copy settles it: the late answer to the first send is accepted, the second ignored
    handlers.held[0]!.answer("first answer");
    handlers.held[1]!.answer("second answer");
    await until(() => ack.list.length, "the answer");
    await roundTrip(socket);
    expect(ack.list).toEqual([[null, "first answer"]]);
  });
});

describe("the retries queue", () => {
  it("sends queued emissions one at a time, in order, each after the previous acknowledgement", async () => {
    const socket = await connected({ retries: 3 });
    const answers: string[] = [];
    for (const name of ["a", "b", "c"]) socket.emit("hold", name, (err: unknown, answer: string) => answers.push(`${String(err)}:${answer}`));
    for (const [index, name] of ["a", "b", "c"].entries()) {
      await until(() => handlers.held.length === index + 1, `"${name}" on the server`);
      // the server has processed everything sent so far: nothing else was sent
      await roundTrip(socket);
      expect(handlers.argsOf("hold")).toEqual(["a", "b", "c"].slice(0, index + 1).map((n) => [n]));
      expect(answers).toHaveLength(index);
      handlers.held[index]!.answer(`answer ${name}`);
    }
    await until(() => answers.length === 3, "the three answers");
    expect(answers).toEqual(["null:answer a", "null:answer b", "null:answer c"]);
  });

  it("asks for an acknowledgement for every emission, even without a callback, and waits for it", async () => {
    const socket = await connected({ retries: 1 });
    socket.emit("note", "no callback");
    socket.emit("hold", "no callback either");
    const last = calls();
    socket.emit("note", "with callback", last);
    await until(() => handlers.held.length, "the held emission on the server");
    await roundTrip(socket);
    expect(handlers.argsOf("note")).toEqual([["no callback"]]);
    handlers.held[0]!.answer();
    await until(() => last.list.length, "the last answer");
    expect(last.list).toEqual([[null, "noted"]]);
    expect(handlers.receipts.filter((r) => r.event !== "echo").map((r) => [r.event, r.askedForAck])).toEqual([
      ["note", true],
      ["hold", true],
      ["note", true],
    ]);
  });

  it("re-sends an emission without callback when unacknowledged, then moves on", async () => {
    const socket = await connected({ retries: 2, ackTimeout: 50 });
    socket.emit("never-ack", "unanswered");
    const next = calls();
    socket.timeout(5000).emit("echo", "after it", next);
    await until(() => next.list.length, "the next answer");
    expect(next.list).toEqual([[null, "after it"]]);
    expect(handlers.sequence()).toEqual(["never-ack:unanswered", "never-ack:unanswered", "never-ack:unanswered", "echo:after it"]);
  });

  it("sends every acknowledged emission exactly once (socket.io #5258: the first emit went twice)", async () => {
    const socket = await connected({ retries: 3, ackTimeout: 5000 });
    const answers = await Promise.all(["1", "2", "3", "4", "5"].map((n) => socket.emitWithAck("echo", n)));
    await roundTrip(socket);
    expect(answers).toEqual(["1", "2", "3", "4", "5"]);
    expect(handlers.sequence().filter((e) => e.startsWith("echo:") && e !== "echo:round trip")).toEqual([
      "echo:1",
      "echo:2",
      "echo:3",
      "echo:4",
      "echo:5",
    ]);
  });

  it("calls each callback exactly once, in emission order", async () => {
    const socket = await connected({ retries: 1 });
    const order: string[] = [];
    const each = (name: string) => (err: unknown, answer?: unknown) => order.push(err ? `${name}:${message(err)}` : `${name}:${String(answer)}`);
    // short deadlines only where no answer comes in time
    socket.timeout(5000).emit("echo", "a", each("a"));
    socket.timeout(50).emit("never-ack", each("b"));
    socket.timeout(400).emit("drop-first", 1, "c", each("c"));
    socket.timeout(5000).emit("echo", "d", each("d"));
    await until(() => order.length === 4, "the four callbacks");
    await roundTrip(socket);
    expect(order).toEqual(["a:a", "b:operation has timed out", "c:c", "d:d"]);
    expect(handlers.sequence().filter((e) => e !== "echo:round trip")).toEqual([
      "echo:a",
      "never-ack:undefined",
      "never-ack:undefined",
      "drop-first:1",
      "drop-first:1",
      "echo:d",
    ]);
  });

  it("sends emissions queued before the connection after it, in order", async () => {
    const socket = c.io(server.url, { transports: ["websocket"], autoConnect: false, retries: 2 });
    const answers = [socket.emitWithAck("echo", "x"), socket.emitWithAck("echo", "y")];
    socket.connect();
    expect(await Promise.all(answers)).toEqual(["x", "y"]);
    expect(handlers.sequence()).toEqual(["echo:x", "echo:y"]);
  });
});

describe("timeouts in the retries queue", () => {
  it("counts an emission's timeout from its send, not while it waits in the queue for a connection", async () => {
    const socket = c.io(server.url, { transports: ["websocket"], autoConnect: false, retries: 1 });
    const queued = calls();
    socket.timeout(400).emit("echo", "waited offline", queued);
    // another client's ack with the same timeout, emitted later, times out meanwhile
    const other = await connected({});
    await expect(other.timeout(400).emitWithAck("never-ack")).rejects.toThrow("operation has timed out");
    expect(queued.list).toEqual([]);
    socket.connect();
    await until(() => queued.list.length, "the answer");
    expect(queued.list).toEqual([[null, "waited offline"]]);
  });
});

describe("emitWithAck with retries", () => {
  it("resolves with the answer after re-sends", async () => {
    const socket = await connected({ retries: 2, ackTimeout: 400 });
    expect(await socket.emitWithAck("drop-first", 2, "eventually")).toBe("eventually");
    expect(handlers.argsOf("drop-first")).toHaveLength(3);
  });

  it('rejects with "operation has timed out" once the retries are exhausted', async () => {
    const socket = await connected({ retries: 1, ackTimeout: 50 });
    await expect(socket.emitWithAck("never-ack", "lost")).rejects.toThrow("operation has timed out");
    await roundTrip(socket);
    expect(handlers.argsOf("never-ack")).toEqual([["lost"], ["lost"]]);
  });

  it("uses timeout(ms) of the emission for each try", async () => {
    const socket = await connected({ retries: 1, ackTimeout: 60_000 });
    await expect(socket.timeout(50).emitWithAck("never-ack", "short")).rejects.toThrow("operation has timed out");
    await roundTrip(socket);
    expect(handlers.argsOf("never-ack")).toEqual([["short"], ["short"]]);
  });
});

describe("volatile with retries", () => {
  it("bypasses the queue: sent and answered while the head of the queue waits, sent once", async () => {
    const socket = await connected({ retries: 2 });
    const head = calls();
    socket.emit("hold", "head", head);
    await until(() => handlers.held.length, "the head on the server");
    const queued = calls();
    socket.emit("echo", "queued", queued);
    // the transport may be busy for a tick after a send; a later tick lets the volatile packet through
    await new Promise((resolve) => setTimeout(resolve, 0));
    const bypass = await socket.volatile.timeout(5000).emitWithAck("echo", "volatile");
    expect(bypass).toBe("volatile");
    expect(head.list).toEqual([]);
    expect(queued.list).toEqual([]);
    handlers.held[0]!.answer("head answer");
    await until(() => queued.list.length, "the queued answer");
    expect(head.list).toEqual([[null, "head answer"]]);
    expect(handlers.sequence()).toEqual(["hold:head", "echo:volatile", "echo:queued"]);
  });
});

describe("retries across a reconnection", () => {
  for (const [how, cutConnection] of [
    ["a network cut (proxy)", async (_socket: Socket) => proxy.cut()],
    ["the server closing the transport", async (socket: Socket) => server.serverSocket(socket.id).conn.close()],
  ] as const) {
    it(`keeps queued emissions and sends them after the reconnection, in order, once (${how})`, async () => {
      const socket = await connected({ retries: 3, ...fast }, proxy.url);
      const order: string[] = [];
      socket.emit("hold", "in flight", (err: unknown, answer: string) => order.push(`in flight:${String(err)}:${answer}`));
      socket.emit("echo", "queued 1", (err: unknown, answer: string) => order.push(`queued 1:${String(err)}:${answer}`));
      socket.emit("echo", "queued 2", (err: unknown, answer: string) => order.push(`queued 2:${String(err)}:${answer}`));
      await until(() => handlers.held.length, "the first emission on the server");
      const firstSession = socket.id;
      await cutConnection(socket);
      await waitFor(socket, "disconnect");
      await waitFor(socket, "connect");
      // the in-flight emission is re-sent after the reconnection, as a retry
      await until(() => handlers.held.length === 2, "the re-send on the server");
      handlers.held[1]!.answer("answered after reconnection");
      await until(() => order.length === 3, "the three answers");
      expect(order).toEqual(["in flight:null:answered after reconnection", "queued 1:null:queued 1", "queued 2:null:queued 2"]);
      const receipts = handlers.receipts.filter((r) => r.event !== "echo" || r.args[0] !== "round trip");
      expect(receipts.map((r) => `${r.event}:${String(r.args[0])}`)).toEqual(["hold:in flight", "hold:in flight", "echo:queued 1", "echo:queued 2"]);
      // the queued ones never went over the first connection
      expect(receipts.filter((r) => r.socketId === firstSession).map((r) => r.args[0])).toEqual(["in flight"]);
    });
  }

  it('ends the queue at once on socket.disconnect() with "socket has been disconnected", never sending it later; emissions made meanwhile go after connect()', async () => {
    const socket = await connected({ retries: 2 });
    const order: string[] = [];
    const note = (name: string) => (err: unknown, answer?: string) => order.push(err ? `${name}: ${message(err)}` : `${name}: ${answer}`);
    socket.emit("hold", "in flight", note("in flight"));
    socket.emit("echo", "queued", note("queued"));
    await until(() => handlers.held.length, "the first emission on the server");
    socket.disconnect();
    // within the call: the in-flight one had retries left, but no connection will come by itself
    expect(order).toEqual(["in flight: socket has been disconnected", "queued: socket has been disconnected"]);
    socket.emit("echo", "while disconnected", note("while disconnected"));
    socket.connect();
    await until(() => order.length === 3, "the answer to the emission made while disconnected");
    await roundTrip(socket);
    expect(order[2]).toBe("while disconnected: while disconnected");
    expect(handlers.sequence().filter((e) => e !== "echo:round trip")).toEqual(["hold:in flight", "echo:while disconnected"]);
  });

  it("does not send acknowledged emissions again after a reconnection (socket.io #5334)", async () => {
    const socket = await connected({ retries: 3, ...fast }, proxy.url);
    expect(await Promise.all([socket.emitWithAck("echo", "1"), socket.emitWithAck("echo", "2")])).toEqual(["1", "2"]);
    proxy.cut();
    await waitFor(socket, "disconnect");
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "3")).toBe("3");
    await roundTrip(socket);
    expect(handlers.sequence().filter((e) => e !== "echo:round trip")).toEqual(["echo:1", "echo:2", "echo:3"]);
  });

  it('gives up an in-flight emission with "socket has been disconnected" when no retry is left', async () => {
    const socket = await connected({ retries: 1, ...fast }, proxy.url);
    const ack = calls();
    socket.emit("hold", "in flight", ack);
    await until(() => handlers.held.length, "the first send on the server");
    proxy.cut();
    await waitFor(socket, "connect");
    // re-sent once after the first cut (its one retry)
    await until(() => handlers.held.length === 2, "the re-send on the server");
    proxy.cut();
    await until(() => ack.list.length, "the failure");
    await waitFor(socket, "connect");
    const next = await socket.emitWithAck("echo", "next");
    expect(next).toBe("next");
    expect(ack.list).toHaveLength(1);
    expect(message(ack.list[0]![0])).toBe("socket has been disconnected");
    expect(handlers.argsOf("hold")).toEqual([["in flight"], ["in flight"]]);
  });
});

describe("the retries queue when the Socket stops trying to connect", () => {
  it("rejects emitWithAck, in flight and queued, when the connection is lost with reconnection off: no hanging promise", async () => {
    const socket = await connected({ retries: 3, reconnection: false }, proxy.url);
    const inFlight = socket.emitWithAck("hold", "in flight").catch((e: unknown) => e);
    const queued = socket.emitWithAck("echo", "queued").catch((e: unknown) => e);
    await until(() => handlers.held.length, "the first emission on the server");
    proxy.cut();
    await waitFor(socket, "disconnect");
    expect(socket.active).toBe(false);
    expect(message(await within(inFlight, 1000, "the in-flight rejection"))).toBe("socket has been disconnected");
    expect(message(await within(queued, 1000, "the queued rejection"))).toBe("socket has been disconnected");
    expect(handlers.sequence()).toEqual(["hold:in flight"]);
  });

  it("keeps the queue through the reconnection attempts and ends it when they give up, before the reconnect_failed listeners", async () => {
    const socket = await connected({ retries: 3, reconnectionAttempts: 2, ...fast }, proxy.url);
    const order: string[] = [];
    socket.io.on("reconnect_attempt", () => order.push("reconnect_attempt"));
    socket.io.on("reconnect_failed", () => order.push("reconnect_failed"));
    socket.emit("hold", "in flight", (err: unknown) => order.push(`in flight: ${message(err)}`));
    const queued = socket.emitWithAck("echo", "queued").catch((e: unknown) => e);
    await until(() => handlers.held.length, "the first emission on the server");
    proxy.refuse();
    proxy.cut();
    await waitFor(socket.io, "reconnect_failed");
    expect(order).toEqual(["reconnect_attempt", "reconnect_attempt", "in flight: socket has been disconnected", "reconnect_failed"]);
    expect(message(await within(queued, 1000, "the queued rejection"))).toBe("socket has been disconnected");
    // never sent later either
    proxy.refuse(false);
    socket.connect();
    await waitFor(socket, "connect");
    await roundTrip(socket);
    expect(handlers.sequence().filter((e) => e !== "echo:round trip")).toEqual(["hold:in flight"]);
  });

  it('ends the queue at once when the server disconnects the socket ("io server disconnect"), never sending it later', async () => {
    const socket = await connected({ retries: 2 });
    const order: string[] = [];
    socket.on("disconnect", (reason: string) => order.push(`disconnect: ${reason}`));
    socket.emit("hold", "in flight", (err: unknown) => order.push(`in flight: ${message(err)}`));
    socket.emit("echo", "queued", (err: unknown) => order.push(`queued: ${message(err)}`));
    await until(() => handlers.held.length, "the first emission on the server");
    server.serverSocket(socket.id).disconnect();
    await waitFor(socket, "disconnect");
    expect(order).toEqual(["disconnect: io server disconnect", "in flight: socket has been disconnected", "queued: socket has been disconnected"]);
    expect(socket.active).toBe(false);
    socket.connect();
    await waitFor(socket, "connect");
    await roundTrip(socket);
    expect(handlers.sequence().filter((e) => e !== "echo:round trip")).toEqual(["hold:in flight"]);
  });

  it("ends the queued emissions when the server denies the namespace (connect_error)", async () => {
    const socket = c.io(`${server.url}/denied`, { transports: ["websocket"], retries: 2 });
    const first = calls();
    socket.emit("echo", "first", first);
    const second = socket.emitWithAck("echo", "second").catch((e: unknown) => e);
    const [error] = await waitFor<[Error]>(socket, "connect_error");
    expect(error.message).toBe("not allowed");
    expect(first.list.map((args) => message(args[0]))).toEqual(["socket has been disconnected"]);
    expect(message(await within(second, 1000, "the rejection"))).toBe("socket has been disconnected");
  });
});

describe("the retry marker", () => {
  const event = (written: WrittenMessage) => String(written.data);

  it("writes a re-send after a timeout with options.retry === true and the next ack id, like the official client; the first send unmarked", async () => {
    const socket = await connected({ retries: 1, ackTimeout: 400 });
    const written = recordWrites(socket.io.engine);
    expect(await socket.emitWithAck("drop-first", 1, "marked")).toBe("marked");
    const sends = written.filter((w) => event(w).includes("drop-first"));
    expect(sends.map((w) => w.retry)).toEqual([false, true]);
    // "2<id>[...]": the same event and arguments, ack ids 0 then 1
    expect(sends.map((w) => event(w))).toEqual(['20["drop-first",1,"marked"]', '21["drop-first",1,"marked"]']);
    // what else the client wrote meanwhile (none expected) is not marked
    expect(written.filter((w) => !event(w).includes("drop-first")).map((w) => w.retry)).not.toContain(true);
  });

  it("marks the re-send of the emission in flight after an automatic reconnection, on the new engine, and not the emissions behind it", async () => {
    const socket = await connected({ retries: 3, ...fast }, proxy.url);
    const written = recordWrites(socket.io.engine);
    socket.io.on("open", () => recordWrites(socket.io.engine, written));
    const firstEngine = socket.io.engine;
    socket.emit("hold", "in flight");
    const queued = socket.emitWithAck("echo", "queued");
    await until(() => handlers.held.length, "the first send on the server");
    proxy.cut();
    await waitFor(socket, "connect");
    await until(() => handlers.held.length === 2, "the re-send on the server");
    expect(socket.io.engine).not.toBe(firstEngine);
    handlers.held[1]!.answer();
    expect(await queued).toBe("queued");
    const sends = written.filter((w) => /"(hold|echo)"/.test(event(w))).map((w) => `${JSON.parse(event(w).replace(/^\d+/, ""))[1]}${w.retry ? " (retry)" : ""}`);
    expect(sends).toEqual(["in flight", "in flight (retry)", "queued"]);
  });
});
