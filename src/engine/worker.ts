// A worker thread of a scan: compiles the policies once, then loads and evaluates the batches of inputs it is sent,
// sending each snapshot's results and findings back packed (transfer.ts).

import { parentPort, workerData } from "node:worker_threads";
import { compileWork, processCandidate, toMainThread, type FromWorker, type InputOutcome, type InputWork, type ToWorker } from "./parallel.js";
import { policyIndex, type PackedSnapshot } from "./transfer.js";

const work = (workerData as { work: InputWork }).work;
const compiled = compileWork(work);
const indexOf = policyIndex(compiled);
const port = parentPort!;

// One batch at a time, in the order sent: the main thread keeps the next one queued here.
let chain = Promise.resolve();
port.on("message", (message: ToWorker) => {
  chain = chain.then(async () => {
    let reply: FromWorker;
    try {
      const outcomes: (InputOutcome | PackedSnapshot)[] = [];
      for (const candidate of message.candidates) outcomes.push(toMainThread(await processCandidate(candidate, work, compiled), compiled, indexOf));
      reply = { batch: message.batch, outcomes };
    } catch (e) {
      reply = { batch: message.batch, error: (e as Error)?.message ?? String(e) };
    }
    port.postMessage(reply);
  });
});
