// Acknowledgements against a real socket.io 4.8 server: callbacks, timeouts,
// emitWithAck, the ackTimeout option, binary answers, and acks per namespace.
// Retries: acks-retries.test.ts; disconnections: acks-disconnection.test.ts.
import { beforeEach, describe, expect, it } from "vitest";
import { startEngineServer, type EchoServer } from "../support/servers.js";
import { bytes, clients, until, waitFor, within } from "../support/util.js";
import { addAckHandlers, calls, type AckHandlers } from "./acks-helpers.js";
import { useEchoServer } from "../support/fixtures.js";

let server: EchoServer;
let handlers: AckHandlers;
const c = clients();
useEchoServer(c, (started) => {
  server = started;
  handlers = addAckHandlers(server, ["/", "/users"]);
});
beforeEach(() => handlers.reset());

async function connected(opts = {}) {
  const socket = c.io(server.url, opts);
  await waitFor(socket, "connect");
  return socket;
}

/** A round trip that proves every packet sent before it was processed, and every answer sent before it arrived. */
async function roundTrip(socket: ReturnType<typeof c.io>) {
  await socket.timeout(5000).emitWithAck("echo", "round trip");
}

describe("emit(..., ack)", () => {
  it("calls the callback once with the server's answer, every argument of it", async () => {
    const socket = await connected();
    const ack = calls();
    socket.emit("echo", "a", 1, { b: [true, null] }, ack);
    await until(() => ack.list.length, "the answer");
    await roundTrip(socket);
    expect(ack.list).toEqual([["a", 1, { b: [true, null] }]]);
  });

  it("gives binary answers as binary, with the same bytes, also nested in objects", async () => {
    const socket = await connected();
    const answer = await within(
      new Promise<unknown[]>((resolve) => socket.emit("echo", Buffer.from([1, 2, 3]), { nested: new Uint8Array([250, 0, 7]) }, (...args: unknown[]) => resolve(args))),
      3000,
      "the binary answer",
    );
    const [top, object] = answer as [unknown, { nested: unknown }];
    expect(typeof top).not.toBe("string");
    expect(bytes(top)).toEqual([1, 2, 3]);
    expect(bytes(object.nested)).toEqual([250, 0, 7]);
  });

  it("gives binary answers as binary to emitWithAck and to timeout(ms) callbacks", async () => {
    const socket = await connected();
    expect(bytes(await socket.emitWithAck("echo", new Uint8Array([9, 8])))).toEqual([9, 8]);
    const [err, answer] = await new Promise<unknown[]>((resolve) =>
      socket.timeout(5000).emit("echo", Buffer.from([4, 5]), (...args: unknown[]) => resolve(args)),
    );
    expect(err).toBeNull();
    expect(bytes(answer)).toEqual([4, 5]);
  });

  it("calls the callback of an emission buffered before the connection once it is answered", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const ack = calls();
    socket.emit("echo", "buffered", ack);
    socket.connect();
    await until(() => ack.list.length, "the answer");
    await roundTrip(socket);
    expect(ack.list).toEqual([["buffered"]]);
  });

  it("matches each answer to its own emission when the server answers out of order", async () => {
    const socket = await connected();
    const first = calls();
    const second = calls();
    socket.emit("hold", "first", first);
    socket.emit("hold", "second", second);
    await until(() => handlers.held.length === 2, "both emissions on the server");
    handlers.held[1]!.answer("answer to second");
    handlers.held[0]!.answer("answer to first");
    await until(() => first.list.length && second.list.length, "both answers");
    expect(first.list).toEqual([["answer to first"]]);
    expect(second.list).toEqual([["answer to second"]]);
  });
});

