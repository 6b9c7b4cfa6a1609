import type { Envelope, MessageDef } from '@autopilot/contracts';
import type { DeadLetter, Delivery, SubscribeOptions } from '@autopilot/bus';
import { describeError, type Clock } from '@autopilot/kernel';
import { commitWithOutbox, type DocumentStore } from '@autopilot/store';
import { runAsService } from '@autopilot/telemetry';
import { refusedCommandOf, type CommandRefusals, type RefusedCommand } from './command-refusals';
import { provenanceProblem } from './delivery-provenance';
import { handlingMessage } from './envelopes';
import { withLogContext, type LogContext, type Logger } from './logging';

/**
 * What stands between the bus and one service's handlers, besides logs and spans: every delivery's
 * provenance is checked before a handler sees it (delivery-provenance.ts), and every command of the
 * service that ends in a dead letter is offered to the service's CommandRefusals, so the job it
 * carried ends in an event a client sees instead of leaving it waiting for ever.
 */
export class DeliveryGate {
  private store: DocumentStore | undefined;
  private refusals: CommandRefusals | undefined;

  constructor(
    private readonly service: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * Where refusals are announced: the service's store (one that nudges its outbox relay) and its
   * CommandRefusals, if it has one. Called once the service's module is built, before it listens.
   */
  attach(store: DocumentStore, refusals: CommandRefusals | undefined): void {
    this.store = store;
    this.refusals = refusals;
  }

  /**
   * Throws ProvenanceRefusedError (the bus dead-letters it under its code) when `delivery` does not
   * agree with `def`'s producer, its arrival subject or its payload's project, after a warning
   * naming the subject, the claimed and the expected source, and the envelope id.
   */
  admit(def: MessageDef, consumer: string, delivery: Delivery<unknown>): void {
    const problem = provenanceProblem(def, delivery);
    if (!problem) return;
    this.logger.warn(
      {
        subject: delivery.subject,
        consumer,
        envelopeId: delivery.envelope.id,
        claimedSource: delivery.envelope.source,
        expectedSource: def.producer,
        code: problem.code,
        reason: problem.message,
      },
      'delivery refused: its envelope does not agree with its contract',
    );
    throw problem;
  }

  /** `opts` with, for a command, the hook that announces its dead letter (see `announce`). */
  options(def: MessageDef, opts: SubscribeOptions | undefined): SubscribeOptions | undefined {
    if (def.kind !== 'command') return opts;
    const theirs = opts?.onDeadLetter;
    return {
      ...opts,
      onDeadLetter: async (letter) => {
        if (theirs) await theirs(letter);
        await this.announce(def, letter);
      },
    };
  }

  /**
   * Commits the events the service's CommandRefusals gives for a dead-lettered command to its
   * outbox, caused by and correlated with that command. Never throws: the letter is recorded
   * already, and a failure here is logged as an error an operator sees.
   */
  private async announce(def: MessageDef, letter: DeadLetter): Promise<void> {
    const refused = refusedCommandOf(def.type, letter);
    const fields = {
      subject: refused.subject,
      envelopeId: refused.id,
      correlationId: refused.correlationId,
      code: refused.code,
    };
    const { refusals, store } = this;
    if (!refusals || !store) {
      this.logger.warn(fields, 'command dead-lettered; this service announces no job end for it');
      return;
    }
    try {
      const events = await this.as(refused, () => refusals.announce(refused));
      if (events.length === 0) {
        this.logger.warn(fields, 'command dead-lettered; no job of it to end (none named, or already ended)');
        return;
      }
      await commitWithOutbox(store, async () => ({ result: undefined, events }), this.clock);
      this.logger.warn(
        { ...fields, announced: events.map((e) => e.type) },
        'command dead-lettered; its job ended with a failure event',
      );
    } catch (err) {
      this.logger.error(
        { ...fields, error: describeError(err) },
        'command dead-lettered; announcing the end of its job failed',
      );
    }
  }

  /** Runs `fn` as this service handling the refused command: the events it builds follow from it. */
  private as<T>(refused: RefusedCommand, fn: () => Promise<T>): Promise<T> {
    const envelope: Envelope<unknown> = {
      id: refused.id ?? 'unknown',
      type: refused.type,
      source: refused.source ?? 'unknown',
      time: this.clock.isoNow(),
      subject: refused.subject,
      data: undefined,
      ...(refused.correlationId !== undefined ? { correlationId: refused.correlationId } : {}),
      ...(refused.projectId !== undefined ? { projectId: refused.projectId } : {}),
    };
    const context: LogContext = {};
    if (refused.correlationId !== undefined) context.correlation_id = refused.correlationId;
    if (refused.projectId !== undefined) context.project_id = refused.projectId;
    return withLogContext(context, () => runAsService(this.service, () => handlingMessage(envelope, fn)));
  }
}
