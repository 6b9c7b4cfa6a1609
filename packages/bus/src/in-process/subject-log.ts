/** One message as the in-process bus keeps it: the wire text, so every delivery parses its own copy. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The retained messages of one subject, addressed by sequence number (1, 2, ...). Events keep the
 * newest `limit` (older ones are dropped, like a JetStream limits stream with `max_msgs_per_subject`);
 * a work queue trims what its consumer has taken.
 */
export class SubjectLog {
  private records: StoredMessage[] = [];
  /** Sequence number of `records[0]`. */
  private first = 1;
  private nextSeq = 1;

  constructor(
    readonly subject: string,
    private readonly limit: number,
  ) {}

  append(body: string, headers: Readonly<Record<string, string>>): StoredMessage {
    const rec: StoredMessage = { seq: this.nextSeq++, subject: this.subject, body, headers };
    this.records.push(rec);
    if (this.records.length > this.limit) this.trimBefore(this.first + (this.records.length - this.limit));
    return rec;
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
    return this.records[seq - this.first];
  }

  /** Forgets everything before `seq`. */
  trimBefore(seq: number): void {
    const n = Math.min(seq - this.first, this.records.length);
    if (n <= 0) return;
    // splice is O(n) but runs once per eviction batch; the log stays an array for O(1) `at`.
    this.records.splice(0, n);
    this.first += n;
  }
}
