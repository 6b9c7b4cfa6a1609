import { formatIssues, validateEnvelope, type Envelope, type MessageDef } from '@autopilot/contracts';

/** A received body: the validated envelope, or why it goes to the dead letters instead. */
export type Decoded<P> =
  | { readonly ok: true; readonly envelope: Envelope<P> }
  | { readonly ok: false; readonly code: string; readonly reason: string; readonly message: unknown };

/**
 * V8 quotes the start of the text in its JSON errors (`Unexpected token 'a', "abc…" is not valid
 * JSON`); a reason is logged, and the body may carry a customer's data, so the quote goes.
 */
function withoutExcerpt(message: string): string {
  return message.replace(/(^|, )".*"(\.\.\.)? is not valid JSON$/s, '');
}

/**
 * Parses and validates a received body for `def`. Never throws: a consumer must carry on past
 * anything an outside producer can send.
 */
export function decodeEnvelope<P>(def: MessageDef, text: string): Decoded<P> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      code: 'BUS_MALFORMED_ENVELOPE',
      reason: ['not JSON', withoutExcerpt((err as Error).message)].filter(Boolean).join(': '),
      message: text,
    };
  }
  const issues = validateEnvelope(def, parsed);
  if (issues.length === 0) return { ok: true, envelope: parsed as Envelope<P> };
  const first = issues[0];
  const code =
    first?.path === '/type'
      ? first.rule === 'version'
        ? 'BUS_WRONG_VERSION'
        : 'BUS_UNKNOWN_TYPE'
      : issues.every((i) => i.path.startsWith('/data'))
        ? 'CONTRACT_VIOLATION'
        : 'BUS_MALFORMED_ENVELOPE';
  return { ok: false, code, reason: formatIssues(issues), message: parsed };
}
