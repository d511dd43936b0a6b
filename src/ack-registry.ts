// The pending acknowledgements of one Socket. Each runs the ack machine's
// chart (machines/ack.machine.ts) through its lifecycle, in one of two ways:
// - by default, as a small record that the chart interpreter walks (no actor,
//   no snapshot: a plain ack resting in the state the chart put it in is
//   stored as its callback alone, see PLAIN_RESTING);
// - when the Manager is inspected, as an XState actor of the ack machine, a
//   child of the namespace actor, so that every ack shows in the inspector.
// Both use the machine's guards, delay and updates (ackLogic) and the effects
// below, defined once; the registry owns the callback, the packet and the
// place in the retries queue of each ack.
import type { Packet } from "socket.io-parser";
import { createActor, type Actor, type AnyActorRef } from "xstate";
import {
  ACK_DISCONNECTED_MESSAGE,
  ACK_EFFECTS,
  ACK_TIMEOUT_MESSAGE,
  ackDroppedMessage,
  ackLogic,
  ackMachine,
  type AckData,
  type AckEffect,
  type AckEvent,
} from "../machines/ack.machine.js";
import { startTimer, timerDelay, type Timers } from "../adapters/clock.js";
import { compileChart, type ChartRecord, type StateInfo } from "./chart-interpreter.js";
import { afterTurn, invoke, turn } from "./dispatch.js";

export type AckCallback = (...args: unknown[]) => void;

/** What the registry needs from its Socket. */
export interface AckHost {
  /** Sends a queued emission now (retries mode); `retry` when it was sent before. */
  transmit(packet: Packet, retry: boolean): void;
  /** A new ack id of the Socket (each re-send has its own, like the official client's). */
  nextId(): number;
  /** Removes a never-sent packet from the send buffer. */
  discardUnsent(id: number): void;
  /** Whether the Socket is connected, so that the head of the queue may be sent. */
  isConnected(): boolean;
}

export interface AckRegistryOptions {
  /** The Manager's timers (they follow `useNativeTimers` and `autoUnref`). */
  timers: Timers;
  /** With inspection: each ack is an actor of the ack machine, a child of the actor this gives (the namespace's). */
  actorsUnder?: () => AnyActorRef | undefined;
}

export interface AckRequest {
  id: number;
  timeout: number | undefined;
  retries: number | undefined;
  expectsError: boolean;
  transmitted: boolean;
  callback: AckCallback | undefined;
  /** Kept for re-sends (retries mode). */
  packet: Packet | undefined;
}

/** One emission of the retries queue, as the official client's `_queue` shows it. */
export interface QueuedEmission {
  id: number;
  tryCount: number;
  /** Sent, and waiting for its ack. */
  pending: boolean;
  /** The event name, then the arguments. */
  args: unknown[];
}

type AckActor = Actor<typeof ackMachine>;

/**
 * One pending ack. Run by the interpreter, its chart fields are its data; run
 * by an actor (the registry's #actors), the actor's context is. Only what every
 * ack needs is a field: a pending ack with a timeout costs no more heap than
 * the official client's.
 */
interface PendingAck extends ChartRecord, AckData {
  owner: AckRegistry;
  callback: AckCallback | undefined;
  packet: Packet | undefined;
}

type InternalEvent = AckEvent | { type: string };

const START: InternalEvent = { type: "xstate.init" };
const CONNECTION_LOST: InternalEvent = { type: "connection.lost" };
const PACKET_SENT: InternalEvent = { type: "packet.sent" };
const QUEUE_TURN: InternalEvent = { type: "queue.turn" };
const SOCKET_INACTIVE: InternalEvent = { type: "socket.inactive" };

/** Calls the ack's callback, exactly once. */
function call(record: PendingAck, args: unknown[]) {
  const { callback } = record;
  if (!callback) return;
  record.callback = undefined;
  invoke(undefined, callback, args);
}

