// The standalone script in Chromium over the browser's own transports
// (XMLHttpRequest long-polling, WebSocket) and with io()'s relative URLs.
import type { Browser, JSHandle } from "playwright-core";
import type { Socket as ServerSocket } from "socket.io";
import { afterEach, beforeEach, expect, it } from "vitest";
import { bytes, until } from "../support/util.js";
import { browserSuite, closeCheckingErrors, openPage, testPage, type PageServer, type PageTesting, type WatchedPage } from "./harness.js";

// globals of the test page (code passed to page.evaluate runs there)
declare const io: any;
declare const testing: PageTesting;

const ready = browserSuite();
let server: PageServer;
let browser: Browser;
let tab: WatchedPage;

/** What the server saw of each engine.io connection: its first transport and its upgrades. */
const engineConnections: { conn: object; first: string; upgrades: string[] }[] = [];
type EngineConnection = { transport: { name: string }; on(event: "upgrade", fn: (transport: { name: string }) => void): void };
const watchedServers = new WeakSet<PageServer>();

beforeEach(async () => {
  ({ browser, server } = await ready());
  if (!watchedServers.has(server)) {
    watchedServers.add(server);
    server.io.engine.on("connection", (conn: EngineConnection) => {
      const seen = { conn, first: conn.transport.name, upgrades: [] as string[] };
      engineConnections.push(seen);
      conn.on("upgrade", (transport) => seen.upgrades.push(transport.name));
    });
  }
  tab = await openPage(browser);
  await tab.page.goto(server.page("/transports.html", testPage(`<script src="/dist/socket.io.js"></script>`)));
});

afterEach(() => closeCheckingErrors(tab));

async function connected(...args: unknown[]): Promise<JSHandle<any>> {
  const socket = await tab.page.evaluateHandle((args) => testing.track(io(...args)), args);
  await socket.evaluate((s) => testing.waitFor(s, "connect"));
  return socket;
}

function engineConnectionOf(serverSocket: ServerSocket) {
  const seen = engineConnections.find((seen) => seen.conn === serverSocket.conn);
  if (!seen) throw new Error(`the server never saw the engine.io connection of socket ${serverSocket.id}`);
  return seen;
}

it('with transports: ["polling"] it works over long-polling alone: events in order, acks, binary', async () => {
  const socket = await connected({ transports: ["polling"] });
  const id: string = await socket.evaluate((s) => s.id);

  await socket.evaluate((s) => {
    for (let i = 0; i < 50; i++) s.emit("polled", i);
  });
  expect(await socket.evaluate((s) => s.emitWithAck("echo", "over polling"))).toBe("over polling");
  const echoed = await socket.evaluate(async (s) => testing.describe(await s.emitWithAck("echo", new Uint8Array([4, 2]).buffer)));
  expect(echoed).toEqual({ kind: "ArrayBuffer", bytes: [4, 2] });
  expect(bytes(server.received("echo").at(-1)?.[0])).toEqual([4, 2]);
  await until(() => server.received("polled").length === 50, "50 polled events on the server");
  expect(server.received("polled")).toEqual(Array.from({ length: 50 }, (_, i) => [i]));

  server.serverSocket(id).emit("pushed", "while polling");
  expect(await socket.evaluate((s) => testing.waitFor(s, "pushed"))).toEqual(["while polling"]);

  expect(await socket.evaluate((s) => s.io.engine.transport.name)).toBe("polling");
  const conn = engineConnectionOf(server.serverSocket(id));
  expect(conn.first).toBe("polling");
  expect(conn.upgrades).toEqual([]);
  expect(server.serverSocket(id).conn.transport.name).toBe("polling");
  await socket.evaluate((s) => s.disconnect());
});

