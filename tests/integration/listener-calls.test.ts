// Run to completion: a call made in user code that the client calls (a Socket,
// Manager or engine listener, onAny, an ack callback, after an emitWithAck)
// takes effect before it returns, as with the official client's synchronous
// emitter: attributes read right after it see its effect, the events it
// causes fire before it returns, and packets leave in call order.
import { describe, expect, it } from "vitest";
import type { Socket as ServerSocket } from "socket.io";
import { usePerTestServers } from "../support/fixtures.js";
import { clients, fast, until, waitFor } from "../support/util.js";
import { countEngineConnections } from "./harness.js";

const c = clients();
const { echoServer, proxyTo } = usePerTestServers(c);

/** Resolves when the server sees the client socket `id` leave namespace "/". */
function serverSeesLeave(server: { io: { of(nsp: string): { sockets: Map<string, ServerSocket> } } }, id: string) {
  const socket = server.io.of("/").sockets.get(id);
  if (!socket) throw new Error(`no server-side socket ${id}`);
  return new Promise<string>((resolve) => socket.once("disconnect", resolve));
}

describe("a call made in a Socket listener takes effect before it returns", () => {
  it("socket.connect() in a disconnect listener (\"io server disconnect\"): active at once, then connected again", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const seen: boolean[] = [];
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") {
        socket.connect();
        seen.push(socket.active);
      }
    });
    socket.emit("disconnect-me");
    await waitFor(socket, "connect");
    expect(seen).toEqual([true]);
  });

  it("socket.disconnect() in a connect listener: disconnect fires before it returns, and an emit after it waits for the next connect()", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    const steps: string[] = [];
    socket.on("disconnect", (reason) => steps.push(`disconnect: ${reason}`));
    const left = new Promise<string>((resolve) =>
      socket.once("connect", () => {
        const id = socket.id!;
        steps.push("connect");
        socket.disconnect();
        steps.push(`after disconnect(): connected ${socket.connected}, active ${socket.active}, id ${socket.id}`);
        socket.emit("echo", "after disconnect()");
        steps.push(`buffered ${socket.sendBuffer.length}`);
        resolve(id);
      }),
    );
    const id = await left;
    expect(steps).toEqual([
      "connect",
      "disconnect: io client disconnect",
      "after disconnect(): connected false, active false, id undefined",
      "buffered 1",
    ]);
    // the server saw the client leave, and never got the emit of that session
    await until(() => !server.io.of("/").sockets.has(id), "the server to see the client leave");
    expect(server.received("echo")).toEqual([]);
    socket.connect();
    await until(() => server.received("echo").length, "the buffered emit after connect()");
    expect(server.received("echo")).toEqual([["after disconnect()"]]);
  });

  it("manager.socket(nsp) in a disconnect listener returns the same Socket, active again (autoConnect)", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const seen: Array<[boolean, boolean]> = [];
    socket.once("disconnect", () => {
      const again = socket.io.socket("/");
      seen.push([again === socket, again.active]);
    });
    socket.emit("disconnect-me");
    await waitFor(socket, "connect");
    expect(seen).toEqual([[true, true]]);
  });

  it("socket.disconnect() in an event listener: no later event reaches the listeners, even one the server already sent", async () => {
    const server = await echoServer();
    server.io.on("connection", (serverSocket) => serverSocket.on("burst", () => ["first", "second", "third"].forEach((name) => serverSocket.emit(name))));
    const socket = c.io(server.url, { transports: ["websocket"] });
    await waitFor(socket, "connect");
    const steps: string[] = [];
    socket.onAny((name: string) => steps.push(`any ${name}`));
    socket.on("first", () => {
      socket.disconnect();
      steps.push(`first: connected ${socket.connected}`);
    });
    socket.on("second", () => steps.push("second"));
    const id = socket.id!;
    const leave = serverSeesLeave(server, id);
    socket.emit("burst");
    expect(await leave).toBe("client namespace disconnect");
    expect(steps).toEqual(["any first", "first: connected false"]);
  });

  it("socket.disconnect() in an onAny listener acts before the event's own listeners run", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const steps: string[] = [];
    socket.onAny(() => {
      socket.disconnect();
      steps.push(`any: active ${socket.active}`);
    });
    socket.on("disconnect", (reason) => steps.push(reason));
    const leave = serverSeesLeave(server, socket.id!);
    server.io.of("/").sockets.get(socket.id!)!.emit("hello");
    await leave;
    expect(steps).toEqual(["io client disconnect", "any: active false"]);
  });

  it("an emit in a connect listener is sent on that connection, after the emissions buffered before it", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false });
    socket.emit("echo", "buffered");
    socket.once("connect", () => socket.emit("echo", "from the listener"));
    socket.connect();
    await until(() => server.received("echo").length === 2, "both emits on the server");
    expect(server.received("echo")).toEqual([["buffered"], ["from the listener"]]);
  });
});

describe("a call made in an acknowledgement takes effect before it returns", () => {
  it("socket.disconnect() in an ack callback: disconnected at once", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const seen = await new Promise<boolean[]>((resolve) =>
      socket.emit("echo", 1, () => {
        socket.disconnect();
        resolve([socket.connected, socket.active]);
      }),
    );
    expect(seen).toEqual([false, false]);
  });

  it("after an emitWithAck resolves, socket.disconnect() and socket.connect() act at once", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "answer")).toBe("answer");
    socket.disconnect();
    expect([socket.connected, socket.active]).toEqual([false, false]);
    socket.connect();
    expect(socket.active).toBe(true);
    await waitFor(socket, "connect");
  });
});

describe("a call made in a Manager or engine listener takes effect before it returns", () => {
  it("manager.reconnection(false) in a reconnect_attempt listener: read back at once, and the attempt's engine is never made", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const engines = countEngineConnections(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const seen: boolean[] = [];
    socket.io.once("reconnect_attempt", () => {
      socket.io.reconnection(false);
      seen.push(socket.io.reconnection(), socket.active);
    });
    proxy.cut();
    await waitFor(socket.io, "reconnect_attempt");
    expect(seen).toEqual([false, false]);
    // the loop ended in the listener: the Manager is closed, with no engine
    expect(socket.io.actor.getSnapshot().value).toBe("closed");
    expect(engines.count).toBe(1);
  });

  it("socket.connect() in the engine's close listener: active at once, and a new connection follows", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { transports: ["websocket"] });
    await waitFor(socket, "connect");
    const seen = new Promise<boolean>((resolve) =>
      socket.io.engine.once("close", () => {
        socket.connect();
        resolve(socket.active);
      }),
    );
    socket.disconnect();
    expect(await seen).toBe(true);
    await waitFor(socket, "connect");
  });
});

describe("manager._close()", () => {
  it("closes the connection (\"forced close\"), stops reconnecting, and the Sockets connect again on open()", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, fast);
    await waitFor(socket, "connect");
    const steps: string[] = [];
    socket.io.on("close", (reason) => steps.push(`manager close: ${reason}`));
    socket.on("disconnect", (reason) => steps.push(`socket disconnect: ${reason}`));
    socket.io.on("reconnect_attempt", () => steps.push("reconnect_attempt"));
    socket.io._close();
    expect(steps).toEqual(["manager close: forced close", "socket disconnect: forced close"]);
    expect(socket.io._readyState).toBe("closed");
    // like the official client, the Socket stays active: it handshakes again when the Manager reopens
    expect(socket.active).toBe(true);
    socket.io.open();
    await waitFor(socket, "connect");
    expect(steps).not.toContain("reconnect_attempt");
  });
});
