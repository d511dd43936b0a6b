// The live view (adapters/live-view.ts) in Chromium: the page draws every
// machine, and the highlighted state of each diagram follows a real client
// against a real socket.io 4.8 server, through a connect, a network cut, the
// reconnection and an acknowledgement. What goes to the page is names only:
// never a context or an event's payload. The server answers on 127.0.0.1 only
// and stop() leaves nothing running.
import { get, request as httpRequest, type IncomingMessage } from "node:http";
import type { Browser, Page } from "playwright-core";
import { createActor } from "xstate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ackMachine } from "../../machines/index.js";
import { startLiveView, type LiveView } from "../../adapters/live-view.js";
import { usePerTestServers } from "../support/fixtures.js";
import { clients, fast, until, waitFor, within } from "../support/util.js";
import { launchChromium, openPage, type WatchedPage } from "./harness.js";

const c = clients();
const { closers, echoServer, proxyTo } = usePerTestServers(c);

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(() => browser?.close());

/** What the page shows of one machine: its highlighted states, the selected actor's trail, the listed actors. */
function shown(page: Page, machine: string) {
  return page.evaluate((machine) => {
    const section = document.querySelector(`section[data-machine="${machine}"]`);
    if (!section) throw new Error(`no diagram of the ${machine} machine`);
    const trail = section.querySelector(".trail")?.textContent ?? "";
    return {
      current: Array.from(section.querySelectorAll("g.state.current"), (g) => g.getAttribute("data-state")),
      active: Array.from(section.querySelectorAll("g.state.active"), (g) => g.getAttribute("data-state")),
      // "label: a → b → c (done)"
      trail: trail.includes(": ") ? trail.slice(trail.indexOf(": ") + 2).replace(/ \(\w+\)$/, "").split(" → ") : [],
      selected: section.querySelector('.actors button[aria-pressed="true"]')?.textContent ?? null,
      actors: Array.from(section.querySelectorAll(".actors li[data-key] button"), (button) => button.textContent),
      more: section.querySelector(".actors li.more")?.textContent ?? null,
      taken: section.querySelectorAll("g.row.taken").length,
    };
  }, machine);
}

