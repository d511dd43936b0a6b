// What the cluster test files share: a deployment per file (started before its
// tests, stopped after), clients that look like distinct users to the
// balancer, and the check after each test that every client was disconnected
// and no Manager is left open.
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { Socket } from "../../src/index.js";
import { activeResources } from "../support/resources.js";
import { clients, waitFor } from "../support/util.js";
import { asUser, startCluster, type Cluster, type ClusterOptions } from "./deployment/cluster.js";

export type Clients = ReturnType<typeof clients>;

/** Starts a deployment for the file; `use` gets it once it is up. */
export function useCluster(options: ClusterOptions, use: (cluster: Cluster, c: Clients) => void): Clients {
  const c = clients();
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
    use(cluster, c);
  });
  afterEach(() => {
    expect(c.cleanup()).toEqual([]);
  });
  afterAll(() => cluster?.stop());
  return c;
}

/** Resolves once the socket is connected (at once if it already is). */
export async function connected(socket: Socket, ms = 10_000): Promise<void> {
  if (!socket.connected) await waitFor(socket, "connect", ms);
}

/** The name of the node the socket's session is on, as that node says. */
export const nodeOfClient = (socket: Socket): Promise<string> => socket.timeout(10_000).emitWithAck("whoami");

/**
 * Connects users (each with a source address of its own) through the sticky
 * entrance until every node in `names` has at least `perNode` of them; the
 * hash decides where a user lands, so this takes the first users that do.
 */
export async function usersOnEveryNode(
  c: Clients,
  cluster: Cluster,
  names: string[],
  perNode = 1,
  options: Parameters<Clients["io"]>[1] = {},
): Promise<Map<string, Socket[]>> {
  const byNode = new Map<string, Socket[]>(names.map((name) => [name, []]));
  const missing = () => [...byNode.values()].some((sockets) => sockets.length < perNode);
  for (let user = 0; missing(); user++) {
    if (user >= 200) throw new Error(`200 users did not reach every node ${perNode} times: ${JSON.stringify([...byNode].map(([name, list]) => [name, list.length]))}`);
    const socket = c.io(cluster.balancer.url, { ...asUser(user), ...options });
    await connected(socket);
    const name = await nodeOfClient(socket);
    const list = byNode.get(name);
    if (list && list.length < perNode) list.push(socket);
    else socket.disconnect();
  }
  return byNode;
}

type Resources = ReturnType<typeof activeResources>;

/**
 * The process's timers and TCP sockets once they stopped changing for 150 ms
 * (as tests/integration/leaks.test.ts reads them): what closing connections
 * and the test runner hold for a moment has gone by then.
 */
export async function settledResources(): Promise<Resources> {
  let last = JSON.stringify(activeResources());
  for (let stable = 0, i = 0; stable < 15 && i < 1000; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = JSON.stringify(activeResources());
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return JSON.parse(last) as Resources;
}
