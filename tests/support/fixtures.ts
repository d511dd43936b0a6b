// The hooks most test files share: what a file starts, and the check after
// each test that every client was disconnected and no Manager is left open.
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startEchoServer, startProxy, type EchoServer, type Proxy } from "./servers.js";
import type { clients } from "./util.js";

type Clients = ReturnType<typeof clients>;

/**
 * One echo server for the whole file (`ready` gets it once it listens, to keep
 * it and add handlers); after each test every client is disconnected and no
 * Manager may be left open.
 */
export function useEchoServer(c: Clients, ready: (server: EchoServer) => void): void {
  let server: EchoServer | undefined;
  beforeAll(async () => {
    server = await startEchoServer();
    ready(server);
  });
  afterEach(() => {
    expect(c.cleanup()).toEqual([]);
  });
  afterAll(() => server?.close());
}

/**
 * For servers and proxies started by each test: echoServer() and proxyTo()
 * start one, and what is pushed to `closers` is closed too. After each test
 * every client is disconnected, then they are closed (last first), and no
 * Manager may be left open.
 */
export function usePerTestServers(c: Clients) {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    const open = c.cleanup();
    for (const close of closers.splice(0).reverse()) await close();
    expect(open).toEqual([]);
  });
  return {
    closers,
    async echoServer(options: Parameters<typeof startEchoServer>[0] = {}): Promise<EchoServer> {
      const server = await startEchoServer(options);
      closers.push(() => server.close());
      return server;
    },
    async proxyTo(target: { port: number }): Promise<Proxy> {
      const proxy = await startProxy(target.port);
      closers.push(() => proxy.close());
      return proxy;
    },
  };
}
