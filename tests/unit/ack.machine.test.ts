// The ack machine as an XState actor on a simulated clock: every state and
// every transition. Its effects are empty in the machine (the registry
// implements them); here they are provided as recorders, so that each
// transition can be checked for what it would do.
import { createActor, SimulatedClock, type AnyStateNode, type SnapshotFrom } from "xstate";
import { describe, expect, it } from "vitest";
import { ACK_EFFECTS, ackLogic, ackMachine, type AckEvent, type AckInput } from "../../machines/ack.machine.js";
import { NEVER } from "../../machines/delays.js";

const EFFECTS = ACK_EFFECTS;

interface TransitionLike {
  source: AnyStateNode;
  eventType: string;
  target?: readonly AnyStateNode[] | undefined;
  guard?: unknown;
}
/** Names one transition of the chart, the same for the machine and its provided copies. */
const keyOf = (t: TransitionLike) => {
  const guard = typeof t.guard === "string" ? t.guard : ((t.guard as { type?: string } | undefined)?.type ?? (t.guard ? "inline" : "none"));
  return `${t.source.id} --${t.eventType || "always"} [${guard}]--> ${(t.target ?? []).map((n) => n.id).join(",") || "(none)"}`;
};
function transitionsOf(node: AnyStateNode): string[] {
  const own = [...[...node.transitions.values()].flat(), ...(node.always ?? [])].map(keyOf);
  return [...own, ...Object.values(node.states).flatMap(transitionsOf)];
}
/** Every transition the tests of this file took (checked by the last test). */
const taken = new Set<string>();

/** A started ack actor; `effects` lists "name(event type, tries)" of every effect, in order. */
function start(input: Partial<AckInput> = {}) {
  const clock = new SimulatedClock();
  const effects: string[] = [];
  const recorders = Object.fromEntries(
    EFFECTS.map((name) => [name, ({ context, event }: { context: { tries: number }; event: { type: string } }) => effects.push(`${name}(${event.type}, ${context.tries})`)]),
  );
  const machine = ackMachine.provide({ actions: recorders });
  const actor = createActor(machine, {
    clock,
    inspect: (event) => {
      if (event.type === "@xstate.microstep") for (const t of (event as unknown as { _transitions: TransitionLike[] })._transitions) taken.add(keyOf(t));
    },
    input: { id: 7, timeout: undefined, retries: undefined, expectsError: false, transmitted: true, ...input },
  });
  actor.start();
  const snapshot = () => actor.getSnapshot() as SnapshotFrom<typeof ackMachine>;
  return {
    actor,
    clock,
    effects,
    snapshot,
    value: () => snapshot().value,
    tries: () => snapshot().context.tries,
    status: () => snapshot().status,
  };
}

const ACK: AckEvent = { type: "ack.received", args: ["answer", 2] };
const LOST: AckEvent = { type: "connection.lost" };
const SENT: AckEvent = { type: "packet.sent" };
const TURN: AckEvent = { type: "queue.turn" };
const INACTIVE: AckEvent = { type: "socket.inactive" };
/** As long as "never" lasts on a foreign clock (machines/delays.ts): nothing may fire within it. */
const HUGE = NEVER - 1;

describe("emitted: where an emission starts", () => {
  it("goes to pending.awaitingAck when the packet left at once", () => {
    const ack = start({ transmitted: true });
    expect(ack.value()).toEqual({ pending: "awaitingAck" });
    expect(ack.tries()).toBe(0);
    expect(ack.effects).toEqual([]);
  });

  it("goes to pending.buffered when the packet waits in the send buffer", () => {
    const ack = start({ transmitted: false });
    expect(ack.value()).toEqual({ pending: "buffered" });
    expect(ack.effects).toEqual([]);
  });

  it.each([0, 1, 3])("goes to queued with retries (%i), whether transmitted or not, without sending", (retries) => {
    for (const transmitted of [true, false]) {
      const ack = start({ retries, transmitted });
      expect(ack.value()).toBe("queued");
      expect(ack.tries()).toBe(0);
      expect(ack.effects).toEqual([]);
    }
  });

  it("starts with the input as context and no try", () => {
    const ack = start({ id: 42, timeout: 10, retries: 2, expectsError: true, transmitted: false });
    expect(ack.snapshot().context).toEqual({ id: 42, timeout: 10, retries: 2, expectsError: true, transmitted: false, tries: 0 });
  });
});

