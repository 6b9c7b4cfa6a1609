import type { MessageDef } from '@autopilot/contracts';
import type { Handler } from '../message-bus';
import type { ResolvedSubscribeOptions } from '../subscribe-options';
import type { StoredMessage, SubjectLog } from './subject-log';

/** A message a group has taken from its log and not yet finished (acked, dead-lettered). */
export interface PendingMessage {
  readonly rec: StoredMessage;
  /** Deliveries so far. */
  count: number;
  /** Acked or dead-lettered (`ConsumerGroup.finish`): queued redeliveries of it are dropped. */
  done: boolean;
}

/** One `subscribe()` call: a handler with its own concurrency, sharing its group's deliveries. */
export interface GroupMember {
  readonly def: MessageDef;
  readonly handler: Handler<unknown>;
  readonly opts: ResolvedSubscribeOptions;
  inFlight: number;
  readonly settling: Set<Promise<void>>;
}

/**
 * A durable consumer in memory: a cursor into its subject's log plus the redeliveries that are due.
 * Outlives its subscribers, as a JetStream durable does, so a later subscriber carries on from the
 * cursor.
 */
export class ConsumerGroup {
  private cursor: number;
  private readonly due: PendingMessage[] = [];
  /**
   * Events taken and not finished (in flight, or waiting to be redelivered), by sequence number.
   * Taken in sequence order, so the first key is the oldest: what `needsFrom` reads.
   */
  private readonly unfinished = new Map<number, PendingMessage>();
  private readonly members: GroupMember[] = [];
  private nextMember = 0;

  constructor(
    readonly name: string,
    readonly subject: string,
    readonly isWorkQueue: boolean,
    private readonly log: SubjectLog,
  ) {
    // DeliverPolicy.All, as the JetStream adapter configures it: a new group sees retained history.
    this.cursor = log.firstSeq;
  }

  /** Whether a subscriber is bound now: only then does a publish wait for this group (`settle`). */
  get hasMembers(): boolean {
    return this.members.length > 0;
  }

  /** Whether the group has taken `seq` from its log already (it is in flight or finished). */
  hasTaken(seq: number): boolean {
    return seq < this.cursor;
  }

  /**
   * The oldest sequence number of its log this group still needs: its oldest event taken and not
   * finished (a redelivery needs the body), else the next one it takes. The group has acked or
   * dead-lettered every retained event before it.
   */
  get needsFrom(): number {
    for (const seq of this.unfinished.keys()) return seq;
    return this.cursor;
  }

  /** The group is done with `p` (acked or dead-lettered): it is not redelivered, nor needed. */
  finish(p: PendingMessage): void {
    p.done = true;
    this.unfinished.delete(p.rec.seq);
  }

  add(member: GroupMember): void {
    this.members.push(member);
  }

  remove(member: GroupMember): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
  }

  /** Queues a redelivery that is due now. */
  redeliver(p: PendingMessage): void {
    if (!p.done) this.due.push(p);
  }

  /**
   * Hands messages to members with free capacity, round-robin, redeliveries first. Calls `start`
   * for each; the caller runs the handler and accounts for `inFlight`.
   */
  dispatch(start: (member: GroupMember, p: PendingMessage) => void): void {
    for (;;) {
      const member = this.freeMember();
      if (!member) return;
      const p = this.take();
      if (!p) return;
      p.count++;
      member.inFlight++;
      start(member, p);
    }
  }

  private freeMember(): GroupMember | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.nextMember + i) % n]!;
      if (m.inFlight < m.opts.concurrency) {
        this.nextMember = (this.nextMember + i + 1) % n;
        return m;
      }
    }
    return undefined;
  }

  private take(): PendingMessage | undefined {
    while (this.due.length > 0) {
      const p = this.due.shift()!;
      if (!p.done) return p;
    }
    // Events evicted before this group read them are gone, as with a limits stream.
    if (this.cursor < this.log.firstSeq) this.cursor = this.log.firstSeq;
    const rec = this.log.at(this.cursor);
    if (!rec) return undefined;
    this.cursor++;
    // A work queue has one group: what it has taken lives on in PendingMessage until acked.
    const p: PendingMessage = { rec, count: 0, done: false };
    if (this.isWorkQueue) this.log.trimBefore(this.cursor);
    else this.unfinished.set(rec.seq, p);
    return p;
  }
}
