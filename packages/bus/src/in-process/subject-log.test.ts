import { SubjectLog, type StoredMessage } from './subject-log';

describe('SubjectLog', () => {
  it('addresses messages by sequence while a work queue trims them one by one', () => {
    const log = new SubjectLog('ap.v1.cmd.worker.x', { messages: Number.POSITIVE_INFINITY });
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

  it('keeps the newest `limits.messages` messages and reports each one it drops', () => {
    const dropped: StoredMessage[] = [];
    const log = new SubjectLog('ap.v1.evt.x.y', { messages: 3 }, (rec) => dropped.push(rec));
    for (let i = 1; i <= 3000; i++) log.append(`m${i}`, {});
    expect(log.size).toBe(3);
    expect([log.at(2998)?.body, log.at(2999)?.body, log.at(3000)?.body]).toEqual(['m2998', 'm2999', 'm3000']);
    expect(log.at(2997)).toBeUndefined();
    expect(dropped.map((r) => r.seq)).toEqual([...Array(2997).keys()].map((i) => i + 1));
  });

  it('compacts trimmed slots away while a large backlog drains, so memory follows what is kept', () => {
    const n = 200_000;
    const log = new SubjectLog('ap.v1.cmd.worker.y', { messages: Number.POSITIVE_INFINITY });
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

  it('counts the retained bodies, and drops none of them for bytes while within its budget', () => {
    const log = new SubjectLog('ap.v1.evt.x.z', { messages: 100, bodyChars: 10 });
    log.append('aaaa', {});
    log.append('bbbbbb', {});
    expect(log.bodyChars).toBe(10);
    expect(log.overBudget).toBe(false);
    log.release(log.endSeq);
    expect(log.firstSeq).toBe(1);
    log.trimBefore(2);
    expect(log.bodyChars).toBe(6);
  });

  it('releases finished messages oldest first until the bodies are within budget, and stops there', () => {
    const log = new SubjectLog('ap.v1.evt.x.z', { messages: 100, bodyChars: 10 });
    for (const body of ['aaaa', 'bbbb', 'cccc', 'dd']) log.append(body, {});
    expect(log.overBudget).toBe(true);
    log.release(log.endSeq);
    // 'aaaa' alone brings 14 down to 10: 'bbbb' stays though it is finished too.
    expect(log.firstSeq).toBe(2);
    expect(log.at(2)?.body).toBe('bbbb');
    expect(log.bodyChars).toBe(10);
    expect(log.overBudget).toBe(false);
  });

  it('never releases `seq` or a later message, however far past its budget', () => {
    const log = new SubjectLog('ap.v1.evt.x.z', { messages: 100, bodyChars: 10 });
    for (const body of ['aaaa', 'b'.repeat(50), 'cccc', 'dddd']) log.append(body, {});
    log.release(2);
    expect(log.firstSeq).toBe(2);
    expect(log.at(2)?.body).toBe('b'.repeat(50));
    expect(log.bodyChars).toBe(58);
    // A later call once the reader finished seq 2 lets go of it; 'cccc' and 'dddd' fit.
    log.release(log.endSeq);
    expect(log.firstSeq).toBe(3);
    expect(log.bodyChars).toBe(8);
    expect(log.at(4)?.body).toBe('dddd');
  });

  it('releases the newest message too when nothing needs it and it alone is past the budget', () => {
    const log = new SubjectLog('ap.v1.evt.x.z', { messages: 100, bodyChars: 10 });
    log.append('x'.repeat(11), {});
    log.release(log.endSeq);
    expect(log.size).toBe(0);
    expect(log.bodyChars).toBe(0);
    expect(log.firstSeq).toBe(2);
    expect(log.append('y', {}).seq).toBe(2);
    expect(log.at(2)?.body).toBe('y');
  });

  it('keeps counting right through compactions and the message limit', () => {
    // Small bodies hit the message limit; every 100th is large and hits the budget.
    const log = new SubjectLog('ap.v1.evt.x.z', { messages: 300, bodyChars: 3000 });
    const bodyOf = (i: number): string => (i % 100 === 0 ? 'x'.repeat(1500) : `m${i}`);
    let expected = 0;
    for (let i = 1; i <= 5000; i++) {
      log.append(bodyOf(i), {});
      log.release(log.endSeq - 5);
      expected = 0;
      for (let seq = log.firstSeq; seq < log.endSeq; seq++) expected += log.at(seq)?.body.length ?? 0;
      if (i % 500 === 0) expect(log.bodyChars).toBe(expected);
    }
    expect(log.bodyChars).toBe(expected);
    expect(log.bodyChars).toBeLessThanOrEqual(3000);
    expect(log.at(log.endSeq - 1)?.body).toBe(bodyOf(5000));
  });
});
