// Malformed and hostile input from the server. The test plays the socket.io
// server over a raw engine.io server and sends packets a real socket.io server
// never would. The client must answer each with a documented outcome (ignore,
// connect_error, "parse error" disconnect), never an uncaught exception.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clients, fast, record, until, waitFor } from "../support/util.js";
import { startScriptedServer, trapUncaught, type Peer } from "./socket-helpers.js";

const c = clients();
const closers: Array<() => Promise<void>> = [];
let trap: ReturnType<typeof trapUncaught>;
beforeEach(() => {
  trap = trapUncaught();
});
afterEach(async () => {
  const open = c.cleanup();
  for (const close of closers.splice(0).reverse()) await close();
  await trap.restore();
  expect(open).toEqual([]);
  // the point of this file: whatever the server sent, nothing reached the host
  expect(trap.errors).toEqual([]);
});

type Script = (peer: Peer, index: number) => void | Promise<void>;

async function scripted(script: Script) {
  const server = await startScriptedServer(script);
  closers.push(() => server.close());
  return server;
}

/** A client connected to a scripted server whose first connection runs `script` once accepted; later connections are only accepted. */
async function connectedTo(script: (peer: Peer) => void | Promise<void>, opts: Parameters<typeof c.io>[1] = {}) {
  const server = await scripted(async (peer, index) => {
    await peer.accept("/", `sid-${index}`);
    if (index === 0) await script(peer);
  });
  const socket = c.io(server.url, { ...fast, ...opts });
  const connects = record(socket, "connect");
  const disconnects = record(socket, "disconnect");
  const incoming: unknown[][] = [];
  socket.onAny((...args) => incoming.push(args));
  return { server, socket, connects, disconnects, incoming };
}

/** The client's EVENT packet asking for an acknowledgement (its id and text), as the raw server sees it. */
async function nextAckRequest(peer: Peer, event: string) {
  const message = (await peer.next((m) => typeof m === "string" && /^2\d+\[/.test(m) && m.includes(JSON.stringify(event)), `the "${event}" event`)) as string;
  return { id: Number(/^2(\d+)\[/.exec(message)![1]), message };
}

describe("events with reserved names", () => {
  for (const name of ["connect", "disconnect", "connect_error"]) {
    it(`an EVENT named "${name}" is not delivered as a lifecycle event: the packet is refused as a parse error`, async () => {
      const { socket, connects, disconnects, incoming, server } = await connectedTo((peer) => peer.send(`2["${name}","forged"]`));
      await until(() => disconnects.length === 1, "the disconnect");
      expect(disconnects[0]![0]).toBe("parse error");
      expect(disconnects[0]![1]).toBeInstanceOf(Error);
      await until(() => connects.length === 2, "the reconnection");
      expect(incoming).toEqual([]);
      expect(connects.every((args) => args.length === 0)).toBe(true);
      expect(server.peers).toHaveLength(2);
      expect(socket.connected).toBe(true);
    });
  }
});

describe("acknowledgements", () => {
  it("an ACK for an id the client never used is ignored, before and while acks are pending", async () => {
    const { socket, server } = await connectedTo(async (peer) => {
      peer.send('399["unsolicited"]');
      const { id } = await nextAckRequest(peer, "question");
      peer.send(`3${id + 100}["wrong id"]`);
      peer.send(`3${id}["right answer"]`);
    });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("question")).toBe("right answer");
    expect(socket.connected).toBe(true);
    expect(server.peers).toHaveLength(1);
  });

  it("a duplicate ACK is ignored: the callback runs once and a later acknowledgement is not confused", async () => {
    const { socket } = await connectedTo(async (peer) => {
      const first = await nextAckRequest(peer, "first");
      peer.send(`3${first.id}["one"]`);
      peer.send(`3${first.id}["one again"]`);
      const second = await nextAckRequest(peer, "second");
      peer.send(`3${first.id}["one, a third time"]`);
      peer.send(`3${second.id}["two"]`);
    });
    await waitFor(socket, "connect");
    const calls: unknown[][] = [];
    await new Promise<void>((resolve) =>
      socket.emit("first", (...args: unknown[]) => {
        calls.push(args);
        resolve();
      }),
    );
    expect(await socket.emitWithAck("second")).toBe("two");
    expect(calls).toEqual([["one"]]);
    expect(socket.connected).toBe(true);
  });

  it("a plain ack in flight when the connection closes is forgotten: its id answered on the next connection calls nothing", async () => {
    let lostId = -1;
    const server = await scripted(async (peer, index) => {
      await peer.accept("/", `sid-${index}`);
      if (index === 0) {
        lostId = (await nextAckRequest(peer, "lost")).id;
        peer.socket.close();
        return;
      }
      const marker = await nextAckRequest(peer, "marker");
      peer.send(`3${lostId}["for the lost emission"]`);
      peer.send(`3${marker.id}["marker"]`);
    });
    const socket = c.io(server.url, fast);
    await waitFor(socket, "connect");
    const lost: unknown[][] = [];
    socket.emit("lost", (...args: unknown[]) => lost.push(args));
    await waitFor(socket, "disconnect");
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("marker")).toBe("marker");
    expect(lost).toEqual([]);
    expect(server.peers).toHaveLength(2);
  });

  it("an ACK without an id is refused as a parse error", async () => {
    const { disconnects, connects } = await connectedTo((peer) => peer.send('3["no id"]'));
    await until(() => disconnects.length === 1, "the disconnect");
    expect(disconnects[0]![0]).toBe("parse error");
    await until(() => connects.length === 2, "the reconnection");
  });
});

