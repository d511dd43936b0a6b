// The `parser` option: a parser of the test's own, honouring socket.io-parser's
// Encoder/Decoder interface, used by the client and by a real socket.io server
// alike; and the client's guards when a custom parser lets through what
// socket.io-parser would refuse.
import { Emitter } from "@socket.io/component-emitter";
import { Server } from "socket.io";
import * as socketIoParser from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { clients, fast, record, until, waitFor } from "../support/util.js";
import { startScriptedServer, trapUncaught, type Peer } from "./socket-helpers.js";
import { usePerTestServers } from "../support/fixtures.js";

type Packet = { type: number; nsp: string; id?: number; data?: any };

/**
 * A whole-packet JSON parser: one text frame per packet, no binary
 * attachments, and no validation beyond JSON. `encoded`/`decoded` count what
 * went through it, to show it is the one in use.
 */
function jsonParser() {
  const stats = { encoded: [] as string[], decoded: [] as Packet[] };
  class Encoder {
    encode(packet: Packet): string[] {
      const text = JSON.stringify({ type: packet.type, nsp: packet.nsp, id: packet.id, data: packet.data });
      stats.encoded.push(text);
      return [text];
    }
  }
  class Decoder extends Emitter<{}, {}, { decoded: (packet: Packet) => void }> {
    add(chunk: unknown): void {
      if (typeof chunk !== "string") throw new Error("json parser: binary frames are not supported");
      const packet = JSON.parse(chunk) as Packet;
      stats.decoded.push(packet);
      this.emitReserved("decoded", packet);
    }
    destroy(): void {}
  }
  return { Encoder, Decoder, stats };
}

/** socket.io-parser, wrapped with a replacer and a reviver so that Dates survive the trip. */
const dateParser = {
  Encoder: class extends socketIoParser.Encoder {
    constructor() {
      super(function (this: Record<string, unknown>, key: string, value: unknown) {
        const original = this[key];
        return original instanceof Date ? { $date: original.toISOString() } : value;
      });
    }
  },
  Decoder: class extends socketIoParser.Decoder {
    constructor() {
      super((_key: string, value: any) => (value && typeof value === "object" && typeof value.$date === "string" ? new Date(value.$date) : value));
    }
  },
};

const c = clients();
const { closers, echoServer } = usePerTestServers(c);

const serverWith = (parser: object) => echoServer({ parser } as ConstructorParameters<typeof Server>[1]);

describe("a JSON parser of our own, on both sides", () => {
  it("carries the handshake, events both ways and acknowledgements", async () => {
    const parser = jsonParser();
    const server = await serverWith(parser);
    server.io.on("connection", (socket) => {
      socket.on("greet", (name: string, ack: (reply: string) => void) => {
        ack(`hello ${name}`);
        socket.emit("news", 1, { two: [2] }, "three");
      });
    });
    const socket = c.io(server.url, { parser, auth: { token: "t" } });
    const news = new Promise<unknown[]>((resolve) => socket.on("news", (...args: unknown[]) => resolve(args)));
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.auth).toEqual({ token: "t" });
    expect(await socket.emitWithAck("greet", "parser")).toBe("hello parser");
    expect(await news).toEqual([1, { two: [2] }, "three"]);
    // it is our format on the wire, both ways
    expect(parser.stats.encoded.some((text) => text.includes('"greet"'))).toBe(true);
    expect(parser.stats.decoded.some((packet) => packet.data?.[0] === "news")).toBe(true);
    const wire: unknown[] = [];
    socket.io.engine.on("packetCreate", (packet: { type: string; data?: unknown }) => {
      if (packet.type === "message") wire.push(packet.data);
    });
    socket.emit("plain", "x");
    expect(wire).toEqual(['{"type":2,"nsp":"/","data":["plain","x"]}']);
  });

  it("works on a namespace, through a disconnection by the server, and reconnects", async () => {
    const parser = jsonParser();
    const server = await serverWith(parser);
    const socket = c.io(`${server.url}/users`, { parser, ...fast });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "on /users")).toBe("on /users");
    socket.emit("disconnect-me");
    const [reason] = await waitFor<[string]>(socket, "disconnect");
    expect(reason).toBe("io server disconnect");
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "again")).toBe("again");
  });

  it("buffers while disconnected and sends through the parser on connection", async () => {
    const parser = jsonParser();
    const server = await serverWith(parser);
    const socket = c.io(server.url, { parser, autoConnect: false });
    socket.emit("early", 1);
    socket.emit("early", 2);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received("early")).toEqual([[1], [2]]);
  });

  it("an argument the parser cannot encode throws a TypeError at emit(), and the socket keeps working", async () => {
    const parser = jsonParser();
    const server = await serverWith(parser);
    const socket = c.io(server.url, { parser });
    await waitFor(socket, "connect");
    expect(() => socket.emit("big", 1n)).toThrow(TypeError);
    expect(await socket.emitWithAck("echo", "fine")).toBe("fine");
    expect(server.received("big")).toEqual([]);
  });
});

