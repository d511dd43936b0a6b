import { defineConfig } from "vitest/config";

// The cluster scenarios (npm run test:cluster): each file starts its own
// deployment (redis-server, socket.io nodes, nginx) as real processes, so the
// files run one after the other, each in its own process.
export default defineConfig({
  test: {
    include: ["tests/cluster/**/*.test.ts"],
    // waits inside the tests fail sooner, naming what never happened
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
    restoreMocks: true,
  },
});
