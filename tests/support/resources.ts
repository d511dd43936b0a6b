// What a client can leave running in the process: timers and TCP sockets
// (Node's active resources), read as counts, and the same counts once they
// stopped changing. No imports: a child process measuring its own heap loads
// this too.
import { setTimeout as sleep } from "node:timers/promises";

export type ResourceCounts = { Timeout: number; TCPSocketWrap: number };

/** How many handles of the kinds a client can leak (timers, TCP sockets) the process holds now. */
export function activeResources(): ResourceCounts {
  const counts = { Timeout: 0, TCPSocketWrap: 0 };
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === "Timeout" || kind === "TCPSocketWrap") counts[kind]++;
  }
  return counts;
}

/** Every active resource of the process (timers, sockets, pipes, ...), counted by kind. */
export function allActiveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * The process's timers and TCP sockets (or what `read` counts) once they
 * stopped changing for 150 ms: sockets and timers of earlier tests, of closing
 * connections, and the short timer vitest sets when a test starts have gone by then.
 */
export async function settledResources(): Promise<ResourceCounts>;
export async function settledResources<T>(read: () => T): Promise<T>;
export async function settledResources(read: () => unknown = activeResources): Promise<unknown> {
  let last = JSON.stringify(read());
  for (let stable = 0, i = 0; stable < 15 && i < 300; i++) {
    await sleep(10);
    const now = JSON.stringify(read());
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return JSON.parse(last);
}
