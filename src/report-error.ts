// An error that is not ours to handle (a user listener or callback threw): it
// reaches the host as an uncaught error, asynchronously, so that the state of
// the client stays consistent and the other listeners still run.
export function reportError(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === "function") report(error);
  else
    setTimeout(() => {
      throw error;
    }, 0);
}
