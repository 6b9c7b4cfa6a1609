import type { Envelope } from '@autopilot/contracts';
import type { DeadLetter } from '@autopilot/bus';

/**
 * A command of this service that was dead-lettered: refused before its handler ran (its body broke
 * the contract, was too large, or named the wrong producer) or given up on after its deliveries.
 * Read from the dead letter: what the refused envelope said of itself, nothing trusted.
 */
export interface RefusedCommand {
  /** The envelope type of the service's command (the subscribed definition's). */
  readonly type: string;
  readonly subject: string;
  /** The dead letter's code and reason: why it was refused. */
  readonly code: string;
  readonly reason: string;
  /** The envelope head, as far as the message parsed (a body never fetched has only a head). */
  readonly id?: string;
  readonly source?: string;
  readonly correlationId?: string;
  readonly projectId?: string;
  /** The payload when it parsed as an object; unvalidated. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Implemented by a service whose commands start jobs (DESIGN.md: every job ends in an event a
 * client can wait for): given one of its commands the bus dead-lettered, the events that end the
 * job it carried, or none (no job to end, or its end was already announced). The runtime commits
 * them to the service's outbox, caused by and correlated with the refused command. A service names
 * its implementation in its definition (`commandRefusals`) and provides it in its module; a
 * service without one only gets a warning per refused command.
 */
export interface CommandRefusals {
  announce(refused: RefusedCommand): Promise<readonly Envelope[]>;
}

const HEAD_FIELDS = ['id', 'source', 'correlationId', 'projectId'] as const;

/** What a dead letter of a command says of the command (see RefusedCommand). */
export function refusedCommandOf(type: string, letter: DeadLetter): RefusedCommand {
  const refused: { -readonly [K in keyof RefusedCommand]: RefusedCommand[K] } = {
    type,
    subject: letter.subject,
    code: letter.code,
    reason: letter.reason,
  };
  const message = letter.message;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return refused;
  const fields = message as Record<string, unknown>;
  for (const key of HEAD_FIELDS) {
    const value = fields[key];
    if (typeof value === 'string') refused[key] = value;
  }
  const data = fields.data;
  if (typeof data === 'object' && data !== null && !Array.isArray(data))
    refused.data = data as Record<string, unknown>;
  return refused;
}
