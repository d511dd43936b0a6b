// No leaks: once a Manager is done (disconnect(), reconnect_failed, a failed
// open without reconnection), its actors are stopped, the server sees no TCP
// connection left, and the process holds no more timers or sockets than before
// the client was created.
import { describe, expect, it } from "vitest";
import type { Socket } from "../../src/index.js";
import { closedPort, startBlackHoleServer, startProxy, type EchoServer } from "../support/servers.js";
import { clients, until, waitFor } from "../support/util.js";
import { childrenOf } from "./harness.js";
import { settledResources, type ResourceCounts } from "../support/resources.js";
import { useEchoServer } from "../support/fixtures.js";

let server: EchoServer;
const c = clients();
useEchoServer(c, (started) => (server = started));

/** The Manager and its namespaces are stopped: closed, no transport or backoff child, every namespace inactive. */
function expectStopped(sockets: Socket[]) {
  const manager = sockets[0]!.io;
  expect(manager.actor.getSnapshot().matches("closed")).toBe(true);
  expect(childrenOf(manager).sort()).toEqual(sockets.map((socket) => socket.nsp).sort());
  for (const socket of sockets) {
    expect(socket.actor?.getSnapshot().value).toBe("inactive");
    expect(socket.active).toBe(false);
    expect(socket.connected).toBe(false);
  }
}

/**
 * Runs `scenario` (which ends with its Socket done) against a server that never
 * answers, then checks its Manager is stopped and nothing of it is left: with
 * polling, only the `pendingHandshakes` requests engine.io-client cannot abort.
 */
async function expectNothingLeftOfSilentServerClient(
  transports: string[],
  pendingHandshakes: number,
  scenario: (silent: Awaited<ReturnType<typeof startBlackHoleServer>>) => Promise<Socket>,
) {
  const silent = await startBlackHoleServer();
  try {
    const before = await settledResources();
    const socket = await scenario(silent);
    expectStopped([socket]);
    if (transports[0] === "polling") return await expectOnlyPendingHandshakesLeft(before, [socket], pendingHandshakes);
    await until(() => silent.connections === 0, "the silent server to see no TCP connection left");
    await expectResourcesBackTo(before);
  } finally {
    c.disconnectAll();
    await silent.close();
  }
}

/** A timer of ours (backoff, connect timeout, ping timeout) or a socket still open shows as a difference with `before`. */
async function expectResourcesBackTo(before: ResourceCounts) {
  expect(await settledResources()).toEqual(before);
}

/**
 * Known limitation (docs/differences.md), shared with the official client: an
 * engine closed while its long-polling handshake is pending keeps that HTTP
 * request (one TCP socket) until the server answers, because engine.io-client
 * 6.6.8 cannot abort it. Everything of ours is gone: no timer, a closed engine.
 */
async function expectOnlyPendingHandshakesLeft(before: ResourceCounts, sockets: Socket[], attempts: number) {
  const after = await settledResources();
  expect(after.Timeout).toBe(before.Timeout);
  // per pending request: the client's socket, and the silent server's end of it (same process)
  expect(after.TCPSocketWrap - before.TCPSocketWrap).toBeLessThanOrEqual(2 * attempts);
  for (const socket of sockets) expect(socket.io.engine.readyState).toBe("closed");
}

