// Through the balancer: long-polling needs every request of a session to reach
// the node that holds it (nginx's ip_hash here); the upgrade to WebSocket goes
// to that node too. Without stickiness, long-polling fails the documented way:
// the node that did not create the session answers HTTP 400 "Session ID
// unknown"; the client reports it as connect_error and tries again, never
// hangs, never throws. WebSocket alone needs no stickiness (one connection).
import { expect, it } from "vitest";
import type { Socket } from "../../src/index.js";
import { trapUncaught } from "../integration/socket-helpers.js";
import { record, until, waitFor } from "../support/util.js";
import { asUser, type Cluster } from "./deployment/cluster.js";
import { connected, nodeOfClient, useCluster, usersOnEveryNode } from "./support.js";

let cluster: Cluster;
const c = useCluster({ adapter: "redis" }, (started) => (cluster = started));
const node = (name: string) => cluster.nodes.find((candidate) => candidate.name === name)!;

/** The requests and upgrades each node saw for the engine.io session `sid`. */
async function requestsPerNode(sid: string): Promise<Record<string, { requests: number; upgrades: number }>> {
  const counts: Record<string, { requests: number; upgrades: number }> = {};
  for (const { name } of cluster.nodes) counts[name] = await node(name).call({ op: "requests", sid });
  return counts;
}

/** Resolves once the engine runs over WebSocket. */
async function upgraded(socket: Socket): Promise<void> {
  if (socket.io.engine.transport.name !== "websocket") await waitFor(socket.io.engine, "upgrade", 10_000);
}

it("polling, then the upgrade to WebSocket, on every node: each session's requests and its upgrade all reach the node that holds it", async () => {
  const byNode = await usersOnEveryNode(c, cluster, ["A", "B", "C"], 1, { transports: ["polling", "websocket"] });
  for (const [name, [socket]] of byNode) {
    await upgraded(socket!);
    expect(socket!.io.engine.transport.name).toBe("websocket");
    const counts = await requestsPerNode(socket!.io.engine.id);
    for (const [other, count] of Object.entries(counts)) {
      if (other === name) {
        expect(count.requests).toBeGreaterThan(0); // long-polling requests of the session (after the handshake)
        expect(count.upgrades).toBe(1);
      } else {
        expect(count).toEqual({ requests: 0, upgrades: 0 });
      }
    }
    // the session carries on over WebSocket, on the same node
    expect(await nodeOfClient(socket!)).toBe(name);
    expect(await socket!.timeout(10_000).emitWithAck("echo", "over websocket")).toBe("over websocket");
  }
});

it("long-polling alone through the balancer: the session stays on one node, request after request", async () => {
  const socket = c.io(cluster.balancer.url, { ...asUser(7), transports: ["polling"] });
  await connected(socket);
  const name = await nodeOfClient(socket);
  for (let n = 0; n < 10; n++) expect(await socket.timeout(10_000).emitWithAck("echo", n)).toBe(n);
  expect(socket.io.engine.transport.name).toBe("polling");
  const counts = await requestsPerNode(socket.io.engine.id);
  expect(Object.entries(counts).filter(([, count]) => count.requests > 0).map(([other]) => other)).toEqual([name]);
  expect(counts[name]!.requests).toBeGreaterThanOrEqual(10);
});

it("without stickiness, long-polling fails as documented: connect_error (HTTP 400, Session ID unknown), then new attempts, never connected, nothing thrown", async () => {
  const trap = trapUncaught();
  try {
    const socket = c.io(cluster.balancer.roundRobinUrl, { reconnectionDelay: 20, reconnectionDelayMax: 40, randomizationFactor: 0 });
    // the response body is read in the listener: the engine aborts the request afterwards, which empties it
    const errors: Array<{ error: Error & { description?: unknown }; body: unknown }> = [];
    socket.on("connect_error", (error: Error & { context?: { responseText?: string } }) => {
      errors.push({ error, body: JSON.parse(error.context?.responseText || "null") });
    });
    const attempts = record(socket.io, "reconnect_attempt");
    const connects = record(socket, "connect");
    const disconnects = record(socket, "disconnect");
    const sessions = new Set<string>();
    socket.io.on("open", () => sessions.add(socket.io.engine.id));
    await until(() => errors.length >= 3, "three connect_error events", 30_000);
    for (const { error, body } of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/^xhr (poll|post) error$/);
      expect(error.description).toBe(400);
      expect(body).toEqual({ code: 1, message: "Session ID unknown" });
    }
    expect(socket.active).toBe(true); // it keeps trying
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(sessions.size).toBeGreaterThanOrEqual(3); // each attempt: a new handshake, then the next request on another node
    expect(connects).toEqual([]);
    expect(disconnects).toEqual([]); // never connected, so no disconnect (docs/differences.md)
    socket.disconnect();
    expect(socket.active).toBe(false);
    await trap.drain();
    expect(trap.errors).toEqual([]);
  } finally {
    await trap.restore();
  }
});

it("without stickiness, WebSocket alone works: one connection, nothing to keep on one node", async () => {
  const sockets = [0, 1, 2].map((user) => c.io(cluster.balancer.roundRobinUrl, { ...asUser(user), transports: ["websocket"] }));
  await Promise.all(sockets.map((socket) => connected(socket)));
  const names = await Promise.all(sockets.map((socket) => nodeOfClient(socket)));
  // round robin: the three connections are not all on one node (one stray request in between may shift one)
  expect(new Set(names).size).toBeGreaterThanOrEqual(2);
  for (const socket of sockets) expect(await socket.timeout(10_000).emitWithAck("echo", socket.id)).toBe(socket.id);
});
