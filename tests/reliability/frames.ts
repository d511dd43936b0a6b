// Hostile socket.io frames for the fuzz (fast-check arbitraries), and the
// oracle: what the documented rules (docs/events-and-errors.md, "Hostile
// input"; docs/acknowledgements.md) say a client must do with a sequence of
// them. The oracle decodes with socket.io-parser, the protocol's reference
// decoder, and applies the documented rules itself: it shares no code with the
// client.
import fc from "fast-check";
import { Decoder, isPacketValid, PacketType, type Packet } from "socket.io-parser";

/** One engine.io message: a socket.io packet as text, or a binary attachment. */
export type Message = string | Buffer;

/** The namespaces of the fuzzed client: "/" (with one acknowledgement pending) and "/n". */
export const FUZZED_NAMESPACES = ["/", "/n"] as const;
/** The namespace of the harness's probe: no generated frame names it. */
export const PROBE_NAMESPACE = "/probe";
/** The harness's probe, sent after a segment's frames: the client answers it with the same packet. */
export const probe = (k: number) => `2${PROBE_NAMESPACE},["p",${k}]`;
/** The event of the acknowledgement the client asks for on "/" when a run starts: its id is 0. */
export const PENDING_ACK_EVENT = "fuzz:ask";

/**
 * More arguments than any JavaScript engine passes to a function (V8 overflows
 * between 120,000 and 200,000): the generator makes lists of at most a few
 * dozen, or of 300,000 and more, never in between.
 */
const UNPASSABLE_ARGUMENTS = 100_000;

/** A few messages the server sends in a row: one packet, or a binary packet and its attachments. */
export class FrameGroup {
  constructor(
    readonly kind: string,
    readonly messages: Message[],
    /** For a huge packet: where it would be delivered ("ack" = the pending acknowledgement of "/"). */
    readonly hugeTarget?: string,
  ) {}

  /** How fast-check prints a counterexample: megabyte frames are summarized. */
  [fc.toStringMethod](): string {
    return `${this.kind}: ${this.messages.map(summarize).join(" + ")}`;
  }
}

export function summarize(message: Message): string {
  if (typeof message !== "string") return `<binary ${message.toString("hex").slice(0, 40)}${message.length > 20 ? "…" : ""} (${message.length} B)>`;
  if (message.length <= 160) return JSON.stringify(message);
  return `${JSON.stringify(message.slice(0, 80))}…${JSON.stringify(message.slice(-40))} (${message.length.toLocaleString("en")} chars)`;
}

// ---------------------------------------------------------------- generators

const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf", "__defineGetter__", "isPrototypeOf"];

const nsp = fc.oneof(
  { weight: 12, arbitrary: fc.constant("/") },
  { weight: 6, arbitrary: fc.constant("/n") },
  { weight: 1, arbitrary: fc.constant("/,") }, // "/" spelled out, which the parser also accepts
  { weight: 2, arbitrary: fc.constantFrom("/x", "/admin", "/__proto__", "/constructor", "/n/", "//", "/N") },
  { weight: 1, arbitrary: fc.stringMatching(/^\/[\w.~-]{1,10}$/) },
);
/** The namespace part of a packet: nothing for "/", else "/name,". */
const nspPart = nsp.map((name) => (name === "/" ? "" : name === "/," ? "/," : `${name},`));

const idPart = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  { weight: 3, arbitrary: fc.constantFrom("0", "1", "7") },
  { weight: 1, arbitrary: fc.nat().map(String) },
  { weight: 1, arbitrary: fc.stringMatching(/^\d{16,30}$/) },
);

const text = fc.string({ unit: "grapheme", maxLength: 24 });
const key = fc.oneof({ weight: 3, arbitrary: text }, { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS, "_placeholder", "num") });

/** A JSON value as text, with prototype keys as object keys. */
const { value } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.json({ maxDepth: 1 }), tie("object"), tie("array")),
  object: fc
    .array(fc.tuple(key, tie("value")), { maxLength: 4 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
}));

/** An event name as JSON text: strings, reserved names, prototype keys, numbers, and a few that are no name at all. */
const eventName = fc.oneof(
  { weight: 24, arbitrary: text.map((name) => JSON.stringify(name)) },
  { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS, "", "\u0000x", "$x", "0", "fuzz:ask").map((name) => JSON.stringify(name)) },
  { weight: 1, arbitrary: fc.constantFrom(...RESERVED).map((name) => JSON.stringify(name)) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => JSON.stringify(n)) },
  { weight: 1, arbitrary: fc.constantFrom("null", "true", "{}", "[]", '{"a":1}', '["x"]') },
);

