// A multi-node Socket.IO deployment on 127.0.0.1, every part a real process:
// Redis (redis-server), N socket.io 4.8 nodes sharing it through a Redis
// adapter, and nginx in front (sticky by ip_hash, plus a round-robin entrance).
// Used by the cluster tests (tests/cluster) and the load figure (bench/cluster.ts).
import { startBalancer, type Balancer } from "./nginx.js";
import { startNode, type ClusterNode } from "./node.js";
import type { NodeConfig } from "./node-server.js";
import { startRedis, type RedisServer } from "./redis.js";

export { asUser } from "./users.js";

export interface ClusterOptions {
  nodes?: number;
  adapter: NodeConfig["adapter"];
  recovery?: boolean;
}

export interface Cluster {
  redis: RedisServer;
  balancer: Balancer;
  /** The nodes running now, by position: a restarted node replaces its predecessor. */
  nodes: ClusterNode[];
  /** Stops node `index` (gracefully, or SIGKILL with `crash`), then starts its replacement on the same port. */
  restart(index: number, how?: { crash?: boolean }): Promise<ClusterNode>;
  /** Stops node `index` without replacement. */
  stopNode(index: number, how?: { crash?: boolean }): Promise<string>;
  /** Starts again a node stopped by stopNode(). */
  startNode(index: number): Promise<ClusterNode>;
  /** The node that holds the session of a socket id (asks every node). */
  nodeOf(socketId: string): Promise<ClusterNode | undefined>;
  stop(): Promise<void>;
}

const NAMES = "ABCDEFGH";

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.nodes ?? 3;
  const redis = await startRedis();
  const configOf = (index: number, port: number): NodeConfig => ({
    name: NAMES[index]!,
    port,
    redisUrl: redis.url,
    adapter: options.adapter,
    recovery: options.recovery ?? false,
  });
  const nodes: ClusterNode[] = [];
  const running = new Set<number>();
  try {
    nodes.push(...(await Promise.all(Array.from({ length: count }, (_, index) => startNode(configOf(index, 0))))));
    for (let index = 0; index < count; index++) running.add(index);
    const balancer = await startBalancer(nodes.map((node) => node.port));
    const cluster: Cluster = {
      redis,
      balancer,
      nodes,
      async stopNode(index, how = {}) {
        running.delete(index);
        return how.crash ? nodes[index]!.kill() : nodes[index]!.shutdown();
      },
      async startNode(index) {
        const node = await startNode(configOf(index, nodes[index]!.port));
        nodes[index] = node;
        running.add(index);
        return node;
      },
      async restart(index, how = {}) {
        await cluster.stopNode(index, how);
        return cluster.startNode(index);
      },
      async nodeOf(socketId) {
        for (const index of running) {
          const local = await nodes[index]!.call<string[]>({ op: "localSockets" });
          if (local.includes(socketId)) return nodes[index];
        }
        return undefined;
      },
      async stop() {
        await balancer.stop();
        await Promise.all(nodes.map((node) => node.kill()));
        await redis.stop();
      },
    };
    return cluster;
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    await redis.stop();
    throw error;
  }
}
