import { parse } from 'yaml';
import { messages } from '../registry';
import { ASYNCAPI_FILE } from './asyncapi-document';
import { renderGeneratedFiles } from './generated-files';

type Json = Record<string, unknown>;

const rendered = renderGeneratedFiles();
const document = parse(rendered.get(ASYNCAPI_FILE) ?? '') as Json;
const section = (name: string) => (document[name] ?? {}) as Record<string, Json>;

/** Every `$ref` in the document, wherever it sits. */
function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

function resolvePointer(pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, token) => (node as Json | undefined)?.[token], document);
}

describe('asyncapi.yaml', () => {
  it('is AsyncAPI 3.0.0 with info and a JSON default content type', () => {
    expect(document['asyncapi']).toBe('3.0.0');
    expect(document['info']).toEqual(
      expect.objectContaining({ title: expect.any(String), version: expect.any(String) }),
    );
    expect(document['defaultContentType']).toBe('application/json');
  });

  it('has a channel for every subject, addressed by it', () => {
    const channels = section('channels');
    for (const m of messages)
      expect({ subject: m.subject, address: channels[m.subject]?.['address'] }).toEqual({
        subject: m.subject,
        address: m.subject,
      });
  });

  it('lets the producer send and every consumer receive each message', () => {
    const operations = section('operations');
    for (const m of messages) {
      const ops = Object.values(operations).filter(
        (op) => (op['channel'] as Json)['$ref'] === `#/channels/${m.subject}`,
      );
      const who = (action: string) =>
        Object.entries(operations)
          .filter(([, op]) => ops.includes(op) && op['action'] === action)
          .map(([id]) => id.split('.')[0]);
      expect({ type: m.type, send: who('send') }).toEqual({ type: m.type, send: [m.producer] });
      expect({ type: m.type, receive: who('receive').sort() }).toEqual({
        type: m.type,
        receive: [...m.consumers].sort(),
      });
    }
  });

  it('gives each request a reply on a dynamic (inbox) channel', () => {
    const operations = section('operations');
    for (const m of messages.filter((d) => d.kind === 'request')) {
      const op = operations[`governance.receive.${m.type}`];
      expect(op?.['reply']).toEqual({
        channel: { $ref: `#/channels/${m.subject}.reply` },
        messages: [{ $ref: `#/channels/${m.subject}.reply/messages/${m.type}.reply` }],
      });
      expect(section('channels')[`${m.subject}.reply`]?.['address']).toBeNull();
    }
  });

  it('has the dead-letter channel ap.dlq.{consumer}, its message the DeadLetter schema', () => {
    const channel = section('channels')['ap.dlq.consumer'];
    expect(channel?.['address']).toBe('ap.dlq.{consumer}');
    expect(Object.keys(channel?.['parameters'] as Json)).toEqual(['consumer']);
    const message = section('components')['messages'] as Record<string, Json>;
    expect(message['DeadLetter']?.['payload']).toEqual({ $ref: './schemas/dead-letter.json' });
    expect(section('operations')['bus.send.dead_letter']?.['action']).toBe('send');
  });

  it('describes each reply as the reply wire format around its reply schema', () => {
    const components = section('components')['messages'] as Record<string, Json>;
    for (const m of messages.filter((d) => d.kind === 'request')) {
      const payload = components[`${m.type}.reply`]?.['payload'] as Json;
      expect(refsIn(payload)).toEqual(['./schemas/reply-wire.json', `./schemas/${m.subject}.reply.json`]);
    }
  });

  it('describes the envelope and the Nats-Msg-Id and traceparent headers', () => {
    const info = document['info'] as Json;
    expect(info['description']).toEqual(expect.stringContaining('Nats-Msg-Id'));
    expect(info['description']).toEqual(expect.stringContaining('traceparent'));
    const headers = resolvePointer('#/components/schemas/NatsHeaders') as Json;
    expect(Object.keys(headers['properties'] as Json)).toEqual(
      expect.arrayContaining(['Nats-Msg-Id', 'traceparent']),
    );
  });

  it('has no dangling $ref: in-document pointers resolve, file references name generated schemas', () => {
    for (const ref of refsIn(document)) {
      if (ref.startsWith('#/'))
        expect({ ref, resolves: resolvePointer(ref) !== undefined }).toEqual({ ref, resolves: true });
      else
        expect({ ref, generated: rendered.has(ref.replace(/^\.\//, '')) }).toEqual({ ref, generated: true });
    }
  });

  it('references, from each operation, only messages of its own channel (AsyncAPI 3 rule)', () => {
    for (const [id, op] of Object.entries(section('operations'))) {
      const channel = (op['channel'] as Json)['$ref'] as string;
      for (const message of op['messages'] as Json[])
        expect({ id, inChannel: (message['$ref'] as string).startsWith(`${channel}/messages/`) }).toEqual({
          id,
          inChannel: true,
        });
    }
  });
});