describe("pending.buffered", () => {
  it("goes to pending.awaitingAck when the packet is sent", () => {
    const ack = start({ transmitted: false, timeout: 100 });
    ack.actor.send(SENT);
    expect(ack.value()).toEqual({ pending: "awaitingAck" });
    expect(ack.effects).toEqual([]);
  });

  it("times out after `timeout`, discarding the unsent packet before the error (socket.io #4318)", () => {
    const ack = start({ transmitted: false, timeout: 100, expectsError: true });
    ack.clock.increment(99);
    expect(ack.value()).toEqual({ pending: "buffered" });
    ack.clock.increment(1);
    expect(ack.value()).toBe("timedOut");
    expect(ack.status()).toBe("done");
    expect(ack.effects).toEqual([
      "discardUnsentPacket(xstate.after.ackTimeout.ack.pending, 0)",
      "deliverTimeoutError(xstate.after.ackTimeout.ack.pending, 0)",
    ]);
  });

  it("stays buffered when the connection is lost: the packet goes with the next connection", () => {
    for (const expectsError of [true, false]) {
      const ack = start({ transmitted: false, expectsError });
      ack.actor.send(LOST);
      expect(ack.value()).toEqual({ pending: "buffered" });
      expect(ack.effects).toEqual([]);
    }
  });

  it("ignores an ack and a queue turn: nothing was sent to be acknowledged", () => {
    const ack = start({ transmitted: false });
    ack.actor.send(ACK);
    ack.actor.send(TURN);
    expect(ack.value()).toEqual({ pending: "buffered" });
    expect(ack.effects).toEqual([]);
  });

  it("goes to disconnected when the Socket goes inactive and the callback takes an error: discards the unsent packet, then the error", () => {
    const ack = start({ transmitted: false, timeout: 100, expectsError: true });
    ack.clock.increment(40);
    ack.actor.send(INACTIVE);
    expect(ack.value()).toBe("disconnected");
    expect(ack.status()).toBe("done");
    expect(ack.effects).toEqual(["discardUnsentPacket(socket.inactive, 0)", "deliverDisconnectError(socket.inactive, 0)"]);
    // its deadline was cancelled: no timeout error later
    ack.clock.increment(HUGE);
    expect(ack.effects).toHaveLength(2);
  });

  it("ends at once on socket.inactive without a timeout too (emitWithAck): it would otherwise wait forever", () => {
    const ack = start({ transmitted: false, timeout: undefined, expectsError: true });
    ack.actor.send(INACTIVE);
    expect(ack.value()).toBe("disconnected");
    expect(ack.effects).toEqual(["discardUnsentPacket(socket.inactive, 0)", "deliverDisconnectError(socket.inactive, 0)"]);
  });

  it("stays buffered on socket.inactive with a plain callback: the packet waits for a later connect()", () => {
    const ack = start({ transmitted: false, timeout: undefined, expectsError: false });
    ack.actor.send(INACTIVE);
    expect(ack.value()).toEqual({ pending: "buffered" });
    expect(ack.effects).toEqual([]);
    ack.actor.send(SENT);
    ack.actor.send(ACK);
    expect(ack.value()).toBe("acknowledged");
    expect(ack.effects).toEqual(["deliverResponse(ack.received, 0)"]);
  });

  it("ends on packet.dropped (the send buffer's limits): an error-first callback gets the drop error, a plain one is never called", () => {
    const errorFirst = start({ transmitted: false, timeout: 100, expectsError: true });
    errorFirst.actor.send({ type: "packet.dropped", reason: "overflow" });
    expect(errorFirst.value()).toBe("discarded");
    expect(errorFirst.effects).toEqual(["deliverDropError(packet.dropped, 0)"]);
    const plain = start({ transmitted: false, timeout: undefined, expectsError: false });
    plain.actor.send({ type: "packet.dropped", reason: "expired" });
    expect(plain.value()).toBe("dropped");
    expect(plain.effects).toEqual([]);
    // a dropped packet is not in the buffer any more: nothing to discard at the deadline either
    errorFirst.clock.increment(HUGE);
    expect(errorFirst.effects).toHaveLength(1);
  });

  it("counts the timeout from the emission, not from the send", () => {
    const ack = start({ transmitted: false, timeout: 100 });
    ack.clock.increment(60);
    ack.actor.send(SENT);
    ack.clock.increment(40);
    expect(ack.value()).toBe("timedOut");
    // sent by then: nothing to discard
    expect(ack.effects).toEqual(["deliverTimeoutError(xstate.after.ackTimeout.ack.pending, 0)"]);
  });
});

