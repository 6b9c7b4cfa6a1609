import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '@autopilot/kernel';
import type { Logger } from '../logging';
import { HttpRoutes } from './http-routes';
import type { Readiness } from './readiness';

/** Paths the runtime serves itself; services cannot register them. */
export const HEALTH_PATHS = ['/healthz', '/readyz'] as const;

export interface HttpServerOptions {
  port: number;
  host: string;
  readiness: Readiness;
  routes: HttpRoutes;
  logger: Logger;
}

/** The process's HTTP server, listening. */
export interface RunningHttpServer {
  /** The port actually bound (differs from the option when it was 0). */
  readonly port: number;
  readonly url: string;
  /** Stops accepting, ends idle keep-alive connections, resolves when every connection is gone. */
  close(): Promise<void>;
}

/** A registry that refuses the health paths, for `startHttpServer`. */
export function createHttpRoutes(): HttpRoutes {
  return new HttpRoutes(HEALTH_PATHS);
}

/**
 * Starts node:http with `/healthz` (the process answers: 200), `/readyz` (200 only when every
 * readiness part is ready, else 503 naming the parts that are not) and the services' routes.
 * Rejects when the port cannot be bound.
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const server = createServer((req, res) => void handle(req, res, opts));
  await listen(server, opts.port, opts.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: HttpServerOptions): Promise<void> {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  try {
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      const report = opts.readiness.report();
      return sendJson(res, report.ready ? 200 : 503, {
        status: report.ready ? 'ready' : 'not_ready',
        ...report,
      });
    }
    const handler = opts.routes.match(pathname);
    if (!handler) return sendJson(res, 404, { error: 'not_found', path: pathname });
    await handler(req, res);
  } catch (err) {
    opts.logger.error({ err, path: pathname }, `HTTP handler failed: ${describeError(err)}`);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
    else res.end();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
