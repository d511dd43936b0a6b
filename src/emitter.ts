// The event emitter of Manager and Socket: @socket.io/component-emitter (the
// official client's, so that typed code compiles unchanged), plus
// - symbol event names, which the docs allow and the official emitter rejects
//   with a TypeError ('$' + symbol);
// - dispatch() through src/dispatch.ts, which isolates listeners from each
//   other's errors;
// - a single listener of an event is stored without an array (see below).
import { Emitter as BaseEmitter, type EventsMap } from "@socket.io/component-emitter";
import { invoke, invokeAll } from "./dispatch.js";

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

/**
 * component-emitter's store (`_callbacks`, keyed by `'$' + event`), with one
 * difference: an event with a single listener holds it directly, and an
 * array only from the second one. Most events of most Sockets have one
 * listener (or none): one array less each, per Socket.
 */
type Slot = Listener | Listener[];
type Store = Record<string, Slot | undefined>;
interface Holder {
  _callbacks?: Store;
}

const storeOf = (emitter: object): Store => ((emitter as Holder)._callbacks ??= {});

function listen(this: object, event: Key, fn: Listener) {
  const store = storeOf(this);
  const name = "$" + keyOf(event);
  const slot = store[name];
  if (slot === undefined) store[name] = fn;
  else if (typeof slot === "function") store[name] = [slot, fn];
  else slot.push(fn);
  return this;
}

const matches = (cb: Listener, fn: Listener) => cb === fn || (cb as { fn?: unknown }).fn === fn;

function unlisten(this: object, ...args: [event?: Key, fn?: Listener]) {
  // off() with no argument removes everything
  if (args.length === 0) {
    (this as Holder)._callbacks = {};
    return this;
  }
  const store = storeOf(this);
  const name = "$" + keyOf(args[0]!);
  const slot = store[name];
  if (slot === undefined) return this;
  if (args.length === 1) {
    delete store[name];
    return this;
  }
  const fn = args[1]!;
  if (typeof slot === "function") {
    if (matches(slot, fn)) delete store[name];
    return this;
  }
  for (let i = 0; i < slot.length; i++) {
    if (matches(slot[i]!, fn)) {
      slot.splice(i, 1);
      break;
    }
  }
  // like component-emitter: no empty arrays left behind
  if (slot.length === 0) delete store[name];
  return this;
}

/**
 * The listeners of `event`: the store's own array, as component-emitter
 * returns it (a single listener moves into one, so that the array stays live).
 */
function listeners(this: object, event: Key): Listener[] {
  const store = storeOf(this);
  const name = "$" + keyOf(event);
  const slot = store[name];
  if (slot === undefined) return [];
  if (typeof slot === "function") return (store[name] = [slot]);
  return slot;
}

function emit(this: object, event: Key, ...args: unknown[]) {
  const slot = (this as Holder)._callbacks?.["$" + keyOf(event)];
  if (slot === undefined) return this;
  if (typeof slot === "function") {
    slot.apply(this, args);
    return this;
  }
  for (const fn of slot.slice()) fn.apply(this, args);
  return this;
}

const proto = Emitter.prototype as unknown as Record<string, unknown>;
// component-emitter's own once() stays: it goes through on() and off()
proto.on = proto.addEventListener = listen;
proto.off = proto.removeListener = proto.removeAllListeners = proto.removeEventListener = unlisten;
proto.listeners = listeners;
proto.hasListeners = function (this: object, event: Key) {
  return hasListeners(this, event);
};
proto.emit = proto.emitReserved = emit;

/** Calls every listener of `event` on `emitter` with `args`, each isolated from the others' errors. */
export function dispatch(emitter: object, event: Key, args: readonly unknown[]): void {
  const slot = (emitter as Holder)._callbacks?.["$" + keyOf(event)];
  if (slot === undefined) return;
  if (typeof slot === "function") invoke(emitter, slot, args);
  else invokeAll(emitter, slot, args);
}

/** Whether `emitter` has listeners of `event` (read from the store: cheap enough per packet). */
export function hasListeners(emitter: object, event: Key): boolean {
  const slot = (emitter as Holder)._callbacks?.["$" + keyOf(event)];
  return slot !== undefined && (typeof slot === "function" || slot.length > 0);
}
