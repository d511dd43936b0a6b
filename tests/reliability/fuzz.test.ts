// Hostile frames, fuzzed (issue 13): a raw engine.io server plays the socket.io
// server and sends generated frames of every packet type, well-formed,
// mutated, hostile and huge (tests/reliability/frames.ts), to a client with
// Sockets on "/" (one acknowledgement pending) and "/n". For every run, with
// the seed printed and replayable (FUZZ_SEED, FUZZ_PATH):
// - no uncaught exception and no unhandled rejection reaches the host;
// - no hang: every connection ends as the oracle says, by a parse error or by
//   answering the probe sent after its frames;
// - every disconnect and close reason is a documented one, and it is the one
//   the documented rules give (frames.ts, plan());
// - listeners and the ack callback see exactly the events the rules deliver,
//   well-formed (string or number names, no reserved name);
// - the client ends connected or reconnecting (a Socket the server
//   disconnected is inactive, as documented, and connect() brings it back).
// FUZZ_FRAMES frames in all: 10,000 in `npm test`, 100,000 in `npm run test:soak`.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manager, Socket } from "../../src/index.js";
import { clients, waitFor, within } from "../support/util.js";
import { startScriptedServer, trapUncaught, type Peer } from "../integration/socket-helpers.js";
import { count } from "./counts.js";
import { ackWithArguments, canonical, eventWithArguments, frameGroup, FUZZED_NAMESPACES, PENDING_ACK_EVENT, plan, probe, PROBE_NAMESPACE, type FrameGroup, type Segment } from "./frames.js";

const FRAMES = count("FUZZ_FRAMES", 10_000, 100_000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0;
if (!Number.isSafeInteger(SEED)) throw new TypeError(`FUZZ_SEED must be an integer, got ${JSON.stringify(process.env.FUZZ_SEED)}`);
const PATH = process.env.FUZZ_PATH || undefined;
/** How long one connection may take to show its end before the run counts as hung (a failure, not a measure). */
const HANG_MS = 10_000;

const DISCONNECT_REASONS = ["io server disconnect", "io client disconnect", "transport close", "transport error", "ping timeout", "parse error"];
const RESERVED_EVENTS = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
const CLOSE_REASONS = ["forced close", "transport close", "transport error", "ping timeout", "parse error"];

const c = clients();
let server: Awaited<ReturnType<typeof startScriptedServer>>;
let trap: ReturnType<typeof trapUncaught>;
let sessions = 0;

beforeAll(async () => {
  trap = trapUncaught();
  // the server accepts every namespace CONNECT, whenever it comes; a closed connection's peer is dropped
  server = await startScriptedServer((peer) => {
    peer.socket.on("close", () => server.peers.splice(server.peers.indexOf(peer), 1));
    peer.socket.on("message", (message: unknown) => {
      if (typeof message !== "string" || message[0] !== "0") return;
      const nsp = /^0(\/[^,]*),/.exec(message)?.[1];
      peer.send(`0${nsp ? `${nsp},` : ""}${JSON.stringify({ sid: `s${++sessions}` })}`);
    });
  });
});
afterAll(async () => {
  c.cleanup();
  await server?.close();
  await trap?.restore();
});

/** What the client showed during one segment. */
function observe(manager: Manager, sockets: Record<string, Socket>) {
  const seen = { events: [] as unknown[][], acks: [] as unknown[][], disconnects: [] as Array<[string, string]>, closes: [] as string[], problems: [] as string[] };
  manager.on("close", (reason: string) => seen.closes.push(reason));
  for (const nsp of FUZZED_NAMESPACES) {
    const socket = sockets[nsp]!;
    socket.onAny((name: unknown, ...args: unknown[]) => {
      if (!(typeof name === "string" || typeof name === "number") || RESERVED_EVENTS.includes(name as string)) {
        seen.problems.push(`${nsp} delivered an event named ${canonical(name)}`);
      }
      seen.events.push([nsp, name, ...args]);
    });
    socket.on("disconnect", (reason: string) => seen.disconnects.push([nsp, reason]));
    socket.on("connect_error", (error: Error) => seen.problems.push(`${nsp} connect_error: ${error.message}`));
  }
  return {
    seen,
    reset() {
      for (const list of Object.values(seen)) list.length = 0;
    },
  };
}

/** Resolves once every Socket is connected. */
async function connected(sockets: Socket[]) {
  await Promise.all(sockets.map((socket) => (socket.connected ? undefined : waitFor(socket, "connect", HANG_MS))));
}

/** The server side of the client's current connection. */
function peerOf(manager: Manager): Peer {
  const peer = server.peers.find((p) => p.socket.id === manager.engine.id);
  if (!peer) throw new Error(`no server-side peer for engine ${manager.engine.id}`);
  return peer;
}

/** "closed" when the connection ends, "probe" when the client answers probe `k`. */
function outcome(peer: Peer, k: number): Promise<"closed" | "probe"> {
  const answer = probe(k);
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => message === answer && done("probe");
    const onClose = () => done("closed");
    const done = (result: "closed" | "probe") => {
      peer.socket.off("message", onMessage);
      peer.socket.off("close", onClose);
      resolve(result);
    };
    peer.socket.on("message", onMessage);
    peer.socket.on("close", onClose);
    if (peer.socket.readyState === "closed") done("closed");
  });
}

