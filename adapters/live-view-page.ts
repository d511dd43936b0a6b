// The page of the live view (adapters/live-view.ts): one diagram per machine,
// drawn here as inline SVG from the machine's state tree (as XState builds it),
// and a small script that highlights the states of the live actors as the
// server reports them. Everything is in the one HTML document: the page loads
// nothing else, so it works without internet.
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";

// ---------------------------------------------------------------- what the page and the server agree on

/**
 * The name of one transition of a chart, the same for every copy of the
 * machine (`machine.provide()` makes new state nodes): its source state, its
 * event descriptor and its place among the transitions of that descriptor.
 */
export function transitionKey(transition: AnyTransitionDefinition): string | undefined {
  const source = transition.source;
  const siblings = transition.eventType === "" ? source.always : source.transitions.get(transition.eventType);
  const index = siblings?.indexOf(transition) ?? -1;
  if (index < 0) return undefined;
  return `${source.path.join(".")}|${transition.eventType === "" ? "always" : transition.eventType}|${index}`;
}

/** The dotted paths of the atomic states of a state value: { active: { engine: "open" } } -> ["active.engine.open"]. */
export function leafPaths(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const below = leafPaths(child);
    return below.length === 0 ? [key] : below.map((path) => `${key}.${path}`);
  });
}

// ---------------------------------------------------------------- labels

const nameOf = (thing: unknown): string => {
  if (typeof thing === "string") return thing;
  const type = (thing as { type?: unknown } | undefined)?.type;
  if (typeof type === "string") return type;
  return typeof thing === "function" && thing.name ? thing.name : "anonymous";
};

function eventLabel(transition: AnyTransitionDefinition): string {
  const type = transition.eventType;
  if (type === "") return "always";
  if (type.startsWith("xstate.after.")) {
    const delay = (transition as { delay?: unknown }).delay;
    return `after ${typeof delay === "number" ? `${delay} ms` : nameOf(delay)}`;
  }
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) {
    const invoke = transition.source.invoke.find((candidate) => candidate.id === actor[2]);
    // an id XState made up ("0.connection.active.waiting") says less than the actor's name
    const name = invoke && !invoke.id.includes(".") ? invoke.id : nameOf(invoke?.src ?? actor[2]);
    return `${name} ${actor[1]}`;
  }
  if (type.startsWith("xstate.done.state.")) return "done";
  return type;
}

/** How a row of a state's box reads: "transport.closed [canReconnect] → waiting". */
function transitionLabel(transition: AnyTransitionDefinition, targetName: (node: AnyStateNode) => string): string {
  const guard = transition.guard === undefined ? "" : ` [${nameOf(transition.guard)}]`;
  const targets = transition.target ?? [];
  // a transition without a target only runs its actions: they are what it does
  const outcome = targets.length > 0 ? ` → ${targets.map(targetName).join(", ")}` : ` / ${transition.actions.map(nameOf).join(", ") || "nothing"}`;
  return `${eventLabel(transition)}${guard}${outcome}`;
}

function transitionsOf(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

// ---------------------------------------------------------------- layout

// the diagram's text is monospace, so its width follows from its length
const font = { size: 11, charWidth: 6.8 };
const space = { pad: 8, header: 20, row: 15, gap: 14 };

interface Box {
  node: AnyStateNode;
  rows: Array<{ key: string; label: string }>;
  /** Children grouped by rank (steps from the initial child). */
  ranks: Box[][];
  /** Ranks flow downwards (rows of boxes) or rightwards (columns). */
  downwards: boolean;
  width: number;
  height: number;
  x: number;
  y: number;
}

/** Every state at or below `node`. */
function subtree(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap(subtree)];
}

/**
 * Groups the children of a compound state by how many transitions separate
 * them from its initial child (a transition from anywhere inside a child to
 * anywhere inside a sibling counts), so that the boxes read in the order the
 * machine goes through them; final states come last.
 */
function rankChildren(node: AnyStateNode): AnyStateNode[][] {
  const children = Object.values(node.states);
  const childOf = (target: AnyStateNode) => children.find((child) => target.path.slice(0, child.path.length).join(".") === child.path.join("."));
  const next = new Map(
    children.map((child) => [
      child,
      subtree(child)
        .flatMap(transitionsOf)
        .flatMap((transition) => transition.target ?? [])
        .map(childOf)
        .filter((sibling): sibling is AnyStateNode => sibling !== undefined && sibling !== child),
    ]),
  );
  const rank = new Map<AnyStateNode, number>();
  const initial = node.initial?.target[0];
  const start = initial ? childOf(initial) : children[0];
  const queue = start ? [start] : [];
  if (start) rank.set(start, 0);
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const sibling of next.get(current) ?? []) {
      if (rank.has(sibling) || sibling.type === "final") continue;
      rank.set(sibling, rank.get(current)! + 1);
      queue.push(sibling);
    }
  }
  const reached = Math.max(-1, ...rank.values());
  for (const child of children) if (!rank.has(child) && child.type !== "final") rank.set(child, reached + 1);
  const last = Math.max(-1, ...rank.values()) + 1;
  const ranks: AnyStateNode[][] = [];
  for (const child of children) (ranks[rank.get(child) ?? last] ??= []).push(child);
  return ranks.filter((group) => group.length > 0);
}