const args = fc.array(value, { maxLength: 6 });

const event = fc
  .record({ nsp: nspPart, id: idPart, name: eventName, args })
  .map(({ nsp, id, name, args }) => new FrameGroup("EVENT", [`2${nsp}${id}[${[name, ...args].join(",")}]`]));

const ackId = fc.oneof({ weight: 8, arbitrary: fc.constant("0") }, { weight: 3, arbitrary: idPart.filter((id) => id !== "") }, { weight: 1, arbitrary: fc.constant("") });
const ack = fc
  .record({ nsp: nspPart, id: ackId, args, data: fc.oneof({ weight: 12, arbitrary: fc.constant("array") }, { weight: 1, arbitrary: fc.constantFrom("none", "object", "string") }) })
  .map(({ nsp, id, args, data }) => {
    const payload = { array: `[${args.join(",")}]`, none: "", object: "{}", string: '"x"' }[data]!;
    return new FrameGroup("ACK", [`3${nsp}${id}${payload}`]);
  });

/** A placeholder's index: valid (0..attachments-1) or not (negative, too large, not a number, absent). */
const placeholderNum = (attachments: number) =>
  fc.oneof(
    { weight: 40, arbitrary: fc.nat({ max: Math.max(attachments - 1, 0) }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom("-1", String(attachments), '"0"', "1.5", "null") },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const placeholder = (num: string | undefined) => (num === undefined ? '{"_placeholder":true}' : `{"_placeholder":true,"num":${num}}`);
const attachment = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes));

/** BINARY_EVENT and BINARY_ACK: right or wrong attachment counts, placeholders, and attachments. */
const binary = fc
  .record({ type: fc.constantFrom(5, 6), attachments: fc.oneof({ weight: 24, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }) })
  .chain(({ type, attachments }) =>
    fc.record({
      type: fc.constant(type),
      announced: fc.oneof(
        { weight: 30, arbitrary: fc.constant(String(attachments)) },
        { weight: 1, arbitrary: fc.constantFrom(String(attachments + 1), String(Math.max(attachments - 1, 0)), "0", "11", "x", "", "1.5", "-1") },
      ),
      nsp: nspPart,
      id: type === 6 ? ackId : idPart,
      name: eventName,
      args,
      placeholders: fc.array(placeholderNum(attachments), { minLength: attachments === 0 ? 0 : 1, maxLength: attachments + 1 }),
      nested: fc.boolean(),
      buffers: fc.array(attachment, { minLength: attachments, maxLength: attachments }),
      extraBuffers: fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }),
    }),
  )
  .map(({ type, announced, nsp, id, name, args, placeholders, nested, buffers, extraBuffers }) => {
    const holes = placeholders.map((num) => (nested ? `{"file":${placeholder(num)}}` : placeholder(num)));
    const data = type === 5 ? [name, ...holes, ...args] : [...holes, ...args];
    const sent = extraBuffers < 0 ? buffers.slice(1) : extraBuffers > 0 ? [...buffers, Buffer.from([0xff])] : buffers;
    return new FrameGroup(type === 5 ? "BINARY_EVENT" : "BINARY_ACK", [`${type}${announced}-${nsp}${id}[${data.join(",")}]`, ...sent]);
  });

const connect = fc
  .record({
    nsp: nspPart,
    data: fc.oneof(
      fc.constantFrom("", '{"sid":"forged"}', "{}", '{"sid":42}', '{"sid":"s","pid":"p"}', "[]", '"sid"', "null"),
      value.map((data) => `{"sid":"forged","data":${data}}`),
    ),
  })
  .map(({ nsp, data }) => new FrameGroup("CONNECT", [`0${nsp}${data}`]));

const connectError = fc
  .record({
    nsp: nspPart,
    data: fc.oneof(
      fc.constantFrom("", '"go away"', '{"message":"denied"}', "{}", "42", "[]", "null"),
      value.map((data) => `{"message":"denied","data":${data}}`),
    ),
  })
  .map(({ nsp, data }) => new FrameGroup("CONNECT_ERROR", [`4${nsp}${data}`]));

const disconnect = fc
  .record({ nsp: nspPart, payload: fc.oneof({ weight: 12, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom('{"a":1}', '"x"', "[]") }) })
  .map(({ nsp, payload }) => new FrameGroup("DISCONNECT", [`1${nsp}${payload}`]));

