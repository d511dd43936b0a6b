// The lifecycle of one acknowledgement, from the emission that asks for it to
// its end. This chart is the one definition of that lifecycle, and ackLogic
// the one definition of its guards, delay and data updates. The Socket runs it
// for every pending ack through src/ack-registry.ts: as an XState actor of
// this machine when the Manager is inspected (so that every ack shows in the
// inspector), otherwise by walking this very state tree with plain records
// (one small object per ack, or only the callback of a plain ack resting
// where the chart put it; no actor, no snapshot). Tests run both on every
// generated path and compare them.
//
// The effects (send, call back) are named here and implemented by the
// registry; as a bare actor, the machine only records what it would do.
import { assign, setup } from "xstate";
import { delayOf } from "./delays.js";

export interface AckInput {
  /** The packet's ack id, unique per Socket. */
  id: number;
  /** ms before giving up waiting for this ack (`timeout(ms)` or `ackTimeout`); none waits forever. */
  timeout?: number | undefined;
  /** With the `retries` option: re-sends allowed after the first send. */
  retries?: number | undefined;
  /** Whether the callback takes an error first (`timeout()`, `ackTimeout`, `retries`, `emitWithAck`). */
  expectsError: boolean;
  /** Whether the packet left at once (otherwise it waits in the send buffer, until `packet.sent`). */
  transmitted: boolean;
}

/** The data of one acknowledgement: the machine's context, and the registry's record fields. */
export interface AckData extends AckInput {
  /** Sends so far (retries mode). */
  tries: number;
}

export type AckEvent =
  /** The buffered packet left with the send buffer. */
  | { type: "packet.sent" }
  /** The server acknowledged, with these arguments. */
  | { type: "ack.received"; args: unknown[] }
  /** The namespace lost its connection. */
  | { type: "connection.lost" }
  /** Retries mode: this emission is at the head of the queue and the socket is connected. */
  | { type: "queue.turn" }
  /** The Socket stopped trying to connect (disconnect(), denied, server disconnect, gave up). */
  | { type: "socket.inactive" }
  /** The send buffer's limits dropped the packet unsent (it was full, the packet too old, or cleared). */
  | { type: "packet.dropped"; reason: "overflow" | "expired" | "cleared" };

export const ACK_TIMEOUT_MESSAGE = "operation has timed out";
export const ACK_DISCONNECTED_MESSAGE = "socket has been disconnected";
/** The message of the error an ack whose packet the send buffer dropped gets, by reason. */
export const ackDroppedMessage = (reason: string) => `emission dropped from the send buffer (${reason})`;

/**
 * The guards, the delay and the data updates of the chart over the ack data,
 * defined once: the machine below wraps them for XState, the registry's
 * interpreter calls them on its records.
 */
export const ackLogic = {
  guards: {
    queuedForRetries: (data: AckData) => data.retries !== undefined,
    transmitted: (data: AckData) => data.transmitted,
    expectsError: (data: AckData) => data.expectsError,
    retriesLeft: (data: AckData) => data.tries <= (data.retries ?? 0),
    /** Its packet has not left the send buffer. */
    stillBuffered: (data: AckData) => !data.transmitted,
  },
  delays: {
    // no timeout: a delay no clock of the client fires (machines/delays.ts)
    ackTimeout: (data: AckData) => delayOf(data.timeout),
  },
  updates: {
    countTry: (data: AckData): Partial<AckData> => ({ tries: data.tries + 1 }),
    markSent: (): Partial<AckData> => ({ transmitted: true }),
  },
};

/** The effects of the chart, by name; the registry implements them, the bare machine leaves them empty. */
export const ACK_EFFECTS = [
  "transmit",
  "discardUnsentPacket",
  "deliverResponse",
  "deliverTimeoutError",
  "deliverDisconnectError",
  "deliverDropError",
  "deliverFailure",
] as const;
export type AckEffect = (typeof ACK_EFFECTS)[number];

const effect = () => {};
const { guards, delays, updates } = ackLogic;

export const ackMachine = setup({
  types: {
    context: {} as AckData,
    events: {} as AckEvent,
    input: {} as AckInput,
  },
  delays: {
    ackTimeout: ({ context }) => delays.ackTimeout(context),
  },
  guards: {
    queuedForRetries: ({ context }) => guards.queuedForRetries(context),
    transmitted: ({ context }) => guards.transmitted(context),
    expectsError: ({ context }) => guards.expectsError(context),
    retriesLeft: ({ context }) => guards.retriesLeft(context),
    stillBuffered: ({ context }) => guards.stillBuffered(context),
  },
  actions: {
    countTry: assign(({ context }) => updates.countTry(context)),
    markSent: assign(() => updates.markSent()),
    transmit: effect,
    discardUnsentPacket: effect,
    deliverResponse: effect,
    deliverTimeoutError: effect,
    deliverDisconnectError: effect,
    deliverDropError: effect,
    deliverFailure: effect,
  },
}).createMachine({
  id: "ack",
  context: ({ input }) => ({ ...input, tries: 0 }),
  initial: "emitted",
  states: {
    emitted: {
      always: [
        { guard: "queuedForRetries", target: "queued" },
        { guard: "transmitted", target: "pending.awaitingAck" },
        { target: "pending.buffered" },
      ],
    },
    // emitted without `retries`: one send, one deadline counted from the emission
    pending: {
      initial: "buffered",
      after: {
        ackTimeout: [
          // never sent: it must not leave later (socket.io #4318)
          { guard: "stillBuffered", target: "timedOut", actions: "discardUnsentPacket" },
          { target: "timedOut" },
        ],
      },
      states: {
        buffered: {
          on: {
            "packet.sent": { target: "awaitingAck", actions: "markSent" },
            // nothing would send it: a caller waiting for an error gets one now, not at its deadline
            "socket.inactive": { guard: "expectsError", target: "#ack.disconnected", actions: "discardUnsentPacket" },
            // a plain callback is never called, as for a lost connection; the Socket's send_buffer_drop event says it
            "packet.dropped": [{ guard: "expectsError", target: "#ack.discarded" }, { target: "#ack.dropped" }],
          },
        },
        awaitingAck: {
          on: {
            "ack.received": { target: "#ack.acknowledged" },
            // like the official client: an ack that can take an error gets one, a plain ack is forgotten
            "connection.lost": [{ guard: "expectsError", target: "#ack.disconnected" }, { target: "#ack.dropped" }],
          },
        },
      },
    },
    // with `retries`: waits for the acks emitted before it, and for a connection
    queued: {
      on: {
        "queue.turn": { target: "inFlight" },
        "socket.inactive": { target: "disconnected" },
      },
    },
    inFlight: {
      entry: ["countTry", "transmit"],
      after: {
        ackTimeout: [{ guard: "retriesLeft", target: "inFlight", reenter: true }, { target: "gaveUp", actions: "deliverFailure" }],
      },
      on: {
        "ack.received": { target: "acknowledged" },
        // sent again after the reconnection, as a retry, if retries are left
        "connection.lost": [{ guard: "retriesLeft", target: "queued" }, { target: "gaveUp", actions: "deliverFailure" }],
      },
    },
    acknowledged: { type: "final", entry: "deliverResponse" },
    timedOut: { type: "final", entry: "deliverTimeoutError" },
    disconnected: { type: "final", entry: "deliverDisconnectError" },
    discarded: { type: "final", entry: "deliverDropError" },
    dropped: { type: "final" },
    gaveUp: { type: "final" },
  },
});
