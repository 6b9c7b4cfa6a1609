import { defineMessage } from '@autopilot/contracts';
import { eventually, startNatsServer } from '@autopilot/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import type { Delivery } from '../message-bus';
import { connectJetStreamBus } from './jetstream-message-bus';
import { PAYLOADS_BUCKET } from './payload-store';
import { PAYLOADS_STREAM, provisionStreams, STREAMS } from './provisioning';

const DocData = Type.Object({ n: Type.Integer(), text: Type.String() });
type DocData = { n: number; text: string };
const Doc = defineMessage({ kind: 'event', aggregate: 'jsextra', name: `documented_x`, version: 1, producer: 'external', consumers: ['external'], summary: 'x', data: DocData });

it('scratch', async () => {
  const own = await startNatsServer();
  const LIMIT = 2048;
  const trace: string[] = [];
  const t0 = Date.now();
  const note = (s: string) => trace.push(`${Date.now() - t0} ${s}`);
  (globalThis as unknown as { __dbg?: (s: string) => void }).__dbg = note;
  const bus = await connectJetStreamBus({ servers: own.url, source: 'flaky-store', log: (l, m, f) => note(`LOG ${l} ${m} ${JSON.stringify(f)}`), maxInlineBytes: LIMIT });
  const ownNc = await connect({ servers: own.url });
  const sub0 = ownNc.subscribe('$JS.EVENT.ADVISORY.>', { callback: (_e, m) => note(`ADV ${m.subject} ${m.string().slice(0, 300)}`) });
  const sub1 = ownNc.subscribe('$JS.ACK.>', { callback: (_e, m) => note(`ACK ${m.subject} ${m.string()}`) });
  void sub0; void sub1;
  try {
    const ownJsm = await jetstreamManager(ownNc);
    const text = 'f'.repeat(2 * LIMIT);
    await bus.publish(Doc, { n: 1, text });
    const stub = (await ownJsm.streams.getMessage(STREAMS.events, { last_by_subj: Doc.subject }))!;
    const name = stub.header.get('Ap-Payload').slice(PAYLOADS_BUCKET.length + 1);
    const body = await (await new Objm(ownNc).open(PAYLOADS_BUCKET)).getBlob(name);
    await ownJsm.streams.delete(PAYLOADS_STREAM);
    note('deleted payload stream');
    const handled: Delivery<DocData>[] = [];
    const handle = async (d: Delivery<DocData>) => { handled.push(d); };
    const opts = { backoffMs: [20], maxDeliveries: 1000 };
    const sub = await bus.subscribe(Doc, 'flaky-store', handle, opts);
    await eventually(async () => {
      const info = await ownJsm.consumers.info(STREAMS.events, 'flaky-store');
      expect(info.delivered.consumer_seq).toBeGreaterThanOrEqual(3);
    });
    note(`info before drain ${JSON.stringify(await ownJsm.consumers.info(STREAMS.events, 'flaky-store'))}`);
    let bus2 = bus;
    if (process.env.CLOSE) { await bus.close(); bus2 = await connectJetStreamBus({ servers: own.url, source: 'b2', log: () => undefined, maxInlineBytes: LIMIT }); } else await sub.drain();
    note('drained');
    if (!process.env.SKIP_PROV) await provisionStreams(ownJsm);
    if (process.env.GAP) await new Promise((r) => setTimeout(r, Number(process.env.GAP)));
    note('provisioned');
    if (!process.env.SKIP_PUT) await (await new Objm(ownNc).open(PAYLOADS_BUCKET)).putBlob({ name }, body);
    note('put');
    await bus2.subscribe(Doc, 'flaky-store', handle, opts);
    if (process.env.SKIP_PROV || process.env.SKIP_PUT) await new Promise((r) => setTimeout(r, 500));
    else await eventually(() => expect(handled).toHaveLength(1));
    note(`handled count ${handled[0]?.deliveryCount}`);
    if (true) throw new Error(trace.join('\n'));
  } finally {
    await ownNc.close();
    await bus.close();
    await own.stop();
  }
});
