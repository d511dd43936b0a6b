// The live view's diagrams (adapters/live-view-page.ts) drawn from a machine
// of the test's own, with what the client's machines do not all use: a named
// delay, inline (unnamed) guards and actions, a description to escape, two
// states with the same key, an invoke with no id, done events and a final
// state. The page's script reads the data-state and data-transition
// attributes: they must name what the server sends (transitionKey, leafPaths).
import { describe, expect, it } from "vitest";
import { createMachine, fromPromise, setup, type AnyTransitionDefinition } from "xstate";
import { chartSvg, leafPaths, transitionKey } from "../../adapters/live-view-page.js";

const machine = setup({
  delays: { patience: 500 },
  actors: { fetchUser: fromPromise(async () => "user") },
}).createMachine({
  id: "drawn",
  initial: "idle",
  states: {
    idle: {
      description: 'waits for "go" & <anything>',
      // an arrow function in an array has no name; a function declared with one keeps it
      on: { go: { target: "busy", guard: [() => true][0]! }, poke: { actions: function remember() {} } },
      after: { patience: "gaveUp", 250: "busy" },
    },
    busy: {
      initial: "loading",
      invoke: { src: "fetchUser", onDone: "done", onError: "gaveUp" },
      states: {
        loading: { on: { loaded: "ready" } },
        ready: { type: "final" },
      },
      onDone: "done",
    },
    // a second "loading", inside another state: targets are named by path where keys repeat
    gaveUp: {
      initial: "loading",
      states: { loading: { on: { retry: "#drawn.busy.loading" } } },
    },
    done: { type: "final" },
  },
});

/** The text of every row of the state at `path`, in order. */
function rowsOf(svg: string, path: string): string[] {
  const start = svg.indexOf(`data-state="${path}"`);
  expect(start, `a box for ${path}`).toBeGreaterThanOrEqual(0);
  // its own rows come before the boxes nested in it
  const nested = svg.indexOf('<g class="state', start);
  const own = svg.slice(start, nested === -1 ? undefined : nested);
  return [...own.matchAll(/<g class="row[^"]*"[^>]*><text[^>]*>([^<]*)<\/text>/g)].map((match) => fromSvgText(match[1]!));
}

/** The text of an SVG attribute or text node (the diagrams escape as &#NN;). */
const fromSvgText = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

describe("chartSvg", () => {
  const svg = chartSvg(machine);

  it("draws a box per state, keyed by its path, final states with a ring", () => {
    const states = [...svg.matchAll(/data-state="([^"]*)"/g)].map((match) => match[1]);
    expect(states.sort()).toEqual(["", "busy", "busy.loading", "busy.ready", "done", "gaveUp", "gaveUp.loading", "idle"]);
    expect(svg.match(/<g class="state final"/g)).toHaveLength(2);
    expect(svg.match(/<rect class="ring"/g)).toHaveLength(2);
  });

  it("labels delays by name or in ms, inline guards and actions by their function's name or as anonymous, done events as done", () => {
    expect(rowsOf(svg, "idle")).toEqual(["go [anonymous] → busy", "poke / remember", "after 250 ms → busy", "after patience → gaveUp"]);
    // the invoke has an id XState made up (with dots): it is named by its actor
    expect(rowsOf(svg, "busy")).toEqual(["invoke fetchUser", "done → done", "fetchUser done → done", "fetchUser error → gaveUp"]);
  });

  it("names a target by its path where another state has the same key", () => {
    expect(rowsOf(svg, "gaveUp.loading")).toEqual(["retry → busy.loading"]);
    expect(rowsOf(svg, "busy.loading")).toEqual(["loaded → ready"]);
  });

  it("escapes text for SVG: a description becomes the box's title", () => {
    expect(svg).toContain("<title>waits for &#34;go&#34; &#38; &#60;anything&#62;</title>");
    expect(svg).not.toContain("<anything>");
  });

  it("keys each transition row as the server names the transition taken", () => {
    const keys = [...svg.matchAll(/data-transition="([^"]*)"/g)].map((match) => fromSvgText(match[1]!));
    const expected = [...machine.root.states.idle!.transitions.values()].flat().map((transition) => transitionKey(transition as AnyTransitionDefinition));
    for (const key of expected) expect(keys).toContain(key);
    expect(expected).toContain("idle|go|0");
  });
});

describe("what the page and the server agree on", () => {
  it("transitionKey: undefined for a transition its source does not list (a copy's)", () => {
    const other = createMachine({ id: "other", initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
    const [go] = other.root.states.a!.transitions.get("go")!;
    expect(transitionKey(go!)).toBe("a|go|0");
    expect(transitionKey({ ...go!, source: machine.root.states.done! } as AnyTransitionDefinition)).toBeUndefined();
  });

  it("leafPaths: the dotted paths of the atomic states, none for what is not a state value", () => {
    expect(leafPaths("idle")).toEqual(["idle"]);
    expect(leafPaths({ active: { engine: "open" }, other: {} })).toEqual(["active.engine.open", "other"]);
    expect(leafPaths(undefined)).toEqual([]);
    expect(leafPaths(null)).toEqual([]);
  });
});
