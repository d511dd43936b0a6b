// The test's handle on one socket.io node process (node-server.ts): start it,
// ask it things over IPC, stop it gracefully (SIGTERM) or kill it (SIGKILL).
import { fork, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeConfig, NodeMessage, NodeRequest } from "./node-server.js";
import { adopt, exitOf, stop } from "./processes.js";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "node-server.ts");

export interface ClusterNode {
  name: string;
  port: number;
  readonly process: ChildProcess;
  /** Sends a request; rejects with the node's error, or if it exits first. */
  call<T = unknown>(request: NodeRequest): Promise<T>;
  /** SIGTERM: a graceful shutdown (io.close()); resolves once the process exited. */
  shutdown(): Promise<string>;
  /** SIGKILL: a crash; resolves once the process exited. */
  kill(): Promise<string>;
}

export async function startNode(config: NodeConfig): Promise<ClusterNode> {
  const env: NodeJS.ProcessEnv = { ...process.env, CLUSTER_NODE: JSON.stringify(config) };
  delete env.NODE_OPTIONS; // vitest's, if any, stays out of the node
  const child = adopt(fork(SCRIPT, [], { env, execArgv: ["--import", "tsx"], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: NodeMessage) => {
      if (message.type === "ready") resolve(message.port);
      else reject(new Error(`${config.name}: unexpected first message ${JSON.stringify(message)}`));
    });
    void exitOf(child).then((how) => reject(new Error(`${config.name} ${how} before it was ready`)));
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on("message", (message: NodeMessage) => {
    if (message.type !== "reply") return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.value);
    else waiter?.reject(new Error(`${config.name}: ${message.error}`));
  });
  void exitOf(child).then((how) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${config.name} ${how}`));
    pending.clear();
  });
  let nextId = 0;
  return {
    name: config.name,
    port,
    process: child,
    call<T>(request: NodeRequest) {
      return new Promise<T>((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${config.name} is not running`));
        const id = ++nextId;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ ...request, id });
      });
    },
    shutdown: () => stop(child, "SIGTERM"),
    kill: () => stop(child, "SIGKILL"),
  };
}
