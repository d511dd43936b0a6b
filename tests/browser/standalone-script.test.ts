// dist/socket.io.js and dist/socket.io.min.js in Chromium, loaded like the
// official /socket.io/socket.io.js: a <script> tag whose global `io` is the io() function.
import type { Browser, JSHandle } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytes, fast, until } from "../support/util.js";
import { browserSuite, closeCheckingErrors, openPage, testPage, type PageServer, type PageTesting, type WatchedPage } from "./harness.js";

// globals of the test page (code passed to page.evaluate runs there)
declare const io: any;
declare const testing: PageTesting;

const ready = browserSuite();
let server: PageServer;
let browser: Browser;

describe.each(["socket.io.js", "socket.io.min.js"])("dist/%s", (script) => {
  let tab: WatchedPage;

  beforeEach(async () => {
    ({ browser, server } = await ready());
    tab = await openPage(browser);
    await tab.page.goto(server.page(`/standalone-${script}.html`, testPage(`<script src="/dist/${script}"></script>`)));
  });

  afterEach(() => closeCheckingErrors(tab));

  /** io(...args) in the page, tracked from creation, once connected. */
  async function connected(...args: unknown[]): Promise<JSHandle<any>> {
    const socket = await tab.page.evaluateHandle((args) => testing.track(io(...args)), args);
    await socket.evaluate((s) => testing.waitFor(s, "connect"));
    return socket;
  }

  it("defines the global io as the io() function with io.Manager, io.Socket, io.connect and io.protocol 5", async () => {
    const shape = await tab.page.evaluate(() => {
      const socket = io({ autoConnect: false });
      return {
        io: typeof io,
        protocol: io.protocol,
        Manager: typeof io.Manager,
        Socket: typeof io.Socket,
        connectIsIo: io.connect === io,
        returnsSocket: socket instanceof io.Socket,
        onManager: socket.io instanceof io.Manager,
      };
    });
    expect(shape).toEqual({ io: "function", protocol: 5, Manager: "function", Socket: "function", connectIsIo: true, returnsSocket: true, onManager: true });
  });

  it("io() with no URL connects to the page's origin, emits, receives an event and gets acks", async () => {
    const socket = await connected();
    const id: string = await socket.evaluate((s) => s.id);
    expect(server.serverSocket(id).handshake.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(await socket.evaluate((s) => ({ hostname: s.io.engine.hostname, port: s.io.engine.port, secure: s.io.engine.secure }))).toEqual({
      hostname: "127.0.0.1",
      port: String(server.port),
      secure: false,
    });

    // the page server serves both scripts' tests: an event name of this script's own
    const greeting = `greeting from ${script}`;
    await socket.evaluate((s, greeting) => s.emit(greeting, "hello", { n: 1 }), greeting);
    await until(() => server.received(greeting).length === 1, "the greeting on the server");
    expect(server.received(greeting)).toEqual([["hello", { n: 1 }]]);

    await socket.evaluate((s) => s.emit("emit-back", "news", "fresh", [1, 2]));
    expect(await socket.evaluate((s) => testing.waitFor(s, "news"))).toEqual(["fresh", [1, 2]]);

    expect(await socket.evaluate((s) => s.emitWithAck("echo", "hi", 42))).toBe("hi");
    expect(await socket.evaluate((s) => new Promise((resolve) => s.emit("echo", "a", { b: [true] }, (...args: unknown[]) => resolve(args))))).toEqual([
      "a",
      { b: [true] },
    ]);
  });

  it("round-trips ArrayBuffer and Uint8Array arguments, which come back as ArrayBuffers", async () => {
    const socket = await connected();
    const echoed = await socket.evaluate(async (s) => {
      const args = await new Promise<unknown[]>((resolve) =>
        s.emit("echo", new Uint8Array([0, 1, 2, 255]), { nested: new Uint8Array([9, 8, 7]).buffer }, (...args: unknown[]) => resolve(args)),
      );
      return testing.describe(args);
    });
    expect(echoed).toEqual([{ kind: "ArrayBuffer", bytes: [0, 1, 2, 255] }, { nested: { kind: "ArrayBuffer", bytes: [9, 8, 7] } }]);
    const onServer = server.received("echo").at(-1);
    expect(bytes(onServer?.[0])).toEqual([0, 1, 2, 255]);
    expect(bytes((onServer?.[1] as { nested: unknown }).nested)).toEqual([9, 8, 7]);

    const id: string = await socket.evaluate((s) => s.id);
    server.serverSocket(id).emit("blob", Buffer.from([5, 6, 7]), "text");
    expect(await socket.evaluate((s) => testing.waitFor(s, "blob"))).toEqual([{ kind: "ArrayBuffer", bytes: [5, 6, 7] }, "text"]);
  });

  it("reconnects after the server closes the transport, then emits and acks again", async () => {
    const socket = await connected(fast);
    const firstId: string = await socket.evaluate((s) => s.id);
    server.serverSocket(firstId).conn.close();

    expect((await socket.evaluate((s) => testing.waitFor(s, "disconnect")))[0]).toBe("transport close");
    await socket.evaluate((s) => testing.waitFor(s, "reconnect"));
    await socket.evaluate((s) => testing.waitFor(s, "connect", 2));
    const names = await socket.evaluate((s) => testing.names(s));
    expect(names.filter((name) => ["connect", "disconnect", "reconnect_attempt", "reconnect"].includes(name))).toEqual([
      "connect",
      "disconnect",
      "reconnect_attempt",
      "reconnect",
      "connect",
    ]);
    const secondId: string = await socket.evaluate((s) => s.id);
    expect(secondId).not.toBe(firstId);
    expect(server.serverSocket(secondId).connected).toBe(true);
    expect(await socket.evaluate((s) => s.emitWithAck("echo", "again"))).toBe("again");
  });

  it("disconnect() ends the session: the server sees the client leave and the connection close", async () => {
    const socket = await connected(fast);
    const id: string = await socket.evaluate((s) => s.id);
    const serverSide = new Promise<string>((resolve) => server.serverSocket(id).once("disconnect", resolve));

    const state = await socket.evaluate((s) => {
      s.disconnect();
      return { connected: s.connected, disconnected: s.disconnected, active: s.active, id: s.id };
    });
    expect(state).toEqual({ connected: false, disconnected: true, active: false, id: undefined });
    expect((await socket.evaluate((s) => testing.waitFor(s, "disconnect")))[0]).toBe("io client disconnect");
    expect(await serverSide).toBe("client namespace disconnect");
    // the Manager closes with its last Socket
    await until(() => server.io.engine.clientsCount === 0, "the engine.io connection to close");
    expect(await socket.evaluate((s) => testing.names(s).filter((name) => name.startsWith("reconnect")))).toEqual([]);
  });
});
