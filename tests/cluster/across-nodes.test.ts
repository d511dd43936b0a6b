// Broadcasts, rooms and server-side acknowledgements across the nodes of a
// deployment, seen by clients connected through the balancer: what a node
// does reaches the clients whose sessions are on the other nodes, once. With
// each Redis adapter: PUB/SUB (@socket.io/redis-adapter) and Streams.
import { describe, expect, it } from "vitest";
import type { Socket } from "../../src/index.js";
import { bytes, record, waitFor } from "../support/util.js";
import type { Cluster } from "./deployment/cluster.js";
import { useCluster, usersOnEveryNode, type Clients } from "./support.js";

for (const adapter of ["redis", "redis-streams"] as const) {
  describe(`with ${adapter === "redis" ? "@socket.io/redis-adapter" : "@socket.io/redis-streams-adapter"}`, () => {
    let cluster: Cluster;
    const c: Clients = useCluster({ adapter }, (started) => (cluster = started));
    const node = (name: string) => cluster.nodes.find((candidate) => candidate.name === name)!;

    /** One user on each of A, B and C. */
    async function oneUserPerNode(options = {}): Promise<Record<"A" | "B" | "C", Socket>> {
      const byNode = await usersOnEveryNode(c, cluster, ["A", "B", "C"], 1, options);
      return { A: byNode.get("A")![0]!, B: byNode.get("B")![0]!, C: byNode.get("C")![0]! };
    }

    /**
     * Node `from` broadcasts "end" to everyone, and resolves once every socket got
     * it: what the same node broadcast before has then arrived too (one node's
     * broadcasts keep their order through either adapter).
     */
    async function barrier(from: string, sockets: Socket[]): Promise<void> {
      const ends = sockets.map((socket) => waitFor(socket, "end", 10_000));
      await node(from).call({ op: "broadcast", event: "end", args: [] });
      await Promise.all(ends);
    }

    it("a broadcast from node A reaches the clients on A, B and C, once each, binary included", async () => {
      const users = await oneUserPerNode();
      const sockets = Object.values(users);
      const received = sockets.map((socket) => record(socket, "news"));
      await node("A").call({ op: "broadcast", event: "news", args: ["from A", Buffer.from([1, 2, 3])] });
      await barrier("A", sockets);
      for (const calls of received) {
        expect(calls).toHaveLength(1);
        expect(calls[0]![0]).toBe("from A");
        expect(bytes(calls[0]![1])).toEqual([1, 2, 3]);
      }
    });

    it("a broadcast from node B reaches the clients of A and C in the order B sent it", async () => {
      const users = await oneUserPerNode();
      const received = [users.A, users.C].map((socket) => record(socket, "tick"));
      for (let n = 0; n < 20; n++) await node("B").call({ op: "broadcast", event: "tick", args: [n] });
      await barrier("B", [users.A, users.C]);
      const expected = Array.from({ length: 20 }, (_, n) => [n]);
      for (const calls of received) expect(calls).toEqual(expected);
    });

    it("rooms span the nodes: joined on its own node or from another node, a member on B or C gets the room's broadcast from A; others do not", async () => {
      const users = await oneUserPerNode();
      // C joins through its own node; B is put in the room by node A (io.in(id).socketsJoin)
      await users.C.timeout(10_000).emitWithAck("join", "room-1");
      await node("A").call({ op: "joinRemote", socketId: users.B.id!, room: "room-1" });
      expect((await node("A").call<string[]>({ op: "fetchSockets", room: "room-1" })).sort()).toEqual([users.B.id, users.C.id].sort());
      const received = Object.fromEntries(Object.entries(users).map(([name, socket]) => [name, record(socket, "news")]));
      await node("A").call({ op: "broadcast", event: "news", args: ["room only"], room: "room-1" });
      await barrier("A", Object.values(users));
      expect(received.A).toEqual([]);
      expect(received.B).toEqual([["room only"]]);
      expect(received.C).toEqual([["room only"]]);
    });

    it("server-side emitWithAck with a timeout, from node A to a room on B and C: every client's answer comes back", async () => {
      const users = await oneUserPerNode();
      for (const [name, socket] of Object.entries(users)) {
        socket.on("question", (n: number, ack: (answer: string) => void) => ack(`${name}:${n * 2}`));
      }
      await users.B.timeout(10_000).emitWithAck("join", "askers");
      await users.C.timeout(10_000).emitWithAck("join", "askers");
      const answers = await node("A").call<string[]>({ op: "ask", room: "askers", event: "question", args: [21], timeout: 10_000 });
      expect(answers.sort()).toEqual(["B:42", "C:42"]);
      // the whole cluster: one answer per client, wherever it is
      const all = await node("A").call<string[]>({ op: "ask", event: "question", args: [1], timeout: 10_000 });
      expect(all.sort()).toEqual(["A:2", "B:2", "C:2"]);
    });

    it("server-side socket.timeout().emitWithAck on the node that holds the session, and to that socket's id from another node", async () => {
      const users = await oneUserPerNode();
      users.C.on("question", (n: number, ack: (answer: number) => void) => ack(n + 1));
      expect(await node("C").call({ op: "askSocket", socketId: users.C.id!, event: "question", args: [1], timeout: 10_000 })).toBe(2);
      expect(await node("A").call({ op: "ask", room: users.C.id!, event: "question", args: [41], timeout: 10_000 })).toEqual([42]);
    });

    it("a client's emitWithAck is answered by the node its session is on, for clients on every node", async () => {
      const users = await oneUserPerNode();
      for (const [name, socket] of Object.entries(users)) {
        expect(await socket.timeout(10_000).emitWithAck("whoami")).toBe(name);
        expect(await socket.timeout(10_000).emitWithAck("echo", name, [1, { two: 2 }])).toBe(name);
      }
    });
  });
}
