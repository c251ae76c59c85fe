// A worker thread of a scan: compiles the policies once, then loads and evaluates the batches of inputs it is sent.

import { parentPort, workerData } from "node:worker_threads";
import { compileWork, processCandidate, type FromWorker, type InputOutcome, type InputWork, type ToWorker } from "./parallel.js";

const work = (workerData as { work: InputWork }).work;
const compiled = compileWork(work);
const port = parentPort!;

// One batch at a time, in the order sent: the main thread keeps the next one queued here.
let chain = Promise.resolve();
port.on("message", (message: ToWorker) => {
  chain = chain.then(async () => {
    let reply: FromWorker;
    try {
      const outcomes: InputOutcome[] = [];
      for (const candidate of message.candidates) outcomes.push(await processCandidate(candidate, work, compiled));
      reply = { batch: message.batch, outcomes };
    } catch (e) {
      reply = { batch: message.batch, error: (e as Error)?.message ?? String(e) };
    }
    port.postMessage(reply);
  });
});
