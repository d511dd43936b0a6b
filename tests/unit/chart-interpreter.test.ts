// The chart interpreter refuses, when it compiles a chart, every construct it
// does not run, with an error naming it, instead of skipping it.
import { describe, expect, it } from "vitest";
import { setup, stateIn, type AnyStateMachine } from "xstate";
import { ackMachine } from "../../machines/ack.machine.js";
import { compileChart, type ChartRecord } from "../../src/chart-interpreter.js";

const noop = () => {};
const impl = {
  guards: { named: () => true },
  actions: { named: noop },
  delays: { wait: () => 10 },
  setTimer: () => undefined,
  clearTimer: noop,
};
const compile = (machine: AnyStateMachine) => compileChart<ChartRecord, { type: string }>(machine, impl);
const base = setup({ guards: { named: () => true }, actions: { named: noop }, delays: { wait: 10 } });

describe("compileChart refuses what it does not run", () => {
  it.each<[string, AnyStateMachine, RegExp]>([
    ["an inline guard", base.createMachine({ initial: "a", states: { a: { on: { go: { guard: () => true, target: "b" } } }, b: {} } }), /inline or builtin guard .* in a transition of \(machine\)\.a on go/],
    ["a guard with params", base.createMachine({ initial: "a", states: { a: { on: { go: { guard: { type: "named", params: { n: 1 } }, target: "b" } } }, b: {} } }), /guard "named" with params/],
    ["a builtin guard (stateIn)", base.createMachine({ initial: "a", states: { a: { on: { go: { guard: stateIn("#m.b"), target: "b" } } }, b: { id: "m.b" } } }), /inline or builtin guard/],
    ["an inline action", base.createMachine({ initial: "a", states: { a: { entry: () => {} } } }), /inline or builtin action \(anonymous\) in the entry of \(machine\)\.a/],
    ["an action with params", base.createMachine({ initial: "a", states: { a: { exit: { type: "named", params: { n: 1 } } } } }), /action "named" with params in the exit of/],
    ["a wildcard event", base.createMachine({ initial: "a", states: { a: { on: { "*": "b" } }, b: {} } }), /wildcard event "\*"/],
    ["a parallel state", base.createMachine({ type: "parallel", states: { a: {}, b: {} } }), /the parallel state in \(machine\)/],
    ["a history state", base.createMachine({ initial: "a", states: { a: {}, h: { type: "history" } } }), /the history state in \(machine\)\.h/],
    ["several targets", base.createMachine({ initial: "a", states: { a: { on: { go: { target: ["#x", "#y"] } } }, p: { type: "parallel", states: { x: { id: "x" }, y: { id: "y" } } } } }), /parallel state|several targets/],
    ["two delays in one state", base.createMachine({ initial: "a", states: { a: { after: { wait: "b", 20: "b" } }, b: {} } }), /more than one delay/],
  ])("%s", (_, machine, message) => {
    expect(() => compile(machine)).toThrow(message);
  });

  it("an action or guard name without implementation, at load", () => {
    const machine = base.createMachine({ initial: "a", states: { a: { on: { go: { guard: "named", actions: "named", target: "b" } } }, b: {} } });
    expect(() => compileChart(machine, { ...impl, actions: {} })).toThrow(/no implementation for action "named"/);
    expect(() => compileChart(machine, { ...impl, guards: {} })).toThrow(/no implementation for guard "named"/);
  });

  it("compiles the ack machine, which uses none of them", () => {
    const names = [...ackMachine.root.transitions.keys()];
    expect(names).toEqual([]);
    expect(() =>
      compileChart(ackMachine, {
        ...impl,
        guards: new Proxy({}, { get: () => () => true }),
        actions: new Proxy({}, { get: () => noop }),
        delays: new Proxy({}, { get: () => () => 1 }),
      }),
    ).not.toThrow();
  });
});
