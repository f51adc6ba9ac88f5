import { expect, it } from 'vitest';
import { fuseRanks } from '../../src/domain/rank-fusion.js';

it('fuses by reciprocal rank: an item in both lists beats one at the top of only one', () => {
  const fused = fuseRanks([
    ['a', 'b', 'c'],
    ['d', 'b'],
  ]);
  expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c']);
  expect(fused[0]).toEqual({ id: 'b', score: 1 / 62 + 1 / 62, ranks: [2, 2] });
  expect(fused[1]!.ranks).toEqual([1, null]);
});

it('breaks ties by the better best rank, then by id, and counts a repeated id once', () => {
  expect(
    fuseRanks([
      ['x', 'y'],
      ['y', 'x'],
    ]).map((f) => f.id),
  ).toEqual(['x', 'y']);
  expect(fuseRanks([['a', 'a']])).toEqual([{ id: 'a', score: 1 / 61, ranks: [1] }]);
  expect(fuseRanks([[], []])).toEqual([]);
});