function describeSegment(segment: Segment, index: number): string {
  const groups = segment.groups.map((group) => `  ${String(group[fc.toStringMethod]())}`).join("\n");
  return `segment ${index} (must end by ${segment.end === "parse error" ? `a parse error at ${segment.culprit}` : "answering the probe"}):\n${groups}`;
}

const stackOf = (error: unknown) => (error instanceof Error ? (error.stack ?? String(error)).split("\n").slice(0, 12).join("\n") : String(error));
/** The same rows (as canonical() writes them); a difference is shown where it starts, not as megabytes of diff. */
function expectSameRows(seen: unknown[][], expected: unknown[][], what: string) {
  const [got, want] = [seen.map(canonical), expected.map(canonical)];
  for (let row = 0; row < Math.max(got.length, want.length); row++) {
    const [a = "(none)", b = "(none)"] = [got[row], want[row]];
    if (a === b) continue;
    let at = 0;
    while (a[at] === b[at]) at++;
    const around = (text: string) => `${at > 60 ? "…" : ""}${text.slice(Math.max(0, at - 60), at + 100)}${text.length > at + 100 ? "…" : ""}`;
    expect.fail(`${what}\nrow ${row} of ${got.length} seen / ${want.length} expected differs at character ${at}:\n  seen:     ${around(a)}\n  expected: ${around(b)}`);
  }
}

let framesSent = 0;
let connections = 0;

