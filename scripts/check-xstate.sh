#!/usr/bin/env bash
# xstate is a peer dependency: the app's own copy runs the machines. The main
# run (npm ci) tests the newest supported release, the one in the lockfile.
# This checks the lowest one the peer range allows (or the version given), in
# a temporary copy of the project whose node_modules links to this one's, but
# for xstate (from the registry) and @statelyai/inspect (copied, so that it
# sees the same xstate):
# - the type check of the sources and tests, xstate/graph's model tests aside
#   (xstate/graph came with 5.20);
# - the docs' XState app code (tests/types/apps) against the built package (dist/);
# - the machines' unit tests and a few integration tests against a real server.
# Usage: scripts/check-xstate.sh [version]   (after npm run build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
range="$(node -p 'require(process.argv[1]).peerDependencies.xstate' "$root/package.json")"
version="${1:-${range#^}}"
[ -f "$root/dist/xstate.d.mts" ] || { echo "check-xstate: build first (npm run build)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/check-xstate-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -r "$root"/{package.json,tsconfig.json,vitest.config.ts,src,machines,adapters,tests,scripts,docs,dist} "$work"/
mkdir "$work/node_modules"
for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
  case "$(basename "$entry")" in
    xstate | @statelyai) ;;
    *) ln -s "$entry" "$work/node_modules/" ;;
  esac
done
cp -r "$root/node_modules/@statelyai" "$work/node_modules/"
# the app's package.json "dependencies" would install it; here, from its tarball
(cd "$work" && npm pack --silent "xstate@$version" > /dev/null)
mkdir "$work/node_modules/xstate"
tar -xzf "$work/xstate-$version.tgz" -C "$work/node_modules/xstate" --strip-components=1
# the package itself, for the app code: its dist/ resolves xstate from here
ln -s "$work" "$work/node_modules/socket.io-client-xstate"

cd "$work"
echo "check-xstate: xstate $(node -p 'require("xstate/package.json").version') (peer range $range)"
cat > tsconfig.check.json <<'EOF'
{
  "extends": "./tsconfig.json",
  "include": ["machines", "src", "adapters", "scripts", "tests", "docs/examples"],
  "exclude": ["tests/model", "tests/types/parity", "tests/types/apps"]
}
EOF
npx tsc -p tsconfig.check.json
# the built declarations with this xstate's, skipLibCheck off: the docs' app code
sed 's#"../../adapters/xstate.js"#"socket.io-client-xstate/xstate"#' docs/examples/chat.ts > tests/types/apps/chat.ts
cat > tsconfig.app.json <<'EOF'
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "skipLibCheck": false, "target": "ES2022",
    "module": "ESNext", "moduleResolution": "Bundler", "types": ["node"]
  },
  "files": ["tests/types/apps/xstate-app.ts", "tests/types/apps/chat.ts"]
}
EOF
npx tsc -p tsconfig.app.json
[ "${CHECK_XSTATE_TYPES_ONLY:-}" = 1 ] && exit 0
npx vitest run \
  tests/unit/ack.machine.test.ts tests/unit/backoff.test.ts tests/unit/connection.machine.test.ts tests/unit/namespace.machine.test.ts \
  tests/integration/smoke.test.ts tests/integration/xstate-actor.test.ts tests/integration/inspector.test.ts \
  tests/integration/reconnection.test.ts tests/integration/acks.test.ts
