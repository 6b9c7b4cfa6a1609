import {
  formatIssues,
  ReplyWire,
  validateReply,
  validateSchema,
  type MessageDef,
} from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import { extractTraceContext, withConsumerSpan } from '@autopilot/telemetry';
import { decodeEnvelope } from './decode-envelope';
import { MalformedReplyError, RemoteError } from './errors';
import type { Responder } from './message-bus';

/**
 * Runs `responder` on a request as received (the wire text and a header lookup) and returns the
 * reply to send back. Never rejects: a bad request, a throwing responder and a reply breaking its
 * contract all become `{ error }`, so the requester gets an answer instead of a timeout.
 */
export async function answerRequest(
  def: MessageDef,
  responder: Responder<unknown, unknown>,
  body: string,
  header: (key: string) => string | undefined,
): Promise<ReplyWire> {
  const decoded = decodeEnvelope<unknown>(def, body);
  if (!decoded.ok) return { error: { code: decoded.code, message: decoded.reason } };
  const { envelope } = decoded;
  try {
    const reply = await withConsumerSpan(
      extractTraceContext(header),
      { subject: def.subject, messageId: envelope.id },
      () => responder(envelope.data, envelope),
    );
    const issues = validateReply(def, reply);
    if (issues.length > 0) {
      return { error: { code: 'CONTRACT_VIOLATION', message: `reply: ${formatIssues(issues)}` } };
    }
    return { reply };
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return {
      error: {
        code: typeof code === 'string' && code.length > 0 ? code : 'BUS_REMOTE_FAILURE',
        message: err instanceof Error ? err.message : describeError(err),
      },
    };
  }
}

/**
 * Reads a reply as the requester gets it: the value, or a RemoteError with the responder's code.
 * Throws MalformedReplyError when the text is not a reply at all.
 */
export function readReply(subject: string, body: string): unknown {
  let wire: unknown;
  try {
    wire = JSON.parse(body);
  } catch (err) {
    throw new MalformedReplyError(subject, 'not JSON', { cause: err });
  }
  const issues = validateSchema(ReplyWire, wire);
  if (issues.length > 0) throw new MalformedReplyError(subject, formatIssues(issues));
  const reply = wire as ReplyWire;
  if ('reply' in reply) return reply.reply;
  throw new RemoteError(reply.error.code, subject, reply.error.message);
}