describe("socket.io-parser wrapped with a replacer and a reviver, on both sides", () => {
  it("carries what the wrapper adds (Dates) and what socket.io-parser does (binary)", async () => {
    const server = await serverWith(dateParser);
    const socket = c.io(server.url, { parser: dateParser });
    await waitFor(socket, "connect");
    const when = new Date("2024-02-29T12:34:56.000Z");
    const reply = await socket.emitWithAck("echo", { when, file: Buffer.from([1, 2, 3]) });
    expect(reply.when).toBeInstanceOf(Date);
    expect(reply.when.toISOString()).toBe(when.toISOString());
    expect([...reply.file]).toEqual([1, 2, 3]);
    expect(server.received("echo")[0]![0]).toMatchObject({ when: expect.any(Date) });
  });
});

describe("an invalid parser option", () => {
  for (const [what, parser] of [
    ["an empty object", {}],
    ["an object without a Decoder", { Encoder: class {} }],
    ["a string", "json"],
  ] as const) {
    it(`${what} is refused with a TypeError when the Manager is created`, () => {
      expect(() => c.io("http://127.0.0.1:1", { parser, autoConnect: false })).toThrow(TypeError);
    });
  }
});

describe("a lax custom parser facing a hostile server", () => {
  async function hostile(script: (peer: Peer) => void | Promise<void>) {
    const server = await startScriptedServer(async (peer, index) => {
      await peer.next((m) => typeof m === "string" && JSON.parse(m).type === 0, "CONNECT");
      peer.send(JSON.stringify({ type: 0, nsp: "/", data: { sid: `sid-${index}` } }));
      if (index === 0) await script(peer);
    });
    closers.push(() => server.close());
    const parser = jsonParser();
    const socket = c.io(server.url, { parser, ...fast });
    const connects = record(socket, "connect");
    const disconnects = record(socket, "disconnect");
    const incoming: unknown[][] = [];
    socket.onAny((...args) => incoming.push(args));
    return { socket, connects, disconnects, incoming };
  }
  const event = (data: unknown) => JSON.stringify({ type: 2, nsp: "/", data });

  it("an EVENT named like a lifecycle event is not delivered, and the socket stays connected", async () => {
    const trap = trapUncaught();
    try {
      const { socket, connects, disconnects, incoming } = await hostile((peer) => {
        peer.send(event(["connect"]));
        peer.send(event(["disconnect", "io server disconnect"]));
        peer.send(event(["connect_error", { message: "forged" }]));
        peer.send(event(["after"]));
      });
      const connectErrors = record(socket, "connect_error");
      await until(() => incoming.length === 1, "the event after the forged ones");
      expect(incoming).toEqual([["after"]]);
      expect(connects).toEqual([[]]);
      expect(disconnects).toEqual([]);
      expect(connectErrors).toEqual([]);
      expect(socket.connected).toBe(true);
      expect(socket.active).toBe(true);
      await trap.drain();
      expect(trap.errors).toEqual([]);
    } finally {
      await trap.restore();
    }
  });

  for (const [what, packet] of [
    ["an EVENT whose data is not an array", event({ not: "an array" })],
    ["an EVENT whose name is an object", event([{ name: "x" }])],
    ["an ACK without an id", JSON.stringify({ type: 3, nsp: "/", data: ["x"] })],
    ["a packet of an unknown type", JSON.stringify({ type: 42, nsp: "/", data: [] })],
    ["a packet whose namespace is not a string", JSON.stringify({ type: 2, nsp: 7, data: ["x"] })],
    ["a packet that is not an object", "12"],
    ["text that is not JSON", "{oops"],
  ] as Array<[string, string]>) {
    it(`${what} gives a "parse error" disconnect and a reconnection, no uncaught exception`, async () => {
      const trap = trapUncaught();
      try {
        const { socket, connects, disconnects, incoming } = await hostile((peer) => peer.send(packet));
        await until(() => disconnects.length === 1, "the disconnect");
        expect(disconnects[0]![0]).toBe("parse error");
        await until(() => connects.length === 2, "the reconnection");
        expect(socket.id).toBe("sid-1");
        expect(incoming).toEqual([]);
        await trap.drain();
        expect(trap.errors).toEqual([]);
      } finally {
        await trap.restore();
      }
    });
  }
});
