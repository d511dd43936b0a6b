// A namespace actor as the child of a tiny parent that records what it
// reports (namespace.activated / deactivated / send), driven by the test with
// the connection.* and server.* events the connection machine would send.
import { assign, createActor, setup, type ActorRefFrom, type InspectionEvent } from "xstate";
import {
  namespaceMachine,
  type NamespaceEmitted,
  type NamespaceInput,
  type NamespaceReport,
} from "../machines/namespace.machine.js";

export type NamespaceHarness = ReturnType<typeof startNamespace>;

/** `inspect` sees every inspection event of the actor system (e.g. the transitions taken). */
export function startNamespace(input: Partial<NamespaceInput> = {}, inspect?: (event: InspectionEvent) => void) {
  const reports: NamespaceReport[] = [];
  const events: NamespaceEmitted[] = [];
  const parentMachine = setup({
    types: { events: {} as NamespaceReport },
    actors: { namespace: namespaceMachine },
    actions: {
      record: ({ event }) => {
        reports.push(event);
      },
      // listens before the child starts (as the connection machine does), so that its initial `inactive` is seen
      spawnNamespace: assign(({ spawn }) => {
        const ref = spawn("namespace", { id: "namespace", input: { nsp: "/chat", ...input } });
        ref.on("*", (event) => events.push(event));
        return {};
      }),
    },
  }).createMachine({
    entry: "spawnNamespace",
    on: {
      "namespace.activated": { actions: "record" },
      "namespace.deactivated": { actions: "record" },
      "namespace.send": { actions: "record" },
    },
  });
  const parent = createActor(parentMachine, { inspect });
  parent.start();
  const namespace = parent.getSnapshot().children.namespace as ActorRefFrom<typeof namespaceMachine>;
  return {
    parent,
    namespace,
    /** What the namespace told its parent, in order. */
    reports,
    /** What the namespace emitted (inactive, connect, connect_error, disconnect), in order, from its start. */
    events,
    /** The types of what it emitted. */
    types: () => events.map((event) => event.type),
    send: namespace.send.bind(namespace),
    state: () => namespace.getSnapshot(),
    /** The packets it asked its parent to send. */
    packets: () => reports.flatMap((report) => (report.type === "namespace.send" ? [report.packet] : [])),
    /** The activation reports only, as "activated" / "deactivated". */
    activations: () => reports.flatMap((report) => (report.type === "namespace.send" ? [] : [report.type.slice("namespace.".length)])),
    stop: () => parent.stop(),
  };
}
