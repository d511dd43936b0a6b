// The event emitter of Manager and Socket: @socket.io/component-emitter (the
// official client's, so that typed code compiles unchanged), plus
// - symbol event names, which the docs allow and the official emitter rejects
//   with a TypeError ('$' + symbol);
// - dispatch that isolates listeners: one that throws does not keep the next
//   ones from running, nor leave the client half-way through a transition;
//   its error is reported to the host asynchronously.
import { Emitter as BaseEmitter, type EventsMap } from "@socket.io/component-emitter";
import { reportError } from "./report-error.js";

export type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "@socket.io/component-emitter";

type Listener = (...args: any[]) => unknown;
type Key = string | symbol;

const symbolKeys = new Map<symbol, string>();
/**
 * component-emitter keys its listeners by `'$' + event`: each symbol gets a
 * string of its own starting with "\0S", and strings starting with "\0" get
 * one more "\0", so that no event name from the wire can reach a symbol's listeners.
 */
function keyOf(event: Key): string {
  if (typeof event !== "symbol") return typeof event === "string" && event.charCodeAt(0) === 0 ? "\0" + event : event;
  let key = symbolKeys.get(event);
  if (key === undefined) {
    key = `\0S${symbolKeys.size}:${String(event.description)}`;
    symbolKeys.set(event, key);
  }
  return key;
}

export class Emitter<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ReservedEvents extends EventsMap = {},
> extends BaseEmitter<ListenEvents, EmitEvents, ReservedEvents> {
  /** Calls every listener of `event` with `args`, each isolated from the others' errors. */
  protected dispatch(event: Key, args: readonly unknown[]): void {
    const listeners = (BaseEmitter.prototype.listeners as (this: unknown, event: string) => Listener[]).call(
      this,
      keyOf(event),
    );
    invokeAll(this, listeners, args);
  }
}

/** Calls each of `listeners` (as they are now: one added or removed meanwhile does not count) with `args`. */
export function invokeAll(self: unknown, listeners: readonly Listener[], args: readonly unknown[]): void {
  if (listeners.length === 0) return;
  if (listeners.length === 1) return invoke(self, listeners[0]!, args);
  for (const listener of listeners.slice()) invoke(self, listener, args);
}

export function invoke(self: unknown, listener: Listener, args: readonly unknown[]): void {
  try {
    listener.apply(self, args as unknown[]);
  } catch (error) {
    reportError(error);
  }
}

// Symbol support: the typed signatures stay the base class's; only the key changes.
const base = BaseEmitter.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
const proto = Emitter.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
// hasListeners() and once() go through these
for (const method of ["on", "addEventListener", "listeners"] as const) {
  const original = base[method]!;
  proto[method] = function (this: unknown, event: unknown, ...rest: unknown[]) {
    return original.call(this, keyOf(event as Key), ...rest);
  };
}
for (const method of ["off", "removeListener", "removeAllListeners", "removeEventListener"] as const) {
  const original = base[method]!;
  // off() with no argument removes everything: keep the argument count
  proto[method] = function (this: unknown, ...args: unknown[]) {
    if (args.length > 0) args[0] = keyOf(args[0] as Key);
    return original.apply(this, args);
  };
}
