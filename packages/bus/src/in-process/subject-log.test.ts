import { SubjectLog, type StoredMessage } from './subject-log';

describe('SubjectLog', () => {
  it('addresses messages by sequence while a work queue trims them one by one', () => {
    const log = new SubjectLog('ap.v1.cmd.worker.x', Number.POSITIVE_INFINITY);
    for (let i = 1; i <= 5000; i++) log.append(`m${i}`, {});
    for (let seq = 1; seq <= 4000; seq++) {
      expect(log.at(seq)?.body).toBe(`m${seq}`);
      log.trimBefore(seq + 1);
    }
    expect(log.firstSeq).toBe(4001);
    expect(log.size).toBe(1000);
    expect(log.at(4000)).toBeUndefined();
    expect(log.at(4001)?.body).toBe('m4001');
    expect(log.at(5000)?.body).toBe('m5000');
    expect(log.at(5001)).toBeUndefined();
    log.append('m5001', {});
    expect(log.at(5001)?.seq).toBe(5001);
  });

  it('keeps the newest `limit` messages and reports each one it drops', () => {
    const dropped: StoredMessage[] = [];
    const log = new SubjectLog('ap.v1.evt.x.y', 3, (rec) => dropped.push(rec));
    for (let i = 1; i <= 3000; i++) log.append(`m${i}`, {});
    expect(log.size).toBe(3);
    expect([log.at(2998)?.body, log.at(2999)?.body, log.at(3000)?.body]).toEqual(['m2998', 'm2999', 'm3000']);
    expect(log.at(2997)).toBeUndefined();
    expect(dropped.map((r) => r.seq)).toEqual([...Array(2997).keys()].map((i) => i + 1));
  });

  it('compacts trimmed slots away while a large backlog drains, so memory follows what is kept', () => {
    const n = 200_000;
    const log = new SubjectLog('ap.v1.cmd.worker.y', Number.POSITIVE_INFINITY);
    for (let i = 1; i <= n; i++) log.append(`m${i}`, {});
    let largestAfterHalf = 0;
    for (let seq = 1; seq <= n; seq++) {
      log.trimBefore(seq + 1);
      if (seq > n / 2) largestAfterHalf = Math.max(largestAfterHalf, log.slots);
      if (seq % 1000 === 0 && seq < n) expect(log.at(seq + 1)?.body).toBe(`m${seq + 1}`);
    }
    expect(log.size).toBe(0);
    // Without compaction the array would keep all n slots to the end.
    expect(largestAfterHalf).toBeLessThanOrEqual(n / 2 + 1);
  });
});
