// Connection state recovery against a real socket.io server configured with
// `connectionStateRecovery`: after a lost connection the session (id, rooms,
// missed broadcasts) comes back, and `socket.recovered` says so.
import { expect, it } from "vitest";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "../support/servers.js";
import { clients, fast, until, waitFor } from "../support/util.js";
import { usePerTestServers } from "../support/fixtures.js";

const c = clients();
const { closers, echoServer, proxyTo } = usePerTestServers(c);

async function setup(options: { recovery?: boolean } = {}) {
  const server = await echoServer(
    options.recovery === false ? {} : { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } },
  );
  const proxy = await proxyTo(server);
  const serverSockets: ServerSocket[] = [];
  server.io.on("connection", (socket) => {
    serverSockets.push(socket);
    socket.on("join", (room: string, ack: () => void) => {
      void socket.join(room);
      ack();
    });
  });
  const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
  /** Every "tick" the client got (first argument only: with recovery the server appends an offset), and the connects, in order. */
  const timeline: Array<number | string> = [];
  socket.on("tick", (n: number) => timeline.push(n));
  socket.on("connect", () => timeline.push(`connect recovered=${socket.recovered}`));
  await waitFor(socket, "connect");
  return { server, proxy, socket, serverSockets, timeline };
}

/** Cuts the network and keeps the server unreachable until `whileAway` has run on the server side. */
async function outage({ proxy, socket, serverSockets }: Awaited<ReturnType<typeof setup>>, whileAway: () => void | Promise<void>) {
  const serverSide = serverSockets.at(-1)!;
  const gone = new Promise<string>((resolve) => serverSide.once("disconnect", resolve));
  proxy.refuse();
  proxy.cut();
  await waitFor(socket, "disconnect");
  await gone;
  await whileAway();
  proxy.refuse(false);
  await waitFor(socket, "connect");
}

it("recovered is false on the first connection", async () => {
  const { socket } = await setup();
  expect(socket.recovered).toBe(false);
});

it("after a transport close, the session is recovered: recovered is true, the id is kept, missed events arrive in order", async () => {
  const setupResult = await setup();
  const { server, socket, timeline } = setupResult;
  server.io.emit("tick", 0); // the client needs an offset to resume from
  await until(() => timeline.includes(0), "the first tick");
  const id = socket.id;
  await outage(setupResult, () => {
    for (let n = 1; n <= 3; n++) server.io.emit("tick", n);
  });
  expect(socket.recovered).toBe(true);
  expect(socket.id).toBe(id);
  expect(timeline).toEqual(["connect recovered=false", 0, 1, 2, 3, "connect recovered=true"]);
  expect(await socket.emitWithAck("echo", "after recovery")).toBe("after recovery");
});

it("rooms are kept: a broadcast to a room joined before the outage reaches the client after it", async () => {
  const setupResult = await setup();
  const { server, socket, timeline } = setupResult;
  await socket.emitWithAck("join", "news");
  server.io.emit("tick", 0);
  await until(() => timeline.includes(0), "the first tick");
  await outage(setupResult, () => {
    server.io.to("news").emit("tick", 1);
    server.io.to("elsewhere").emit("tick", -1);
  });
  server.io.to("news").emit("tick", 2);
  await until(() => timeline.includes(2), "the tick after recovery");
  expect(socket.recovered).toBe(true);
  expect(timeline.filter((entry) => typeof entry === "number")).toEqual([0, 1, 2]);
});

it("after a second outage, only the events missed since the last one received are replayed", async () => {
  const setupResult = await setup();
  const { server, socket, timeline } = setupResult;
  server.io.emit("tick", 0);
  await until(() => timeline.includes(0), "the first tick");
  await outage(setupResult, () => {
    server.io.emit("tick", 1);
  });
  server.io.emit("tick", 2);
  await until(() => timeline.includes(2), "the tick between outages");
  await outage(setupResult, () => {
    server.io.emit("tick", 3);
  });
  expect(socket.recovered).toBe(true);
  expect(timeline.filter((entry) => typeof entry === "number")).toEqual([0, 1, 2, 3]);
  expect(timeline.filter((entry) => typeof entry === "string")).toEqual([
    "connect recovered=false",
    "connect recovered=true",
    "connect recovered=true",
  ]);
});

it("without an offset to resume from (no broadcast received yet), the session is new: recovered is false, the id changes", async () => {
  const setupResult = await setup();
  const { socket } = setupResult;
  const id = socket.id;
  await outage(setupResult, () => {});
  expect(socket.recovered).toBe(false);
  expect(socket.id).not.toBe(id);
});

const endedOnPurpose: Array<[string, (socket: Awaited<ReturnType<typeof setup>>["socket"]) => Promise<unknown> | void]> = [
  ["the client disconnects on purpose", (socket) => void socket.disconnect()],
  [
    "the server disconnects the socket",
    (socket) => {
      const disconnected = waitFor(socket, "disconnect");
      socket.emit("disconnect-me");
      return disconnected;
    },
  ],
];
for (const [how, endSession] of endedOnPurpose) {
  it(`after ${how}, connecting again starts a new session`, async () => {
    const { server, socket, timeline } = await setup();
    server.io.emit("tick", 0);
    await until(() => timeline.includes(0), "the first tick");
    const id = socket.id;
    await endSession(socket);
    server.io.emit("tick", 1); // missed, and not to be replayed: the session ended
    socket.connect();
    await waitFor(socket, "connect");
    expect(socket.recovered).toBe(false);
    expect(socket.id).not.toBe(id);
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(timeline.filter((entry) => typeof entry === "number")).toEqual([0]);
  });
}

it("against a server without connectionStateRecovery, a reconnection is never recovered", async () => {
  const setupResult = await setup({ recovery: false });
  const { server, socket, timeline } = setupResult;
  server.io.emit("tick", 0);
  await until(() => timeline.includes(0), "the first tick");
  const id = socket.id;
  await outage(setupResult, () => {
    server.io.emit("tick", 1);
  });
  expect(socket.recovered).toBe(false);
  expect(socket.id).not.toBe(id);
  expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
  expect(timeline.filter((entry) => typeof entry === "number")).toEqual([0]);
});

it("recovered goes back to false when a later session cannot be restored (the server restarted and lost it)", async () => {
  const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } };
  const first = await startServer(recovery);
  const port = first.port;
  const proxy = await proxyTo(first);
  const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
  const ticks: number[] = [];
  socket.on("tick", (n: number) => ticks.push(n));
  await waitFor(socket, "connect");
  first.io.emit("tick", 0);
  await until(() => ticks.length === 1, "the first tick");
  proxy.cut();
  await waitFor(socket, "connect");
  expect(socket.recovered).toBe(true);
  const recoveredId = socket.id;
  proxy.refuse();
  await first.close();
  const second = await startServer({ ...recovery, port });
  closers.push(() => second.close());
  proxy.refuse(false);
  await waitFor(socket, "connect", 5000);
  expect(socket.recovered).toBe(false);
  expect(socket.id).not.toBe(recoveredId);
  expect([...second.io.of("/").sockets.keys()]).toEqual([socket.id]);
});