const garbage = fc
  .oneof(
    fc.constantFrom("", "7", "8[]", "9", "-", "2x", ' 2["a"]', "5-[]", "51-", "2/", "2/n", "3/n,", "hello, world"),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.tuple(fc.integer({ min: 0, max: 9 }), fc.string({ unit: "grapheme", maxLength: 30 })).map(([type, rest]) => `${type}${rest}`),
  )
  .map((message) => new FrameGroup("garbage", [message]));

const loneBinary = fc
  .array(attachment, { minLength: 1, maxLength: 2 })
  .map((buffers) => new FrameGroup("binary out of place", buffers));

/** A well-formed-looking group with one of its text messages damaged. */
const mutated = fc
  .record({
    group: fc.oneof(event, ack, binary, connect, connectError, disconnect),
    operation: fc.constantFrom("truncate", "delete", "insert", "replace", "retype", "duplicate", "drop-attachment"),
    at: fc.nat(),
    char: fc.oneof(fc.constantFrom("[", "]", "{", "}", '"', ",", "-", "/", ":", "\\", "0", "9", " "), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })),
  })
  .map(({ group, operation, at, char }) => {
    const [head, ...rest] = group.messages as [string, ...Message[]];
    const i = at % (head.length + 1);
    const damaged: Record<string, () => Message[]> = {
      truncate: () => [head.slice(0, Math.min(i, head.length - 1)), ...rest],
      delete: () => [head.slice(0, i) + head.slice(i + 1), ...rest],
      insert: () => [head.slice(0, i) + char + head.slice(i), ...rest],
      replace: () => [head.slice(0, i) + char + head.slice(i + 1), ...rest],
      retype: () => [String(at % 10) + head.slice(1), ...rest],
      duplicate: () => [head, head, ...rest],
      "drop-attachment": () => (rest.length > 0 ? [head, ...rest.slice(0, -1)] : [head.slice(0, -1)]),
    };
    return new FrameGroup(`${group.kind} (${operation})`, damaged[operation]!());
  });

/** An EVENT named "many" with `count` arguments (zeros) for `nsp`. */
export function eventWithArguments(nsp: string, count: number): FrameGroup {
  const prefix = nsp === "/" ? "" : `${nsp},`;
  return new FrameGroup(`EVENT with ${count.toLocaleString("en")} arguments`, [`2${prefix}["many"${",0".repeat(count)}]`], nsp);
}

/** The answer to the pending acknowledgement (id 0 of "/"), with `count` arguments (zeros). */
export function ackWithArguments(count: number): FrameGroup {
  return new FrameGroup(`ACK with ${count.toLocaleString("en")} arguments`, [`30[0${",0".repeat(count - 1)}]`], "ack");
}

/** The rare huge packets: megabyte strings, hundreds of thousands of arguments, deep nesting. */
const huge = fc.oneof(
  fc.constantFrom(...FUZZED_NAMESPACES).map((name) => {
    const prefix = name === "/" ? "" : `${name},`;
    return new FrameGroup("megabyte string", [`2${prefix}["big",${JSON.stringify("é\u0000x\u2028".repeat(260_000))}]`], name);
  }),
  fc.record({ name: fc.constantFrom(...FUZZED_NAMESPACES), count: fc.constantFrom(300_000, 500_000) }).map(({ name, count }) => eventWithArguments(name, count)),
  fc.constantFrom(300_000, 500_000).map(ackWithArguments),
  fc.record({ name: fc.constantFrom(...FUZZED_NAMESPACES), depth: fc.constantFrom(1_000, 100_000) }).map(({ name, depth }) => {
    const prefix = name === "/" ? "" : `${name},`;
    return new FrameGroup(`EVENT nested ${depth.toLocaleString("en")} deep`, [`2${prefix}["deep",${"[".repeat(depth)}${"]".repeat(depth)}]`], name);
  }),
  // socket.io-parser rebuilds attachments recursively: deep enough, and that recursion overflows
  fc.record({ name: fc.constantFrom(...FUZZED_NAMESPACES), depth: fc.constantFrom(500, 300_000) }).map(({ name, depth }) => {
    const prefix = name === "/" ? "" : `${name},`;
    const nested = `${"[".repeat(depth)}${placeholder("0")}${"]".repeat(depth)}`;
    return new FrameGroup(`BINARY_EVENT nested ${depth.toLocaleString("en")} deep`, [`51-${prefix}["deep",${nested}]`, Buffer.from([1, 2, 3])], name);
  }),
);

