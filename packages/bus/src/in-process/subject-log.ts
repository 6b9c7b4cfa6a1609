/** One message as the in-process bus keeps it: the wire text, so every delivery parses its own copy. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Trimmed slots are compacted away once they are at least this many and half the array. */
const COMPACT_AFTER = 1024;

/**
 * The retained messages of one subject, addressed by sequence number (1, 2, ...). Events keep the
 * newest `limit` (older ones are dropped, like a JetStream limits stream with `max_msgs_per_subject`);
 * a work queue trims what its consumer has taken.
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

  /** Array slots in use, trimmed ones included until the next compaction. */
  get slots(): number {
    return this.records.length;
  }

  /** `onEvict` hears of every message dropped by the limit (not of those a work queue trims). */
  constructor(
    readonly subject: string,
    private readonly limit: number,
    private readonly onEvict?: (rec: StoredMessage) => void,
  ) {}

  append(body: string, headers: Readonly<Record<string, string>>): StoredMessage {
    const rec: StoredMessage = { seq: this.nextSeq++, subject: this.subject, body, headers };
    this.records.push(rec);
    if (this.size > this.limit) {
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

  /** Forgets everything before `seq`. */
  trimBefore(seq: number): void {
    const n = Math.min(seq - this.first, this.size);
    if (n <= 0) return;
    // Let go of the messages now; the slots themselves go at the next compaction.
    this.records.fill(undefined, this.head, this.head + n);
    this.head += n;
    this.first += n;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}
