// A namespace actor as the child of a tiny parent that records what it
// reports (namespace.activated / deactivated / send), driven by the test with
// the connection.* and server.* events the connection machine would send.
// The parent plays the transport's part for the credentials: it records a
// CONNECT with the payload the transport would write, and serverConnect()
// keeps the session as the transport does.
import { PacketType } from "socket.io-parser";
import { assign, createActor, setup, type ActorRefFrom, type InspectionEvent } from "xstate";
import {
  connectPayload,
  createCredentials,
  isCredentials,
  startSession,
  type AuthOption,
  type Credentials,
} from "../machines/credentials.js";
import { namespaceMachine, type NamespaceEmitted, type NamespaceReport } from "../machines/namespace.machine.js";

export type NamespaceHarness = ReturnType<typeof startNamespace>;

export interface NamespaceHarnessOptions {
  auth?: AuthOption;
  /** Instead of `auth`: credentials made by the test. */
  credentials?: Credentials;
}

/** As the transport writes it: a CONNECT's payload read out of its credentials. */
function asWritten(report: NamespaceReport): NamespaceReport {
  if (report.type !== "namespace.send" || report.packet.type !== PacketType.CONNECT || !isCredentials(report.packet.data)) return report;
  return { ...report, packet: { ...report.packet, data: connectPayload(report.packet.data) } };
}

/** `inspect` sees every inspection event of the actor system (e.g. the transitions taken). */
export function startNamespace(options: NamespaceHarnessOptions = {}, inspect?: (event: InspectionEvent) => void) {
  const credentials = options.credentials ?? createCredentials(options.auth);
  const reports: NamespaceReport[] = [];
  const events: NamespaceEmitted[] = [];
  const parentMachine = setup({
    types: { events: {} as NamespaceReport },
    actors: { namespace: namespaceMachine },
    actions: {
      record: ({ event }) => {
        reports.push(asWritten(event));
      },
      // listens before the child starts (as the connection machine does), so that its initial `inactive` is seen
      spawnNamespace: assign(({ spawn }) => {
        const ref = spawn("namespace", { id: "namespace", input: { nsp: "/chat", credentials } });
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
    credentials,
    /** The server accepts the CONNECT with `sid` (and `pid`, with connection state recovery), as the transport reports it. */
    serverConnect(sid: string | undefined, pid?: string) {
      namespace.send({ type: "server.connect", sid, recovered: startSession(credentials, pid) });
    },
    state: () => namespace.getSnapshot(),
    /** The packets it asked its parent to send. */
    packets: () => reports.flatMap((report) => (report.type === "namespace.send" ? [report.packet] : [])),
    /** The activation reports only, as "activated" / "deactivated". */
    activations: () => reports.flatMap((report) => (report.type === "namespace.send" ? [] : [report.type.slice("namespace.".length)])),
    stop: () => parent.stop(),
  };
}
