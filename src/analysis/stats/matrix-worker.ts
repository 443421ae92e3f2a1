import { parentPort } from 'node:worker_threads';
import { analyseMatrix, type MatrixJob } from './matrix.ts';

/**
 * Worker thread of pool.ts: analyses one matrix per message. It first analyses a
 * tiny matrix, so that onnxruntime's sessions and the JIT are warm before it
 * reports ready.
 */
const port = parentPort;
if (port) {
  const rows = 8;
  const m = 24;
  const x = Float32Array.from({ length: rows * m }, (_, k) => Math.sin(k * 12.9898) * 43758.5453 % 1);
  await analyseMatrix({ x, rows, m, nHead: 2, withDetail: true });
  port.on('message', ({ job }: { job: MatrixJob }) => {
    analyseMatrix(job).then(
      (result) => port.postMessage({ result }),
      (error: unknown) => port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  port.postMessage({ ready: true });
}
