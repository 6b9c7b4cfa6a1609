import type { IncomingMessage, ServerResponse } from 'node:http';
import { AutopilotError } from '@autopilot/kernel';

/**
 * Answers one HTTP request. A returned promise is awaited (its rejection becomes a 500); any other
 * return value is ignored, so a node:http request listener fits as is (graphql-yoga's does).
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

interface Route {
  path: string;
  prefix: boolean;
  handler: RouteHandler;
}

/** A route was registered twice, or over a path the runtime itself serves. */
export class RouteConflictError extends AutopilotError {
  readonly code = 'RUNTIME_ROUTE_CONFLICT';
  constructor(readonly path: string) {
    super(`an HTTP route for ${path} is already registered`);
  }
}

/**
 * The paths services add to the process's one HTTP server (`/graphql`, the dashboard). Injectable
 * in every service module by this class. Exact paths win over prefixes; the longest prefix wins.
 */
export class HttpRoutes {
  private readonly routes: Route[] = [];

  constructor(private readonly reserved: readonly string[] = []) {}

  /** Serves exactly `path` (query strings ignored). Throws RouteConflictError when taken. */
  add(path: string, handler: RouteHandler): void {
    this.register({ path: normalise(path), prefix: false, handler });
  }

  /** Serves `prefix` and everything under it (`/dashboard` → `/dashboard/app.js`). */
  addPrefix(prefix: string, handler: RouteHandler): void {
    this.register({ path: normalise(prefix), prefix: true, handler });
  }

  /** The handler for a request path, or undefined. */
  match(pathname: string): RouteHandler | undefined {
    const path = normalise(pathname);
    const exact = this.routes.find((r) => !r.prefix && r.path === path);
    if (exact) return exact.handler;
    let best: Route | undefined;
    for (const r of this.routes) {
      if (!r.prefix) continue;
      const under = path === r.path || path.startsWith(r.path === '/' ? '/' : `${r.path}/`);
      if (under && (!best || r.path.length > best.path.length)) best = r;
    }
    return best?.handler;
  }

  private register(route: Route): void {
    const taken =
      this.reserved.includes(route.path) ||
      this.routes.some((r) => r.path === route.path && r.prefix === route.prefix);
    if (taken) throw new RouteConflictError(route.path);
    this.routes.push(route);
  }
}

function normalise(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
