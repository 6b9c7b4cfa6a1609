import { silentLogger } from '../testing/memory-logger';
import { createHttpRoutes, startHttpServer, type RunningHttpServer } from './http-server';
import { RouteConflictError } from './http-routes';
import { Readiness } from './readiness';

const quiet = silentLogger();

async function get(server: RunningHttpServer, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

describe('startHttpServer', () => {
  let server: RunningHttpServer;
  let readiness: Readiness;
  const routes = createHttpRoutes();

  beforeAll(async () => {
    readiness = new Readiness();
    readiness.expect('bus', 'connecting');
    readiness.expect('store:manager');
    server = await startHttpServer({ port: 0, host: '127.0.0.1', readiness, routes, logger: quiet });
  });
  afterAll(() => server.close());

  it('binds a free port when asked for 0', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('answers /healthz with 200 as long as the process runs', async () => {
    expect(await get(server, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers /readyz with 503 naming the parts that are not ready, then 200', async () => {
    expect(await get(server, '/readyz')).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        ready: false,
        parts: {
          bus: { ready: false, reason: 'connecting' },
          'store:manager': { ready: false, reason: 'starting' },
        },
      },
    });
    readiness.ready('bus');
    readiness.ready('store:manager');
    expect(await get(server, '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', ready: true },
    });
    readiness.notReady('bus', 'disconnected');
    expect(await get(server, '/readyz')).toMatchObject({
      status: 503,
      body: { parts: { bus: { ready: false, reason: 'disconnected' } } },
    });
    readiness.ready('bus');
  });

  it('serves routes services register: exact paths, then the longest prefix', async () => {
    routes.add('/graphql', (_req, res) => res.end('graphql'));
    routes.addPrefix('/dashboard', (req, res) => res.end(`dashboard ${req.url}`));
    routes.addPrefix('/dashboard/api', async (_req, res) => {
      await Promise.resolve();
      res.end('api');
    });
    expect(await get(server, '/graphql?query=x')).toEqual({ status: 200, body: 'graphql' });
    expect(await get(server, '/dashboard/app.js')).toEqual({
      status: 200,
      body: 'dashboard /dashboard/app.js',
    });
    expect(await get(server, '/dashboard/api/runs')).toEqual({ status: 200, body: 'api' });
    expect(await get(server, '/dashboardx')).toMatchObject({ status: 404 });
    expect(await get(server, '/nope')).toEqual({ status: 404, body: { error: 'not_found', path: '/nope' } });
  });

  it('refuses a second route on a taken path and on the health paths', () => {
    expect(() => routes.add('/graphql', () => undefined)).toThrow(RouteConflictError);
    expect(() => routes.add('/readyz', () => undefined)).toThrow(RouteConflictError);
  });

  it('answers 500 when a route handler throws, and keeps serving', async () => {
    routes.add('/boom', () => {
      throw new Error('boom');
    });
    expect(await get(server, '/boom')).toEqual({ status: 500, body: { error: 'internal_error' } });
    expect(await get(server, '/healthz')).toMatchObject({ status: 200 });
  });

  it('says not ready once shutdown starts', async () => {
    const r = new Readiness();
    r.ready('bus');
    expect(r.report().ready).toBe(true);
    r.shutdown();
    expect(r.report()).toEqual({
      ready: false,
      parts: { bus: { ready: true }, process: { ready: false, reason: 'shutting down' } },
    });
  });
});

describe('startHttpServer on a taken port', () => {
  it('rejects with the bind error', async () => {
    const first = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      readiness: new Readiness(),
      routes: createHttpRoutes(),
      logger: quiet,
    });
    try {
      await expect(
        startHttpServer({
          port: first.port,
          host: '127.0.0.1',
          readiness: new Readiness(),
          routes: createHttpRoutes(),
          logger: quiet,
        }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
