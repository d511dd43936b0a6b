// With an inspection observer, every acknowledgement is an actor of the ack
// machine, a child of its namespace's actor: the observer sees it created and
// sees its transitions, from the emission to its end. Without one, acks are
// records of the registry and no actor is made (tests/model/ack-parity.test.ts
// checks that both ways do the same).
import { describe, expect, it } from "vitest";
import type { AnyActorRef, InspectionEvent } from "xstate";
import { formatStateValue } from "../../adapters/inspector.js";
import { usePerTestServers } from "../support/fixtures.js";
import { io } from "../../src/index.js";
import { clients, until, waitFor } from "../support/util.js";

const c = clients();
const { echoServer } = usePerTestServers(c);

/** Records, per ack actor, its parent's id and the states it went through. */
function ackRecorder() {
  const acks = new Map<AnyActorRef, { parent: string | undefined; states: string[] }>();
  const inspect = (event: InspectionEvent) => {
    const ref = event.actorRef as AnyActorRef & { _parent?: AnyActorRef; logic?: { id?: string } };
    if (ref.logic?.id !== "ack") return;
    if (!acks.has(ref)) acks.set(ref, { parent: ref._parent?.id, states: [] });
    if (event.type === "@xstate.microstep" || event.type === "@xstate.snapshot") {
      const states = acks.get(ref)!.states;
      const value = formatStateValue((event.snapshot as unknown as { value: unknown }).value);
      if (states.at(-1) !== value) states.push(value);
    }
  };
  return { acks, inspect, all: () => [...acks.values()] };
}

describe("acknowledgements seen by an inspection observer", () => {
  it("each ack is an actor under its namespace's: answered, timed out, and given up after re-sends", async () => {
    const server = await echoServer();
    const recorder = ackRecorder();
    const socket = c.io(server.url, { inspect: recorder.inspect });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "answered")).toBe("answered");
    await expect(socket.timeout(30).emitWithAck("never-ack")).rejects.toThrow("operation has timed out");
    const plain = new Promise((resolve) => socket.emit("echo", "plain", resolve));
    expect(await plain).toBe("plain");
    expect(recorder.all()).toEqual([
      { parent: "/", states: ["pending.awaitingAck", "acknowledged"] },
      { parent: "/", states: ["pending.awaitingAck", "timedOut"] },
      { parent: "/", states: ["pending.awaitingAck", "acknowledged"] },
    ]);
  });

  it("with retries: queued, in flight, re-sent, given up; and the next one acknowledged", async () => {
    const server = await echoServer();
    const recorder = ackRecorder();
    const socket = c.io(server.url, { inspect: recorder.inspect, retries: 1, ackTimeout: 30, autoConnect: false });
    const failed = socket.emitWithAck("never-ack");
    const answered = socket.emitWithAck("echo", "after");
    expect(recorder.all().map((ack) => ack.states)).toEqual([["queued"], ["queued"]]);
    socket.connect();
    await expect(failed).rejects.toThrow("operation has timed out");
    expect(await answered).toBe("after");
    await until(() => recorder.all()[1]!.states.at(-1) === "acknowledged", "the second ack's end");
    expect(recorder.all().map((ack) => ack.states)).toEqual([
      ["queued", "inFlight", "gaveUp"],
      ["queued", "inFlight", "acknowledged"],
    ]);
  });

  it("an ack in flight when the Socket disconnects ends as disconnected, and no ack actor is left running", async () => {
    const server = await echoServer();
    const recorder = ackRecorder();
    const socket = c.io(server.url, { inspect: recorder.inspect });
    await waitFor(socket, "connect");
    const pending = socket.emitWithAck("never-ack");
    socket.disconnect();
    await expect(pending).rejects.toThrow("socket has been disconnected");
    expect(recorder.all().map((ack) => ack.states)).toEqual([["pending.awaitingAck", "disconnected"]]);
    expect([...recorder.acks.keys()].map((ref) => ref.getSnapshot().status)).toEqual(["done"]);
  });
});

describe("io(url, { inspect }) on a cached Manager", () => {
  it("adds the observer to that Manager: it sees the new Socket's actor and its acknowledgements, once", async () => {
    const server = await echoServer();
    const first = c.track(io(server.url));
    await waitFor(first, "connect");
    const recorder = ackRecorder();
    const namespaces: string[] = [];
    const inspect = (event: InspectionEvent) => {
      recorder.inspect(event);
      if (event.type === "@xstate.actor" && (event.actorRef as { logic?: { id?: string } }).logic?.id === "namespace") namespaces.push((event.actorRef as AnyActorRef).id);
    };
    const admin = c.track(io(`${server.url}/admin`, { inspect }));
    // the same observer again adds nothing
    const users = c.track(io(`${server.url}/users`, { inspect }));
    expect(admin.io).toBe(first.io);
    expect(users.io).toBe(first.io);
    await waitFor(users, "connect");
    expect(await admin.emitWithAck("echo", 1)).toBe(1);
    expect(namespaces).toEqual(["/admin", "/users"]);
    expect(recorder.all()).toEqual([{ parent: "/admin", states: ["pending.awaitingAck", "acknowledged"] }]);
  });
});