/** The chart's effects, for both ways of running it: `data` is the ack's data where the chart keeps it. */
const effects: Record<AckEffect, (record: PendingAck, data: AckData, event: InternalEvent) => void> = {
  transmit(record, data) {
    const { packet, owner } = record;
    if (!packet) return;
    if (data.tries === 1) return owner.host.transmit(packet, false);
    const id = owner.host.nextId();
    owner.alias(record, id);
    owner.host.transmit({ ...packet, id }, true);
  },
  discardUnsentPacket: (record) => record.owner.host.discardUnsent(record.id),
  deliverResponse(record, data, event) {
    const args = (event as Extract<AckEvent, { type: "ack.received" }>).args;
    call(record, data.expectsError ? [null, ...args] : args);
  },
  deliverTimeoutError: (record) => call(record, [new Error(ACK_TIMEOUT_MESSAGE)]),
  deliverDisconnectError: (record) => call(record, [new Error(ACK_DISCONNECTED_MESSAGE)]),
  deliverDropError: (record, _data, event) =>
    call(record, [new Error(ackDroppedMessage((event as Extract<AckEvent, { type: "packet.dropped" }>).reason))]),
  deliverFailure: (record, _data, event) =>
    call(record, [new Error(event.type === CONNECTION_LOST.type ? ACK_DISCONNECTED_MESSAGE : ACK_TIMEOUT_MESSAGE)]),
};

function fireTimer(record: PendingAck, eventType: string) {
  record.timer = undefined;
  record.owner.dispatch(record, { type: eventType });
}

const asMutation =
  (update: (data: AckData) => Partial<AckData>) =>
  (record: PendingAck): void => {
    Object.assign(record, update(record));
  };

const chart = compileChart<PendingAck, InternalEvent>(ackMachine, {
  guards: ackLogic.guards,
  delays: ackLogic.delays,
  actions: {
    countTry: asMutation(ackLogic.updates.countTry),
    markSent: asMutation(ackLogic.updates.markSent),
    ...(Object.fromEntries(
      ACK_EFFECTS.map((name) => [name, (record: PendingAck, event: InternalEvent) => effects[name](record, record, event)]),
    ) as Record<AckEffect, (record: PendingAck, event: InternalEvent) => void>),
  },
  setTimer: (record, ms, eventType) => {
    const delay = timerDelay(ms);
    return delay === Infinity ? undefined : startTimer(record.owner.timers, delay, fireTimer, record, eventType);
  },
  clearTimer: (handle, record) => record.owner.timers.clearTimeoutFn(handle as ReturnType<typeof setTimeout>),
});

const BUFFERED: StateInfo = chart.states.get("ack.pending.buffered")!;
const IN_FLIGHT: StateInfo = chart.states.get("ack.inFlight")!;

function newRecord(owner: AckRegistry, request: AckRequest, state: StateInfo): PendingAck {
  return {
    state,
    timer: undefined,
    owner,
    id: request.id,
    timeout: request.timeout,
    retries: request.retries,
    expectsError: request.expectsError,
    transmitted: request.transmitted,
    tries: 0,
    callback: request.callback,
    packet: request.packet,
  };
}

/** The request of a plain ack: no timeout, no retries, no error first, sent at once. */
const plainRequest = (id: number, callback: AckCallback): AckRequest => ({
  id,
  timeout: undefined,
  retries: undefined,
  expectsError: false,
  transmitted: true,
  callback,
  packet: undefined,
});

/**
 * Where the chart's start puts every plain ack (its guards and delays read only
 * the fields that make it plain), found by starting one: a state with no timer,
 * that only an event leaves. So a plain ack costs what the official client's
 * does (a slot in an id-indexed table, for its callback), and its record is
 * made when an event it handles reaches it, in this state, before the chart
 * handles the event.
 */
const PLAIN_RESTING: StateInfo = (() => {
  const probe = newRecord(undefined as unknown as AckRegistry, plainRequest(0, () => {}), BUFFERED);
  chart.start(probe, START);
  if (probe.timer !== undefined || chart.isDone(probe)) throw new Error("ack chart: a plain ack must rest, with no timer, after its start");
  return probe.state;
})();

/** The events a resting plain ack handles (in its state or an ancestor's `on`); the others leave it resting. */
const RESTING_EVENTS: ReadonlySet<string> = (() => {
  const types = new Set<string>();
  for (let state: StateInfo | undefined = PLAIN_RESTING; state; state = state.parent) for (const type of state.on.keys()) types.add(type);
  return types;
})();

