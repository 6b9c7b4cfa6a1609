import type { MessageBus } from '@autopilot/bus';
import { ContractViolationError, validateEnvelope, type MessageDef } from '@autopilot/contracts';
import {
  describeError,
  nextTurn,
  systemClock,
  systemTimers,
  type Clock,
  type TimerHandle,
  type Timers,
} from '@autopilot/kernel';
import {
  markFailed,
  markPublished,
  pendingOutboxStates,
  withEnvelopes,
  pruneInbox,
  prunePublishedOutbox,
  type AppendedEnvelope,
  type DocumentStore,
  type OutboxEntry,
  type OutboxFailure,
  type OutboxState,
} from '@autopilot/store';
import type { Logger } from './logging';

export interface OutboxRelayOptions {
  store: DocumentStore;
  bus: MessageBus;
  logger: Logger;
  /**
   * How often to read every pending entry when nobody nudges (and how long to back off after a
   * failed publish): the fallback, since each commit that appends nudges the relay.
   */
  intervalMs: number;
  /** Entries read per store query. Default 100. */
  batchSize?: number;
  /** Publishes sent and not yet settled, at most. Default 1000. */
  maxInFlight?: number;
  /**
   * The contract of a subject. With it, an entry whose subject has no event or command contract
   * (no stream binds it) or whose envelope breaks its contract is failed for good rather than sent.
   * The service host passes the contracts registry.
   */
  resolveDef?: (subject: string) => MessageDef | undefined;
  /**
   * Envelopes whose JSON is larger than this are failed for good: a bus with a size limit would
   * refuse them on every attempt. Default: no limit (both of our buses carry any size; the
   * JetStream adapter claim-checks what exceeds the server's max_payload), and no serialization
   * of every envelope just to measure it.
   */
  maxEnvelopeBytes?: number;
  /**
   * How long published entries are kept before the relay deletes them. Default 10 minutes: longer
   * than JetStream's 2-minute duplicate window, so while the bus would still drop a re-publish of an
   * envelope id silently, the outbox refuses its re-append loudly (StoreDuplicateKeyError).
   */
  publishedRetentionMs?: number;
  /**
   * How long the service's inbox remembers a handled message before the relay deletes its record
   * (with the published entries, on the same timer); absent, the relay leaves the inbox alone. The
   * service host passes its setting (AUTOPILOT_INBOX_RETENTION_MS, 30 days by default). A duplicate
   * arriving later is handled again, so this must outlast redelivery and any producer's downtime
   * with unpublished entries; the inbox holds one small row per message handled within it.
   */
  inboxRetentionMs?: number;
  /** How often the relay deletes published entries and inbox records past their retention. Default 60 s. */
  pruneIntervalMs?: number;
  /** How long `stop()` waits for publishes already sent to settle. Default 5000. */
  stopGraceMs?: number;
  /** While publishes keep failing, one warning per this interval (the rest are debug). Default 60 s. */
  warnIntervalMs?: number;
  clock?: Clock;
  /** Runs the drain interval and the stop grace. Default: Node's timers. */
  timers?: Timers;
}

/** What the relay keeps of an entry it sent (or judged) until it is recorded: not its envelope. */
interface SentEntry {
  readonly _id: string;
  /** The envelope's subject, for the log; undefined when the entry holds no envelope with one. */
  readonly subject: unknown;
}

function sentEntry(entry: OutboxEntry): SentEntry {
  return { _id: entry._id, subject: (entry.envelope as { subject?: unknown } | undefined)?.subject };
}

/** Codes of errors a publish can end with that no retry can fix: the entry is failed for good. */
const PERMANENT_CODES = new Set(['CONTRACT_VIOLATION', 'BUS_NON_RETRYABLE']);

