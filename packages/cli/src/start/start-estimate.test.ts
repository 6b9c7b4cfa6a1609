import { describe, expect, it } from '@jest/globals';
import { estimateCostRange } from './start-estimate';

describe('estimateCostRange', () => {
  it('spans half to twice each estimate, the high end capped per run, unknown estimates up to the cap', () => {
    expect(estimateCostRange([{ estimateUsd: 0.2 }, { estimateUsd: 0.4 }], 2)).toEqual({
      lowUsd: 0.3,
      highUsd: 1.2,
      tasks: 2,
    });
    expect(estimateCostRange([{ estimateUsd: 1.5 }, {}], 2)).toEqual({ lowUsd: 0.75, highUsd: 4, tasks: 2 });
    expect(estimateCostRange([], 2)).toEqual({ lowUsd: 0, highUsd: 0, tasks: 0 });
  });
});
