import { setup, createActor, fromCallback, assign } from "xstate";
const gc = () => { global.gc(); global.gc(); };
const cb = fromCallback(() => () => {});
const child = setup({}).createMachine({ initial: "a", context: { x: 1, y: 2 }, states: { a: { on: { go: "b" } }, b: {} } });
const variants = {
  empty: null,
  rootOnly: setup({}).createMachine({ initial: "a", states: { a: {} } }),
  rootWithCallback: setup({ actors: { cb } }).createMachine({ initial: "a", states: { a: { invoke: { src: "cb" } } } }),
  rootWithMachineChild: setup({ actors: { child } }).createMachine({ initial: "a", states: { a: { invoke: { src: "child" } } } }),
  rootWith2: setup({ actors: { child, cb } }).createMachine({ initial: "a", states: { a: { invoke: [{ src: "child" }, {src: "cb"}] } } }),
};
const name = process.argv[2]; const m = variants[name];
const make = () => m ? createActor(m).start() : {};
for (let i = 0; i < 3000; i++) make();
gc(); const m0 = process.memoryUsage().heapUsed; const keep = [];
for (let i = 0; i < 5000; i++) keep.push(make());
gc(); const m1 = process.memoryUsage().heapUsed;
console.log(name.padEnd(22), Math.round((m1 - m0) / 5000));
