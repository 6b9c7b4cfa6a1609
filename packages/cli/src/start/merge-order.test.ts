import { suggestMergeOrder, type ReviewBranch } from './merge-order';

const branch = (taskId: string, files: string[], dependsOn: string[] = []): ReviewBranch => ({
  taskId,
  branch: `autopilot/${taskId}`,
  dependsOn,
  files,
});

describe('suggestMergeOrder', () => {
  it('puts dependencies before dependants, whatever their overlaps', () => {
    const order = suggestMergeOrder([
      branch('receipt', ['src/receipt.js'], ['discounts']),
      branch('discounts', ['src/cart.js', 'src/discounts.js', 'README.md']),
      branch('docs', ['README.md']),
    ]);
    const ids = order.map((s) => s.taskId);
    expect(ids.indexOf('discounts')).toBeLessThan(ids.indexOf('receipt'));
  });

  it('among free branches, merges first the one sharing the fewest files with those still waiting', () => {
    const order = suggestMergeOrder([
      branch('a', ['src/cart.js', 'src/shared.js']),
      branch('b', ['src/shared.js', 'test/cart.test.js']),
      branch('c', ['docs/guide.md']),
    ]);
    expect(order.map((s) => s.taskId)).toEqual(['c', 'a', 'b']);
    expect(order[0]).toMatchObject({
      overlapsLater: [],
      reason: 'depends on no other branch; shares no file with the branches still to merge',
    });
    expect(order[1]).toMatchObject({
      overlapsLater: ['src/shared.js'],
      reason: 'depends on no other branch; shares 1 file with branches still to merge',
    });
  });

  it('is the same on every run (ties by task id) and ignores dependencies that are not branches', () => {
    const input = [branch('z', ['x.js'], ['not-a-branch']), branch('m', ['y.js']), branch('a', ['w.js'])];
    expect(suggestMergeOrder(input).map((s) => s.taskId)).toEqual(['a', 'm', 'z']);
    expect(suggestMergeOrder([...input].reverse()).map((s) => s.taskId)).toEqual(['a', 'm', 'z']);
  });

  it('still orders every branch when dependencies form a cycle, saying so', () => {
    const order = suggestMergeOrder([branch('p', ['p.js'], ['q']), branch('q', ['q.js'], ['p'])]);
    expect(order.map((s) => s.taskId)).toEqual(['p', 'q']);
    expect(order[0]!.reason).toMatch(/wait on each other/);
  });

  it('orders nothing when there is nothing to merge', () => {
    expect(suggestMergeOrder([])).toEqual([]);
  });
});