describe("pending.awaitingAck", () => {
  it("goes to acknowledged on the ack, delivering the response", () => {
    const ack = start({ transmitted: true, timeout: 100 });
    ack.actor.send(ACK);
    expect(ack.value()).toBe("acknowledged");
    expect(ack.status()).toBe("done");
    expect(ack.effects).toEqual(["deliverResponse(ack.received, 0)"]);
  });

  it("times out after `timeout` with an error, without discarding anything", () => {
    const ack = start({ transmitted: true, timeout: 100, expectsError: true });
    ack.clock.increment(99);
    expect(ack.value()).toEqual({ pending: "awaitingAck" });
    ack.clock.increment(1);
    expect(ack.value()).toBe("timedOut");
    expect(ack.effects).toEqual(["deliverTimeoutError(xstate.after.ackTimeout.ack.pending, 0)"]);
  });

  it("goes to disconnected when the connection is lost and the callback takes an error", () => {
    const ack = start({ transmitted: true, timeout: 100, expectsError: true });
    ack.actor.send(LOST);
    expect(ack.value()).toBe("disconnected");
    expect(ack.status()).toBe("done");
    expect(ack.effects).toEqual(["deliverDisconnectError(connection.lost, 0)"]);
  });

  it("goes to dropped, calling nothing, when the connection is lost and the callback is a plain one", () => {
    const ack = start({ transmitted: true, expectsError: false });
    ack.actor.send(LOST);
    expect(ack.value()).toBe("dropped");
    expect(ack.status()).toBe("done");
    expect(ack.effects).toEqual([]);
  });

  it("ignores socket.inactive: the connection loss that comes first has already decided", () => {
    for (const expectsError of [true, false]) {
      const ack = start({ transmitted: true, timeout: 100, expectsError });
      ack.actor.send(INACTIVE);
      expect(ack.value()).toEqual({ pending: "awaitingAck" });
      expect(ack.effects).toEqual([]);
    }
  });

  it("never times out without a timeout, even after a huge wait", () => {
    for (const transmitted of [true, false]) {
      const ack = start({ transmitted, timeout: undefined, expectsError: true });
      ack.clock.increment(HUGE);
      expect(ack.value()).toEqual({ pending: transmitted ? "awaitingAck" : "buffered" });
      expect(ack.effects).toEqual([]);
    }
  });

  it("times out at once with a timeout of 0", () => {
    const ack = start({ transmitted: true, timeout: 0, expectsError: true });
    ack.clock.increment(0);
    expect(ack.value()).toBe("timedOut");
  });
});

