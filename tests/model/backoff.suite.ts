// The backoff machine's paths, generated with xstate/graph for a grid of
// settings and attempt numbers, executed on a real Manager: it is brought to
// the wait before attempt n (n - 1 refused attempts before it), then each step
// of the path is done for real, on the clock the test drives. The expected
// delay is the documented formula with fixed numbers, computed here by hand:
// min(reconnectionDelay × 2^(n−1), reconnectionDelayMax), randomizationFactor 0.
import { isDeepStrictEqual } from "node:util";
import { createActor, SimulatedClock } from "xstate";
import { getShortestPaths } from "xstate/graph";
import { backoffMachine, type BackoffInput } from "../../machines/backoff.machine.js";
import { stateText, Trace } from "./model.js";
import { settle, startClient, type ModelServer } from "./world.js";

export interface BackoffConfig {
  /** The attempt the wait is for (1: the first reconnection attempt). */
  attempt: number;
  reconnectionDelay: number;
  reconnectionDelayMax: number;
}

export interface BackoffPath {
  suite: "backoff";
  config: BackoffConfig;
  steps: string[];
}

const AFTER = backoffMachine.root.states.waiting!.after[0]!.eventType;
/** The one step of the backoff's paths, as the table names it. */
export const BACKOFF_STEPS: Record<string, string> = { [AFTER]: "clock: the backoff delay passes" };
const CONNECT_TIMEOUT = 5000;

/** The delay before attempt n, by the documented formula (no jitter). */
const expectedDelay = ({ attempt, reconnectionDelay, reconnectionDelayMax }: BackoffConfig) =>
  Math.min(reconnectionDelay * 2 ** (attempt - 1), reconnectionDelayMax);

const inputOf = (config: BackoffConfig): BackoffInput => ({
  attempt: config.attempt,
  settings: {
    reconnectionDelay: config.reconnectionDelay,
    reconnectionDelayMax: config.reconnectionDelayMax,
    randomizationFactor: 0,
    reconnectionAttempts: Infinity,
  },
  random: () => 0.5,
});

export function backoffPaths({ full }: { full: boolean }): BackoffPath[] {
  const configs: BackoffConfig[] = [];
  const attempts = full ? [1, 2, 3, 4, 5, 6, 7] : [1, 2, 3, 4];
  const settings = full
    ? [
        [1, 5000],
        [100, 250],
        [100, 1000],
        [1000, 5000],
        [0, 5000],
      ]
    : [
        [100, 250],
        [100, 1000],
      ];
  for (const [reconnectionDelay, reconnectionDelayMax] of settings)
    for (const attempt of attempts) configs.push({ attempt, reconnectionDelay: reconnectionDelay!, reconnectionDelayMax: reconnectionDelayMax! });
  return configs.flatMap((config) => {
    // the paths of the chart for this input: to every state, with its delayed event as the only event
    const generated = getShortestPaths(backoffMachine, { input: inputOf(config), events: [{ type: AFTER }] } as never) as unknown as {
      steps: { event: { type: string } }[];
    }[];
    const longest = generated.reduce((a, b) => (b.steps.length > a.steps.length ? b : a));
    return [{ suite: "backoff" as const, config, steps: longest.steps.slice(1).map(({ event }) => event.type) }];
  });
}

/** What a user observes, by state of the backoff (by hand). */
function facts(state: string, config: BackoffConfig) {
  return state === "waiting"
    ? { timers: [expectedDelay(config)], readyState: "closed", reconnecting: true, attemptsAnnounced: config.attempt - 1, atGate: 0 }
    : // elapsed: attempt n is made at once (reconnect_attempt n), its connection reaches the network
      { timers: [CONNECT_TIMEOUT], readyState: "opening", reconnecting: true, attemptsAnnounced: config.attempt, atGate: 1 };
}

export function describeBackoffPath(path: BackoffPath, failure?: string): string {
  const { config } = path;
  return [
    `backoff model, attempt ${config.attempt}, reconnectionDelay ${config.reconnectionDelay}, reconnectionDelayMax ${config.reconnectionDelayMax}, randomizationFactor 0`,
    `  setup: manager.open(); then ${config.attempt} times "network: refuses the connection", the backoff timers between them fired`,
    `  0. (start) model: waiting  expect ${JSON.stringify(facts("waiting", config))}`,
    ...path.steps.map((step, index) => `  ${index + 1}. ${BACKOFF_STEPS[step] ?? step}  model: elapsed  expect ${JSON.stringify(facts("elapsed", config))}`),
    ...(failure ? [`  FAILED: ${failure}`] : []),
    `replay: MODEL_REPLAY='${JSON.stringify(path)}' npx vitest run tests/model/system.model.test.ts`,
  ].join("\n");
}

export async function runBackoffPath(path: BackoffPath, server: ModelServer): Promise<Trace> {
  const { config } = path;
  const trace = new Trace();
  const model = createActor(backoffMachine, { input: inputOf(config), clock: new SimulatedClock(), inspect: trace.inspect }).start();
  const client = await startClient(server, {
    autoConnect: false,
    reconnectionAttempts: Infinity,
    reconnectionDelay: config.reconnectionDelay,
    reconnectionDelayMax: config.reconnectionDelayMax,
    randomizationFactor: 0,
    timeout: CONNECT_TIMEOUT,
  });
  const { gate, clock, manager } = client;
  const attempts: number[] = [];
  manager.on("reconnect_attempt", (n) => attempts.push(n));
  const observe = () => ({
    timers: clock.delays,
    readyState: manager._readyState,
    reconnecting: manager._reconnecting,
    attemptsAnnounced: attempts.length,
    atGate: gate.waiting,
  });
  const atGate = () => settle(() => gate.waiting === 1, () => "a connection at the gate");
  try {
    // setup: the wait before attempt n begins after n failed attempts
    manager.open();
    for (let failed = 0; failed < config.attempt; failed++) {
      if (failed > 0) clock.fireOnly(clock.delays[0] ?? -1, "a backoff of the setup");
      await atGate();
      gate.refuse();
      await settle(() => manager._readyState === "closed", () => "the refused attempt to fail");
    }
    const check = (state: string) =>
      settle(
        () => isDeepStrictEqual(observe(), facts(state, config)),
        () => `${JSON.stringify(facts(state, config))}, observed ${JSON.stringify(observe())}`,
      );
    await check(stateText(model.getSnapshot().value));
    for (const step of path.steps) {
      clock.fireOnly(expectedDelay(config), "the backoff");
      model.send({ type: step });
      await check(stateText(model.getSnapshot().value));
    }
    return trace;
  } catch (error) {
    throw new Error(describeBackoffPath(path, (error as Error).message));
  } finally {
    model.stop();
    await client.close([]);
  }
}
