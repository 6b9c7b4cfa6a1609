import { buildEnvelope } from '../build-envelope';
import type { MessageDef } from '../define-message';
import { messages } from '../registry';
import { validate, validateEnvelope, validateReply } from '../validate';
import { validateReplyStrict, validateStrict } from '../validate-strict';
import { samplePayloads } from './sample-payloads';

// Widened to MessageDef: the registry's union of definitions would demand each one's own payload type.
const registered: readonly MessageDef[] = messages;
const sampleFor = (type: string) => samplePayloads.find((s) => s.def.type === type);

describe('sample payloads', () => {
  it('has exactly one hand-written sample per registered message', () => {
    expect(samplePayloads.map((s) => s.def.type).sort()).toEqual(messages.map((m) => m.type).sort());
  });

  it.each(registered.map((m) => [m.type, m] as const))(
    '%s: the schema accepts a real payload, strictly too',
    (type, def) => {
      const s = sampleFor(type);
      expect(s).toBeDefined();
      expect(validate(def, s?.payload)).toEqual([]);
      expect(validateStrict(def, s?.payload)).toEqual([]);
    },
  );

  it.each(registered.filter((m) => m.kind === 'request').map((m) => [m.type, m] as const))(
    '%s: the reply schema accepts a real reply, strictly too',
    (type, def) => {
      const s = sampleFor(type);
      expect(s?.reply).toBeDefined();
      expect(validateReply(def, s?.reply)).toEqual([]);
      expect(validateReplyStrict(def, s?.reply)).toEqual([]);
    },
  );

  it.each(registered.map((m) => [m.type, m] as const))(
    '%s: wraps in an envelope that validates on receipt',
    (type, def) => {
      const envelope = buildEnvelope(def, sampleFor(type)?.payload, {
        id: '01JDP0ENVE10PE000000000000',
        time: '2026-11-24T10:15:00.000Z',
        source: def.producer,
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      });
      expect(validateEnvelope(def, JSON.parse(JSON.stringify(envelope)))).toEqual([]);
    },
  );
});