const namesProbe = (group: FrameGroup) => !group.messages.some((m) => typeof m === "string" && m.includes(PROBE_NAMESPACE));

/** One generated group: every packet type, well-formed or not, mutated, hostile, and (rarely) huge. */
export const frameGroup: fc.Arbitrary<FrameGroup> = fc
  .oneof(
    { weight: 40, arbitrary: event },
    { weight: 15, arbitrary: ack },
    { weight: 25, arbitrary: binary },
    { weight: 8, arbitrary: connect },
    { weight: 8, arbitrary: connectError },
    { weight: 6, arbitrary: disconnect },
    { weight: 2, arbitrary: garbage },
    { weight: 1, arbitrary: loneBinary },
    { weight: 10, arbitrary: mutated },
    { weight: 1, arbitrary: huge },
  )
  .filter(namesProbe);

// ---------------------------------------------------------------- the oracle

export const ACK_FUNCTION = "[acknowledgement callback]";

/** What the client must show for one segment (frames sent on one connection). */
export interface Expected {
  /** [nsp, event name, ...args], args as the listener gets them (an ack callback as ACK_FUNCTION). */
  events: unknown[][];
  /** The arguments the pending acknowledgement's callback gets (once at most). */
  acks: unknown[][];
  /** [nsp, reason] of every `disconnect` of "/" and "/n". */
  disconnects: Array<[string, string]>;
}

/** The frames sent on one connection, and how it must end. */
export interface Segment {
  groups: FrameGroup[];
  messages: Message[];
  /** "parse error": the client drops the connection at `culprit`; "probe": it stays connected and answers the probe. */
  end: "parse error" | "probe";
  culprit?: string;
  expected: Expected;
  /** The namespaces the server disconnected (inactive until the harness calls connect()). */
  inactiveAfter: string[];
}

/**
 * Cuts a run into segments, one per connection, from the documented rules:
 * - data that does not decode, and a packet of the wrong shape (as
 *   socket.io-parser's isPacketValid() defines it, e.g. a CONNECT_ERROR
 *   without data; and an ACK without id), is a "parse error": the client
 *   drops the connection and ignores the rest of it (the segment ends there;
 *   the rest goes on the next connection);
 * - an EVENT for a connected Socket reaches its listeners, with an ack
 *   callback when it has an id; for a namespace without a Socket, or a
 *   Socket the server disconnected, it is ignored;
 * - an ACK reaches the pending callback (id 0 of "/") once, while "/" has not
 *   been disconnected; every other ACK is ignored;
 * - CONNECT and CONNECT_ERROR are ignored by a connected or inactive Socket;
 * - DISCONNECT makes a connected Socket inactive ("io server disconnect");
 * - arguments that cannot be passed to a listener or callback are a "parse
 *   error" (issue 13: "or another documented outcome", never a crash). A huge
 *   packet whose fate is not documented (for a Socket that is not connected,
 *   for no pending callback) is left out of the run.
 */
