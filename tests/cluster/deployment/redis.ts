// A Redis server from the system's package (redis-server), on 127.0.0.1, a free
// port, with no disk persistence: the deployment's shared state, for the
// adapters and for what the tests count.
import { exitOf, freePort, run, stop } from "./processes.js";

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

export async function startRedis(): Promise<RedisServer> {
  let lastError = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = run(REDIS_SERVER, [
      "--bind", "127.0.0.1",
      "--port", String(port),
      "--save", "",
      "--appendonly", "no",
      "--protected-mode", "no",
      "--daemonize", "no",
      "--logfile", "",
      "--loglevel", "notice",
    ]);
    const started = await Promise.race([
      new Promise<true>((resolve) => {
        const onData = (chunk: Buffer) => {
          if (chunk.toString().includes("Ready to accept connections")) {
            child.stdout!.off("data", onData);
            resolve(true);
          }
        };
        child.stdout!.on("data", onData);
      }),
      exitOf(child),
      new Promise<false>((resolve) => child.once("error", () => resolve(false))),
    ]);
    if (started === true) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          await stop(child);
        },
      };
    }
    lastError = `${started === false ? "could not run it" : started}: ${child.output()}`;
    if (!/address already in use/i.test(child.output())) break;
  }
  throw new Error(`${REDIS_SERVER} did not start (is Debian's redis-server installed?): ${lastError}`);
}