describe("handshake packets", () => {
  const v2 = /v2\.x/;
  for (const [what, reply] of [
    ["without data", "0"],
    ["with no sid", "0{}"],
    ["with a sid that is not a string", '0{"sid":42}'],
  ] as Array<[string, string]>) {
    it(`a CONNECT ${what} gives connect_error with the v2-server message, and no connect`, async () => {
      const server = await scripted(async (peer) => {
        await peer.next((m) => m === "0", "CONNECT");
        peer.send(reply);
      });
      const socket = c.io(server.url, fast);
      const connects = record(socket, "connect");
      const [error] = await waitFor<[Error]>(socket, "connect_error");
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(v2);
      expect(socket.connected).toBe(false);
      expect(socket.id).toBeUndefined();
      expect(connects).toEqual([]);
    });
  }

  it("a CONNECT_ERROR with string data gives connect_error with that message; the socket is inactive", async () => {
    const server = await scripted(async (peer) => {
      await peer.next((m) => m === "0", "CONNECT");
      peer.send('4"go away"');
    });
    const socket = c.io(server.url, fast);
    const [error] = await waitFor<[Error & { data?: unknown }]>(socket, "connect_error");
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("go away");
    expect(error.data).toBeUndefined();
    expect(socket.active).toBe(false);
    await until(() => socket.io.engine.readyState === "closed", "the engine to close");
    expect(server.peers).toHaveLength(1);
  });

  it("a CONNECT_ERROR with object data gives connect_error with its message and data", async () => {
    const server = await scripted(async (peer) => {
      await peer.next((m) => m === "0", "CONNECT");
      peer.send('4{"message":"not authorized","data":{"code":42,"retry":false}}');
    });
    const socket = c.io(server.url, fast);
    const [error] = await waitFor<[Error & { data?: unknown }]>(socket, "connect_error");
    expect(error.message).toBe("not authorized");
    expect(error.data).toEqual({ code: 42, retry: false });
    expect(socket.active).toBe(false);
  });

  it("a CONNECT_ERROR whose object has no message still gives an Error", async () => {
    const server = await scripted(async (peer) => {
      await peer.next((m) => m === "0", "CONNECT");
      peer.send('4{"data":[1,2]}');
    });
    const socket = c.io(server.url, fast);
    const [error] = await waitFor<[Error & { data?: unknown }]>(socket, "connect_error");
    expect(error).toBeInstanceOf(Error);
    expect(typeof error.message).toBe("string");
    expect(error.data).toEqual([1, 2]);
    expect(socket.active).toBe(false);
  });

  it("a second CONNECT while connected is ignored: the id stays, no second connect event", async () => {
    const { socket, connects, disconnects } = await connectedTo(async (peer) => {
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send('0{"sid":"forged"}');
      peer.send('2["done"]');
    });
    await waitFor(socket, "connect");
    const done = waitFor(socket, "done");
    socket.emit("ready");
    await done;
    expect(socket.id).toBe("sid-0");
    expect(connects).toHaveLength(1);
    expect(disconnects).toEqual([]);
  });

  it("a second CONNECT with a pid while connected starts no session to recover: the next CONNECT carries no pid or offset", async () => {
    const handshakes: string[] = [];
    const server = await scripted(async (peer, index) => {
      handshakes.push((await peer.next((m) => typeof m === "string" && m.startsWith("0"), "the CONNECT")) as string);
      peer.send(`0{"sid":"sid-${index}"}`);
      if (index > 0) return;
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send('0{"sid":"forged","pid":"forged-pid"}');
      // the last argument is what a recovering server's offset looks like
      peer.send('2["offset-like","forged-offset"]');
      peer.socket.close();
    });
    const socket = c.io(server.url, { ...fast });
    const events = record(socket, "offset-like");
    await waitFor(socket, "connect");
    // listening before the reconnection: the server answers its CONNECT at once
    const reconnected = waitFor(socket, "connect");
    socket.emit("ready");
    await until(() => handshakes.length === 2, "the reconnection's CONNECT");
    await reconnected;
    expect(events).toEqual([["forged-offset"]]);
    expect(handshakes).toEqual(["0", "0"]);
    expect(socket.recovered).toBe(false);
    expect(socket.id).toBe("sid-1");
  });

  it("a CONNECT_ERROR while connected is ignored: the socket stays connected", async () => {
    const { socket, disconnects } = await connectedTo(async (peer) => {
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send('4{"message":"too late"}');
      peer.send('2["done"]');
    });
    await waitFor(socket, "connect");
    const connectErrors = record(socket, "connect_error");
    const done = waitFor(socket, "done");
    socket.emit("ready");
    await done;
    expect(connectErrors).toEqual([]);
    expect(disconnects).toEqual([]);
    expect(socket.connected).toBe(true);
    expect(socket.active).toBe(true);
  });

  it("a CONNECT for a namespace the client did not ask for is ignored", async () => {
    const { socket, disconnects } = await connectedTo(async (peer) => {
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send('0/admin,{"sid":"uninvited"}');
      peer.send('2["done"]');
    });
    await waitFor(socket, "connect");
    const done = waitFor(socket, "done");
    socket.emit("ready");
    await done;
    expect(socket.connected).toBe(true);
    expect(socket.id).toBe("sid-0");
    expect(disconnects).toEqual([]);
  });

  it("a DISCONNECT for another namespace disconnects that one only", async () => {
    const server = await scripted(async (peer) => {
      await Promise.all([peer.accept("/", "main"), peer.accept("/admin", "admin")]);
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send("1/admin,");
      peer.send('2["still here"]');
    });
    const manager = c.manager(server.url, fast);
    const main = c.socket(manager, "/");
    const admin = c.socket(manager, "/admin");
    await Promise.all([waitFor(main, "connect"), waitFor(admin, "connect")]);
    const adminDisconnects = record(admin, "disconnect");
    const mainDisconnects = record(main, "disconnect");
    const stillHere = waitFor(main, "still here");
    main.emit("ready");
    await stillHere;
    expect(adminDisconnects).toEqual([["io server disconnect", undefined]]);
    expect(admin.active).toBe(false);
    expect(mainDisconnects).toEqual([]);
    expect(main.connected).toBe(true);
    expect(main.id).toBe("main");
  });

  it("a DISCONNECT or an EVENT for a namespace the client does not use is ignored", async () => {
    const { socket, incoming, disconnects } = await connectedTo(async (peer) => {
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send("1/nobody,");
      peer.send('2/nobody,["for nobody"]');
      peer.send('2["for me"]');
    });
    await waitFor(socket, "connect");
    const forMe = waitFor(socket, "for me");
    socket.emit("ready");
    await forMe;
    expect(incoming).toEqual([["for me"]]);
    expect(disconnects).toEqual([]);
    expect(socket.connected).toBe(true);
  });
});

