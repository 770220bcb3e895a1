import { describe, expect, it } from 'vitest';
import { fuseRankings } from './fusion.ts';

describe('fuseRankings', () => {
  it('adds weighted reciprocal ranks, as computed by hand', () => {
    const fused = fuseRankings(
      { lexical: ['a', 'b', 'c'], vector: ['c', 'd', 'a'] },
      { k: 10, lexicalWeight: 1, vectorWeight: 0.5 },
    );
    // a: 1/11 + 0.5/13, c: 1/13 + 0.5/11, b: 1/12, d: 0.5/12
    expect(fused.map((hit) => hit.chunkId)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 11 + 0.5 / 13, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 13 + 0.5 / 11, 12);
    expect(fused[2]!.score).toBeCloseTo(1 / 12, 12);
    expect(fused[3]!.score).toBeCloseTo(0.5 / 12, 12);
    expect(fused.map((hit) => [hit.lexicalRank, hit.vectorRank])).toEqual([
      [1, 3],
      [3, 1],
      [2, null],
      [null, 2],
    ]);
  });

  it('breaks score ties by the better single-list rank, then lexical order', () => {
    const fused = fuseRankings(
      { lexical: ['x', 'y'], vector: ['y', 'x'] },
      { k: 60, lexicalWeight: 1, vectorWeight: 1 },
    );
    expect(fused.map((hit) => hit.chunkId)).toEqual(['x', 'y']);
    const alone = fuseRankings(
      { lexical: ['p'], vector: ['q'] },
      { k: 60, lexicalWeight: 1, vectorWeight: 1 },
    );
    expect(alone.map((hit) => hit.chunkId)).toEqual(['p', 'q']);
  });

  it('lets a zero weight turn a list off and ignores duplicates within a list', () => {
    const fused = fuseRankings(
      { lexical: ['a', 'a', 'b'], vector: ['b'] },
      { k: 1, lexicalWeight: 1, vectorWeight: 0 },
    );
    expect(fused.map((hit) => [hit.chunkId, hit.score])).toEqual([
      ['a', 1 / 2],
      ['b', 1 / 4],
    ]);
  });

  it('returns nothing for nothing', () => {
    expect(fuseRankings({ lexical: [], vector: [] }, { k: 60, lexicalWeight: 1, vectorWeight: 1 })).toEqual(
      [],
    );
  });
});