describe("timeout(ms).emit(..., (err, ...response) => {})", () => {
  it("calls back (null, ...response) when the answer comes in time", async () => {
    const socket = await connected();
    const ack = calls();
    socket.timeout(5000).emit("echo", "x", 2, ack);
    await until(() => ack.list.length, "the answer");
    await roundTrip(socket);
    expect(ack.list).toEqual([[null, "x", 2]]);
  });

  it('calls back an Error "operation has timed out" when the server never answers, once', async () => {
    const socket = await connected();
    const ack = calls();
    socket.timeout(50).emit("never-ack", "x", ack);
    await until(() => ack.list.length, "the timeout error");
    // a later emission with the same timeout has timed out too: the first one had every chance to be called again
    await new Promise((resolve) => socket.timeout(50).emit("never-ack", "y", resolve));
    expect(ack.list).toHaveLength(1);
    expect(ack.list[0]).toHaveLength(1);
    expect(ack.list[0]![0]).toBeInstanceOf(Error);
    expect((ack.list[0]![0] as Error).message).toBe("operation has timed out");
    await roundTrip(socket);
    expect(handlers.argsOf("never-ack")).toEqual([["x"], ["y"]]);
  });

  it("ignores an answer that comes after the timeout (late-ack)", async () => {
    const socket = await connected();
    const ack = calls();
    socket.timeout(50).emit("late-ack", 400, "late", ack);
    await until(() => ack.list.length, "the timeout error");
    // answered by the server after the late one: the late answer has arrived by then
    await new Promise((resolve) => socket.emit("late-ack", 500, "marker", resolve));
    expect(ack.list).toHaveLength(1);
    expect((ack.list[0]![0] as Error).message).toBe("operation has timed out");
  });

  it("ignores an answer the test sends after the timeout error, and keeps the connection", async () => {
    const socket = await connected();
    const ack = calls();
    socket.timeout(50).emit("hold", "late", ack);
    await until(() => ack.list.length, "the timeout error");
    handlers.held[0]!.answer("too late");
    await roundTrip(socket);
    expect(ack.list).toHaveLength(1);
    expect((ack.list[0]![0] as Error).message).toBe("operation has timed out");
    expect(socket.connected).toBe(true);
  });

  it("applies to the next emission only", async () => {
    const socket = await connected();
    const timed = calls();
    const plain = calls();
    socket.timeout(5000).emit("echo", "timed", timed);
    socket.emit("echo", "plain", plain);
    await until(() => timed.list.length && plain.list.length, "both answers");
    expect(timed.list).toEqual([[null, "timed"]]);
    expect(plain.list).toEqual([["plain"]]);
  });
});

describe("volatile emissions with an ack", () => {
  it("ends the ack of a dropped volatile emission by its timeout; the server never gets it", async () => {
    const socket = c.io(server.url, { autoConnect: false });
    const ack = calls();
    socket.volatile.timeout(50).emit("echo", "dropped", ack);
    await until(() => ack.list.length, "the timeout error");
    socket.connect();
    await waitFor(socket, "connect");
    await roundTrip(socket);
    expect(ack.list).toHaveLength(1);
    expect((ack.list[0]![0] as Error).message).toBe("operation has timed out");
    expect(handlers.argsOf("echo")).toEqual([["round trip"]]);
  });
});

describe("emitWithAck", () => {
  it("resolves with the server's answer", async () => {
    const socket = await connected();
    expect(await socket.emitWithAck("echo", "hello", "ignored second argument")).toBe("hello");
  });

  it("resolves with the answer when it comes before timeout(ms)", async () => {
    const socket = await connected();
    expect(await socket.timeout(5000).emitWithAck("echo", { a: 1 })).toEqual({ a: 1 });
  });

  it('rejects with an Error "operation has timed out" after timeout(ms) without answer', async () => {
    const socket = await connected();
    const error = await socket.timeout(50).emitWithAck("never-ack").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("operation has timed out");
  });

  it("resolves after a long wait when no timeout applies", async () => {
    const socket = await connected();
    const answer = socket.emitWithAck("hold", "slow");
    await until(() => handlers.held.length, "the emission on the server");
    // every ack with a short timeout emitted meanwhile has timed out
    await socket.timeout(50).emitWithAck("never-ack").catch(() => {});
    handlers.held[0]!.answer("finally");
    expect(await answer).toBe("finally");
  });
});