describe("queued and inFlight (retries)", () => {
  it("goes from queued to inFlight on its turn, counting a try and transmitting", () => {
    const ack = start({ retries: 2, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    expect(ack.value()).toBe("inFlight");
    expect(ack.tries()).toBe(1);
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)"]);
  });

  it("ignores the connection loss and acks while queued (nothing in flight)", () => {
    const ack = start({ retries: 1, timeout: 100 });
    ack.actor.send(LOST);
    ack.actor.send(ACK);
    ack.clock.increment(HUGE);
    expect(ack.value()).toBe("queued");
    expect(ack.tries()).toBe(0);
    expect(ack.effects).toEqual([]);
  });

  it("goes from queued to disconnected when the Socket goes inactive, with the disconnection error and nothing to discard", () => {
    const ack = start({ retries: 2, timeout: 100, expectsError: true, transmitted: false });
    ack.actor.send(INACTIVE);
    expect(ack.value()).toBe("disconnected");
    expect(ack.status()).toBe("done");
    expect(ack.tries()).toBe(0);
    // a queued packet is kept by the registry, never in the send buffer
    expect(ack.effects).toEqual(["deliverDisconnectError(socket.inactive, 0)"]);
  });

  it("ends a re-queued emission (sent, connection lost, retries left) when the Socket then goes inactive", () => {
    const ack = start({ retries: 2, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.actor.send(LOST);
    expect(ack.value()).toBe("queued");
    ack.actor.send(INACTIVE);
    expect(ack.value()).toBe("disconnected");
    expect(ack.tries()).toBe(1);
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)", "deliverDisconnectError(socket.inactive, 1)"]);
  });

  it("ignores socket.inactive while in flight", () => {
    const ack = start({ retries: 1, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.actor.send(INACTIVE);
    expect(ack.value()).toBe("inFlight");
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)"]);
  });

  it("goes to acknowledged on the ack while in flight", () => {
    const ack = start({ retries: 1, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.actor.send(ACK);
    expect(ack.value()).toBe("acknowledged");
    expect(ack.status()).toBe("done");
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)", "deliverResponse(ack.received, 1)"]);
  });

  it("re-enters inFlight on each timeout while retries are left, re-sending with one more try, then gives up", () => {
    const ack = start({ retries: 2, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.clock.increment(99);
    expect(ack.tries()).toBe(1);
    ack.clock.increment(1);
    expect(ack.value()).toBe("inFlight");
    expect(ack.tries()).toBe(2);
    // the deadline restarts with each send
    ack.clock.increment(99);
    expect(ack.tries()).toBe(2);
    ack.clock.increment(1);
    expect(ack.value()).toBe("inFlight");
    expect(ack.tries()).toBe(3);
    ack.clock.increment(100);
    expect(ack.value()).toBe("gaveUp");
    expect(ack.status()).toBe("done");
    expect(ack.tries()).toBe(3);
    const after = "xstate.after.ackTimeout.ack.inFlight";
    expect(ack.effects).toEqual([
      "transmit(queue.turn, 1)",
      `transmit(${after}, 2)`,
      `transmit(${after}, 3)`,
      `deliverFailure(${after}, 3)`,
    ]);
  });

  it("accepts the ack of a re-send", () => {
    const ack = start({ retries: 1, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.clock.increment(100);
    ack.actor.send(ACK);
    expect(ack.value()).toBe("acknowledged");
    expect(ack.tries()).toBe(2);
    expect(ack.effects.at(-1)).toBe("deliverResponse(ack.received, 2)");
  });

  it("gives up at the first timeout with retries 0", () => {
    const ack = start({ retries: 0, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.clock.increment(100);
    expect(ack.value()).toBe("gaveUp");
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)", "deliverFailure(xstate.after.ackTimeout.ack.inFlight, 1)"]);
  });

  it("goes back to queued when the connection is lost with retries left, and is re-sent on its next turn", () => {
    const ack = start({ retries: 1, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.actor.send(LOST);
    expect(ack.value()).toBe("queued");
    expect(ack.tries()).toBe(1);
    // no timer while queued
    ack.clock.increment(HUGE);
    expect(ack.value()).toBe("queued");
    ack.actor.send(TURN);
    expect(ack.value()).toBe("inFlight");
    expect(ack.tries()).toBe(2);
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)", "transmit(queue.turn, 2)"]);
  });

  it("gives up when the connection is lost with no retry left, with the failure of that event", () => {
    const ack = start({ retries: 1, timeout: 100, expectsError: true });
    ack.actor.send(TURN);
    ack.actor.send(LOST);
    ack.actor.send(TURN);
    ack.actor.send(LOST);
    expect(ack.value()).toBe("gaveUp");
    expect(ack.tries()).toBe(2);
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)", "transmit(queue.turn, 2)", "deliverFailure(connection.lost, 2)"]);
  });

  it("waits in flight forever without a timeout", () => {
    const ack = start({ retries: 3, timeout: undefined, expectsError: true });
    ack.actor.send(TURN);
    ack.clock.increment(HUGE);
    expect(ack.value()).toBe("inFlight");
    expect(ack.tries()).toBe(1);
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)"]);
  });

  it("ignores packet.sent and a second queue turn while in flight", () => {
    const ack = start({ retries: 1, timeout: 100 });
    ack.actor.send(TURN);
    ack.actor.send(SENT);
    ack.actor.send(TURN);
    expect(ack.value()).toBe("inFlight");
    expect(ack.tries()).toBe(1);
    expect(ack.effects).toEqual(["transmit(queue.turn, 1)"]);
  });
});

describe("final states", () => {
  const finals: Array<[string, (ack: ReturnType<typeof start>) => void, Partial<AckInput>]> = [
    ["acknowledged", (ack) => ack.actor.send(ACK), { transmitted: true, timeout: 100 }],
    ["timedOut", (ack) => ack.clock.increment(100), { transmitted: true, timeout: 100, expectsError: true }],
    ["disconnected", (ack) => ack.actor.send(LOST), { transmitted: true, expectsError: true }],
    ["disconnected", (ack) => ack.actor.send(INACTIVE), { transmitted: false, timeout: 100, expectsError: true }],
    ["disconnected", (ack) => ack.actor.send(INACTIVE), { retries: 1, timeout: 100, expectsError: true }],
    ["dropped", (ack) => ack.actor.send(LOST), { transmitted: true, expectsError: false }],
    ["gaveUp", (ack) => (ack.actor.send(TURN), ack.clock.increment(100)), { retries: 0, timeout: 100, expectsError: true }],
  ];
  it.each(finals)("%s is final: the actor is done, with no transition out and no timer left", (state, reach, input) => {
    const ack = start(input);
    reach(ack);
    expect(ack.value()).toBe(state);
    expect(ack.status()).toBe("done");
    const node = ackMachine.root.states[state]!;
    expect(node.type).toBe("final");
    expect([...node.transitions.keys()]).toEqual([]);
    const effects = [...ack.effects];
    ack.clock.increment(HUGE);
    expect(ack.value()).toBe(state);
    expect(ack.effects).toEqual(effects);
  });

  it("an ack cancels the timeout: no timeout error after the response", () => {
    const ack = start({ transmitted: true, timeout: 100, expectsError: true });
    ack.clock.increment(50);
    ack.actor.send(ACK);
    ack.clock.increment(HUGE);
    expect(ack.effects).toEqual(["deliverResponse(ack.received, 0)"]);
  });
});

describe("the guards shared with the registry", () => {
  const data = { id: 1, timeout: undefined, expectsError: false, transmitted: false, tries: 0 };
  it("retriesLeft allows retries + 1 sends in all", () => {
    expect(ackLogic.guards.retriesLeft({ ...data, retries: 2, tries: 1 })).toBe(true);
    expect(ackLogic.guards.retriesLeft({ ...data, retries: 2, tries: 2 })).toBe(true);
    expect(ackLogic.guards.retriesLeft({ ...data, retries: 2, tries: 3 })).toBe(false);
    expect(ackLogic.guards.retriesLeft({ ...data, retries: undefined, tries: 1 })).toBe(false);
  });

  it("queuedForRetries holds for any defined retries, 0 included", () => {
    expect(ackLogic.guards.queuedForRetries({ ...data, retries: 0 })).toBe(true);
    expect(ackLogic.guards.queuedForRetries({ ...data, retries: undefined })).toBe(false);
  });
});

// last in the file: tests run in order, so every test above has run by now
it("the tests above take every transition of the chart (a new transition needs a test)", () => {
  const all = transitionsOf(ackMachine.root);
  expect(all.length).toBeGreaterThan(10);
  expect(all.filter((key) => !taken.has(key))).toEqual([]);
});
