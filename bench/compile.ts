// The bench's measured processes run as plain JavaScript, no TypeScript loader
// in them: esbuild bundles each entry (dependencies stay external) to OUT/NAME.mjs.
export async function compileForNode(entryPoints: Record<string, string>, outdir: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
}