it("by default it connects over long-polling and upgrades to WebSocket, losing no event sent meanwhile", async () => {
  const socket = await tab.page.evaluateHandle(() => {
    const socket = testing.track(io());
    // sent before the connection and during the upgrade: buffered, then flushed in order
    for (let i = 0; i < 50; i++) socket.emit("seq", i);
    socket.on("connect", () => {
      for (let i = 50; i < 100; i++) socket.emit("seq", i);
    });
    return socket;
  });
  await socket.evaluate((s) => testing.waitFor(s, "connect"));
  await socket.evaluate((s) => testing.until(() => s.io.engine.transport.name === "websocket", "the upgrade to websocket"));
  await socket.evaluate((s) => {
    for (let i = 100; i < 150; i++) s.emit("seq", i);
  });

  const id: string = await socket.evaluate((s) => s.id);
  const conn = engineConnectionOf(server.serverSocket(id));
  expect(conn.first).toBe("polling");
  await until(() => conn.upgrades.length > 0, "the server to see the upgrade");
  expect(conn.upgrades).toEqual(["websocket"]);
  await until(() => server.received("seq").length >= 150, "150 seq events on the server");
  expect(server.received("seq")).toEqual(Array.from({ length: 150 }, (_, i) => [i]));

  const echoed = await socket.evaluate(async (s) => testing.describe(await s.emitWithAck("echo", "over websocket", new Uint8Array([7]))));
  expect(echoed).toBe("over websocket");
  server.serverSocket(id).emit("pushed", new Uint8Array([1, 2, 3]));
  expect(await socket.evaluate((s) => testing.waitFor(s, "pushed"))).toEqual([{ kind: "ArrayBuffer", bytes: [1, 2, 3] }]);
  await socket.evaluate((s) => s.disconnect());
});

it('io("/admin") joins the /admin namespace on the page\'s origin', async () => {
  const socket = await connected("/admin");
  const state = await socket.evaluate((s) => ({ nsp: s.nsp, hostname: s.io.engine.hostname, port: s.io.engine.port }));
  expect(state).toEqual({ nsp: "/admin", hostname: "127.0.0.1", port: String(server.port) });
  const id: string = await socket.evaluate((s) => s.id);
  expect(server.serverSocket(id, "/admin").nsp.name).toBe("/admin");
  expect(server.io.of("/").sockets.has(id)).toBe(false);
  expect(await socket.evaluate((s) => s.emitWithAck("echo", "admin"))).toBe("admin");
  await socket.evaluate((s) => s.disconnect());
});

it('io("/admin?token=abc&room=7") sends the URL\'s query in the handshake', async () => {
  const socket = await connected("/admin?token=abc&room=7");
  const id: string = await socket.evaluate((s) => s.id);
  const { query } = server.serverSocket(id, "/admin").handshake;
  expect({ token: query["token"], room: query["room"] }).toEqual({ token: "abc", room: "7" });
  await socket.evaluate((s) => s.disconnect());
});

it("a protocol-relative URL (//host:port/admin) keeps the page's protocol", async () => {
  const socket = await connected(`//127.0.0.1:${server.port}/admin`);
  const state = await socket.evaluate((s) => ({ nsp: s.nsp, secure: s.io.engine.secure, port: s.io.engine.port }));
  expect(state).toEqual({ nsp: "/admin", secure: false, port: String(server.port) });
  await socket.evaluate((s) => s.disconnect());
});

for (const closeOnBeforeunload of [true, false]) {
  it(`closeOnBeforeunload: ${closeOnBeforeunload}: a beforeunload event ${closeOnBeforeunload ? "closes the connection silently: the server sees it go" : "leaves the connection open"}`, async () => {
    const socket = await connected({ closeOnBeforeunload, transports: ["websocket"] });
    const id: string = await socket.evaluate((s) => s.id);
    const serverSocket = server.serverSocket(id);
    const serverReason = new Promise<string>((resolve) => serverSocket.once("disconnect", resolve));
    // the engine's listener runs within dispatchEvent: the transport's state right after it says what it did
    const transportState = await socket.evaluate((s) => {
      window.dispatchEvent(new Event("beforeunload"));
      return s.io.engine.transport.readyState;
    });
    if (closeOnBeforeunload) {
      expect(transportState).toBe("closed");
      expect(await serverReason).toBe("transport close");
      // silently: the page is going away, no disconnect event for it
      expect(await socket.evaluate((s) => testing.names(s))).not.toContain("disconnect");
    } else {
      expect(transportState).toBe("open");
      expect(await socket.evaluate((s) => s.emitWithAck("echo", "still here"))).toBe("still here");
      expect(serverSocket.connected).toBe(true);
      expect(await socket.evaluate((s) => testing.names(s))).toEqual(["open", "connect"]);
    }
    await socket.evaluate((s) => s.disconnect());
  });
}
