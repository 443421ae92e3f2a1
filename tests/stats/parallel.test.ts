import { describe, expect, it } from 'vitest';
import { analyseMatrix } from '../../src/analysis/stats/matrix.ts';
import { analyse, shared } from '../../src/analysis/stats/pool.ts';
import { transpose } from '../../src/analysis/stats/transpose.ts';
import { randomMatrix } from './reference.ts';

describe('matrices analysed in worker threads', () => {
  it('give exactly the results of this thread, for each kind of job', async () => {
    const rows = 30;
    const d = 12;
    const m = 3 * d;
    const x = randomMatrix(rows, m, 17);
    const base = { rows, m, nHead: 3, seed: 5, layer: 2 };
    const jobs = [
      { ...base, withDetail: true },
      { ...base, withDetail: false, baseline: 'shuffled' as const },
      { ...base, withDetail: false, baseline: 'shuffledPerNeuron' as const },
      { ...base, rows: 300, x: randomMatrix(300, m, 18), withDetail: true }, // chunked Gram
    ];
    const xT = (job: (typeof jobs)[number]) => transpose('x' in job ? job.x : x, job.rows, m);
    const here = await Promise.all(jobs.map((job) => analyseMatrix({ ...job, xT: xT(job) })));
    const pooled = await Promise.all(jobs.map((job) => analyse({ ...job, xT: shared(xT(job)) })));
    expect(pooled).toEqual(here);
  }, 60_000);
});
