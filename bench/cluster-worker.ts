// One trial of the cluster load figure, for one client, in a fresh process:
// connect `count` clients (each a distinct user to the balancer) to the
// deployment, and measure the time until every one emitted `connect`, the CPU
// this process spent meanwhile, and the heap each connected client holds once
// the connections settled (upgraded to WebSocket). cluster.ts compiles this
// file to plain JavaScript and forks it with --expose-gc.
import { performance } from "node:perf_hooks";
import type * as Official from "socket.io-client";
import { asUser } from "../tests/cluster/deployment/users.js";

export interface ClusterTrialJob {
  /** file: URL of the client's entry module. */
  clientModule: string;
  url: string;
  count: number;
  deadlineMs: number;
}

export type ClusterTrialReply =
  | { ok: true; connectMs: number; cpuMs: number; heapPerClient: number; upgraded: number; nodes: Record<string, number> }
  | { ok: false; error: string };

type ClientSocket = Official.Socket;

const gc = () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with --expose-gc");
  for (let i = 0; i < 3; i++) collect();
};

function untilTrue(predicate: () => boolean, deadline: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) return resolve();
      if (performance.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 5);
    };
    check();
  });
}

async function trial(job: ClusterTrialJob): Promise<ClusterTrialReply> {
  const { io } = (await import(job.clientModule)) as Pick<typeof Official, "io">;
  const deadline = performance.now() + job.deadlineMs;
  // the users' options (an http.Agent each) exist before the baseline: they are the test's, not the client's
  const users = Array.from({ length: job.count }, (_, index) => asUser(index));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const sockets: ClientSocket[] = [];
  let connected = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let connectMs = NaN;
  let cpuMs = NaN;
  const allConnected = new Promise<void>((resolve) => {
    for (const user of users) {
      const socket = io(job.url, { forceNew: true, ...user });
      socket.once("connect", () => {
        if (++connected === job.count) {
          connectMs = performance.now() - started;
          const cpu = process.cpuUsage(cpuBefore);
          cpuMs = (cpu.user + cpu.system) / 1000;
          resolve();
        }
      });
      sockets.push(socket);
    }
  });
  await Promise.race([allConnected, untilTrue(() => false, deadline, `${job.count} connections`)]);
  const upgradedCount = () => sockets.filter((socket) => socket.io.engine?.transport?.name === "websocket").length;
  await untilTrue(() => upgradedCount() === job.count, deadline, "every connection upgraded to WebSocket");
  gc();
  const heapPerClient = (process.memoryUsage().heapUsed - heapBefore) / job.count;
  const nodes: Record<string, number> = {};
  await Promise.all(
    sockets.slice(0, 300).map(async (socket) => {
      const name = (await socket.timeout(30_000).emitWithAck("whoami")) as string;
      nodes[name] = (nodes[name] ?? 0) + 1;
    }),
  );
  const upgraded = upgradedCount();
  for (const socket of sockets) socket.disconnect();
  return { ok: true, connectMs, cpuMs, heapPerClient, upgraded, nodes };
}

process.once("message", (job: ClusterTrialJob) => {
  trial(job).then(
    (reply) => process.send!(reply, () => process.exit(0)),
    (error: unknown) => process.send!({ ok: false, error: String(error) } satisfies ClusterTrialReply, () => process.exit(1)),
  );
});
