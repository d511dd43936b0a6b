// Watching the machines live: every actor of a Manager (connection, transport,
// backoff, namespaces) reports to the XState inspection observer given as the
// Manager's `inspect` option. This entry (socket.io-client-xstate/inspector):
// - transitionLogger(): one readable line per state change, for a terminal;
// - statelySanitizers: what the Stately inspector should show of a context.
// The Stately inspector itself is in adapters/stately.ts (its own entry,
// /inspector/stately), so that nothing here refers to the optional peer
// @statelyai/inspect: a bundler resolves every import it sees, dynamic ones too.
import type { InspectionEvent } from "xstate";

/** What actorName() reads of an actor (the inspection events' `actorRef`, whatever the xstate 5 release types it as). */
type NamedActor = { id?: string; _parent?: NamedActor };

export interface TransitionLoggerOptions {
  /** Where each line goes; console.log by default. */
  log?: (line: string) => void;
  /** Also print the events the machines receive (not only state changes). */
  events?: boolean;
}

/** A state value as a dotted path: { active: { engine: "open" } } -> "active.engine.open". */
export function formatStateValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value !== "object" || value === null) return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([key, child]) => `${key}.${formatStateValue(child)}`)
    .join(" | ");
}

/** The actor's place in its Manager: "connection", "connection/transport", "connection/namespace /admin". */
export function actorName(actor: object): string {
  const names: string[] = [];
  for (let ref: NamedActor | undefined = actor as NamedActor; ref; ref = ref._parent) {
    const id = ref.id ?? "?";
    names.unshift(id.startsWith("/") ? `namespace ${id}` : id);
  }
  return names.join("/");
}

/**
 * An inspection observer that prints one line per state change of any
 * machine of the Manager, with the event that caused it, in the order the
 * transitions happen (transient states included):
 *
 *     connection                   active.engine.opening -> active.engine.open  on transport.opened
 */
export function transitionLogger(options: TransitionLoggerOptions = {}): (event: InspectionEvent) => void {
  const log = options.log ?? ((line: string) => console.log(line));
  const states = new WeakMap<object, string>();
  return (inspection) => {
    if (inspection.type === "@xstate.event") {
      if (options.events) log(`${actorName(inspection.actorRef).padEnd(28)} <- ${inspection.event.type}`);
      return;
    }
    // an actor whose initial state takes no transition (the backoff's `waiting`) shows it in its first snapshot
    if (inspection.type === "@xstate.snapshot") {
      const value = (inspection.snapshot as { value?: unknown }).value;
      if (value === undefined || states.has(inspection.actorRef)) return;
      const initial = formatStateValue(value);
      states.set(inspection.actorRef, initial);
      log(`${actorName(inspection.actorRef).padEnd(28)} ${initial}`);
      return;
    }
    // microsteps come as each transition is taken, before the effects it causes
    if (inspection.type !== "@xstate.microstep") return;
    const next = formatStateValue((inspection.snapshot as { value?: unknown }).value);
    const previous = states.get(inspection.actorRef);
    if (previous === next) return;
    states.set(inspection.actorRef, next);
    const name = actorName(inspection.actorRef).padEnd(28);
    log(previous === undefined ? `${name} ${next}` : `${name} ${previous} -> ${next}  on ${inspection.event.type}`);
  };
}

/** Keeps what can be shown of a context: data, not functions (secrets are hidden references already). */
export function sanitizeContext(context: Record<string, unknown>): Record<string, unknown> {
  // callback actors (the transport) have no context
  if (typeof context !== "object" || context === null) return context;
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value === "function") continue;
    shown[key] = value;
  }
  return shown;
}

/** Drops what cannot be shown of an event: transport handles, packets' binary payloads stay as they are. */
export function sanitizeEvent<T extends { type: string }>(event: T): T {
  if (event.type === "transport.created") return { type: event.type } as T;
  if (event.type === "api.createNamespace") {
    const { listener: _listener, ...rest } = event as T & { listener?: unknown };
    return rest as unknown as T;
  }
  return event;
}

/** The sanitizers to give @statelyai/inspect's createBrowserInspector / createWebSocketInspector. */
export const statelySanitizers = { sanitizeContext, sanitizeEvent };
