import { decideVersion, filesKeyOf } from '../blueprint/blueprint-version';
import {
  afterStep,
  chunkEnds,
  nextStep,
  progressDue,
  type JobCheckpoint,
  type JobPlan,
} from './ingestion-job';
import { changedSectionIds } from '../sections/section-changes';

describe('job steps', () => {
  const plan: JobPlan = { chunkEnds: [10, 20], sectionCount: 5, sectionsPerStep: 2 };

  it('stores chunks, then sections in batches, then finishes; a checkpoint resumes at the next step', () => {
    const steps = [];
    let checkpoint: JobCheckpoint = { chunksStored: 0, sectionsStored: 0 };
    for (let step = nextStep(plan, checkpoint); step.kind !== 'finish'; step = nextStep(plan, checkpoint)) {
      steps.push(step);
      checkpoint = afterStep(checkpoint, step);
    }
    expect(steps).toEqual([
      { kind: 'chunk', index: 0, start: 0, end: 10 },
      { kind: 'chunk', index: 1, start: 10, end: 20 },
      { kind: 'sections', batch: 0, from: 0, to: 2 },
      { kind: 'sections', batch: 1, from: 2, to: 4 },
      { kind: 'sections', batch: 2, from: 4, to: 5 },
    ]);
    expect(nextStep(plan, { chunksStored: 2, sectionsStored: 4 })).toEqual({
      kind: 'sections',
      batch: 2,
      from: 4,
      to: 5,
    });
  });

  it('chunks a text without splitting a surrogate pair', () => {
    expect(chunkEnds('abcdefg', 3)).toEqual([3, 6, 7]);
    expect(chunkEnds('ab😀cd', 3)).toEqual([2, 5, 6]);
    expect(chunkEnds('', 3)).toEqual([]);
  });

  it('reports progress about once per 5%, never per section', () => {
    let last = 0;
    let events = 0;
    for (let done = 1; done <= 26_000; done += 1) {
      if (progressDue(last, done, 26_000)) {
        events += 1;
        last = done;
      }
    }
    expect(events).toBe(20);
    expect(progressDue(0, 3, 3)).toBe(true);
    expect(progressDue(3, 3, 3)).toBe(false);
  });
});

describe('decideVersion', () => {
  const latest = { number: 3, digest: 'd3', filesKey: '', status: 'current' as const };

  it('reuses the newest version for the same text, resumes it while it is being written', () => {
    expect(decideVersion(latest, 3, 'd3', '')).toEqual({ kind: 'reuse', version: 3 });
    expect(decideVersion({ ...latest, status: 'ingesting' }, 2, 'd3', '')).toEqual({
      kind: 'resume',
      version: 3,
    });
  });

  it('makes version N+1 with the current version as parent for a different text or file layout', () => {
    expect(decideVersion(latest, 3, 'd4', '')).toEqual({ kind: 'create', version: 4, parentVersion: 3 });
    expect(decideVersion(latest, 3, 'd3', filesKeyOf([{ path: 'a.md', start: 0 }]))).toEqual({
      kind: 'create',
      version: 4,
      parentVersion: 3,
    });
    expect(decideVersion(undefined, undefined, 'd1', '')).toEqual({ kind: 'create', version: 1 });
  });
});

describe('changedSectionIds', () => {
  it('lists new sections and sections whose hash changed; all of them without a parent', () => {
    const sections = [
      { id: 'a', hash: '1' },
      { id: 'b', hash: '2' },
      { id: 'c', hash: '3' },
    ];
    expect(
      changedSectionIds(
        new Map([
          ['a', '1'],
          ['b', 'x'],
        ]),
        sections,
      ),
    ).toEqual(['b', 'c']);
    expect(changedSectionIds(undefined, sections)).toEqual(['a', 'b', 'c']);
  });
});