function measure(node: AnyStateNode, depth: number, targetName: (node: AnyStateNode) => string): Box {
  const rows = transitionsOf(node).map((transition) => ({ key: transitionKey(transition) ?? "", label: transitionLabel(transition, targetName) }));
  const invokes = node.invoke.map((invoke) => ({ key: "", label: `invoke ${nameOf(invoke.src)}` }));
  const ranks = rankChildren(node).map((group) => group.map((child) => measure(child, depth + 1, targetName)));
  // alternate the flow by depth, so that nested charts stay about as wide as they are tall
  const downwards = depth % 2 === 0;
  const along = (group: Box[], size: (box: Box) => number) => group.reduce((sum, box) => sum + size(box), 0) + space.gap * (group.length - 1);
  const across = (group: Box[], size: (box: Box) => number) => Math.max(0, ...group.map(size));
  const blockWidth = downwards ? Math.max(0, ...ranks.map((group) => along(group, (box) => box.width))) : along(ranks.map((group) => ({ width: across(group, (box) => box.width) }) as Box), (box) => box.width);
  const blockHeight = downwards ? along(ranks.map((group) => ({ height: across(group, (box) => box.height) }) as Box), (box) => box.height) : Math.max(0, ...ranks.map((group) => along(group, (box) => box.height)));
  const text = [headerText(node), ...invokes.map((row) => row.label), ...rows.map((row) => row.label)];
  const allRows = [...invokes, ...rows];
  return {
    node,
    rows: allRows,
    ranks,
    downwards,
    width: Math.ceil(Math.max(...text.map((line) => line.length * font.charWidth), ranks.length > 0 ? blockWidth : 0) + 2 * space.pad),
    height: space.header + allRows.length * space.row + (ranks.length > 0 ? space.gap / 2 + blockHeight + space.pad : space.pad / 2),
    x: 0,
    y: 0,
  };
}

function place(box: Box, x: number, y: number): void {
  box.x = x;
  box.y = y;
  let cursor = 0;
  const top = y + space.header + box.rows.length * space.row + space.gap / 2;
  for (const group of box.ranks) {
    let offset = 0;
    for (const child of group) {
      if (box.downwards) place(child, x + space.pad + offset, top + cursor);
      else place(child, x + space.pad + cursor, top + offset);
      offset += (box.downwards ? child.width : child.height) + space.gap;
    }
    cursor += Math.max(...group.map((child) => (box.downwards ? child.height : child.width))) + space.gap;
  }
}

function headerText(node: AnyStateNode): string {
  const initial = node.parent?.initial?.target[0] === node ? "● " : "";
  const tags = node.tags.length > 0 ? `  #${node.tags.join(" #")}` : "";
  return `${initial}${node.key}${tags}`;
}

// ---------------------------------------------------------------- SVG

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(box: Box): string {
  const { node, x, y, width, height } = box;
  const classes = ["state", node.type === "final" ? "final" : ""].filter(Boolean).join(" ");
  const parts = [`<g class="${classes}" data-state="${escapeXml(node.path.join("."))}">`];
  if (node.description) parts.push(`<title>${escapeXml(node.description)}</title>`);
  parts.push(`<rect class="frame" x="${x}" y="${y}" width="${width}" height="${height}" rx="6"/>`);
  if (node.type === "final") parts.push(`<rect class="ring" x="${x + 3}" y="${y + 3}" width="${width - 6}" height="${height - 6}" rx="4"/>`);
  parts.push(`<text class="name" x="${x + space.pad}" y="${y + 14}">${escapeXml(headerText(node))}</text>`);
  box.rows.forEach((row, index) => {
    const line = `<text x="${x + space.pad}" y="${y + space.header + index * space.row + 10}">${escapeXml(row.label)}</text>`;
    parts.push(row.key ? `<g class="row" data-transition="${escapeXml(row.key)}">${line}</g>` : `<g class="row invoke">${line}</g>`);
  });
  for (const group of box.ranks) for (const child of group) parts.push(render(child));
  parts.push("</g>");
  return parts.join("");
}

