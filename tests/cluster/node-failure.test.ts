// A node goes away. Its clients reconnect through the balancer to another
// node. With @socket.io/redis-streams-adapter and connectionStateRecovery, a
// node that shuts down (SIGTERM: io.close()) leaves each session in Redis: the
// node that takes the client over restores it, `socket.recovered` is true, and
// the broadcasts sent while the client was away arrive once each, in order. A
// node that crashes (SIGKILL) leaves nothing to restore: new sessions.
import { expect, it } from "vitest";
import { Decoder, PacketType } from "socket.io-parser";
import type { Socket } from "../../src/index.js";
import { startProxy, type Proxy } from "../support/servers.js";
import { fast, waitFor } from "../support/util.js";
import type { Cluster } from "./deployment/cluster.js";
import { connected, nodeOfClient, useCluster } from "./support.js";

let cluster: Cluster;
const c = useCluster({ adapter: "redis-streams", recovery: true }, (started) => (cluster = started));
const indexOf = (name: string) => cluster.nodes.findIndex((node) => node.name === name);

/**
 * `count` clients through a TCP proxy in front of the balancer: to nginx they
 * are one user (the proxy's address), so they share one node; the proxy can
 * keep them away (refuse) while the test acts. Each records the "tick"s it
 * gets (the first argument: with recovery the server appends an offset).
 */
async function clientsBehindProxy(count: number) {
  const proxy: Proxy = await startProxy(cluster.balancer.port);
  const sockets: Socket[] = [];
  const ticks = new Map<Socket, unknown[]>();
  for (let i = 0; i < count; i++) {
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    ticks.set(socket, []);
    socket.on("tick", (n: unknown) => ticks.get(socket)!.push(n));
    sockets.push(socket);
  }
  await Promise.all(sockets.map((socket) => connected(socket)));
  const names = new Set(await Promise.all(sockets.map(nodeOfClient)));
  expect(names.size).toBe(1);
  return { proxy, sockets, ticks, node: [...names][0]! };
}

/** Node `from` broadcasts a tick (to everyone, or to a room); resolves once it is in the stream. */
const tick = (from: string, n: number, room?: string) =>
  cluster.nodes[indexOf(from)]!.call({ op: "broadcast", event: "tick", args: [n], ...(room ? { room } : {}) });

/** Resolves once every socket has the tick `n`. */
async function allHave(sockets: Socket[], ticks: Map<Socket, unknown[]>, n: number) {
  await Promise.all(
    sockets.map((socket) => (ticks.get(socket)!.includes(n) ? undefined : waitFor(socket, "tick", 10_000).then(() => allHave([socket], ticks, n)))),
  );
}