/** Waits until the diagram of `machine` highlights `state` (and nothing else) as the selected actor's state. */
async function expectHighlighted(page: Page, machine: string, state: string) {
  let last: Awaited<ReturnType<typeof shown>> | undefined;
  await until(
    async () => {
      last = await shown(page, machine);
      return last.current.length === 1 && last.current[0] === state;
    },
    `the ${machine} diagram to highlight ${state}`,
    5000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; it shows ${JSON.stringify(last)}`);
  });
  return last!;
}

/** `steps` appear in `trail` in this order, with anything between them. */
function expectInOrder(trail: string[], steps: string[]) {
  let from = 0;
  for (const step of steps) {
    const at = trail.indexOf(step, from);
    expect(at, `"${step}" after position ${from} in the trail ${JSON.stringify(trail)}`).toBeGreaterThanOrEqual(0);
    from = at + 1;
  }
}

/** Everything the view sends to a page, recorded by a plain HTTP client. */
function recordStream(view: LiveView) {
  let text = "";
  let response: IncomingMessage | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    get(new URL("events", view.url), (res) => {
      response = res;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", resolve);
      res.on("close", resolve);
    }).on("error", reject);
  });
  return {
    ended,
    get text() {
      return text;
    },
    messages: () =>
      text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>),
    close: () => response?.destroy(),
  };
}

async function openView(view: LiveView): Promise<WatchedPage & { requests: string[] }> {
  if (!browser) throw new Error("Chromium did not start (see the error of beforeAll)");
  const tab = await openPage(browser);
  const requests: string[] = [];
  tab.page.on("request", (request) => void requests.push(request.url()));
  closers.push(() => tab.close());
  await tab.page.goto(view.url);
  await tab.page.waitForFunction(() => document.getElementById("status")?.textContent === "live", undefined, { timeout: 5000 });
  return Object.assign(tab, { requests });
}

const SECRET = "live-view-test-token-7f3a9c";

// first in the file: no server of another test is still closing while it counts the handles
describe("the live view's server", () => {
  // the view sets no timer (vitest's own come and go): its server, its sockets and its flushes
  const handles = () => {
    const counts: Record<string, number> = { TCPServerWrap: 0, TCPSocketWrap: 0, Immediate: 0 };
    for (const kind of process.getActiveResourcesInfo()) if (kind in counts) counts[kind]!++;
    return counts;
  };
  const request = (url: string, headers: Record<string, string> = {}, method = "GET") =>
    new Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }>((resolve, reject) => {
      httpRequest(url, { method, headers, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
        .on("error", reject)
        .end();
    });

  it("answers on 127.0.0.1 only, to its own host names only, and stop() leaves nothing running", async () => {
    const before = handles();
    const view = await startLiveView();
    closers.push(() => view.stop());
    const { port } = new URL(view.url);
    expect(view.url).toBe(`http://127.0.0.1:${port}/`);

    const page = await request(view.url);
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'nonce-/);
    // nothing to fetch from elsewhere: no URL in the page
    expect(page.body.match(/(https?:)?\/\/[\w.-]+/g)).toBeNull();
    expect((await request(`http://localhost:${port}/`)).status).toBe(200);
    // another name for the address (DNS rebinding) reads nothing
    expect((await request(view.url, { host: `attacker.example:${port}` })).status).toBe(421);
    expect((await request(new URL("events", view.url).href, { host: `attacker.example:${port}` })).status).toBe(421);
    // bound to 127.0.0.1, not to every address: another loopback address is refused
    await expect(request(`http://127.0.0.2:${port}/`)).rejects.toMatchObject({ code: "ECONNREFUSED" });

    const stream = recordStream(view);
    await until(() => view.pages === 1, "the event stream to be followed");
    await view.stop();
    await within(stream.ended, 3000, "stop() to end the event stream");
    expect(view.pages).toBe(0);
    await expect(request(view.url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    // at most as many as before: a handle of vitest's own may have been there when `before` was taken
    const backToBefore = () => Object.entries(handles()).every(([kind, count]) => count <= before[kind]!);
    await until(backToBefore, `the handles to be back to ${JSON.stringify(before)}`).catch((error: Error) => {
      throw new Error(`${error.message}; now ${JSON.stringify(handles())}`);
    });
  });

  it("serves the page at / and the event stream at /events, to GET only: 404 elsewhere, 405 for other methods", async () => {
    const view = await startLiveView();
    closers.push(() => view.stop());
    const at = (path: string) => new URL(path, view.url).href;
    expect((await request(at("/"))).status).toBe(200);
    for (const path of ["/index.html", "/events/", "/favicon.ico", "/../etc/passwd"]) {
      const answer = await request(at(path));
      expect(answer, path).toMatchObject({ status: 404, body: "not found\n" });
    }
    for (const [method, path] of [["POST", "/"], ["PUT", "/events"], ["DELETE", "/"], ["POST", "/nowhere"]] as const) {
      const answer = await request(at(path), {}, method);
      expect(answer, `${method} ${path}`).toMatchObject({ status: 405, body: "" });
      expect(answer.headers.allow).toBe("GET");
    }
    // none of them followed the states
    expect(view.pages).toBe(0);
  });

  it("keeps the states while no page follows, and a page that comes later gets them first, then what follows", async () => {
    const view = await startLiveView();
    closers.push(() => view.stop());
    const server = await echoServer();
    const socket = c.io(server.url, { transports: ["websocket"], inspect: view.inspect });
    await waitFor(socket, "connect");
    expect(view.pages).toBe(0);

    const stream = recordStream(view);
    closers.push(async () => void stream.close());
    const stateOf = (messages: Record<string, unknown>[], machine: string) => {
      const actor = messages.find((message) => message.t === "actor" && message.machine === machine);
      return messages.filter((message) => message.t === "state" && message.key === actor?.key).map((message) => (message.state as string[]).join(" | "));
    };
    await until(() => stateOf(stream.messages(), "namespace").length > 0, "the current states");
    const first = stream.messages();
    expect(first[0]).toEqual({ t: "hello" });
    // one state per actor: where it is now, not how it got there
    expect(stateOf(first, "connection")).toEqual(["active.engine.open"]);
    expect(stateOf(first, "namespace")).toEqual(["active.connected"]);

    socket.disconnect();
    await until(() => stateOf(stream.messages(), "connection").at(-1) === "closed", "the connection's closed state");
    expect(stateOf(stream.messages(), "namespace").at(-1)).toBe("inactive");
  });
});