export class AckRegistry {
  readonly host: AckHost;
  readonly timers: Timers;
  readonly #actorsUnder: () => AnyActorRef | undefined;
  /** With inspection: the ack machine with this registry's effects, made once. */
  #actorLogic: typeof ackMachine | undefined;
  readonly #pending = new Map<number, PendingAck>();
  /** Retries mode: the ids of re-sends, to the ack they belong to (an answer to any copy settles it). */
  readonly #resent = new Map<number, PendingAck>();
  /** With inspection: the actor running each ack (made on first use; an ended ack's goes with its record). */
  #actors: WeakMap<PendingAck, AckActor> | undefined;
  /** Plain acks resting in PLAIN_RESTING: their callbacks by id (integer keys: array-like storage). */
  readonly #resting: Record<number, AckCallback | undefined> = Object.create(null);
  #restingCount = 0;
  /** Retries mode: emissions in order; the head is the one in flight. */
  readonly #queue: PendingAck[] = [];

  constructor(host: AckHost, { timers, actorsUnder }: AckRegistryOptions) {
    this.host = host;
    this.timers = timers;
    this.#actorsUnder = actorsUnder ?? (() => undefined);
  }

  /** Acknowledgements not yet ended. */
  get size(): number {
    return this.#pending.size + this.#restingCount;
  }

