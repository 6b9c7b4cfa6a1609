import type { Envelope } from './envelope';
import type { MessageDef, PayloadOf } from './define-message';
import { ContractViolationError } from './contract-violation-error';
import { validate } from './validate';
import { markBuilt } from './built-envelopes';

/** Envelope fields a producer chooses; `id` and `time` come from its IdSource and Clock. */
export interface EnvelopeFields {
  id: string;
  time: string;
  source: string;
  projectId?: string;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

/** Wraps a payload for `def`, validating it strictly first. Throws ContractViolationError. */
export function buildEnvelope<D extends MessageDef>(
  def: D,
  data: PayloadOf<D>,
  fields: EnvelopeFields,
): Envelope<PayloadOf<D>> {
  const issues = validate(def, data);
  if (issues.length > 0) throw new ContractViolationError(def.type, issues);
  const envelope: Envelope<PayloadOf<D>> = {
    id: fields.id,
    type: def.type,
    source: fields.source,
    time: fields.time,
    subject: def.subject,
    data,
  };
  // Optional fields are left out rather than set to undefined, so the JSON has no nulls to explain.
  if (fields.projectId !== undefined) envelope.projectId = fields.projectId;
  if (fields.correlationId !== undefined) envelope.correlationId = fields.correlationId;
  if (fields.causationId !== undefined) envelope.causationId = fields.causationId;
  if (fields.traceparent !== undefined) envelope.traceparent = fields.traceparent;
  markBuilt(envelope, def);
  return envelope;
}