describe("malformed packets", () => {
  const malformed: Array<[string, Array<string | Buffer>]> = [
    ["garbage text", ["hello, world"]],
    ["an EVENT without data", ["2"]],
    ["an EVENT whose data is an object", ['2{"not":"an array"}']],
    ["an EVENT whose name is an object", ['2[{"name":"x"}]']],
    ["an EVENT whose JSON is cut short", ['2["half"']],
    ["a DISCONNECT with a payload", ['1{"a":1}']],
    [
      "a binary EVENT announcing two attachments, followed by one and then text",
      ['52-["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', Buffer.from([1]), '2["x"]'],
    ],
    ["a binary EVENT whose placeholder points past its attachments", ['51-["bin",{"_placeholder":true,"num":1}]', Buffer.from([1])]],
    ["a binary EVENT with a malformed attachment count", ['5x-["bin"]']],
    ["an attachment nobody announced", [Buffer.from([9, 9])]],
    // more arguments than a function call takes: spread into a listener, they overflow the stack
    ["an EVENT with 500,000 arguments", [`2["many"${",0".repeat(500_000)}]`]],
    ["an ACK with 500,000 arguments", [`30[${new Array(500_000).fill(0).join(",")}]`]],
  ];
  for (const [what, packets] of malformed) {
    it(`${what}: "parse error" disconnect, then reconnection`, async () => {
      const { socket, connects, disconnects, incoming } = await connectedTo((peer) => {
        for (const packet of packets) peer.send(packet);
      });
      await until(() => disconnects.length === 1, "the disconnect");
      expect(disconnects[0]![0]).toBe("parse error");
      expect(disconnects[0]![1]).toBeInstanceOf(Error);
      await until(() => connects.length === 2, "the reconnection");
      expect(socket.connected).toBe(true);
      expect(socket.id).toBe("sid-1");
      expect(incoming).toEqual([]);
    });
  }

  it("events with names like __proto__ or constructor are plain events: delivered, nothing polluted", async () => {
    const { socket, incoming } = await connectedTo(async (peer) => {
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send('2["__proto__",{"polluted":true}]');
      peer.send('2["constructor",1]');
      peer.send('2["hasOwnProperty",2]');
      peer.send('2["done"]');
    });
    await waitFor(socket, "connect");
    const protoCalls: unknown[] = [];
    socket.on("__proto__", (value: unknown) => protoCalls.push(value));
    const done = waitFor(socket, "done");
    socket.emit("ready");
    await done;
    expect(incoming).toEqual([["__proto__", { polluted: true }], ["constructor", 1], ["hasOwnProperty", 2], ["done"]]);
    expect(protoCalls).toEqual([{ polluted: true }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(socket.connected).toBe(true);
  });

  it("an acknowledgement callback the server asked for answers once, even if the listener calls it twice", async () => {
    let answers: string[] = [];
    const { socket } = await connectedTo(async (peer) => {
      await peer.next((m) => m === '2["ready"]', "ready");
      peer.send('27["question"]');
      await peer.next((m) => m === '2["sync"]', "sync");
      answers = peer.messages.filter((m): m is string => typeof m === "string" && m.startsWith("37"));
      peer.send('2["done"]');
    });
    await waitFor(socket, "connect");
    const asked = new Promise<void>((resolve) =>
      socket.on("question", (callback: (answer: string) => void) => {
        callback("first");
        callback("second");
        resolve();
      }),
    );
    const done = waitFor(socket, "done");
    socket.emit("ready");
    await asked;
    socket.emit("sync"); // after the answers: the server has them all once it gets this
    await done;
    expect(answers).toEqual(['37["first"]']);
  });
});