/** The code of `err` or of an error in its cause chain that marks a publish as never succeeding. */
function permanentCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && PERMANENT_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * Publishes what a service committed to its outbox (DESIGN.md section 4). Reads pending entries in
 * append order and sends them without waiting for each other, up to `maxInFlight` at once; an
 * entry is marked published only once its publish settled, which on the embedded topology's bus
 * means every consumer group took it (`settle: 'on-consume'`), on JetStream that the stream holds
 * it. An entry the bus cannot take now stays pending and is sent again (the bus drops a second
 * envelope with the same id; consumers de-duplicate with their inbox). An entry that can never be
 * published (too large, no contract for its subject, a contract violation) is marked failed with
 * the reason and logged as an error; the entries after it go on.
 *
 * Rounds: a nudge (a commit appended) reads only the entries appended after the last one sent,
 * one index search from where the previous round stopped; the interval, the first round and any
 * round after an entry went back to pending read every pending entry, so a missed nudge or an
 * entry left behind goes out within one interval.
 *
 * Order: entries are sent in append order; one that fails and is retried may arrive after later
 * ones, so consumers must not assume order across a failure (they cannot across redelivery either).
 *
 * Once: an entry recorded as published is never sent again, by this relay or by one started later
 * on the same store (the pending query excludes it, and its envelope is deleted). What the relay
 * cannot prevent is the gap between a publish settling and its record: a process killed there
 * re-publishes the entry at its next start, and JetStream drops that only within its duplicate
 * window (2 minutes by default). Later, the stream holds the envelope twice; each consumer's inbox
 * (InboxGuard) is what makes the second copy harmless.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly maxEnvelopeBytes: number | undefined;
  private readonly retentionMs: number;
  private readonly inboxRetentionMs: number | undefined;
  private readonly pruneIntervalMs: number;
  private readonly stopGraceMs: number;
  private readonly warnIntervalMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** Set when `stop()` stopped waiting: late settles are ignored, their entries stay pending. */
  private abandoned = false;
  /**
   * Envelopes committed in this process and not read by a round yet, by id (see `nudge`). The
   * round that reads an entry takes its envelope from here. One whose entry was published before
   * its nudge arrived (a store's commit reply late, or another relay on the same store sent it) is
   * dropped by the next full round, which reads every pending entry; `stop()` drops what is left
   * (those entries stay pending in the store).
   */
  private readonly handedOver = new Map<string, AppendedEnvelope>();
  /** Sent (or judged) and not yet recorded in the store: never sent twice at once. */
  private readonly inFlight = new Set<string>();
  /** Publishes not settled yet. */
  private unsettled = 0;
  private onAllSettled: (() => void) | undefined;
  private readonly toMark: string[] = [];
  private readonly toFail: { id: string; failure: OutboxFailure }[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  /** A round stopped at `maxInFlight`: a recorded settle starts another. */
  private starved = false;
  /** A publish failed in this round: send no more until the next one. */
  private failedThisRound = false;
  /** Nudges wait until then after a failed publish; the interval still retries. */
  private backoffUntil = 0;
  /**
   * Every pending entry with a `seq` up to this one is in flight or recorded, so a nudged round
   * reads only what was appended after it; undefined until a full round has run, and again after an
   * entry went back to pending (its publish or its record failed).
   */
  private sentThrough: number | undefined;
  /** The highest `seq` the relay has read, whatever happened to it since. */
  private highestSeq = 0;
  /** Counts entries going back to pending: a round that saw one happen keeps `sentThrough` unset. */
  private returns = 0;
  /** The next round reads every pending entry (the interval asked for it). */
  private fullRound = true;
  private failing: { since: number; failures: number; suppressed: number } | undefined;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 100;
    this.maxInFlight = opts.maxInFlight ?? 1000;
    this.maxEnvelopeBytes = opts.maxEnvelopeBytes;
    this.retentionMs = opts.publishedRetentionMs ?? 10 * 60_000;
    this.inboxRetentionMs = opts.inboxRetentionMs;
    this.pruneIntervalMs = opts.pruneIntervalMs ?? 60_000;
    this.stopGraceMs = opts.stopGraceMs ?? 5000;
    this.warnIntervalMs = opts.warnIntervalMs ?? 60_000;
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers;
  }

  /** Starts the interval. Idempotent. */
  start(): void {
    if (this.timer || this.stopped) return;
    // The relay never keeps the process alive by itself: shutdown decides when it ends.
    this.timer = this.timers.every(this.opts.intervalMs, () => this.kick(true), { unref: true });
    this.kick(true);
  }

  /**
   * Asks for a drain soon (after a commit). `committed` are the envelopes that commit appended, as
   * built, with their JSON as stored: the relay sends those without reading them back from the
   * store. Never throws; failures are logged.
   */
  nudge(committed: readonly AppendedEnvelope[] = []): void {
    if (this.stopped) return;
    for (const appended of committed) this.handedOver.set(appended.envelope.id, appended);
    // Right after a failed publish the interval retries, not every commit.
    if (this.clock.now() < this.backoffUntil) return;
    this.kick(false);
  }

  /**
   * Waits until the relay has nothing to do for now: no round running, no publish unsettled, every
   * settled publish recorded. With a bus that settles on consumption, that includes the consumers.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running) {
        await this.running;
      } else if (this.unsettled > 0) {
        await this.allSettled();
      } else {
        const flushing = this.flushing;
        await flushing;
        // A flush may have started a round (room freed) or queued another flush meanwhile.
        if (flushing === this.flushing && !this.running && this.unsettled === 0) return;
      }
    }
  }

  /**
   * Stops the interval, sends what is still pending one last time, and waits up to `stopGraceMs`
   * for sent publishes to settle. Never hangs on a consumer that does not consume: what has not
   * settled by then stays pending in the outbox, is published again on the next start, and the
   * consumer's inbox drops it if it had been handled after all. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    while (this.running) await this.running;
    this.failedThisRound = false;
    this.fullRound = true;
    await this.issueRound();
    if (this.unsettled > 0) {
      let timer: TimerHandle | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = this.timers.after(this.stopGraceMs, resolve);
      });
      await Promise.race([this.allSettled(), grace]);
      timer?.cancel();
    }
    this.abandoned = true;
    this.handedOver.clear();
    if (this.unsettled > 0) {
      this.opts.logger.info(
        { unsettled: this.unsettled },
        `outbox relay stopped with ${this.unsettled} publishes unsettled: they stay pending and go out again on the next start`,
      );
    }
    this.scheduleFlush();
    await this.flushing;
  }

  /** Starts a round (reading every pending entry when `full`), or asks the running one for another pass. */
  private kick(full: boolean): void {
    if (this.stopped) return;
    if (full) this.fullRound = true;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      this.failedThisRound = false;
      await this.issueRound();
      await this.pruneIfDue();
    } while (this.again && !this.stopped && !this.failedThisRound);
  }

  /**
   * Sends every pending entry not already in flight, page by page, in append order: all of them in
   * a full round, those after `sentThrough` otherwise.
   */
  private async issueRound(): Promise<void> {
    const full = this.fullRound || this.sentThrough === undefined;
    this.fullRound = false;
    const afterSeq = full ? undefined : this.sentThrough;
    const returns = this.returns;
    // Envelopes handed over before a full round reads every pending entry: those it does not meet
    // were published by another relay on the store, or before their commit's reply arrived.
    const handedOverBefore = full ? new Set(this.handedOver.keys()) : undefined;
    let through = afterSeq;
    // Only when no entry went back to pending during the round (it would lie behind `through`).
    const reached = (seq: number | undefined): void => {
      this.sentThrough = this.returns === returns ? seq : undefined;
    };
    let after: string | undefined;
    try {
      for (;;) {
        if (this.failedThisRound) return;
        const page = await pendingOutboxStates(this.opts.store, {
          limit: this.batchSize,
          ...(after === undefined ? {} : { after }),
          ...(afterSeq === undefined ? {} : { afterSeq }),
        });
        // Envelopes are read for entries not in flight only: one sent waits for its consumers
        // (on-consume), and reading a whole plan again every round would be for nothing.
        const envelopes = await this.envelopesOf(page.items.filter((state) => !this.inFlight.has(state._id)));
        for (const state of page.items) {
          const entry = envelopes.get(state._id);
          // Not in flight when read, and still pending with its envelope: send it.
          if (entry && !this.inFlight.has(entry._id)) {
            if (this.inFlight.size >= this.maxInFlight) {
              this.starved = true;
              reached(through);
              return;
            }
            this.send(entry);
          }
          if (state.seq !== undefined) {
            through = state.seq;
            this.highestSeq = Math.max(this.highestSeq, state.seq);
          }
        }
        if (page.next === undefined) {
          // Everything pending was read: whatever is appended next comes after the highest seq seen.
          reached(full ? this.highestSeq : through);
          for (const id of handedOverBefore ?? []) this.handedOver.delete(id);
          return;
        }
        after = page.next;
      }
    } catch (err) {
      // The store could not be read (closed under us, busy): the next round tries again.
      this.retryableFailure(err, undefined);
    }
  }

  /**
   * The entries of `states` with their envelopes: handed over by the commit, else read from the
   * store. An entry whose envelope is gone (recorded as published meanwhile) is left out.
   */
  private async envelopesOf(states: readonly OutboxState[]): Promise<Map<string, OutboxEntry>> {
    const entries = new Map<string, OutboxEntry>();
    const unread: OutboxState[] = [];
    for (const state of states) {
      const appended = this.handedOver.get(state._id);
      if (appended) {
        this.handedOver.delete(state._id);
        entries.set(state._id, { ...state, envelope: appended.envelope, json: appended.json });
      } else unread.push(state);
    }
    for (const entry of await withEnvelopes(this.opts.store, unread)) entries.set(entry._id, entry);
    return entries;
  }

  private send(entry: OutboxEntry): void {
    this.inFlight.add(entry._id);
    const sent = sentEntry(entry);
    const rejection = this.rejection(entry);
    if (rejection) {
      this.failForGood(sent, rejection);
      return;
    }
    this.unsettled += 1;
    let publishing: Promise<void>;
    try {
      publishing = this.opts.bus.publishEnvelope(entry.envelope, entry.json);
    } catch (err) {
      // A bus that throws instead of rejecting still settles this publish, once.
      publishing = Promise.reject(err as Error);
    }
    // The settle holds `sent` only: the envelope (a whole plan, tens of megabytes as objects and
    // as JSON) is the bus's from here, and on-consume a publish settles only once every consumer
    // took it, seconds later.
    publishing.then(
      () => this.settled(sent, undefined),
      (err: unknown) => this.settled(sent, err ?? new Error('publish rejected without a reason')),
    );
  }

  private settled(entry: SentEntry, err: unknown): void {
    this.unsettled -= 1;
    if (this.unsettled === 0) this.onAllSettled?.();
    // stop() gave up on it: it stays pending for the next start, whatever happened.
    if (this.abandoned) return;
    if (err === undefined) {
      this.recovered();
      // Sent from the store (its round read the entry before the commit's nudge arrived).
      this.handedOver.delete(entry._id);
      this.toMark.push(entry._id);
      this.scheduleFlush();
      return;
    }
    const code = permanentCode(err);
    if (code !== undefined) {
      this.failForGood(entry, { code, reason: describeError(err) });
      return;
    }
    this.inFlight.delete(entry._id);
    this.retryableFailure(err, entry);
  }

  /** Why an entry can never be published, judged before sending; undefined when it may be. */
  private rejection(entry: OutboxEntry): OutboxFailure | undefined {
    const envelope = entry.envelope as OutboxEntry['envelope'] | undefined;
    if (!envelope || typeof envelope !== 'object' || typeof envelope.subject !== 'string') {
      return { code: 'RUNTIME_OUTBOX_MALFORMED', reason: 'the entry holds no envelope with a subject' };
    }
    const limit = this.maxEnvelopeBytes;
    const size = limit === undefined ? 0 : Buffer.byteLength(entry.json ?? JSON.stringify(envelope));
    if (limit !== undefined && size > limit) {
      return {
        code: 'RUNTIME_OUTBOX_TOO_LARGE',
        reason: `the envelope is ${size} bytes; the bus takes at most ${limit}`,
      };
    }
    if (!this.opts.resolveDef) return undefined;
    const def = this.opts.resolveDef(envelope.subject);
    if (!def || def.kind === 'request') {
      return {
        code: 'RUNTIME_OUTBOX_NO_STREAM',
        reason: `no event or command contract declares ${envelope.subject}, so no stream binds it`,
      };
    }
    const issues = validateEnvelope(def, envelope);
    if (issues.length > 0) {
      const err = new ContractViolationError(def.type, issues);
      return { code: err.code, reason: err.message };
    }
    return undefined;
  }

  private failForGood(entry: SentEntry, failure: OutboxFailure): void {
    this.opts.logger.error(
      { outbox_id: entry._id, subject: entry.subject, code: failure.code, reason: failure.reason },
      `outbox entry ${entry._id} will never be published, kept as failed: ${failure.reason}`,
    );
    this.toFail.push({ id: entry._id, failure });
    this.scheduleFlush();
  }

  /** A publish (or a store read) failed in a way a retry may fix: logged, rate-limited, retried. */
  private retryableFailure(err: unknown, entry: SentEntry | undefined): void {
    const now = this.clock.now();
    this.failedThisRound = true;
    // The entry is pending again behind where nudged rounds read: the next round reads everything.
    this.returns += 1;
    this.sentThrough = undefined;
    this.backoffUntil = now + this.opts.intervalMs;
    this.failing ??= { since: now, failures: 0, suppressed: 0 };
    this.failing.failures += 1;
    const fields = {
      err,
      ...(entry ? { outbox_id: entry._id, subject: entry.subject } : {}),
      failed_publishes: this.failing.failures,
      failing_for_ms: now - this.failing.since,
    };
    if (now - this.lastWarnAt >= this.warnIntervalMs) {
      this.lastWarnAt = now;
      this.opts.logger.warn(
        { ...fields, suppressed: this.failing.suppressed },
        `outbox publish failed, will retry: ${describeError(err)}`,
      );
      this.failing.suppressed = 0;
    } else {
      this.failing.suppressed += 1;
      this.opts.logger.debug(fields, `outbox publish failed, will retry: ${describeError(err)}`);
    }
  }

  private recovered(): void {
    if (!this.failing) return;
    this.opts.logger.info(
      { failed_publishes: this.failing.failures, failing_for_ms: this.clock.now() - this.failing.since },
      'outbox relay recovered',
    );
    this.failing = undefined;
    this.lastWarnAt = Number.NEGATIVE_INFINITY;
  }

  /** Records settled publishes in the store, in batches, one write at a time. */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.flushing = this.flushing.then(() => this.flush());
  }

  private async flush(): Promise<void> {
    // Publishes settle one by one (a consumer group taking its message, a JetStream ack): a turn of
    // the event loop lets those settling together be recorded in one transaction, not one each.
    await nextTurn();
    this.flushQueued = false;
    const published = this.toMark.splice(0);
    const failed = this.toFail.splice(0);
    try {
      await markPublished(this.opts.store, published, this.clock);
      await markFailed(this.opts.store, failed, this.clock);
      if (published.length > 0) this.opts.logger.debug({ published: published.length }, 'outbox drained');
    } catch (err) {
      // Not recorded: they stay pending and go out again; the bus or the consumer's inbox drops them.
      this.returns += 1;
      this.sentThrough = undefined;
      this.opts.logger.warn(
        { err, entries: published.length + failed.length },
        `outbox relay could not record what it published, will publish it again: ${describeError(err)}`,
      );
    } finally {
      for (const id of published) this.inFlight.delete(id);
      for (const { id } of failed) this.inFlight.delete(id);
    }
    if (this.starved && !this.stopped) {
      this.starved = false;
      this.kick(false);
    }
  }

  private allSettled(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.onAllSettled;
      this.onAllSettled = () => {
        this.onAllSettled = undefined;
        previous?.();
        resolve();
      };
    });
  }

  /**
   * Deletes published entries and inbox records past their retention, at most once per
   * `pruneIntervalMs`.
   */
  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPruneAt < this.pruneIntervalMs) return;
    this.lastPruneAt = now;
    try {
      const pruned = await prunePublishedOutbox(this.opts.store, now - this.retentionMs);
      if (pruned > 0) this.opts.logger.debug({ pruned }, 'outbox pruned');
    } catch (err) {
      this.opts.logger.warn({ err }, `outbox prune failed, will retry: ${describeError(err)}`);
    }
    if (this.inboxRetentionMs === undefined) return;
    try {
      const pruned = await pruneInbox(this.opts.store, now - this.inboxRetentionMs);
      if (pruned > 0) this.opts.logger.debug({ pruned }, 'inbox pruned');
    } catch (err) {
      this.opts.logger.warn({ err }, `inbox prune failed, will retry: ${describeError(err)}`);
    }
  }
}
