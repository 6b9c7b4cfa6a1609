import { SERVICES, type MessageDef } from '@autopilot/contracts';
import { RefusedDeliveryError, type Delivery } from '@autopilot/bus';

/**
 * Who may have produced a message, checked on every delivery before a service's handler sees it
 * (issue 13: a forged `blueprint.ingested` from a raw client became a project's plan).
 *
 * A claimed `source` is only as trustworthy as the bus's authentication: anyone who may publish on
 * a subject can write any `source`. NATS per-service permissions (deploy/) let each service publish
 * only the subjects it owns (DESIGN.md section 2); this check makes the claim agree with the
 * contract's producer. Together they make a forgery impossible: the bus refuses a wrong publisher,
 * and a consumer refuses an envelope that names the wrong one. On an open bus (no authentication)
 * this check still stops a client that names itself honestly or does not know the rules, and every
 * refusal is dead-lettered and logged, so it is seen.
 */
export type ProvenanceCode =
  'PROVENANCE_WRONG_SOURCE' | 'PROVENANCE_WRONG_SUBJECT' | 'PROVENANCE_WRONG_PROJECT';

/**
 * A delivery whose envelope does not agree with its contract, the subject it arrived on, or its
 * payload. The bus dead-letters it at once under `code`, with this message as the reason.
 */
export class ProvenanceRefusedError extends RefusedDeliveryError {
  constructor(
    readonly code: ProvenanceCode,
    /** The subject the message arrived on. */
    readonly subject: string,
    readonly envelopeId: string,
    /** What the envelope says: its `source`, `subject` or `projectId`. */
    readonly claimed: string | undefined,
    /** What it had to say. */
    readonly expected: string,
  ) {
    super(
      `refused ${envelopeId} on ${subject}: ${
        code === 'PROVENANCE_WRONG_SOURCE'
          ? `source "${claimed}" is not ${expected}`
          : code === 'PROVENANCE_WRONG_SUBJECT'
            ? `its envelope names subject "${claimed}", but it arrived on ${subject}`
            : `its envelope names project ${claimed === undefined ? '(none)' : `"${claimed}"`}, its payload "${expected}"`
      }`,
    );
  }
}

const SERVICE_NAMES: ReadonlySet<string> = new Set(SERVICES);

/**
 * The sources a message of `def` may claim, in words, and the test. A service's message (an event
 * it announces, or a command it sends another service) must name that service: nobody else
 * produces it. A message produced by `external` (an integration) may name any integration but no
 * service: services never send such messages, so a service's name there is a forgery, while which
 * integrations may publish is the bus's permissions' call.
 */
function sourceRule(def: MessageDef): { expected: string; accepts: (source: string) => boolean } {
  const producer = def.producer;
  if (producer === 'external') {
    return {
      expected: `an integration (${def.type} is produced outside Autopilot; no service may claim it)`,
      accepts: (source) => !SERVICE_NAMES.has(source),
    };
  }
  return { expected: `"${producer}", its producer`, accepts: (source) => source === producer };
}

/** The payload's own `projectId`, when it is an object that carries one. */
function payloadProjectId(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const projectId = (payload as { projectId?: unknown }).projectId;
  return typeof projectId === 'string' ? projectId : undefined;
}

/**
 * Why `delivery` of `def` must be refused, or undefined when its envelope agrees with the
 * contract's producer, the subject it arrived on, and its payload's project. The project check
 * matters because logs, traces and (with the gateway) who may see what follow the envelope's
 * project while a handler acts on the payload's: the two must be one.
 */
export function provenanceProblem(
  def: MessageDef,
  delivery: Delivery<unknown>,
): ProvenanceRefusedError | undefined {
  const { envelope, subject } = delivery;
  if (envelope.subject !== subject) {
    return new ProvenanceRefusedError(
      'PROVENANCE_WRONG_SUBJECT',
      subject,
      envelope.id,
      envelope.subject,
      subject,
    );
  }
  const rule = sourceRule(def);
  if (!rule.accepts(envelope.source)) {
    return new ProvenanceRefusedError(
      'PROVENANCE_WRONG_SOURCE',
      subject,
      envelope.id,
      envelope.source,
      rule.expected,
    );
  }
  const projectId = payloadProjectId(delivery.payload);
  if (projectId !== undefined && envelope.projectId !== projectId) {
    return new ProvenanceRefusedError(
      'PROVENANCE_WRONG_PROJECT',
      subject,
      envelope.id,
      envelope.projectId,
      projectId,
    );
  }
  return undefined;
}
