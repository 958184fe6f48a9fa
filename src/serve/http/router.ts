/**
 * A tiny router: routes are a method and a path pattern whose `:name`
 * segments capture one (percent-decoded) path segment. A path that no route
 * has is 404; a path that exists with another method is 405 with `Allow`.
 */
import { HttpError } from "./errors.js";

export interface Route<H> {
  method: string;
  /** e.g. `/v1/credentials/:id` */
  pattern: string;
  handler: H;
}

export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
}

export class Router<H> {
  private readonly routes: { method: string; segments: string[]; handler: H }[] = [];

  constructor(routes: Route<H>[] = []) {
    for (const route of routes) this.add(route);
  }

  add(route: Route<H>): this {
    this.routes.push({ method: route.method, segments: route.pattern.split("/").slice(1), handler: route.handler });
    return this;
  }

  /** The handler for `method pathname`, or throws 404 / 405 (with Allow) / 400 for a segment that does not decode. */
  match(method: string, pathname: string): RouteMatch<H> {
    const segments = pathname.split("/").slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      if (!allowed.includes(route.method)) allowed.push(route.method);
    }
    if (allowed.length === 0) throw new HttpError(404, "not_found", `no such resource: ${printablePath(pathname)}`);
    const allow = allowed.join(", ");
    throw new HttpError(405, "method_not_allowed", `${printablePath(method)} is not allowed on ${printablePath(pathname)}; allowed: ${allow}`, {
      headers: { allow },
    });
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const segment = actual[i]!;
    if (expected.startsWith(":")) {
      if (segment === "") return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, "invalid_request", `path segment "${printablePath(segment)}" is not valid percent-encoding`);
      }
      params[expected.slice(1)] = decoded;
    } else if (expected !== segment) {
      return undefined;
    }
  }
  return params;
}

/** A path as sent, made safe for a message or a log line (a client may send anything). */
export function printablePath(text: string): string {
  const clean = text.replace(/[^\x21-\x7e]/g, "?");
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
