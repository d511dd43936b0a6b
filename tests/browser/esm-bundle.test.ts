// dist/socket.io.esm.min.js in Chromium, imported the two ways the client API
// docs show: from its URL in a <script type="module">, and as "socket.io-client"
// through an import map.
import type { Browser, JSHandle } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytes, until } from "../support/util.js";
import { browserSuite, closeCheckingErrors, openPage, testPage, type PageServer, type PageTesting, type WatchedPage } from "./harness.js";

// globals of the test page (code passed to page.evaluate runs there)
declare const lib: { io: any; Manager: any; Socket: any; protocol: any; connect: any; default: any };
declare const testing: PageTesting;

const imports = `import defaultExport, { io, Manager, Socket, protocol, connect } from "socket.io-client";`;
// the module publishes what it imported for the test to use
const publish = `window.lib = { io, Manager, Socket, protocol, connect, default: defaultExport };`;

const pages = {
  "its URL": testPage(`<script type="module">\n  ${imports.replaceAll('"socket.io-client"', '"/dist/socket.io.esm.min.js"')}\n  ${publish}\n</script>`),
  "an import map entry for socket.io-client": testPage(
    `<script type="importmap">{ "imports": { "socket.io-client": "/dist/socket.io.esm.min.js" } }</script>\n<script type="module">\n  ${imports}\n  ${publish}\n</script>`,
  ),
};

const ready = browserSuite();
let server: PageServer;
let browser: Browser;

describe.each(Object.entries(pages))("the ESM bundle imported from %s", (how, html) => {
  let tab: WatchedPage;

  beforeEach(async () => {
    ({ browser, server } = await ready());
    tab = await openPage(browser);
    await tab.page.goto(server.page(`/esm-${how.replaceAll(/\W+/g, "-")}.html`, html));
    await tab.page.waitForFunction(() => "lib" in window, undefined, { timeout: 5000 }).catch(() => {
      throw new Error(`the module script never ran; page errors: ${JSON.stringify(tab.errors)}`);
    });
  });

  afterEach(() => closeCheckingErrors(tab));

  async function connected(...args: unknown[]): Promise<JSHandle<any>> {
    const socket = await tab.page.evaluateHandle((args) => testing.track(lib.io(...args)), args);
    await socket.evaluate((s) => testing.waitFor(s, "connect"));
    return socket;
  }

  it("exports io (also as connect and default), Manager, Socket and protocol 5", async () => {
    const shape = await tab.page.evaluate(() => {
      const socket = lib.io({ autoConnect: false });
      return {
        io: typeof lib.io,
        connectIsIo: lib.connect === lib.io,
        defaultIsIo: lib.default === lib.io,
        protocol: lib.protocol,
        returnsSocket: socket instanceof lib.Socket,
        onManager: socket.io instanceof lib.Manager,
      };
    });
    expect(shape).toEqual({ io: "function", connectIsIo: true, defaultIsIo: true, protocol: 5, returnsSocket: true, onManager: true });
  });

  it("io() with no URL connects to the page's origin, emits, receives events, gets acks and disconnects", async () => {
    const socket = await connected();
    const id: string = await socket.evaluate((s) => s.id);
    expect(server.serverSocket(id).handshake.headers.host).toBe(`127.0.0.1:${server.port}`);

    expect(await socket.evaluate((s) => s.emitWithAck("echo", { from: "esm" }))).toEqual({ from: "esm" });
    await socket.evaluate((s) => s.emit("emit-back", "news", 1, "two"));
    expect(await socket.evaluate((s) => testing.waitFor(s, "news"))).toEqual([1, "two"]);

    const echoed = await socket.evaluate(async (s) => testing.describe(await s.emitWithAck("echo", new Uint8Array([1, 2, 3]))));
    expect(echoed).toEqual({ kind: "ArrayBuffer", bytes: [1, 2, 3] });
    expect(bytes(server.received("echo").at(-1)?.[0])).toEqual([1, 2, 3]);

    const serverSide = new Promise<string>((resolve) => server.serverSocket(id).once("disconnect", resolve));
    await socket.evaluate((s) => s.disconnect());
    expect(await serverSide).toBe("client namespace disconnect");
    expect((await socket.evaluate((s) => testing.waitFor(s, "disconnect")))[0]).toBe("io client disconnect");
    await until(() => server.io.engine.clientsCount === 0, "the engine.io connection to close");
  });
});
