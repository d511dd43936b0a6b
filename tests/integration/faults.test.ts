// Network faults between the client and a real server (through the TCP proxy),
// and a server that dies and comes back: the documented disconnect reasons,
// then a reconnection.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Socket as ServerSocket } from "socket.io";
import { startEchoServer, startProxy, startServer, type EchoServer, type Proxy, type TestServer } from "../support/servers.js";
import { clients, fast, record, until, waitFor } from "../support/util.js";
import { recordSequence } from "./harness.js";

let server: EchoServer;
let proxy: Proxy;
const c = clients();
beforeAll(async () => {
  // the default ping settings: a busy machine never turns into a "ping timeout" (only stall() below is about one)
  server = await startEchoServer();
});
beforeEach(async () => {
  proxy = await startProxy(server.port);
});
afterEach(async () => {
  expect(c.cleanup()).toEqual([]);
  await proxy.close();
});
afterAll(() => server.close());

describe("cut(): the network drops every connection", () => {
  it('over websocket: "transport close", then the Manager reconnects and the Socket connects again', async () => {
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const events = recordSequence(socket.io, ["close", "reconnect_attempt", "open", "reconnect"]);
    const disconnected = waitFor<[string, unknown]>(socket, "disconnect");
    proxy.cut();
    const [reason, details] = await disconnected;
    expect(reason).toBe("transport close");
    expect(details).toBeDefined();
    expect(socket.active).toBe(true);
    await waitFor(socket, "connect");
    expect(events.map(([name, arg]) => `${name}${arg === undefined ? "" : ` ${arg}`}`)).toEqual([
      "close transport close",
      "reconnect_attempt 1",
      "open",
      "reconnect 1",
    ]);
    expect(await socket.emitWithAck("echo", "after cut")).toBe("after cut");
  });

  it('after the upgrade from polling to websocket: "transport close"', async () => {
    const socket = c.io(proxy.url, { ...fast });
    await waitFor(socket, "connect");
    if (socket.io.engine.transport.name !== "websocket") await waitFor(socket.io.engine, "upgrade");
    const disconnected = waitFor<[string]>(socket, "disconnect");
    proxy.cut();
    expect((await disconnected)[0]).toBe("transport close");
    await waitFor(socket, "connect");
  });

  it('during long-polling: "transport error" with the error as details, then a reconnection', async () => {
    const socket = c.io(proxy.url, { ...fast, transports: ["polling"] });
    await waitFor(socket, "connect");
    const managerCloses = record<[string]>(socket.io, "close");
    const disconnected = waitFor<[string, unknown]>(socket, "disconnect");
    // each polling request has a TCP connection of its own: cut while one is in flight
    await until(() => proxy.connections > 0, "a polling request in flight");
    proxy.cut();
    const [reason, details] = await disconnected;
    expect(reason).toBe("transport error");
    expect(details).toBeInstanceOf(Error);
    expect(managerCloses.map(([r]) => r)).toEqual(["transport error"]);
    expect(socket.active).toBe(true);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "polling again")).toBe("polling again");
  });
});

describe("stall(): the network keeps the connection open but lets nothing through", () => {
  // pings every 100 ms: the client gives up 100 + 1000 ms after the last one it saw
  let pinging: EchoServer;
  let pingingProxy: Proxy;
  beforeAll(async () => {
    pinging = await startEchoServer({ pingInterval: 100, pingTimeout: 1000 });
  });
  beforeEach(async () => {
    pingingProxy = await startProxy(pinging.port);
  });
  afterEach(async () => {
    c.disconnectAll();
    await pingingProxy.close();
  });
  afterAll(() => pinging.close());

  for (const transports of [["websocket"], ["polling"]]) {
    it(`"ping timeout" once the server's pings stop arriving (${transports.join(", ")}), then a reconnection`, async () => {
      const proxy = pingingProxy;
      const socket = c.io(proxy.url, { ...fast, transports });
      await waitFor(socket, "connect");
      await waitFor(socket.io, "ping");
      const managerCloses = record<[string]>(socket.io, "close");
      const disconnected = waitFor<[string]>(socket, "disconnect");
      // resumed before the backoff delay ends, so that the reconnection attempt goes through
      socket.once("disconnect", () => proxy.resume());
      proxy.stall();
      expect((await disconnected)[0]).toBe("ping timeout");
      expect(managerCloses.map(([r]) => r)).toEqual(["ping timeout"]);
      expect(socket.active).toBe(true);
      await waitFor(socket, "connect");
      expect(await socket.emitWithAck("echo", "unstalled")).toBe("unstalled");
    });
  }
});

describe("refuse(): the server looks down while the Manager reconnects", () => {
  it("emits reconnect_error and connect_error for every refused attempt, then reconnects after refuse(false)", async () => {
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const attempts = record<[number]>(socket.io, "reconnect_attempt");
    const reconnectErrors = record<[Error]>(socket.io, "reconnect_error");
    const connectErrors = record<[Error]>(socket, "connect_error");
    socket.io.on("reconnect_error", () => {
      if (reconnectErrors.length === 3) proxy.refuse(false);
    });
    proxy.refuse();
    proxy.cut();
    const [attempt] = await waitFor<[number]>(socket.io, "reconnect");
    await waitFor(socket, "connect");
    expect(attempt).toBe(4);
    expect(attempts.map(([n]) => n)).toEqual([1, 2, 3, 4]);
    expect(reconnectErrors).toHaveLength(3);
    for (const [error] of reconnectErrors) expect(error).toBeInstanceOf(Error);
    expect(connectErrors).toHaveLength(3);
    expect(socket.active).toBe(true);
  });
});

describe("the server is killed and restarted on the same port", () => {
  let doomed: TestServer | undefined;
  afterEach(async () => {
    c.disconnectAll();
    await doomed?.close();
  });

  async function echoServer(port?: number) {
    const started = await startServer(port === undefined ? {} : { port });
    started.io.on("connection", (s: ServerSocket) => s.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)));
    return started;
  }

  for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
    it(`the client reconnects to the new server (${transports.join(", ")})`, async () => {
      doomed = await echoServer();
      const { port } = doomed;
      const socket = c.io(doomed.url, { ...fast, transports });
      await waitFor(socket, "connect");
      const firstId = socket.id;
      const disconnected = waitFor<[string]>(socket, "disconnect");
      const firstError = waitFor(socket.io, "reconnect_error");
      await doomed.close();
      expect(["transport close", "transport error"]).toContain((await disconnected)[0]);
      // the port is closed: attempts fail until the server is back
      await firstError;
      doomed = await echoServer(port);
      const connections = waitFor(doomed.io, "connection");
      await waitFor(socket.io, "reconnect");
      await waitFor(socket, "connect");
      await connections;
      expect(socket.id).not.toBe(firstId);
      expect(doomed.io.of("/").sockets.has(socket.id!)).toBe(true);
      expect(await socket.emitWithAck("echo", "reborn")).toBe("reborn");
    });
  }
});
