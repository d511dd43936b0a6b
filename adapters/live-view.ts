// The live view: a page served on 127.0.0.1 that draws every machine of the
// client from its definition and highlights the current state of each live
// actor, as an inspection observer reports them. It needs no internet: the
// page is one HTML document (adapters/live-view-page.ts), and the states come
// over Server-Sent Events from this process.
//
// Only names leave the process: the actor's id, session id and parent, its
// machine's id, its state value, the type of the event that changed it and
// the transitions taken. Never a context or an event's payload: they may hold
// an auth token or a session id.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AnyStateMachine, InspectionEvent } from "xstate";
import { ackMachine, backoffMachine, connectionMachine, namespaceMachine } from "../machines/index.js";
import { actorName } from "./inspector.js";
import { leafPaths, livePage, transitionKey } from "./live-view-page.js";

export interface LiveViewOptions {
  /** The port on 127.0.0.1; a free one by default. */
  port?: number;
}

export interface LiveView {
  /** The page, e.g. http://127.0.0.1:43210/ */
  url: string;
  /** The inspection observer to give as the `inspect` option of io() or new Manager(). */
  inspect: (event: InspectionEvent) => void;
  /** Pages that follow the view now. */
  readonly pages: number;
  /** Closes the pages' streams and the server; the observer ignores what comes afterwards. */
  stop(): Promise<void>;
}

/** The machines drawn, in the order of the page; an actor of another machine is not shown. */
const charts: readonly AnyStateMachine[] = [connectionMachine, namespaceMachine, backoffMachine, ackMachine];
const chartIds = new Set(charts.map((machine) => machine.id));

/** Actors kept per machine for the pages (a process may make Managers all day); ended ones go first. */
const keptPerMachine = 200;
/** Ended actors (done, stopped) kept per machine, so that a page still shows how they ended. */
const keptEnded = 20;
/** A page that reads slower than this is behind is cut off; its EventSource reconnects to the current states. */
const maxBacklog = 4 * 1024 * 1024;

type ActorMessage = { t: "actor"; key: number; id: string; session: string; parent: number | null; machine: string; name: string };
type StateMessage = { t: "state"; key: number; state: string[]; status: string; event: string; taken: string[] };
type Message = ActorMessage | StateMessage | { t: "forget"; key: number } | { t: "hello" };

interface Entry {
  actor: ActorMessage;
  state?: StateMessage;
  ended: boolean;
}

type InspectedRef = { id?: string; sessionId?: string; logic?: unknown; _parent?: object };

/** The id of the machine the actor runs, when it is one the page draws. */
function machineOf(actorRef: object): string | undefined {
  const logic = (actorRef as InspectedRef).logic as { id?: unknown; root?: unknown } | undefined;
  return typeof logic?.id === "string" && logic.root !== undefined && chartIds.has(logic.id) ? logic.id : undefined;
}

/**
 * Starts the live view on 127.0.0.1 and returns its URL and the observer to
 * give to the client:
 *
 * @example
 * const view = await startLiveView();
 * console.log(`open ${view.url}`);
 * const socket = io(url, { inspect: view.inspect });
 * // later
 * await view.stop();
 */