describe("the live view in Chromium", () => {
  it("draws every machine and highlights the state of each actor through a connect, a cut, the reconnection and an ack", async () => {
    const server = await echoServer();
    // "hold": the server answers when the test says so
    const held: Array<(...args: unknown[]) => void> = [];
    server.io.on("connection", (serverSocket) => serverSocket.on("hold", (_arg: unknown, ack: (...args: unknown[]) => void) => held.push(ack)));
    const proxy = await proxyTo(server);
    const view = await startLiveView();
    closers.push(() => view.stop());
    const stream = recordStream(view);
    closers.push(async () => void stream.close());
    const tab = await openView(view);
    const { page } = tab;

    // every machine is drawn from its state tree before any actor exists
    for (const [machine, state] of [
      ["connection", "active.engine.open"],
      ["namespace", "active.handshaking.awaitingServer"],
      ["backoff", "waiting"],
      ["ack", "pending.awaitingAck"],
    ] as const) {
      expect(await page.locator(`section[data-machine="${machine}"] g.state[data-state="${state}"]`).count(), `${machine}: ${state}`).toBe(1);
      expect((await shown(page, machine)).current).toEqual([]);
    }

    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"], auth: { token: SECRET }, inspect: view.inspect });
    await waitFor(socket, "connect");
    const sessions = [socket.id!];
    await expectHighlighted(page, "connection", "active.engine.open");
    const connected = await expectHighlighted(page, "namespace", "active.connected");
    // the ancestors of the current state are highlighted too, and the transition that led there
    expect(connected.active).toEqual(["active"]);
    expect(connected.taken).toBeGreaterThan(0);
    expect(connected.actors).toEqual(["/  active.connected"]);

    // the network is cut, and the next attempt hangs: the proxy takes the connection and lets nothing through
    proxy.stall();
    proxy.cut();
    await waitFor(socket, "disconnect");
    const hanging = await expectHighlighted(page, "connection", "active.engine.opening");
    expectInOrder(hanging.trail, ["active.engine.open", "active.waiting", "active.engine.creating", "active.engine.opening"]);
    await expectHighlighted(page, "namespace", "active.awaitingConnection");
    const backoff = await expectHighlighted(page, "backoff", "elapsed");
    expect(backoff.selected).toBe("backoff  elapsed (done)");

    // that attempt fails, and the next one reconnects (cut only once the attempt holds a connection to the proxy)
    await until(() => proxy.connections === 1, "the attempt's connection through the stalled proxy");
    const reconnected = waitFor(socket.io, "reconnect");
    proxy.resume();
    proxy.cut();
    await reconnected;
    const open = await expectHighlighted(page, "connection", "active.engine.open");
    expectInOrder(open.trail, ["active.engine.open", "active.waiting", "active.engine.opening", "active.waiting", "active.engine.opening", "active.engine.open"]);
    const again = await expectHighlighted(page, "namespace", "active.connected");
    sessions.push(socket.id!);
    expectInOrder(again.trail, ["active.connected", "active.awaitingConnection", "active.connected"]);

    // an acknowledgement: an actor of the ack machine, pending until the server answers, then acknowledged
    const answer = socket.emitWithAck("hold", SECRET);
    await until(() => held.length === 1, "the server to hold the ack");
    const pending = await expectHighlighted(page, "ack", "pending.awaitingAck");
    expect(pending.active).toEqual(["pending"]);
    expect(pending.selected).toMatch(/^ack \d+  pending\.awaitingAck$/);
    held[0]!(`answer ${SECRET}`);
    expect(await answer).toBe(`answer ${SECRET}`);
    const acknowledged = await expectHighlighted(page, "ack", "acknowledged");
    expect(acknowledged.trail).toEqual(["pending.awaitingAck", "acknowledged"]);
    expect(acknowledged.selected).toMatch(/^ack \d+  acknowledged \(done\)$/);

    // a second actor of the namespace machine: listed, selected as the newest, and the first one can be picked
    const admin = c.socket(socket.io, "/admin");
    await waitFor(admin, "connect");
    await until(async () => (await shown(page, "namespace")).selected === "/admin  active.connected", "the newest namespace actor selected");
    expect((await shown(page, "namespace")).actors).toEqual(["/  active.connected", "/admin  active.connected"]);
    await page.locator('section[data-machine="namespace"] .actors button', { hasText: "/  active.connected" }).click();
    await until(async () => (await shown(page, "namespace")).selected === "/  active.connected", "the / actor selected");
    admin.disconnect();
    await until(async () => (await shown(page, "namespace")).actors.includes("/admin  inactive"), "/admin shown inactive");
    // the picked actor stays selected
    expectInOrder((await expectHighlighted(page, "namespace", "active.connected")).trail, ["active.awaitingConnection", "active.connected"]);

    socket.disconnect();
    await expectHighlighted(page, "connection", "closed");
    await expectHighlighted(page, "namespace", "inactive");

    // the page loaded nothing but itself and its event stream
    expect(tab.requests).toEqual([view.url, new URL("events", view.url).href]);
    expect(tab.errors).toEqual([]);

    // names only: no field but the allowed ones (no context, no payload), and neither the auth token, the Socket.IO
    // sessions nor the ack's arguments
    const messages = stream.messages();
    expect(messages.some((message) => (message.state as string[] | undefined)?.includes("active.engine.open"))).toBe(true);
    expect(stream.text).not.toContain(SECRET);
    expect(sessions).toEqual([expect.any(String), expect.any(String)]);
    for (const session of sessions) expect(stream.text).not.toContain(session);
    const allowed = ["t", "key", "id", "session", "parent", "machine", "name", "state", "status", "event", "taken"];
    for (const message of messages) expect(Object.keys(message).filter((field) => !allowed.includes(field))).toEqual([]);
  });

  it("shows an actor of any machine it draws, by the machine's id: an ack actor, and how it ended", async () => {
    const view = await startLiveView();
    closers.push(() => view.stop());
    const stream = recordStream(view);
    closers.push(async () => void stream.close());
    const { page, errors } = await openView(view);

    const ack = createActor(ackMachine, { id: "ack 7", input: { id: 7, timeout: 60_000, expectsError: true, transmitted: true }, inspect: view.inspect });
    closers.push(async () => void ack.stop());
    ack.start();
    const pending = await expectHighlighted(page, "ack", "pending.awaitingAck");
    expect(pending.active).toEqual(["pending"]);
    ack.send({ type: "ack.received", args: [SECRET] });
    const done = await expectHighlighted(page, "ack", "acknowledged");
    expect(done.selected).toBe("ack 7  acknowledged (done)");
    expect(done.trail).toEqual(["pending.awaitingAck", "acknowledged"]);
    expect(errors).toEqual([]);
    // a page opened later gets the current states: the ended actor, in the state it ended in
    const late = await openView(view);
    expect(await expectHighlighted(late.page, "ack", "acknowledged")).toMatchObject({ selected: "ack 7  acknowledged (done)", trail: ["acknowledged"] });
    expect(late.errors).toEqual([]);
    // the event's arguments stayed in this process
    await until(() => stream.text.includes('"acknowledged"'), "the stream to carry the final state");
    expect(stream.text).not.toContain(SECRET);
  });
  it("keeps the last 20 ended actors of a machine, and at most 200 actors of a machine", async () => {
    const view = await startLiveView();
    closers.push(() => view.stop());
    const { page, errors } = await openView(view);
    const ackActor = (n: number) => {
      const actor = createActor(ackMachine, { id: `ack ${n}`, input: { id: n, timeout: 60_000, expectsError: true, transmitted: true }, inspect: view.inspect });
      closers.push(async () => void actor.stop());
      return actor.start();
    };
    const listed = async () => {
      const { actors, more } = await shown(page, "ack");
      return { actors, more };
    };

    for (let n = 1; n <= 25; n++) ackActor(n).send({ type: "ack.received", args: [] });
    await until(async () => (await listed()).actors.at(-1) === "ack 25  acknowledged (done)", "the last ack listed");
    expect(await listed()).toEqual({ actors: Array.from({ length: 20 }, (_, i) => `ack ${6 + i}  acknowledged (done)`), more: null });

    // live actors: the oldest ended ones go first, then the oldest live ones; the page lists the 40 newest
    for (let n = 26; n <= 230; n++) ackActor(n);
    await until(async () => (await listed()).actors.at(-1) === "ack 230  pending.awaitingAck", "the newest ack listed");
    expect(await listed()).toEqual({ actors: Array.from({ length: 40 }, (_, i) => `ack ${191 + i}  pending.awaitingAck`), more: "+160 earlier" });
    expect(errors).toEqual([]);
  });
});