  /** Starts the lifecycle of one acknowledgement (a plain one sent at once: registerPlain()). */
  register(request: AckRequest): void {
    const record = newRecord(this, request, BUFFERED);
    this.#pending.set(record.id, record);
    if (record.retries !== undefined) this.#queue.push(record);
    const parent = this.#actorsUnder();
    if (parent) this.#startActor(record, parent);
    else {
      chart.start(record, START);
      this.#afterStep(record);
    }
    // a new head of the queue of a connected Socket goes at once
    if (this.#queue[0] === record && this.host.isConnected()) this.dispatch(record, QUEUE_TURN);
  }

  /** Starts the lifecycle of a plain ack (no timeout, no retries, no error first) whose packet left at once. */
  registerPlain(id: number, callback: AckCallback): void {
    if (this.#actorsUnder()) return this.register(plainRequest(id, callback));
    this.#resting[id] = callback;
    this.#restingCount++;
  }

  /** The server acknowledged packet `id`. Unknown ids (late, duplicate, hostile) are ignored. */
  settle(id: number, args: unknown[]): void {
    const event = { type: "ack.received", args };
    const record = this.#pending.get(id) ?? this.#resent.get(id);
    if (record) this.dispatch(record, event);
    else this.#dispatchResting(id, event);
  }

  /**
   * The send buffer was flushed: every ack still buffered left it, sent, or
   * taken out by the user (`socket.sendBuffer = []`), like the official
   * client's, which then waits for an answer or the next disconnection.
   */
  bufferFlushed(): void {
    for (const record of [...this.#pending.values()]) if (this.#isBuffered(record)) this.dispatch(record, PACKET_SENT);
  }

  /** The send buffer's limits dropped packet `id` unsent. */
  dropped(id: number, reason: "overflow" | "expired" | "cleared"): void {
    const record = this.#pending.get(id);
    if (record) this.dispatch(record, { type: "packet.dropped", reason });
  }

  /** The Socket connected: the head of the retries queue may go. */
  connected(): void {
    const head = this.#queue[0];
    if (head) this.dispatch(head, QUEUE_TURN);
  }

  /** The Socket lost its connection. */
  connectionLost(): void {
    this.#broadcast(CONNECTION_LOST);
  }

  /** The Socket stopped trying to connect: what waits for an error gets one. */
  socketInactive(): void {
    this.#broadcast(SOCKET_INACTIVE);
  }

  /** Retries mode: the emissions not ended yet, in order, shaped like the official client's private `_queue`. */
  queued(): QueuedEmission[] {
    return this.#queue
      .filter((record) => !this.#isDone(record))
      .map((record) => ({
        id: record.id,
        tryCount: this.#dataOf(record).tries,
        pending: this.#isInFlight(record),
        args: record.packet!.data as unknown[],
      }));
  }

  /** @internal `id` (a re-send's) settles `record` too */
  alias(record: PendingAck, id: number): void {
    this.#resent.set(id, record);
  }

  /** @internal the entry point of every event of an ack */
  dispatch(record: PendingAck, event: InternalEvent): void {
    const actor = this.#actorOf(record);
    if (actor) {
      // its end is seen by #startActor's subscription, also when its own timer ends it
      turn(() => actor.send(event as AckEvent));
    } else if (chart.send(record, event)) {
      this.#afterStep(record);
    }
  }

  /** `event` for every ack pending now (not for one its callbacks emit meanwhile). */
  #broadcast(event: InternalEvent) {
    const records = [...this.#pending.values()];
    const restingIds = this.#restingCount > 0 && RESTING_EVENTS.has(event.type) ? Object.keys(this.#resting) : [];
    for (const record of records) this.dispatch(record, event);
    for (const id of restingIds) this.#dispatchResting(Number(id), event);
  }

  /** Hands `event` to resting ack `id`, if any and if it handles it: its record is made in PLAIN_RESTING. */
  #dispatchResting(id: number, event: InternalEvent) {
    const callback = this.#resting[id];
    if (callback === undefined || !RESTING_EVENTS.has(event.type)) return;
    delete this.#resting[id];
    this.#restingCount--;
    const record = newRecord(this, plainRequest(id, callback), PLAIN_RESTING);
    chart.send(record, event);
    if (!chart.isDone(record)) this.#pending.set(id, record);
  }

  /** The ack as an actor of the ack machine, a child of the namespace actor: every inspection observer sees it. */
  #startActor(record: PendingAck, parent: AnyActorRef) {
    this.#actorLogic ??= ackMachine.provide({
      actions: Object.fromEntries(
        ACK_EFFECTS.map((name) => [
          name,
          ({ context, event }: { context: AckData; event: InternalEvent }) => {
            const target = this.#pending.get(context.id);
            // user code (callbacks) and writes run once the actors are idle, as everywhere
            if (target) afterTurn(() => effects[name](target, context, event));
          },
        ]),
      ),
    });
    const { id, timeout, retries, expectsError, transmitted } = record;
    const actor = createActor(this.#actorLogic, {
      parent,
      id: `ack ${id}`,
      input: { id, timeout, retries, expectsError, transmitted },
    });
    (this.#actors ??= new WeakMap()).set(record, actor);
    actor.subscribe({ complete: () => this.#afterStep(record) });
    turn(() => actor.start());
  }

  /** The actor running `record`, with inspection; undefined when the interpreter runs it. */
  #actorOf(record: PendingAck): AckActor | undefined {
    return this.#actors?.get(record);
  }

  #dataOf(record: PendingAck): AckData {
    return this.#actorOf(record)?.getSnapshot().context ?? record;
  }

  #isDone(record: PendingAck): boolean {
    const actor = this.#actorOf(record);
    return actor ? actor.getSnapshot().status === "done" : chart.isDone(record);
  }

  #isBuffered(record: PendingAck): boolean {
    const actor = this.#actorOf(record);
    return actor ? actor.getSnapshot().matches({ pending: "buffered" }) : record.state === BUFFERED;
  }

  #isInFlight(record: PendingAck): boolean {
    const actor = this.#actorOf(record);
    return actor ? actor.getSnapshot().matches("inFlight") : record.state === IN_FLIGHT;
  }

  #afterStep(record: PendingAck) {
    if (!this.#isDone(record)) return;
    this.#pending.delete(record.id);
    if (record.retries === undefined) return;
    for (const [id, resent] of this.#resent) if (resent === record) this.#resent.delete(id);
    const wasHead = this.#queue[0] === record;
    const index = this.#queue.indexOf(record);
    if (index !== -1) this.#queue.splice(index, 1);
    const next = this.#queue[0];
    if (wasHead && next && this.host.isConnected()) this.dispatch(next, QUEUE_TURN);
  }

  toJSON() {
    return { pending: this.size, queued: this.#queue.length };
  }
}
