import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { analyseMatrix, warmUpMatrix, type MatrixJob, type MatrixResult } from './matrix.ts';

/**
 * The four matrices of a layer are independent, so they are analysed in
 * parallel, one matrix per thread at a time (the GEMM and the scan of one matrix
 * are single-threaded): this thread takes jobs itself, and worker threads (one per
 * further core, up to MAX_THREADS in all) take the others as soon as they are
 * ready. On two cores a layer takes about two matrices' time instead of four.
 *
 * Workers start on warmUp() or the first job, warm up (modules, onnxruntime
 * sessions, the compiled kernel) while this thread works, and stay for later
 * layers; an idle worker does not keep the process alive (one still starting
 * does, so that an awaited warmUp() settles). Inputs go in SharedArrayBuffers (one
 * copy, whatever the number of jobs that read it); results come back by
 * structured clone (~1 MB per matrix). Where worker threads cannot start, this
 * thread does all the jobs: the same code, the same results.
 */
export const MAX_THREADS = 4;

interface Job {
  job: MatrixJob;
  resolve: (result: MatrixResult) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  current: Job | null;
}

/** Settles when every worker has reported ready (or failed to start). */
const workersReady: Promise<void>[] = [];

const queue: Job[] = [];
const workers: PoolWorker[] = [];
let started = false;
let localBusy = false;

function startWorkers(): void {
  started = true;
  const count = Math.min(MAX_THREADS, availableParallelism()) - 1;
  for (let k = 0; k < count; k++) {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./matrix-worker.ts', import.meta.url));
    } catch {
      return; // no worker threads here: this thread does the work
    }
    const entry: PoolWorker = { worker, ready: false, current: null };
    workers.push(entry);
    let settleReady = () => {};
    workersReady.push(new Promise<void>((resolve) => (settleReady = resolve)));
    const finish = (settle: (job: Job) => void) => {
      const job = entry.current;
      entry.current = null;
      if (entry.ready) worker.unref();
      if (job) settle(job);
      dispatch();
    };
    worker.on('message', (message: { ready?: true; result?: MatrixResult; error?: string }) => {
      if (message.ready) {
        entry.ready = true;
        if (!entry.current) worker.unref();
        settleReady();
        dispatch();
      } else {
        finish((job) => (message.error !== undefined ? job.reject(new Error(message.error)) : job.resolve(message.result as MatrixResult)));
      }
    });
    worker.on('error', (error) => {
      workers.splice(workers.indexOf(entry), 1);
      settleReady();
      finish((job) => job.reject(error));
    });
  }
}

function dispatch(): void {
  dispatchJobs();
  if (queueIsEmpty()) for (const resolve of drainedWaiters.splice(0)) resolve();
}

function dispatchJobs(): void {
  for (const entry of workers) {
    if (queue.length === 0) return;
    if (!entry.ready || entry.current) continue;
    const job = queue.shift() as Job;
    entry.current = job;
    entry.worker.ref(); // keep the process alive while a job is out
    entry.worker.postMessage({ job: job.job });
  }
  if (queue.length > 0 && !localBusy) {
    const job = queue.shift() as Job;
    localBusy = true;
    analyseMatrix(job.job)
      .then(job.resolve, job.reject)
      .finally(() => {
        localBusy = false;
        dispatch();
      });
  }
}

const drainedWaiters: (() => void)[] = [];

/** Whether every job queued so far has started (no job waits for a thread). */
export function queueIsEmpty(): boolean {
  return queue.length === 0;
}

/** Settles when no job waits for a thread (every job queued so far has started): the moment
 * to queue more work, and not before, so that its inputs are not held while they wait. */
export function queueDrained(): Promise<void> {
  if (queueIsEmpty()) return Promise.resolve();
  return new Promise((resolve) => drainedWaiters.push(resolve));
}

/** `x` in shared memory (a copy, unless it is there already), for jobs sent to workers. */
export function shared(x: Float32Array): Float32Array {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const out = new Float32Array(new SharedArrayBuffer(x.byteLength));
  out.set(x);
  return out;
}

export function analyse(job: MatrixJob): Promise<MatrixResult> {
  if (!started) startWorkers();
  return new Promise((resolve, reject) => {
    queue.push({ job, resolve, reject });
    dispatch();
  });
}

let warming: Promise<void> | null = null;

/**
 * Starts the workers and warms every thread (this one included) so that the
 * first layer runs as fast as the later ones; idempotent (one warm-up per
 * process). Jobs that arrive meanwhile wait for a thread that is ready.
 */
export function warmUp(): Promise<void> {
  if (!warming) {
    if (!started) startWorkers();
    const local = (async () => {
      // this thread counts as busy while it warms: jobs go to ready workers first
      while (localBusy) await new Promise((resolve) => setImmediate(resolve));
      localBusy = true;
      try {
        await warmUpMatrix();
      } finally {
        localBusy = false;
        dispatch();
      }
    })();
    warming = Promise.all([local, ...workersReady]).then(() => undefined);
  }
  return warming;
}
