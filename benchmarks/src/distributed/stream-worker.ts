import { StreamSet } from './stream-set.js';
import type { FromWorker, ToWorker } from './client-pool.js';

// A client process of the benchmark (forked by client-pool.ts): holds its share of the streams
// and answers each expectation with the monotonic times of its first and last arrival.

let set: StreamSet | undefined;
const send = (message: FromWorker) => process.send!(message);

process.on('message', (message: ToWorker) => {
  void handle(message).catch((err: unknown) =>
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'start':
      set = new StreamSet(message.sdkKey, message.endpoints, message.count, message.offset);
      await set.start();
      send({ type: 'ready' });
      return;
    case 'expect': {
      const s = set!;
      const arrival = s.expect(message.key, message.after, message.timeoutMs);
      send({ type: 'armed', id: message.id });
      send({ type: 'arrived', id: message.id, ...(await arrival) });
      return;
    }
    case 'version':
      send({ type: 'version', id: message.id, version: set!.version(message.key) });
      return;
    case 'stop':
      await set?.close();
      send({
        type: 'stopped',
        violations: set?.violations() ?? 0,
        reconnects: set?.reconnects() ?? 0,
      });
      process.disconnect();
      return;
  }
}