describe("after socket.disconnect()", () => {
  for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
    it(`nothing is left of a connected client (${transports.join(", ")})`, async () => {
      await until(() => server.connections === 0, "the server to have no connection");
      const before = await settledResources();
      const socket = c.io(server.url, { transports });
      await waitFor(socket, "connect");
      if (transports.length === 2 && socket.io.engine.transport.name !== "websocket") await waitFor(socket.io.engine, "upgrade");
      expect(await socket.emitWithAck("echo", 1)).toBe(1);
      socket.disconnect();
      expectStopped([socket]);
      await until(() => server.connections === 0, "the server to see no TCP connection left");
      await expectResourcesBackTo(before);
    });
  }

  it("nothing is left of a Manager with two namespaces, after both disconnect", async () => {
    await until(() => server.connections === 0, "the server to have no connection");
    const before = await settledResources();
    const main = c.io(server.url);
    const users = c.socket(main.io, "/users");
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    main.disconnect();
    expect(main.io.actor.getSnapshot().matches("closed")).toBe(false);
    users.disconnect();
    expectStopped([main, users]);
    await until(() => server.connections === 0, "the server to see no TCP connection left");
    await expectResourcesBackTo(before);
  });

  it("nothing is left of a client disconnected while waiting for the backoff delay", async () => {
    const proxy = await startProxy(server.port);
    try {
      const before = await settledResources();
      const socket = c.io(proxy.url, { transports: ["websocket"], reconnectionDelay: 60_000, randomizationFactor: 0 });
      await waitFor(socket, "connect");
      proxy.refuse();
      proxy.cut();
      await waitFor(socket, "disconnect");
      expect(childrenOf(socket.io)).toContain("backoff");
      socket.disconnect();
      expectStopped([socket]);
      await until(() => proxy.connections === 0, "the proxy to see no TCP connection left");
      await expectResourcesBackTo(before);
    } finally {
      c.disconnectAll();
      await proxy.close();
    }
  });

  // with polling, the handshake request of an attempt in flight is a TCP connection of its own
  for (const transports of [["websocket"], ["polling"]]) {
    it(`nothing is left of a client disconnected while an attempt waits for a silent server (${transports.join(", ")})`, async () => {
      await expectNothingLeftOfSilentServerClient(transports, 1, async (silent) => {
        const socket = c.io(silent.url, { timeout: 60_000, transports });
        await until(() => silent.connections === 1, "the attempt's TCP connection");
        socket.disconnect();
        return socket;
      });
    });
  }
});

describe("after reconnect_failed", () => {
  it("nothing is left of a client whose every reconnection attempt was refused", async () => {
    const proxy = await startProxy(server.port);
    try {
      const before = await settledResources();
      const socket = c.io(proxy.url, {
        transports: ["websocket"],
        reconnectionAttempts: 3,
        reconnectionDelay: 5,
        reconnectionDelayMax: 5,
        randomizationFactor: 0,
      });
      await waitFor(socket, "connect");
      proxy.refuse();
      proxy.cut();
      await waitFor(socket.io, "reconnect_failed");
      expectStopped([socket]);
      await until(() => proxy.connections === 0, "the proxy to see no TCP connection left");
      await expectResourcesBackTo(before);
    } finally {
      c.disconnectAll();
      await proxy.close();
    }
  });

  for (const transports of [["websocket"], ["polling"]]) {
    it(`nothing is left of a client whose attempts all timed out against a silent server (${transports.join(", ")})`, async () => {
      await expectNothingLeftOfSilentServerClient(transports, 3, async (silent) => {
        const socket = c.io(silent.url, { timeout: 30, reconnectionAttempts: 2, reconnectionDelay: 5, randomizationFactor: 0, transports });
        await waitFor(socket.io, "reconnect_failed");
        return socket;
      });
    });
  }
});

describe("after a failed open with reconnection: false", () => {
  for (const transports of [["websocket"], ["polling"]]) {
    it(`nothing is left of a refused connection (${transports.join(", ")})`, async () => {
      const port = await closedPort();
      const before = await settledResources();
      const socket = c.io(`http://127.0.0.1:${port}`, { transports, reconnection: false });
      await waitFor(socket, "connect_error");
      expectStopped([socket]);
      await expectResourcesBackTo(before);
    });
  }

  for (const transports of [["websocket"], ["polling"]]) {
    it(`nothing is left of a connect timeout (${transports.join(", ")})`, async () => {
      await expectNothingLeftOfSilentServerClient(transports, 1, async (silent) => {
        const socket = c.io(silent.url, { timeout: 30, reconnection: false, transports });
        const [error] = await waitFor<[Error]>(socket, "connect_error");
        expect(error.message).toBe("timeout");
        return socket;
      });
    });
  }

  it("nothing is left after manager.open(callback) fails", async () => {
    const port = await closedPort();
    const before = await settledResources();
    const socket = c.io(`http://127.0.0.1:${port}`, { autoConnect: false, reconnection: false });
    const [error] = await new Promise<[Error | undefined]>((resolve) => socket.io.open((err) => resolve([err])));
    expect(error).toBeInstanceOf(Error);
    expectStopped([socket]);
    await expectResourcesBackTo(before);
  });
});
