// Watching the machines: the transition logger and the Stately inspector see
// every actor of a Manager, with contexts and events that can be serialized.
import { createInspector } from "@statelyai/inspect";
import { WebSocketServer } from "ws";
import { describe, expect, it, vi } from "vitest";
import { createActor, createMachine } from "xstate";
import { statelySanitizers, transitionLogger } from "../../adapters/inspector.js";
import { createStatelyInspector } from "../../adapters/stately.js";
import type { EchoServer } from "../support/servers.js";
import { clients, fast, until, waitFor } from "../support/util.js";
import { useEchoServer } from "../support/fixtures.js";

let server: EchoServer;
const c = clients();
useEchoServer(c, (started) => (server = started));

describe("transitionLogger()", () => {
  it("prints one line per state change of every machine, in the order the transitions happen", async () => {
    const lines: string[] = [];
    const socket = c.io(server.url, { ...fast, transports: ["websocket"], inspect: transitionLogger({ log: (line) => lines.push(line) }) });
    await waitFor(socket, "connect");
    socket.emit("close-transport");
    await waitFor(socket, "disconnect");
    await waitFor(socket, "connect");
    socket.disconnect();
    const changes = lines.map((line) => line.replace(/\s+/g, " ").trim());
    const index = (text: string) => {
      const found = changes.findIndex((line) => line.includes(text));
      expect(found, `no line with "${text}" in:\n${changes.join("\n")}`).toBeGreaterThanOrEqual(0);
      return found;
    };
    const opened = index("connection active.engine.opening -> active.engine.open on transport.opened");
    const handshake = index("connection/namespace / active.awaitingConnection -> active.handshaking");
    const connected = index("connection/namespace / active.handshaking.awaitingServer -> active.connected on server.connect");
    const lost = index("connection active.engine.open -> active.waiting on transport.closed");
    const backoff = index("connection/backoff waiting -> elapsed");
    const closed = index("connection active.engine.open -> closed on namespace.deactivated");
    expect(opened).toBeLessThan(handshake);
    expect(handshake).toBeLessThan(connected);
    expect(connected).toBeLessThan(lost);
    expect(lost).toBeLessThan(backoff);
    expect(backoff).toBeLessThan(closed);
  });

  it("prints to console.log by default", async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args));
    const socket = c.io(server.url, { inspect: transitionLogger() });
    await waitFor(socket, "connect");
    socket.disconnect();
    const lines = printed.map((args) => {
      expect(args).toHaveLength(1);
      return String(args[0]).replace(/\s+/g, " ");
    });
    expect(lines).toContain("connection active.engine.opening -> active.engine.open on transport.opened");
    expect(lines).toContain("connection/namespace / active.handshaking.awaitingServer -> active.connected on server.connect");
  });

  it("prints the events the machines receive when asked to", async () => {
    const lines: string[] = [];
    const socket = c.io(server.url, { inspect: transitionLogger({ events: true, log: (line) => lines.push(line) }) });
    await waitFor(socket, "connect");
    expect(lines.some((line) => /connection\/namespace \/\s+<- server\.connect/.test(line))).toBe(true);
  });
});