/** One run: a fresh client, the run's frames connection by connection, and the checks. */
async function run(groups: FrameGroup[]) {
  await trap.drain();
  trap.errors.length = 0;
  const segments = plan(groups);
  const manager = c.manager(server.url, { transports: ["websocket"], reconnectionDelay: 0, reconnectionDelayMax: 0, randomizationFactor: 0 });
  const sockets: Record<string, Socket> = Object.fromEntries([...FUZZED_NAMESPACES, PROBE_NAMESPACE].map((nsp) => [nsp, c.socket(manager, nsp)]));
  const prober = sockets[PROBE_NAMESPACE]!;
  prober.on("p", (k: number) => prober.emit("p", k));
  const { seen, reset } = observe(manager, sockets);
  try {
    await connected(Object.values(sockets));
    sockets["/"]!.emit(PENDING_ACK_EVENT, (...args: unknown[]) => seen.acks.push(args));
    await peerOf(manager).next((m) => m === `20["${PENDING_ACK_EVENT}"]`, "the acknowledgement request with id 0");
    for (const [index, segment] of segments.entries()) {
      const what = describeSegment(segment, index);
      const peer = peerOf(manager);
      reset();
      for (const message of segment.messages) peer.send(message);
      const k = ++connections;
      peer.send(probe(k));
      const ended = await within(outcome(peer, k), HANG_MS, `the end of ${what}`);
      framesSent += segment.messages.length;
      await trap.drain();
      expect(trap.errors.map(stackOf), `uncaught in the host during ${what}`).toEqual([]);
      expect(ended, what).toBe(segment.end === "parse error" ? "closed" : "probe");
      expect(seen.problems, what).toEqual([]);
      expectSameRows(seen.events, segment.expected.events, `events of ${what}`);
      expectSameRows(seen.acks, segment.expected.acks, `acknowledgements of ${what}`);
      // one at most per Socket; their order across Sockets is not documented
      expect([...seen.disconnects].sort(), what).toEqual([...segment.expected.disconnects].sort());
      for (const [, reason] of seen.disconnects) expect(DISCONNECT_REASONS).toContain(reason);
      for (const reason of seen.closes) expect(CLOSE_REASONS).toContain(reason);
      // connected or reconnecting; what the server disconnected is inactive until connect()
      for (const nsp of [...FUZZED_NAMESPACES, PROBE_NAMESPACE]) {
        expect(sockets[nsp]!.active, `${nsp} active after ${what}`).toBe(!segment.inactiveAfter.includes(nsp));
      }
      for (const nsp of segment.inactiveAfter) sockets[nsp]!.connect();
      await connected(Object.values(sockets));
    }
  } finally {
    c.disconnectAll();
  }
  expect(c.cleanup()).toEqual([]);
}

describe("hostile frames, fuzzed", () => {
  it(`${FRAMES.toLocaleString("en")} generated frames: no host crash, no hang, documented outcomes only`, { timeout: 60_000 + FRAMES * 20 }, async () => {
    framesSent = 0;
    connections = 0;
    console.log(`fuzz: seed ${SEED}, ${FRAMES} frames (replay: FUZZ_SEED=${SEED} FUZZ_FRAMES=${FRAMES} npx vitest run tests/reliability/fuzz.test.ts; a failure's path: FUZZ_PATH=...)`);
    // rounds of runs until FRAMES frames went out; round r runs with seed SEED + r
    for (let round = 0; framesSent < FRAMES; round++) {
      const seed = (SEED + round) | 0;
      const runs = Math.max(1, Math.ceil((FRAMES - framesSent) / 25));
      try {
        await fc.assert(fc.asyncProperty(fc.array(frameGroup, { minLength: 1, maxLength: 40, size: "medium" }), run), {
          seed,
          // a failing run is reported as found: shrinking waits out a hang per try, longer than the test's timeout
          endOnFailure: true,
          numRuns: PATH ? 1 : runs,
          ...(PATH ? { path: PATH } : {}),
        });
      } catch (error) {
        console.log(`fuzz: ${framesSent} frames sent over ${connections} connections, then a failure`);
        (error as Error).message = `round ${round} (FUZZ_SEED=${seed} replays it as round 0, with FUZZ_PATH=<its path> the failing run alone): ${(error as Error).message}`;
        throw error;
      }
      if (PATH) break;
    }
    console.log(`fuzz: ${framesSent} frames sent over ${connections} connections`);
    expect(framesSent).toBeGreaterThanOrEqual(PATH ? 1 : FRAMES);
  });
});

// issue 13: "Arguments that cannot be passed to a listener (more than the engine
// allows) are a `parse error` (or another documented outcome), never a crash."
describe("arguments that cannot be passed to a function", () => {
  it("an EVENT with 500,000 arguments for a connected Socket is a parse error, not an uncaught RangeError", async () => {
    await run([eventWithArguments("/", 500_000)]);
  });

  it("an ACK with 500,000 arguments for a pending callback is a parse error, not an uncaught RangeError", async () => {
    await run([ackWithArguments(500_000)]);
  });
});