export function plan(groups: FrameGroup[]): Segment[] {
  const connected = new Set<string>(FUZZED_NAMESPACES);
  let ackPending = true;
  const segments: Segment[] = [];
  let segment = newSegment();
  let decoder = new Decoder();
  let decoded: Packet[] = [];
  const listen = () => decoder.on("decoded", (packet: Packet) => decoded.push(packet));
  listen();

  const dropConnection = (culprit: string) => {
    segment.culprit = culprit;
    for (const name of FUZZED_NAMESPACES) if (connected.has(name)) segment.expected.disconnects.push([name, "parse error"]);
    if (connected.has("/")) ackPending = false; // a plain callback in flight is forgotten
    segment.end = "parse error";
    close();
  };
  const close = () => {
    segment.inactiveAfter = FUZZED_NAMESPACES.filter((name) => !connected.has(name));
    segments.push(segment);
    segment = newSegment();
    // the next connection: the harness reconnects every Socket
    for (const name of FUZZED_NAMESPACES) connected.add(name);
    decoder.destroy();
    decoder = new Decoder();
    decoded = [];
    listen();
  };

  /** Applies a decoded packet; false when it is a parse error. */
  const apply = (packet: Packet): boolean => {
    const { type, nsp, id, data } = packet;
    // the protocol's shape (socket.io-parser's own check), and an ACK has an id
    if (!isPacketValid(packet) || (type === PacketType.ACK && id === undefined)) return false;
    const known = connected.has(nsp);
    switch (type) {
      case PacketType.EVENT: {
        const list = data as unknown[];
        if (!known) return true;
        if (list.length > UNPASSABLE_ARGUMENTS) return false;
        segment.expected.events.push([nsp, ...list, ...(id === undefined ? [] : [ACK_FUNCTION])]);
        return true;
      }
      case PacketType.ACK: {
        if (nsp !== "/" || id !== 0 || !ackPending || !connected.has("/")) return true;
        if (data.length > UNPASSABLE_ARGUMENTS) return false;
        ackPending = false;
        segment.expected.acks.push(data);
        return true;
      }
      case PacketType.DISCONNECT:
        if (known) {
          connected.delete(nsp);
          segment.expected.disconnects.push([nsp, "io server disconnect"]);
          if (nsp === "/") ackPending = false;
        }
        return true;
      default:
        return true; // CONNECT, CONNECT_ERROR
    }
  };

  for (const group of groups) {
    if (group.hugeTarget !== undefined && !(group.hugeTarget === "ack" ? ackPending && connected.has("/") : connected.has(group.hugeTarget))) continue;
    segment.groups.push(group);
    for (const message of group.messages) {
      segment.messages.push(message);
      let wellFormed = true;
      try {
        decoder.add(onTheWire(message));
        for (const packet of decoded.splice(0)) wellFormed &&= apply(packet);
      } catch {
        wellFormed = false;
      }
      if (!wellFormed) {
        dropConnection(summarize(message));
        break; // the rest of this group went to a dead connection: it is not sent
      }
    }
  }
  // a binary packet still waiting for attachments takes the probe (text) as a parse error
  try {
    decoder.add(probe(0));
  } catch {
    dropConnection("the probe, while a binary packet waits for its attachments");
    return segments;
  }
  close();
  decoder.destroy();
  return segments;
}

/**
 * A message as the client's decoder gets it: WebSocket text is UTF-8 (a lone
 * surrogate, which a mutation can leave, arrives as U+FFFD), and engine.io
 * carries an empty text message as a packet without data.
 */
function onTheWire(message: Message): Message {
  if (typeof message !== "string") return message;
  if (message === "") return undefined as unknown as string;
  return Buffer.from(message, "utf8").toString("utf8");
}

function newSegment(): Segment {
  return { groups: [], messages: [], end: "probe", expected: { events: [], acks: [], disconnects: [] }, inactiveAfter: [] };
}

/**
 * A value as one string, without recursion (arguments nest 100,000 deep):
 * binary as hex whatever its container, functions as ACK_FUNCTION, objects
 * with their own keys in order and a note when their prototype is not Object's.
 */
export function canonical(root: unknown): string {
  const out: string[] = [];
  // what is left to write, last first: a value, or text as it is
  const todo: Array<{ value: unknown } | { text: string }> = [{ value: root }];
  for (let item = todo.pop(); item; item = todo.pop()) {
    if ("text" in item) {
      out.push(item.text);
      continue;
    }
    const { value } = item;
    if (typeof value === "function") out.push(JSON.stringify(ACK_FUNCTION));
    else if (value === undefined) out.push("undefined");
    else if (typeof value === "number") out.push(Object.is(value, -0) ? "-0" : String(value));
    else if (typeof value !== "object" || value === null) out.push(JSON.stringify(value));
    else if (value instanceof ArrayBuffer) out.push(`bin(${Buffer.from(value).toString("hex")})`);
    else if (ArrayBuffer.isView(value)) out.push(`bin(${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")})`);
    else {
      const array = Array.isArray(value);
      const proto = Object.getPrototypeOf(value);
      const ordinary = proto === (array ? Array.prototype : Object.prototype);
      out.push(array ? "[" : "{", ordinary ? "" : `(prototype ${proto === null ? "null" : canonical(proto)})`);
      const entries = array ? [...value.keys()].map((i) => [null, (value as unknown[])[i]] as const) : Object.entries(value).map(([k, v]) => [k, v] as const);
      todo.push({ text: array ? "]" : "}" });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        todo.push({ value: v });
        if (k !== null) todo.push({ text: `${JSON.stringify(k)}:` });
        if (i > 0) todo.push({ text: "," });
      }
    }
  }
  return out.join("");
}
