import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, backoffDelay } from '../../src/operator/work-queue.js';

const OPTS = { baseDelayMs: 5, maxDelayMs: 40 };

void describe('WorkQueue', () => {
  void it('de-duplicates keys waiting in the queue', async () => {
    const q = new WorkQueue(OPTS);
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'ns/a');
    assert.equal(await q.get(), 'ns/b');
  });

  void it('never hands a key being processed to a second worker; re-queues it on done', async () => {
    const q = new WorkQueue(OPTS);
    q.add('ns/a');
    const first = await q.get();
    q.add('ns/a');
    assert.equal(q.length, 0, 'dirty key is held back while processing');
    const second = q.get();
    let got: string | undefined;
    void second.then((k) => (got = k));
    await Promise.resolve();
    assert.equal(got, undefined);
    q.done(first ?? '');
    assert.equal(await second, 'ns/a');
  });

  void it('backs off exponentially per key, capped, and forget resets it', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, OPTS)),
      [5, 10, 20, 40, 40, 40],
    );
    const q = new WorkQueue(OPTS);
    assert.equal(q.addRateLimited('ns/a'), 5);
    assert.equal(q.addRateLimited('ns/a'), 10);
    assert.equal(q.addRateLimited('ns/b'), 5);
    q.forget('ns/a');
    assert.equal(q.failureCount('ns/a'), 0);
    q.shutdown();
  });

  void it('delivers a delayed key after its delay', async () => {
    const q = new WorkQueue(OPTS);
    q.addAfter('ns/a', 10);
    assert.equal(q.length, 0);
    assert.equal(await q.get(), 'ns/a');
    q.shutdown();
  });

  void it('shutdown releases waiting workers with undefined', async () => {
    const q = new WorkQueue(OPTS);
    const waiting = q.get();
    q.shutdown();
    assert.equal(await waiting, undefined);
    assert.equal(await q.get(), undefined);
  });
});
