// io()'s URL handling, as the official client does it: the namespace comes
// from the pathname, the query from the query string, and in a browser the
// page's origin stands in for a missing or relative URL.
import { parse } from "engine.io-client";

export interface ParsedUrl {
  /** The URL the Manager connects to. */
  source: string;
  protocol: string;
  host: string;
  port: string;
  /** The namespace. */
  path: string;
  query: string;
  queryKey: Record<string, string>;
  /** The Manager cache key: protocol, host, port and socket.io path. */
  id: string;
  href: string;
}

interface LocationLike {
  protocol: string;
  host: string;
  port: string;
}

export function url(uri: string | undefined, path = "", loc?: LocationLike): ParsedUrl {
  const location = loc ?? (typeof globalThis.location !== "undefined" ? (globalThis.location as LocationLike) : undefined);
  let href = uri;
  if (href == null) {
    if (!location) throw new TypeError("io(): a URL is required outside a browser");
    href = location.protocol + "//" + location.host;
  }
  if (typeof href !== "string") throw new TypeError(`io(): the URL must be a string, got ${typeof href}`);
  // relative URLs: "//host/nsp" keeps the page's protocol, "/nsp" the page's host
  if (href.charAt(0) === "/") {
    if (!location) throw new TypeError(`io(): the relative URL "${href}" needs a browser page to resolve against`);
    href = href.charAt(1) === "/" ? location.protocol + href : location.host + href;
  }
  if (!/^(https?|wss?):\/\//.test(href)) {
    href = (location ? location.protocol + "//" : "https://") + href;
  }
  const parsed = parse(href) as ParsedUrl;
  // "localhost:80" and "localhost" are the same Manager
  if (!parsed.port) {
    if (/^(http|ws)$/.test(parsed.protocol)) parsed.port = "80";
    else if (/^(http|ws)s$/.test(parsed.protocol)) parsed.port = "443";
  }
  parsed.path = parsed.path || "/";
  const host = parsed.host.indexOf(":") !== -1 ? "[" + parsed.host + "]" : parsed.host;
  parsed.id = parsed.protocol + "://" + host + ":" + parsed.port + path;
  parsed.href = parsed.protocol + "://" + host + (location && location.port === parsed.port ? "" : ":" + parsed.port);
  return parsed;
}
