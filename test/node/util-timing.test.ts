/*
 * src/util/timing.ts, the timing helper the autotuner, benches, studies and browser demo share:
 * median, warm-up then timed calls, the result object, the time budget, interleaved rounds.
 */
import {expect} from 'chai';
import {median, summarizeTimes, timeAsync, timeInterleaved, timeSync} from '../../src/util/timing.js';

/** Busy-wait about `ms` milliseconds (performance.now is what the helper reads). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('src/util/timing', () => {
  it('median: odd, even, unsorted, empty; does not reorder its argument', () => {
    const v = [5, 1, 3];
    expect(median(v)).to.equal(3);
    expect(v).to.deep.equal([5, 1, 3]);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([7])).to.equal(7);
    expect(median([])).to.be.NaN;
  });

  it('summarizeTimes gives median, min, max, mean and the samples', () => {
    const r = summarizeTimes([3, 1, 2, 10], [50]);
    expect(r).to.deep.equal({
      medianMs: 2.5,
      minMs: 1,
      maxMs: 10,
      meanMs: 4,
      samplesMs: [3, 1, 2, 10],
      reps: 4,
      warmupMs: [50],
    });
    expect(summarizeTimes([]).medianMs).to.be.NaN;
  });

  it('timeSync makes warmup + reps calls and times only the reps', () => {
    let calls = 0;
    const r = timeSync(
      () => {
        calls++;
        spin(calls <= 2 ? 20 : 1); // slow warm-up calls (JIT, shader compilation) are not counted
      },
      {reps: 5, warmup: 2},
    );
    expect(calls).to.equal(7);
    expect(r.reps).to.equal(5);
    expect(r.samplesMs).to.have.length(5);
    expect(r.warmupMs).to.have.length(2);
    expect(r.medianMs).to.be.within(0.9, 15);
    expect(r.warmupMs[0]).to.be.at.least(19);
    expect(r.minMs).to.be.at.most(r.medianMs);
    expect(r.maxMs).to.be.at.least(r.medianMs);
  });

  it('timeAsync awaits the call inside the timed interval', async () => {
    const r = await timeAsync(() => new Promise((ok) => setTimeout(ok, 15)), {reps: 3, warmup: 1});
    expect(r.reps).to.equal(3);
    expect(r.medianMs).to.be.at.least(14);
  });

  it('budgetMs cuts the timed calls (not below minReps) when the last warm-up shows they cannot fit', () => {
    let calls = 0;
    const r = timeSync(
      () => {
        calls++;
        spin(5);
      },
      {reps: 100, warmup: 1, budgetMs: 20, minReps: 2},
    );
    expect(r.reps).to.be.within(2, 4);
    expect(calls).to.equal(1 + r.reps);
  });

  it('rejects bad counts', () => {
    expect(() => timeSync(() => undefined, {reps: 0})).to.throw(/options.reps: expected an integer ≥ 1/);
    expect(() => timeSync(() => undefined, {warmup: -1})).to.throw(/options.warmup/);
    expect(() => timeSync(() => undefined, {budgetMs: 0})).to.throw(/options.budgetMs/);
  });

  it('timeInterleaved runs rounds over all candidates (rotated if asked) and returns a result each', () => {
    const order: string[] = [];
    const calls = new Map(['a', 'b', 'c'].map((name) => [name, () => void order.push(name)]));
    const r = timeInterleaved(calls, {reps: 3, warmup: 1, rotate: true});
    expect(order).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    expect([...r.keys()]).to.deep.equal(['a', 'b', 'c']);
    for (const t of r.values()) expect(t.reps).to.equal(3);
    const plain: string[] = [];
    let ticks = 0;
    timeInterleaved(
      {x: () => void plain.push('x'), y: () => void plain.push('y')},
      {reps: 2, warmup: 0, onCall: () => ticks++},
    );
    expect(plain).to.deep.equal(['x', 'y', 'x', 'y']);
    expect(ticks).to.equal(4);
  });

  it('timeInterleaved stops after minReps rounds once budgetMs is spent', () => {
    const r = timeInterleaved({slow: () => spin(4)}, {reps: 1000, warmup: 0, budgetMs: 10, minReps: 5});
    expect(r.get('slow')!.reps).to.equal(5);
  });
});
