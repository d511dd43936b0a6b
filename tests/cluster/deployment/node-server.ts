// One socket.io 4.8 node of the deployment, in its own process (forked by
// node.ts). Its adapter shares rooms, broadcasts and acknowledgements with the
// other nodes through Redis: @socket.io/redis-adapter (Redis PUB/SUB), or
// @socket.io/redis-streams-adapter, which also keeps sessions and missed
// packets in Redis for connection state recovery on any node.
//
// What a client can ask:     "whoami" (ack) -> node name; "join" (room, ack);
//   "echo" (...args, ack); "work" (item, ack) -> counted in Redis, then acked.
// What the test can ask (IPC, see NodeRequest): broadcasts, server-side
//   emitWithAck to a room or to one socket, remote room joins, fetchSockets,
//   the sockets held here, the HTTP requests seen per engine.io session.
// SIGTERM is a graceful shutdown: io.close() (sessions persisted for recovery
// by the streams adapter), Redis connections closed after their last command.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter as createPubSubAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server, type ServerOptions } from "socket.io";

export interface NodeConfig {
  name: string;
  /** 0 for any; a restarted node takes its predecessor's port, which the balancer knows. */
  port: number;
  redisUrl: string;
  adapter: "redis" | "redis-streams";
  /** connectionStateRecovery (needs the streams adapter to work across nodes). */
  recovery: boolean;
}

export type NodeRequest =
  | { op: "broadcast"; event: string; args: unknown[]; room?: string }
  | { op: "ask"; event: string; args: unknown[]; room?: string; timeout: number }
  | { op: "askSocket"; socketId: string; event: string; args: unknown[]; timeout: number }
  | { op: "joinRemote"; socketId: string; room: string }
  | { op: "fetchSockets"; room?: string }
  | { op: "localSockets" }
  | { op: "localSocketDetails" }
  | { op: "requests"; sid: string }
  | { op: "workCounts" };

export type NodeMessage =
  | { type: "ready"; port: number }
  | { type: "reply"; id: number; ok: true; value: unknown }
  | { type: "reply"; id: number; ok: false; error: string };

const config = JSON.parse(process.env.CLUSTER_NODE ?? "null") as NodeConfig | null;
const send = process.send?.bind(process);
if (!config || !send) {
  console.error("node-server.ts is started by node.ts (CLUSTER_NODE and an IPC channel)");
  process.exit(2);
}

const redis = createClient({ url: config.redisUrl });
const subscriber = config.adapter === "redis" ? redis.duplicate() : undefined;
const data = redis.duplicate();
for (const client of [redis, subscriber, data]) client?.on("error", (error) => console.error(`${config.name}: redis:`, error));
await Promise.all([redis.connect(), subscriber?.connect(), data.connect()]);

/** HTTP requests and WebSocket upgrades seen per engine.io session id. */
const requests = new Map<string, { requests: number; upgrades: number }>();
const countFor = (req: IncomingMessage) => {
  const sid = new URL(req.url ?? "/", "http://node").searchParams.get("sid");
  if (!sid) return undefined;
  let count = requests.get(sid);
  if (!count) requests.set(sid, (count = { requests: 0, upgrades: 0 }));
  return count;
};

const http = createServer();

const options: Partial<ServerOptions> = {
  adapter: config.adapter === "redis" ? createPubSubAdapter(redis, subscriber) : createStreamsAdapter(redis),
  serveClient: false,
};
if (config.recovery) options.connectionStateRecovery = { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true };
const io = new Server(http, options);
// after the Server: engine.io takes over the "request" listeners there were
http.on("request", (req) => {
  const count = countFor(req);
  if (count) count.requests++;
});
http.on("upgrade", (req) => {
  const count = countFor(req);
  if (count) count.upgrades++;
});

io.on("connection", (socket) => {
  socket.on("whoami", (ack: (name: string) => void) => ack(config.name));
  socket.on("join", async (room: string, ack: () => void) => {
    await socket.join(room);
    ack();
  });
  socket.on("echo", (...args: unknown[]) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("work", async (item: string, ack: (node: string) => void) => {
    await data.hIncrBy("work", item, 1);
    ack(config.name);
  });
});

/**
 * Resolves once what this node sent to Redis before has been done: commands on
 * one connection are answered in order, so a PING answered means a broadcast's
 * XADD or PUBLISH went through; the turn of the event loop lets the adapter
 * deliver it to the local sockets too.
 */
async function flushed(): Promise<void> {
  await redis.ping();
  await new Promise((resolve) => setImmediate(resolve));
}

async function handle(request: NodeRequest): Promise<unknown> {
  const target = (room?: string) => (room === undefined ? io : io.to(room));
  switch (request.op) {
    case "broadcast":
      target(request.room).emit(request.event, ...request.args);
      await flushed();
      return null;
    case "ask":
      return await (request.room === undefined ? io : io.to(request.room)).timeout(request.timeout).emitWithAck(request.event, ...request.args);
    case "askSocket": {
      const socket = io.sockets.sockets.get(request.socketId);
      if (!socket) throw new Error(`${request.socketId} is not connected to ${config!.name}`);
      return await socket.timeout(request.timeout).emitWithAck(request.event, ...request.args);
    }
    case "joinRemote":
      io.in(request.socketId).socketsJoin(request.room);
      await flushed();
      return null;
    case "fetchSockets":
      return (await (request.room === undefined ? io : io.in(request.room)).fetchSockets()).map((socket) => socket.id);
    case "localSockets":
      return [...io.sockets.sockets.keys()];
    case "localSocketDetails":
      return [...io.sockets.sockets.values()].map((socket) => ({
        id: socket.id,
        user: socket.handshake.headers["x-forwarded-for"],
        issued: socket.handshake.issued,
        recovered: socket.recovered,
        transport: socket.conn.transport.name,
        readyState: socket.conn.readyState,
      }));
    case "requests":
      return requests.get(request.sid) ?? { requests: 0, upgrades: 0 };
    case "workCounts":
      return await data.hGetAll("work");
  }
}

process.on("message", (message: NodeRequest & { id: number }) => {
  handle(message).then(
    (value) => send({ type: "reply", id: message.id, ok: true, value } satisfies NodeMessage),
    (error: unknown) => send({ type: "reply", id: message.id, ok: false, error: String(error instanceof Error ? error.message : error) } satisfies NodeMessage),
  );
});

let shuttingDown = false;
process.on("SIGTERM", () => {
  if (shuttingDown) return;
  shuttingDown = true;
  // io.close() disconnects every socket at once ("server shutting down", a
  // reason recovery accepts: the streams adapter persists each session now,
  // its SET queued before the QUITs) and closes the engine and the HTTP server.
  const closed = new Promise<void>((resolve) => void io.close(() => resolve()));
  http.closeAllConnections();
  void closed
    .then(() => Promise.allSettled([redis.quit(), subscriber?.quit(), data.quit()]))
    .then(() => process.exit(0));
});
// the parent went away: no node outlives its test
process.on("disconnect", () => process.exit(0));

http.listen(config.port, "127.0.0.1", () => {
  send({ type: "ready", port: (http.address() as AddressInfo).port } satisfies NodeMessage);
});
