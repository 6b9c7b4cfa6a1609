/** One message as the in-process bus keeps it: the wire text, so every delivery parses its own copy. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Trimmed slots are compacted away once they are at least this many and half the array. */
const COMPACT_AFTER = 1024;

/** How much an event log keeps; a work queue has neither limit (it trims what its consumer took). */
export interface SubjectLogLimits {
  /** The newest this many messages are kept, whatever their readers have done with them. */
  readonly messages: number;
  /**
   * Bodies kept past what readers still need, in UTF-16 code units (`string.length`: one per
   * character of ASCII JSON, so about bytes). Over it, `release` drops finished messages.
   */
  readonly bodyChars?: number;
}

/**
 * The retained messages of one subject, addressed by sequence number (1, 2, ...). Events keep the
 * newest `limits.messages` (older ones are dropped, like a JetStream limits stream with
 * `max_msgs_per_subject`) and, past `limits.bodyChars`, only what `release` is not allowed to drop
 * (what some consumer group still needs); a work queue trims what its consumer has taken.
 *
 * Trimming moves a head index instead of shifting the array (a work queue trims one message per
 * take: shifting would make draining a backlog of n commands O(n²)); the dead slots are cut off in
 * one copy once they are half the array, so every operation is amortised O(1).
 */
export class SubjectLog {
  private records: (StoredMessage | undefined)[] = [];
  /** Index in `records` of the first retained message. */
  private head = 0;
  /** Sequence number of `records[head]`. */
  private first = 1;
  private nextSeq = 1;
  /** Sum of the retained bodies' lengths. */
  private chars = 0;
  private readonly maxChars: number;

  /** Array slots in use, trimmed ones included until the next compaction. */
  get slots(): number {
    return this.records.length;
  }

  /**
   * `onEvict` hears of every message dropped by `limits.messages` (not of those a work queue trims,
   * nor of those `release` drops: every reader had finished those).
   */
  constructor(
    readonly subject: string,
    private readonly limits: SubjectLogLimits,
    private readonly onEvict?: (rec: StoredMessage) => void,
  ) {
    this.maxChars = limits.bodyChars ?? Number.POSITIVE_INFINITY;
  }

  append(body: string, headers: Readonly<Record<string, string>>): StoredMessage {
    const rec: StoredMessage = { seq: this.nextSeq++, subject: this.subject, body, headers };
    this.records.push(rec);
    this.chars += body.length;
    if (this.size > this.limits.messages) {
      const evicted = this.records[this.head];
      this.trimBefore(this.first + 1);
      if (evicted) this.onEvict?.(evicted);
    }
    return rec;
  }

  /** Messages retained. */
  get size(): number {
    return this.records.length - this.head;
  }

  /** Sum of the retained bodies' lengths (UTF-16 code units). */
  get bodyChars(): number {
    return this.chars;
  }

  /** Whether the retained bodies are past `limits.bodyChars`: only then has `release` anything to do. */
  get overBudget(): boolean {
    return this.chars > this.maxChars;
  }

  /** The first retained sequence number. */
  get firstSeq(): number {
    return this.first;
  }

  /** The sequence number the next append gets. */
  get endSeq(): number {
    return this.nextSeq;
  }

  at(seq: number): StoredMessage | undefined {
    if (seq < this.first) return undefined;
    return this.records[this.head + (seq - this.first)];
  }

  /**
   * Drops messages oldest first while the bodies are past `limits.bodyChars`, never `seq` or later:
   * the caller passes the oldest sequence number some reader still needs (taken and not finished,
   * or not taken yet), so everything before it is finished by every reader. Stops at `seq` even when
   * a finished message lies beyond it: the log stays one contiguous run, which is what a group
   * subscribing later replays from `firstSeq`.
   */
  release(seq: number): void {
    if (!this.overBudget) return;
    const end = Math.min(seq, this.nextSeq);
    let upTo = this.first;
    let chars = this.chars;
    while (upTo < end && chars > this.maxChars) chars -= this.at(upTo++)?.body.length ?? 0;
    this.trimBefore(upTo);
  }

  /** Forgets everything before `seq`. */
  trimBefore(seq: number): void {
    const n = Math.min(seq - this.first, this.size);
    if (n <= 0) return;
    // Let go of the messages now; the slots themselves go at the next compaction.
    for (let i = this.head; i < this.head + n; i++) this.chars -= this.records[i]?.body.length ?? 0;
    this.records.fill(undefined, this.head, this.head + n);
    this.head += n;
    this.first += n;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}
