// The event emitter of Manager and Socket: @socket.io/component-emitter (the
// official client's, so that typed code compiles unchanged), plus
// - symbol event names, which the docs allow and the official emitter rejects
//   with a TypeError ('$' + symbol);
// - dispatch() through src/dispatch.ts, which isolates listeners from each
//   other's errors.
import { Emitter as BaseEmitter, type EventsMap } from "@socket.io/component-emitter";
import { invokeAll } from "./dispatch.js";

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
> extends BaseEmitter<ListenEvents, EmitEvents, ReservedEvents> {}

const baseListeners = BaseEmitter.prototype.listeners as (this: unknown, event: string) => Listener[];

/** Calls every listener of `event` on `emitter` with `args`, each isolated from the others' errors. */
export function dispatch(emitter: object, event: Key, args: readonly unknown[]): void {
  invokeAll(emitter, baseListeners.call(emitter, keyOf(event)), args);
}

/** Whether `emitter` has listeners of `event` (read from component-emitter's store: cheap enough per packet). */
export function hasListeners(emitter: object, event: string): boolean {
  return !!(emitter as unknown as { _callbacks?: Record<string, unknown[] | undefined> })._callbacks?.["$" + keyOf(event)]?.length;
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
