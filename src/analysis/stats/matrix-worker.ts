import { parentPort } from 'node:worker_threads';
import { analyseMatrix, warmUpMatrix, type MatrixJob } from './matrix.ts';

/**
 * Worker thread of pool.ts: analyses one matrix per message. It first warms up
 * (matrix.ts warmUpMatrix: onnxruntime's sessions, the compiled scan kernel, the
 * JIT) before it reports ready, so that its first real matrix runs at full speed.
 */
const port = parentPort;
if (port) {
  await warmUpMatrix();
  port.on('message', ({ job }: { job: MatrixJob }) => {
    analyseMatrix(job).then(
      (result) => port.postMessage({ result }),
      (error: unknown) => port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  port.postMessage({ ready: true });
}