describe("the Stately inspector", () => {
  it("sees the connection, transport and namespace actors, with their definitions, and only serializable data", async () => {
    const sent: Array<{ type: string; name?: string; definition?: string; snapshot?: { context?: unknown }; event?: unknown }> = [];
    const inspector = createInspector({ send: (event) => void sent.push(event as never) }, statelySanitizers);
    const socket = c.io(server.url, { ...fast, inspect: inspector.inspect });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", 1)).toBe(1);
    socket.emit("close-transport");
    await waitFor(socket, "connect");
    socket.disconnect();
    const actors = sent.filter((event) => event.type === "@xstate.actor");
    const names = new Set(actors.map((event) => event.name));
    // actors are named by their id: the namespace actor by its namespace
    expect([...names]).toEqual(expect.arrayContaining(["connection", "transport", "/", "backoff"]));
    const connection = actors.find((event) => event.name === "connection")!;
    expect(JSON.parse(connection.definition!).states).toHaveProperty("active");
    for (const event of sent) {
      // what the inspector's adapters would send over the wire
      expect(() => JSON.stringify(event)).not.toThrow();
      const context = event.snapshot?.context as Record<string, unknown> | undefined;
      if (context) {
        for (const value of Object.values(context)) expect(typeof value).not.toBe("function");
        expect(context).not.toHaveProperty("parser");
      }
    }
  });

  /** A WebSocket inspection server on 127.0.0.1 that keeps what it receives, as parsed JSON. */
  async function inspectionServer() {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => wss.once("listening", resolve));
    const received: Array<Record<string, any>> = [];
    wss.on("connection", (ws) => ws.on("message", (data) => received.push(JSON.parse(String(data)))));
    return {
      url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
      received,
      /** Ends the connections of the inspectors (as a server that goes away does). */
      dropClients() {
        for (const client of wss.clients) client.terminate();
      },
      async close() {
        this.dropClients();
        await new Promise((resolve) => wss.close(resolve));
      },
    };
  }

  it("createStatelyInspector({ url }) sends what JSON cannot carry as text: BigInts as digits, cycles and depth past 10 levels cut", async () => {
    const relay = await inspectionServer();
    const inspector = await createStatelyInspector({ url: relay.url });
    try {
      const cyclic: Record<string, unknown> = { name: "loop" };
      cyclic["self"] = cyclic;
      let deep: Record<string, unknown> = { bottom: true };
      for (let i = 0; i < 15; i++) deep = { down: deep };
      const odd = { big: 12345678901234567890n, cyclic, deep };
      // the actor's first snapshot and the events it receives go out as they are (its later snapshots are made plain by @statelyai/inspect)
      const actor = createActor(createMachine({ id: "odd", context: odd, on: { poke: {} } }), { inspect: inspector.inspect }).start();
      actor.send({ type: "poke", ...odd });
      const created = await until(() => relay.received.find((event) => event.type === "@xstate.actor" && event.name === "odd"), "the odd actor at the inspection server");
      const poked = await until(() => relay.received.find((event) => event.type === "@xstate.event" && event.event?.type === "poke"), "the poke event at the inspection server");
      actor.stop();
      for (const data of [created!.snapshot.context, poked!.event]) {
        expect(data.big).toBe("12345678901234567890");
        expect(data.cyclic).toEqual({ name: "loop", self: "[Circular]" });
        // down the chain, cut at some level: never the bottom
        let level = data.deep;
        let levels = 0;
        while (typeof level === "object" && level !== null) {
          level = level.down;
          levels++;
        }
        expect(level).toBe("[...]");
        expect(levels).toBeGreaterThan(3);
        expect(levels).toBeLessThan(15);
      }
    } finally {
      inspector.stop();
      await relay.close();
    }
  });

  it("createStatelyInspector({ url }) warns when the inspection server goes away, and drops what comes afterwards", async () => {
    const warnings: unknown[][] = [];
    vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warnings.push(args));
    const relay = await inspectionServer();
    const inspector = await createStatelyInspector({ url: relay.url });
    try {
      relay.dropClients();
      await until(() => warnings.length > 0, "the warning");
      expect(warnings).toEqual([
        [`createStatelyInspector(): the inspection server at ${relay.url} closed the connection; inspection events are dropped from now on`],
      ]);
      const before = relay.received.length;
      createActor(createMachine({ id: "later" }), { inspect: inspector.inspect }).start().stop();
      expect(relay.received).toHaveLength(before);
    } finally {
      inspector.stop();
      await relay.close();
    }
  });

  it("createStatelyInspector({ url }) sends the inspection events to a WebSocket inspection server", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => wss.once("listening", resolve));
    const received: Array<{ type: string; name?: string }> = [];
    wss.on("connection", (ws) => ws.on("message", (data) => received.push(JSON.parse(String(data)))));
    const { port } = wss.address() as { port: number };
    const inspector = await createStatelyInspector({ url: `ws://127.0.0.1:${port}` });
    try {
      const socket = c.io(server.url, { inspect: inspector.inspect });
      await waitFor(socket, "connect");
      await until(() => received.some((event) => event.type === "@xstate.actor" && event.name === "/"), `the namespace actor at the inspection server (got ${JSON.stringify(received.map((e) => [e.type, e.name]))})`);
    } finally {
      inspector.stop();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
