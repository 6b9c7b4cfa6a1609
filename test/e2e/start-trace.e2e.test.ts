import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  autopilotBranches,
  FIXTURE_API_KEY,
  FIXTURE_MODEL,
  startFixture,
  type StartFixture,
} from './start-fixture';

/**
 * Issue 16, end to end 4 (DESIGN.md section 7): `autopilot start` exports its traces over OTLP/HTTP
 * to a collector stand-in in this test. Every run is one trace of its own (dispatch, steps, model
 * calls), and each model call carries the GenAI attributes with its tokens and its cost.
 */

/** An OTLP/JSON attribute value (opentelemetry-proto's AnyValue, JSON mapping). */
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: AnyValue }[];
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

/** A received span, its attributes as plain values. */
interface Span {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly service?: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

function plain(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(plain);
  return undefined;
}

const attributesOf = (list: { key: string; value: AnyValue }[] = []): Record<string, unknown> =>
  Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** The spans of one OTLP/HTTP JSON export request (what @opentelemetry/exporter-trace-otlp-http posts). */
function spansOf(request: ExportTraceServiceRequest): Span[] {
  const out: Span[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const service = attributesOf(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          ...(typeof service === 'string' ? { service } : {}),
          attributes: attributesOf(s.attributes),
        });
  }
  return out;
}

/** A collector stand-in: answers every OTLP/HTTP trace export with success and keeps its spans. */
class OtlpReceiver {
  readonly spans: Span[] = [];
  readonly contentTypes = new Set<string>();
  readonly unexpected: string[] = [];
  private readonly server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`${req.method} ${req.url}`);
        const type = String(req.headers['content-type']);
        this.contentTypes.add(type);
        if (!type.startsWith('application/json')) throw new Error(`content-type ${type}`);
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        this.spans.push(...spansOf(JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        this.unexpected.push(String(err));
        res.writeHead(400).end();
      }
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The run a branch belongs to: `runBranchName` ends it with the run id's last characters. */
const branchSuffix = (branch: string): string => branch.slice(branch.lastIndexOf('-') + 1);
const runIdShort = (runId: string): string => runId.toLowerCase().replace(/[^a-z0-9]/g, '');

describe('autopilot start: one trace per run, over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let fixture: StartFixture | undefined;
  let endpoint: string;
  beforeAll(async () => {
    receiver = new OtlpReceiver();
    endpoint = await receiver.listen();
  });
  afterAll(async () => {
    await fixture?.close();
    await receiver.close();
  });

  it('exports each run as a trace of its own, model spans with tokens and cost', async () => {
    fixture = await startFixture();
    const result = await fixture.runStart({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    if (result.code !== 0 || result.stderr !== '')
      throw new Error(`autopilot start exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    const report = result.report!;
    expect(report.completed.map((c) => c.title).sort()).toEqual(
      fixture.tasks.map((t) => `Phase ${fixture!.tasks.indexOf(t) + 1}: ${t.title}`).sort(),
    );
    expect(autopilotBranches(fixture.repo)).toEqual(report.completed.map((c) => c.branch).sort());

    // Everything the CLI exported arrived as OTLP/HTTP JSON, from the `autopilot` process.
    expect(receiver.unexpected).toEqual([]);
    const spans = receiver.spans;
    expect(spans.length).toBeGreaterThan(0);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['autopilot']));
    expect(JSON.stringify(spans)).not.toContain(FIXTURE_API_KEY);

    // Every span that names a run, by run.
    const byRun = new Map<string, Span[]>();
    for (const s of spans) {
      const runId = s.attributes['autopilot.run_id'];
      if (typeof runId === 'string') byRun.set(runId, [...(byRun.get(runId) ?? []), s]);
    }
    const traceOfRun = new Map<string, string>();
    for (const completed of report.completed) {
      const runIds = [...byRun.keys()].filter((id) =>
        runIdShort(id).endsWith(branchSuffix(completed.branch)),
      );
      expect({ branch: completed.branch, runIds: runIds.length }).toEqual({
        branch: completed.branch,
        runIds: 1,
      });
      const runId = runIds[0]!;
      const runSpans = byRun.get(runId)!;
      // Its steps and its model calls, all in one trace.
      const traces = new Set(runSpans.map((s) => s.traceId));
      expect({ runId, traces: [...traces] }).toEqual({
        runId,
        traces: [expect.stringMatching(/^[0-9a-f]{32}$/)],
      });
      const traceId = [...traces][0]!;
      traceOfRun.set(runId, traceId);
      expect(runSpans.some((s) => s.name.startsWith('step '))).toBe(true);
      const modelSpans = runSpans.filter((s) => s.attributes['gen_ai.operation.name'] !== undefined);
      expect(modelSpans.length).toBeGreaterThanOrEqual(fixture.tasks[0]!.calls.length);
      for (const m of modelSpans) {
        expect(m.attributes).toMatchObject({
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': FIXTURE_MODEL,
          'gen_ai.usage.input_tokens': expect.any(Number),
          'gen_ai.usage.output_tokens': expect.any(Number),
          'autopilot.cost_usd': expect.any(Number),
        });
        expect(m.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
        expect(m.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
        expect(m.attributes['autopilot.cost_usd']).toBeGreaterThan(0);
      }
      // The trace holds this run and no other.
      const trace = spans.filter((s) => s.traceId === traceId);
      const others = new Set(
        trace.map((s) => s.attributes['autopilot.run_id']).filter((id) => id !== undefined && id !== runId),
      );
      expect({ runId, others: [...others] }).toEqual({ runId, others: [] });
      // The manager began it at the dispatch (its root); the worker's execute_run joined it, once;
      // nothing of it was lost: every other span's parent was exported with it.
      const ids = new Set(trace.map((s) => s.spanId));
      const roots = trace.filter((s) => s.parentSpanId === undefined);
      expect(
        roots.map((s) => [s.name, s.attributes['autopilot.run_id'], s.attributes['autopilot.service']]),
      ).toEqual([['dispatch run', runId, 'manager']]);
      expect(trace.filter((s) => s.name === 'process ap.v1.cmd.worker.execute_run')).toHaveLength(1);
      const orphans = trace.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId));
      expect({ runId, orphans: orphans.map((s) => s.name) }).toEqual({ runId, orphans: [] });
    }
    // Different runs, different traces.
    expect(new Set(traceOfRun.values()).size).toBe(report.completed.length);
  }, 180_000);
});
