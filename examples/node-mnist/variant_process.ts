/*
 * Child process of `npm run example` when variants train in parallel (--jobs > 1): tfjs's cpu
 * backend runs on one thread, so on a 2-core machine two variants at once take about half the
 * wall-clock time. main.ts forks this file with the tsx loader (worker threads of Node 20 do not
 * inherit it), sends {variant, options}, and receives progress events and the result over IPC.
 */
import type {VariantName} from './models.js';
import {checkRunOptions, loadData, prepareBackend, runVariant, type VariantResult} from './run_variant.js';
import type {TrainEvent} from './train.js';

/** Messages from a variant process to main.ts. */
export type VariantMessage =
  | {kind: 'ready'; backend: string}
  | {kind: 'progress'; event: TrainEvent}
  | {kind: 'result'; result: VariantResult}
  | {kind: 'error'; message: string};

function send(message: VariantMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

process.once('message', (message: {variant: VariantName; options: unknown}) => {
  void (async () => {
    try {
      const options = checkRunOptions(message.options);
      const backend = await prepareBackend(options);
      await send({kind: 'ready', backend});
      const data = loadData(options);
      const result = await runVariant(message.variant, options, data, (event) => void send({kind: 'progress', event}));
      await send({kind: 'result', result});
    } catch (err) {
      await send({kind: 'error', message: err instanceof Error ? err.message : String(err)});
      process.exitCode = 1;
    } finally {
      process.disconnect();
    }
  })();
});

if (process.send == null) {
  console.error('variant_process.ts is started by examples/node-mnist/main.ts (npm run example), not directly.');
  process.exitCode = 1;
}
