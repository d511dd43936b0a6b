// Child processes of a deployment (Redis, nginx, socket.io nodes): free ports,
// readiness read from what the process says or from its port accepting, and
// no orphan left if the parent dies without stopping them.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import type { AddressInfo } from "node:net";

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Keeps `child` in the set killed when this process exits. */
export function adopt<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/**
 * A port free right now on 127.0.0.1, for a program that cannot be told to
 * listen on port 0 and report it (redis-server, nginx): the caller retries on
 * "address in use" if another process took it meanwhile.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a TCP connection to the port is accepted now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Why a process stopped, once it did: its exit code or signal, and the end of its output. */
export function exitOf(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(describeExit(child.exitCode, child.signalCode));
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(describeExit(code, signal))));
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `killed by ${signal}` : `exited with ${code}`);

/** Runs `command`, keeps the last lines it printed (for error messages), and adopts it. */
export function run(command: string, args: string[]): ChildProcess & { output(): string } {
  const child = adopt(spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] }));
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return Object.assign(child, { output: () => output });
}

/** Stops a process with `signal` and resolves once it has exited. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<string> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exitOf(child);
}