describe("the ackTimeout option", () => {
  it("gives every emission with a callback a timeout: (null, ...response) in time, an Error without answer", async () => {
    // a long default where the answer must come in time, a short one where none comes
    const patient = await connected({ ackTimeout: 5000 });
    const hasty = await connected({ ackTimeout: 50 });
    const answered = calls();
    const unanswered = calls();
    patient.emit("echo", "in time", answered);
    hasty.emit("never-ack", unanswered);
    await until(() => answered.list.length && unanswered.list.length, "both callbacks");
    expect(answered.list).toEqual([[null, "in time"]]);
    expect(unanswered.list).toHaveLength(1);
    expect((unanswered.list[0]![0] as Error).message).toBe("operation has timed out");
  });

  it("makes emitWithAck reject without answer, and resolve with one", async () => {
    const hasty = await connected({ ackTimeout: 50 });
    await expect(hasty.emitWithAck("never-ack")).rejects.toThrow("operation has timed out");
    const patient = await connected({ ackTimeout: 5000 });
    expect(await patient.emitWithAck("echo", "ok")).toBe("ok");
  });

  it("is overridden by a shorter timeout(ms) for one emission", async () => {
    const socket = await connected({ ackTimeout: 60_000 });
    const error = await within(socket.timeout(50).emitWithAck("never-ack").catch((e: unknown) => e), 5000, "the shorter timeout");
    expect((error as Error).message).toBe("operation has timed out");
  });

  it("is overridden by a longer timeout(ms) for one emission", async () => {
    const socket = await connected({ ackTimeout: 50 });
    const overridden = calls();
    socket.timeout(60_000).emit("hold", "long", overridden);
    await until(() => handlers.held.length, "the emission on the server");
    // emitted after the first one with the default timeout: when it has timed out, the default would have too
    const defaulted = calls();
    socket.emit("never-ack", defaulted);
    await until(() => defaulted.list.length, "the default timeout");
    expect(overridden.list).toEqual([]);
    handlers.held[0]!.answer("kept waiting");
    await until(() => overridden.list.length, "the answer");
    expect(overridden.list).toEqual([[null, "kept waiting"]]);
  });

  it("does not make emissions without a callback ask for an acknowledgement", async () => {
    const socket = await connected({ ackTimeout: 50 });
    socket.emit("note", "no callback");
    await roundTrip(socket);
    expect(handlers.receipts.filter((r) => r.event === "note").map((r) => r.askedForAck)).toEqual([false]);
  });
});

describe("acks per namespace and per Socket", () => {
  it("keeps the acks of two namespaces of one Manager apart, though their ack ids are the same", async () => {
    const manager = c.manager(server.url, { forceNew: true });
    const main = c.socket(manager, "/");
    const users = c.socket(manager, "/users");
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    const mainAck = calls();
    const usersAck = calls();
    main.emit("hold", "main", mainAck);
    users.emit("hold", "users", usersAck);
    await until(() => handlers.held.length === 2, "both emissions on the server");
    // both first emissions of their Socket: the same ack id on the wire
    const heldUsers = handlers.held.find((h) => h.nsp === "/users")!;
    const heldMain = handlers.held.find((h) => h.nsp === "/")!;
    heldUsers.answer("for users");
    await until(() => usersAck.list.length, "the /users answer");
    await roundTrip(main);
    expect(mainAck.list).toEqual([]);
    heldMain.answer("for main");
    await until(() => mainAck.list.length, "the / answer");
    expect(usersAck.list).toEqual([["for users"]]);
    expect(mainAck.list).toEqual([["for main"]]);
  });

  it("keeps timeouts per namespace: one namespace's timeout error does not end the other's ack", async () => {
    const manager = c.manager(server.url, { forceNew: true });
    const main = c.socket(manager, "/");
    const users = c.socket(manager, "/users");
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    const usersAck = calls();
    users.emit("hold", "users", usersAck);
    await expect(main.timeout(50).emitWithAck("never-ack")).rejects.toThrow("operation has timed out");
    await until(() => handlers.held.length, "the /users emission on the server");
    handlers.held[0]!.answer("still waited for");
    await until(() => usersAck.list.length, "the /users answer");
    expect(usersAck.list).toEqual([["still waited for"]]);
  });
});

describe("ACK packets for unknown ids", () => {
  it("ignores them, and a second ACK for an answered id, without an error or a disconnection", async () => {
    // plays the socket.io server by hand, to send ACKs a real server would not
    const engine = await startEngineServer((socket: any) => {
      socket.on("message", (data: string) => {
        if (data.startsWith("0")) return socket.send('0{"sid":"manual"}');
        const event = /^2(\d+)\[/.exec(data);
        if (!event) return;
        const id = Number(event[1]);
        socket.send(`3${id + 1000}["unknown id"]`);
        socket.send(`3${id}["the answer"]`);
        socket.send(`3${id}["a second answer"]`);
      });
    });
    try {
      const socket = c.io(engine.url, { reconnection: false });
      const problems = calls();
      socket.on("disconnect", problems);
      socket.on("connect_error", problems);
      socket.io.on("error", problems);
      await waitFor(socket, "connect");
      const ack = calls();
      socket.emit("ask", ack);
      await until(() => ack.list.length, "the answer");
      // the next answer comes after the bogus ones: they have all been handled by then
      expect(await socket.emitWithAck("ask again")).toBe("the answer");
      expect(ack.list).toEqual([["the answer"]]);
      expect(problems.list).toEqual([]);
      expect(socket.connected).toBe(true);
    } finally {
      expect(c.cleanup()).toEqual([]);
      await engine.close();
    }
  });
});