/** The machine's diagram: nested boxes, one per state, each listing its transitions. */
export function chartSvg(machine: AnyStateMachine): string {
  const nodes = subtree(machine.root);
  // a target is named by its key, or by its path where two states share that key
  const shared = new Set(nodes.filter((node, i) => nodes.findIndex((other) => other.key === node.key) !== i).map((node) => node.key));
  const targetName = (node: AnyStateNode) => (shared.has(node.key) ? node.path.join(".") : node.key);
  const root = measure(machine.root, 0, targetName);
  place(root, 1, 1);
  const width = root.width + 2;
  const height = root.height + 2;
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(machine.id)} machine">${render(root)}</svg>`;
}

// ---------------------------------------------------------------- the page

const style = `
:root { color-scheme: light; font: 14px system-ui, sans-serif; color: #1f2328; background: #f6f8fa; }
body { margin: 0; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; background: #fff; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 1.05em; margin: 0; }
#status { font-size: .9em; color: #cf222e; }
#status.live { color: #1a7f37; }
main { display: flex; flex-wrap: wrap; gap: 1em; padding: 1em; align-items: flex-start; }
section.machine { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: .6em .8em; width: min-content; max-width: calc(100vw - 2em); overflow-x: auto; box-sizing: border-box; }
section.machine h2 { font-size: 1em; margin: 0 0 .4em; }
.actors { list-style: none; padding: 0; margin: 0 0 .4em; display: flex; flex-wrap: wrap; gap: .3em; font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.actors button { font: inherit; border: 1px solid #d0d7de; border-radius: 4px; background: #f6f8fa; padding: .15em .45em; cursor: pointer; }
.actors button[aria-pressed="true"] { background: #0969da; border-color: #0969da; color: #fff; }
.actors li.ended button { border-style: dashed; color: #57606a; }
.actors li.ended button[aria-pressed="true"] { background: #57606a; border-color: #57606a; color: #fff; }
.actors .none, .actors .more { color: #57606a; font-style: italic; }
.trail { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; color: #57606a; margin: 0 0 .5em; min-height: 1.3em; }
svg.chart text { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; fill: #1f2328; }
svg.chart .state > rect.frame { fill: #fff; stroke: #8c959f; }
svg.chart .state > rect.ring { fill: none; stroke: #8c959f; }
svg.chart .state > text.name { font-weight: 700; }
svg.chart .row text { fill: #57606a; }
svg.chart .row.invoke text { font-style: italic; }
svg.chart .state.active > rect.frame { fill: #f3f8ff; stroke: #0969da; stroke-width: 2; }
svg.chart .state.current > rect.frame { fill: #ddf4ff; stroke: #0969da; stroke-width: 3; }
svg.chart .state.current > text.name { fill: #0550ae; }
svg.chart .row.taken text { fill: #bc4c00; font-weight: 700; }
section.ended svg.chart .state.current > rect.frame, section.ended svg.chart .state.active > rect.frame { fill: #f6f8fa; stroke: #57606a; }
section.ended svg.chart .state.current > text.name { fill: #57606a; }
`;

