import { defineConfig } from "vitest/config";

// The folders whose code coverage `npm test` measures and enforces (with
// --coverage): the thresholds hold for all of them together and for each.
const covered = ["machines", "src", "adapters"];
const minimum = { lines: 90, branches: 85 };

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // the cluster scenarios run apart: npm run test:cluster (vitest.cluster.config.ts)
    exclude: ["tests/cluster/**", "**/node_modules/**"],
    // a test waits for real servers; waits inside tests fail sooner, with a message naming what never happened
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: "forks",
    restoreMocks: true,
    coverage: {
      provider: "v8",
      include: covered.map((folder) => `${folder}/**/*.ts`),
      // coverage/model.json is the model suite's: only this subfolder is emptied before a run
      reportsDirectory: "coverage/code",
      reporter: ["text", "json-summary", "html"],
      thresholds: {
        ...minimum,
        ...Object.fromEntries(covered.map((folder) => [`${folder}/**`, minimum])),
      },
    },
  },
});
