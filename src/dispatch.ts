// Run to completion, and the one place where the client calls user code.
//
// Every input from outside is one *turn*: an API call, a transport callback, a
// timer. The actors handle it to the end (XState queues an event sent to a busy
// actor, so a listener called while they work would find them half-way, and its
// calls would wait). What they emit meanwhile (the documented events, and
// effects such as creating an engine) is queued, and the queue runs once they
// are idle, in order. So a listener reads every attribute up to date, and a
// call it makes is a turn of its own, handled at once, whose events fire before
// the call returns, as with the official client's synchronous emitter.
import { reportError } from "./report-error.js";

type Job = () => void;
type Listener = (...args: any[]) => unknown;

/** The jobs of the turn the actors are handling now; undefined between turns. */
let pending: Job[] | undefined;

/**
 * Runs `input` (which sends to actors) as one turn, then what it caused. Inside a
 * turn (an actor's action reaching the outside), `input` joins that turn.
 */
export function turn(input: () => void): void {
  if (pending) return input();
  const jobs: Job[] = (pending = []);
  try {
    input();
  } finally {
    pending = undefined;
  }
  // jobs queued by a job's own turns run in those turns, before it returns
  for (let i = 0; i < jobs.length; i++) run(jobs[i]!);
}

function run(job: Job) {
  try {
    job();
  } catch (error) {
    reportError(error);
  }
}

/** Jobs of actors working outside a turn: run as soon as they are idle (see afterTurn). */
let late: Job[] | undefined;

/**
 * Runs `job` once the actors are idle: at the end of the current turn. Called
 * while actors work outside a turn (an app's actor system whose clock or
 * events drive the client's actors, when it is embedded), `job` runs in a
 * microtask, when that work is over.
 */
export function afterTurn(job: Job): void {
  if (pending) return void pending.push(job);
  if (late) return void late.push(job);
  const jobs: Job[] = (late = [job]);
  queueMicrotask(() => {
    late = undefined;
    for (let i = 0; i < jobs.length; i++) run(jobs[i]!);
  });
}

/** Calls each of `listeners` (as they are now: one added or removed meanwhile does not count) with `args`. */
export function invokeAll(self: unknown, listeners: readonly Listener[], args: readonly unknown[]): void {
  if (listeners.length === 0) return;
  if (listeners.length === 1) return invoke(self, listeners[0]!, args);
  for (const listener of listeners.slice()) invoke(self, listener, args);
}

/**
 * Calls user code. A listener that throws does not keep the next ones from
 * running, nor leave the client half-way: its error reaches the host, as thrown.
 */
export function invoke(self: unknown, listener: Listener, args: readonly unknown[]): void {
  try {
    Reflect.apply(listener, self, args);
  } catch (error) {
    reportError(error);
  }
}