it("a node shuts down: its clients reconnect through the balancer to another node, recovered, same id and rooms, the broadcasts sent meanwhile once each and in order", async () => {
  const { proxy, sockets, ticks, node: lost } = await clientsBehindProxy(3);
  try {
    const survivor = cluster.nodes.find((node) => node.name !== lost)!.name;
    await Promise.all(sockets.map((socket) => socket.timeout(10_000).emitWithAck("join", "room-1")));
    const ids = sockets.map((socket) => socket.id);
    await tick(survivor, 0); // each client needs an offset to resume from
    await allHave(sockets, ticks, 0);

    // the clients are kept away while the node goes and the others broadcast
    proxy.refuse();
    const reasons = Promise.all(sockets.map((socket) => waitFor<[string]>(socket, "disconnect", 10_000)));
    expect(await cluster.stopNode(indexOf(lost))).toBe("exited with 0");
    expect((await reasons).map(([reason]) => reason)).toEqual(sockets.map(() => "transport close"));
    for (let n = 1; n <= 5; n++) await tick(survivor, n);
    await tick(survivor, 6, "room-1");
    await tick(survivor, -1, "room-2"); // not theirs
    proxy.refuse(false);

    await Promise.all(sockets.map((socket) => waitFor(socket, "connect", 30_000)));
    for (const [i, socket] of sockets.entries()) {
      expect(socket.recovered).toBe(true);
      expect(socket.id).toBe(ids[i]);
      expect(await nodeOfClient(socket)).not.toBe(lost);
    }
    await tick(survivor, 7, "room-1"); // the room came back with the session
    await allHave(sockets, ticks, 7);
    for (const socket of sockets) expect(ticks.get(socket)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  } finally {
    c.disconnectAll();
    await proxy.close();
    await cluster.startNode(indexOf(lost));
  }
});

it("a node crashes: its clients reconnect through the balancer to another node, as new sessions (nothing was persisted to recover)", async () => {
  const { proxy, sockets, ticks, node: lost } = await clientsBehindProxy(3);
  try {
    const survivor = cluster.nodes.find((node) => node.name !== lost)!.name;
    await tick(survivor, 0);
    await allHave(sockets, ticks, 0);
    const ids = sockets.map((socket) => socket.id);
    const reasons = Promise.all(sockets.map((socket) => waitFor<[string]>(socket, "disconnect", 10_000)));
    const reconnected = Promise.all(sockets.map((socket) => waitFor(socket, "connect", 30_000)));
    expect(await cluster.stopNode(indexOf(lost), { crash: true })).toBe("killed by SIGKILL");
    expect((await reasons).map(([reason]) => reason)).toEqual(sockets.map(() => "transport close"));
    await reconnected;
    for (const [i, socket] of sockets.entries()) {
      expect(socket.recovered).toBe(false);
      expect(socket.id).not.toBe(ids[i]);
      expect(await nodeOfClient(socket)).not.toBe(lost);
    }
    await tick(survivor, 1);
    await allHave(sockets, ticks, 1);
    for (const socket of sockets) expect(ticks.get(socket)).toEqual([0, 1]);
  } finally {
    c.disconnectAll();
    await proxy.close();
    await cluster.startNode(indexOf(lost));
  }
});

/**
 * Every "tick" that reaches the socket's engine from now on, in order, decoded
 * from the engine's packets (the current engine, then each new one on open).
 */
function ticksOnTheWire(socket: Socket): unknown[] {
  const seen: unknown[] = [];
  const watch = () => {
    const decoder = new Decoder();
    decoder.on("decoded", (packet: { type: number; data?: unknown[] }) => {
      if (packet.type === PacketType.EVENT && packet.data?.[0] === "tick") seen.push(packet.data[1]);
    });
    socket.io.engine.on("packet", (packet: { type: string; data?: unknown }) => {
      if (packet.type === "message") decoder.add(packet.data as string);
    });
  };
  watch();
  socket.io.on("open", watch);
  return seen;
}

it("broadcasts keep coming while a node shuts down and its clients move: each client delivers what reached it, once each, in order", async () => {
  const { proxy, sockets, ticks, node: lost } = await clientsBehindProxy(5);
  try {
    const wire = new Map(sockets.map((socket) => [socket, ticksOnTheWire(socket)]));
    const survivor = cluster.nodes.find((node) => node.name !== lost)!.name;
    let back = false;
    const reconnected = Promise.all(sockets.map((socket) => waitFor(socket, "connect", 30_000))).then(() => (back = true));
    let sent = 0;
    // one broadcast after the other, from before the shutdown until every client is back, and 5 more
    const broadcasting = (async () => {
      await tick(survivor, sent);
      while (!back) await tick(survivor, ++sent);
      for (let more = 0; more < 5; more++) await tick(survivor, ++sent);
    })();
    await allHave(sockets, ticks, 0);
    await cluster.stopNode(indexOf(lost));
    await reconnected;
    await broadcasting;
    await allHave(sockets, ticks, sent);
    const expected = Array.from({ length: sent + 1 }, (_, n) => n);
    const serverSlips: string[] = [];
    for (const socket of sockets) {
      expect(socket.recovered).toBe(true);
      // the client delivers exactly what the nodes sent it, in that order
      expect(ticks.get(socket)).toEqual(wire.get(socket));
      const got = ticks.get(socket)!;
      const missing = expected.filter((n) => !got.includes(n));
      const twice = got.filter((n, i) => got.indexOf(n) !== i);
      if (missing.length || twice.length) serverSlips.push(`missing ${JSON.stringify(missing)}, twice ${JSON.stringify(twice)}`);
    }
    // what the nodes sent around the restore is theirs (docs/scaling.md): reported, not asserted
    if (serverSlips.length) console.log(`recovery under live broadcasts: the nodes sent ${serverSlips.join("; ")}`);
  } finally {
    c.disconnectAll();
    await proxy.close();
    await cluster.startNode(indexOf(lost));
  }
});
