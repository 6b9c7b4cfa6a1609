import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureBuilt, repoRoot } from './cli-process';

// OTLP export over real HTTP from a real process: a collector stand-in records what the SDK posts,
// as Jaeger would receive it. (The exporter loads `http` with a dynamic import, which jest's module
// sandbox cannot run, so the traced code runs in a child process on the built packages.)
const tracedProgram = `
const { startTelemetry, withSpan, ATTR_AUTOPILOT_COST_USD } = require('@autopilot/telemetry');
(async () => {
  const telemetry = startTelemetry({ serviceName: 'otlp-export-test' });
  if (telemetry.exporter !== 'otlp') throw new Error('exporter is ' + telemetry.exporter);
  await withSpan('run otlp-export-span', { [ATTR_AUTOPILOT_COST_USD]: 0.25 }, async () => undefined);
  await telemetry.shutdown();
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('OTLP export', () => {
  let collector: Server;
  const received: { method: string; url: string; body: Buffer }[] = [];

  beforeAll(async () => {
    ensureBuilt();
    collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  }, 300_000);

  afterAll(() => new Promise((resolve) => collector.close(resolve)));

  it('posts finished spans with their attributes to <endpoint>/v1/traces', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // Asynchronously: the collector answering the child lives in this process's event loop.
    const child = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-e', tracedProgram],
        { cwd: repoRoot, env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, timeout: 20_000 },
        (err, _stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
      );
    });
    expect(child).toEqual({ code: 0, stderr: '' });

    const traces = received.filter((r) => r.method === 'POST' && r.url === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    // OTLP/HTTP protobuf carries names and attribute keys as plain bytes.
    const body = Buffer.concat(traces.map((t) => t.body)).toString('latin1');
    expect(body).toContain('run otlp-export-span');
    expect(body).toContain('autopilot.cost_usd');
    expect(body).toContain('otlp-export-test');
  });
});
