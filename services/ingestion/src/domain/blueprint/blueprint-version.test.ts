import { decideFinish, type FinishDecision } from './blueprint-version';

describe('decideFinish', () => {
  it('makes the first version of a blueprint current, superseding nothing', () => {
    expect(decideFinish({ number: 1, status: 'ingesting' }, undefined)).toEqual<FinishDecision>({
      kind: 'current',
      version: 1,
    });
  });

  it('makes a newer version current and supersedes the one that was current', () => {
    expect(
      decideFinish({ number: 3, status: 'ingesting' }, { number: 2, status: 'current' }),
    ).toEqual<FinishDecision>({ kind: 'current', version: 3, supersedes: 2 });
  });

  it('supersedes nothing when the previous current version is superseded already or its record is gone', () => {
    expect(
      decideFinish({ number: 3, status: 'ingesting' }, { number: 2, status: 'superseded' }),
    ).toEqual<FinishDecision>({ kind: 'current', version: 3 });
    expect(decideFinish({ number: 3, status: 'ingesting' }, { number: 2 })).toEqual<FinishDecision>({
      kind: 'current',
      version: 3,
    });
  });

  it('makes a version history at once when a newer one finished first (two submissions raced)', () => {
    expect(
      decideFinish({ number: 2, status: 'ingesting' }, { number: 3, status: 'current' }),
    ).toEqual<FinishDecision>({ kind: 'superseded', version: 2, supersededBy: 3 });
  });

  it('changes nothing when the version was finished before (the last step ran again)', () => {
    expect(decideFinish({ number: 2, status: 'current' }, { number: 2, status: 'current' })).toEqual({
      kind: 'unchanged',
    });
    expect(decideFinish({ number: 1, status: 'superseded' }, { number: 2, status: 'current' })).toEqual({
      kind: 'unchanged',
    });
  });
});