export async function startLiveView(options: LiveViewOptions = {}): Promise<LiveView> {
  const nonce = randomBytes(16).toString("base64");
  const page = livePage(charts, nonce);
  const streams = new Set<ServerResponse>();
  const entries = new Map<number, Entry>();
  const keys = new WeakMap<object, number>();
  const taken = new WeakMap<object, string[]>();
  let nextKey = 1;
  let stopped = false;
  let port = 0;

  // ------------------------------------------------------------ to the pages

  let outbox: string[] = [];
  let flushing: ReturnType<typeof setImmediate> | undefined;
  const frame = (message: Message) => `data: ${JSON.stringify(message)}\n\n`;
  const flush = () => {
    flushing = undefined;
    const chunk = outbox.join("");
    outbox = [];
    for (const stream of streams) {
      if (stream.writableLength > maxBacklog) stream.destroy();
      else stream.write(chunk);
    }
  };
  // one write per turn of the event loop, however many transitions it saw
  const broadcast = (message: Message) => {
    if (streams.size === 0) return;
    outbox.push(frame(message));
    flushing ??= setImmediate(flush);
  };

  // ------------------------------------------------------------ the actors

  // per machine, in the order they appeared; the ended ones also in the order they ended
  const byMachine = new Map(charts.map((machine) => [machine.id, { all: new Set<number>(), ended: new Set<number>() }]));

  const forget = (key: number) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    const kept = byMachine.get(entry.actor.machine)!;
    kept.all.delete(key);
    kept.ended.delete(key);
    broadcast({ t: "forget", key });
  };

  const keepWithinBounds = (machine: string) => {
    const kept = byMachine.get(machine)!;
    while (kept.ended.size > keptEnded) forget(kept.ended.values().next().value!);
    while (kept.all.size > keptPerMachine) forget((kept.ended.size > 0 ? kept.ended : kept.all).values().next().value!);
  };

  const register = (actorRef: object, machine: string): number => {
    const known = keys.get(actorRef);
    if (known !== undefined && entries.has(known)) return known;
    const key = nextKey++;
    keys.set(actorRef, key);
    const ref = actorRef as InspectedRef;
    // a parent the page draws is listed first, even when its child reports before it
    const parentMachine = ref._parent ? machineOf(ref._parent) : undefined;
    const parent = ref._parent && parentMachine ? register(ref._parent, parentMachine) : undefined;
    const actor: ActorMessage = {
      t: "actor",
      key,
      id: String(ref.id ?? "?"),
      session: String(ref.sessionId ?? ""),
      parent: parent ?? null,
      machine,
      name: actorName(actorRef as Parameters<typeof actorName>[0]),
    };
    entries.set(key, { actor, ended: false });
    byMachine.get(machine)!.all.add(key);
    broadcast(actor);
    keepWithinBounds(machine);
    return key;
  };

  const observe = (inspection: InspectionEvent) => {
    if (inspection.type !== "@xstate.microstep" && inspection.type !== "@xstate.snapshot") return;
    const machine = machineOf(inspection.actorRef);
    if (machine === undefined) return;
    if (inspection.type === "@xstate.microstep") {
      // the transitions of one macrostep come before its snapshot
      const names = inspection._transitions.map(transitionKey).filter((name): name is string => name !== undefined);
      if (names.length > 0) taken.set(inspection.actorRef, [...(taken.get(inspection.actorRef) ?? []), ...names]);
      return;
    }
    const key = register(inspection.actorRef, machine);
    const entry = entries.get(key)!;
    const snapshot = inspection.snapshot as { value?: unknown; status?: unknown };
    const names = taken.get(inspection.actorRef) ?? [];
    taken.delete(inspection.actorRef);
    const state = leafPaths(snapshot.value);
    const status = String(snapshot.status ?? "active");
    const previous = entry.state;
    if (previous && names.length === 0 && previous.status === status && previous.state.join("\n") === state.join("\n")) return;
    entry.state = { t: "state", key, state, status, event: String(inspection.event?.type ?? ""), taken: names };
    broadcast(entry.state);
    if (status !== "active" && !entry.ended) {
      entry.ended = true;
      byMachine.get(machine)!.ended.add(key);
      keepWithinBounds(machine);
    }
  };

  const inspect = (inspection: InspectionEvent) => {
    if (stopped) return;
    try {
      observe(inspection);
    } catch {
      // a view must never break the client it watches
    }
  };

  // ------------------------------------------------------------ the server

  const follow = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
    const current: Message[] = [{ t: "hello" }];
    for (const entry of entries.values()) current.push(entry.actor, ...(entry.state ? [entry.state] : []));
    res.write(`retry: 1000\n\n${current.map(frame).join("")}`);
    streams.add(res);
    res.on("close", () => streams.delete(res));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // another name for this address (DNS rebinding) must not read the states
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
      res.writeHead(421, { "content-type": "text/plain" });
      return res.end("this live view answers on 127.0.0.1 only\n");
    }
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" });
      return res.end();
    }
    if (path === "/events") return follow(res);
    if (path !== "/") {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found\n");
    }
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // the page loads nothing: only its own inline style and script, and its event stream
      "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    });
    res.end(page);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    inspect,
    get pages() {
      return streams.size;
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        stopped = true;
        if (flushing) clearImmediate(flushing);
        flushing = undefined;
        outbox = [];
        entries.clear();
        for (const kept of byMachine.values()) {
          kept.all.clear();
          kept.ended.clear();
        }
        for (const stream of streams) stream.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