// The page's script: plain JavaScript, run as is by the browser. It keeps the
// actors the server reports, lists them per machine, and highlights the
// states of the selected one (the newest, unless the user picked one).
const script = `
"use strict";
(() => {
  const TRAIL = 24, LISTED = 40;
  const views = new Map();
  for (const section of document.querySelectorAll("section[data-machine]")) {
    const states = new Map(), rows = new Map();
    for (const g of section.querySelectorAll("g.state")) states.set(g.getAttribute("data-state"), g);
    for (const g of section.querySelectorAll("g.row[data-transition]")) rows.set(g.getAttribute("data-transition"), g);
    views.set(section.dataset.machine, {
      section, states, rows,
      list: section.querySelector(".actors"),
      trail: section.querySelector(".trail"),
      actors: new Map(), selected: undefined, pinned: false, lit: [], dirty: false,
    });
  }
  const actors = new Map();
  let frame = 0;
  function changed(view) {
    view.dirty = true;
    if (!frame) frame = requestAnimationFrame(() => {
      frame = 0;
      for (const v of views.values()) if (v.dirty) { v.dirty = false; render(v); }
    });
  }
  function label(view, actor) {
    let same = 0;
    for (const other of view.actors.values()) if (other.id === actor.id) same++;
    return same > 1 ? actor.id + " #" + actor.key : actor.id;
  }
  function render(view) {
    const { list, section } = view;
    list.replaceChildren();
    const all = [...view.actors.values()];
    if (all.length === 0) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = "no actor yet";
      list.append(li);
    }
    if (all.length > LISTED) {
      const li = document.createElement("li");
      li.className = "more";
      li.textContent = "+" + (all.length - LISTED) + " earlier";
      list.append(li);
    }
    for (const actor of all.slice(-LISTED)) {
      const li = document.createElement("li");
      li.dataset.key = actor.key;
      if (actor.status !== "active") li.className = "ended";
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-pressed", String(actor.key === view.selected));
      button.textContent = label(view, actor) + "  " + actor.state.join(" | ") + (actor.status === "active" ? "" : " (" + actor.status + ")");
      button.title = actor.name + " (" + actor.session + ")" + (actor.event ? ", last event " + actor.event : "");
      button.addEventListener("click", () => {
        // a second click on the pinned actor goes back to following the newest
        view.pinned = !(view.pinned && view.selected === actor.key);
        view.selected = actor.key;
        if (!view.pinned) view.selected = all[all.length - 1].key;
        changed(view);
      });
      li.append(button);
      list.append(li);
    }
    for (const element of view.lit) element.classList.remove("active", "current", "taken");
    view.lit = [];
    const actor = view.actors.get(view.selected);
    section.dataset.selected = actor ? actor.key : "";
    section.classList.toggle("ended", !!actor && actor.status !== "active");
    view.trail.textContent = actor ? label(view, actor) + ": " + actor.trail.join(" → ") + (actor.status === "active" ? "" : " (" + actor.status + ")") : "";
    if (!actor) return;
    for (const leaf of actor.state) {
      const parts = leaf.split(".");
      for (let i = 1; i <= parts.length; i++) {
        const g = view.states.get(parts.slice(0, i).join("."));
        if (!g) continue;
        g.classList.add(i === parts.length ? "current" : "active");
        view.lit.push(g);
      }
    }
    for (const key of actor.taken) {
      const g = view.rows.get(key);
      if (!g) continue;
      g.classList.add("taken");
      view.lit.push(g);
    }
  }
  function forget(key) {
    const actor = actors.get(key);
    if (!actor) return;
    actors.delete(key);
    const view = views.get(actor.machine);
    view.actors.delete(key);
    if (view.selected === key) {
      view.pinned = false;
      view.selected = [...view.actors.keys()].pop();
    }
    changed(view);
  }
  function receive(message) {
    if (message.t === "hello") {
      actors.clear();
      for (const view of views.values()) {
        view.actors.clear();
        view.selected = undefined;
        view.pinned = false;
        changed(view);
      }
    } else if (message.t === "actor") {
      const view = views.get(message.machine);
      if (!view) return;
      const actor = { ...message, key: String(message.key), state: [], status: "active", event: "", taken: [], trail: [] };
      actors.set(actor.key, actor);
      view.actors.set(actor.key, actor);
      if (!view.pinned) view.selected = actor.key;
      changed(view);
    } else if (message.t === "state") {
      const actor = actors.get(String(message.key));
      if (!actor) return;
      const shown = message.state.join(" | ");
      if (actor.trail[actor.trail.length - 1] !== shown) {
        actor.trail.push(shown);
        if (actor.trail.length > TRAIL) actor.trail.shift();
      }
      actor.state = message.state;
      actor.status = message.status;
      actor.event = message.event;
      if (message.taken.length > 0) actor.taken = message.taken;
      changed(views.get(actor.machine));
    } else if (message.t === "forget") {
      forget(String(message.key));
    }
  }
  const status = document.getElementById("status");
  const events = new EventSource("events");
  events.onopen = () => { status.textContent = "live"; status.className = "live"; };
  events.onerror = () => {
    status.textContent = events.readyState === EventSource.CLOSED ? "stopped" : "reconnecting…";
    status.className = "";
  };
  events.onmessage = (event) => receive(JSON.parse(event.data));
  for (const view of views.values()) render(view);
})();
`;

/** The whole page: a section per machine (its diagram and its actors), the style and the script inline. */
export function livePage(machines: readonly AnyStateMachine[], nonce: string): string {
  const sections = machines.map(
    (machine) =>
      `<section class="machine" data-machine="${escapeXml(machine.id)}"><h2>${escapeXml(machine.id)} machine</h2>` +
      `<ul class="actors"></ul><p class="trail"></p>${chartSvg(machine)}</section>`,
  );
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><title>socket.io-client-xstate · live view</title>`,
    `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">`,
    `<style nonce="${nonce}">${style}</style></head>`,
    `<body><header><h1>socket.io-client-xstate · live view</h1><span id="status">connecting…</span></header>`,
    `<main>${sections.join("")}</main>`,
    `<script nonce="${nonce}">${script}</script></body></html>`,
  ].join("\n");
}
