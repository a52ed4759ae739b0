import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScheduled } from '../../src/engine/scheduler.js';
import { backoffDelay } from '../../src/engine/retry.js';

interface Task {
  readonly id: number;
  readonly table: string;
}

/** Runs tasks that finish only when the test releases them, recording what runs at once. */
function harness() {
  const running = new Map<number, { task: Task; release: () => void }>();
  const log: string[] = [];
  let maxAtOnce = 0;
  const run = (task: Task) =>
    new Promise<void>((resolve) => {
      const tables = [...running.values()].map((r) => r.task.table);
      assert.ok(!tables.includes(task.table), `two tasks on table ${task.table} at once`);
      running.set(task.id, {
        task,
        release: () => {
          running.delete(task.id);
          resolve();
        },
      });
      maxAtOnce = Math.max(maxAtOnce, running.size);
      log.push(`start ${task.id}`);
    });
  return { running, log, run, maxAtOnce: () => maxAtOnce };
}

/** Releases the oldest running task whenever the scheduler is waiting, until all are done. */
async function drain(h: ReturnType<typeof harness>, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await new Promise((r) => setImmediate(r));
    const first = h.running.values().next();
    if (!first.done) first.value.release();
  }
}

void test('never two tasks on one table; at most limit at once; all run', async () => {
  const h = harness();
  const tasks: Task[] = [
    { id: 1, table: 'a' },
    { id: 2, table: 'a' },
    { id: 3, table: 'b' },
    { id: 4, table: 'a' },
    { id: 5, table: 'c' },
    { id: 6, table: 'b' },
  ];
  const done = runScheduled(tasks, 2, h.run, () => true);
  assert.deepEqual(h.log, ['start 1', 'start 3'], 'task 2 waits for table a; task 3 takes the second slot');
  await drain(h, done);
  assert.deepEqual(await done, []);
  assert.equal(h.log.length, 6);
  assert.equal(h.maxAtOnce(), 2);
});

void test('a limit of 3 over three tables runs three at once', async () => {
  const h = harness();
  const tasks: Task[] = ['a', 'b', 'c', 'a'].map((table, id) => ({ id, table }));
  const done = runScheduled(tasks, 3, h.run, () => true);
  assert.equal(h.running.size, 3);
  await drain(h, done);
  assert.equal(h.maxAtOnce(), 3);
});

void test('canStart false stops new starts, lets running ones finish, returns the rest', async () => {
  const h = harness();
  let open = true;
  const tasks: Task[] = ['a', 'b', 'c', 'd'].map((table, id) => ({ id, table }));
  const done = runScheduled(tasks, 2, h.run, () => open);
  open = false;
  await drain(h, done);
  assert.deepEqual(
    (await done).map((t) => t.id),
    [2, 3],
  );
  assert.deepEqual(h.log, ['start 0', 'start 1']);
});

void test('backoff doubles per attempt with up to 50% jitter', () => {
  assert.equal(
    backoffDelay(1, 100, () => 0),
    100,
  );
  assert.equal(
    backoffDelay(2, 100, () => 0),
    200,
  );
  assert.equal(
    backoffDelay(3, 100, () => 0),
    400,
  );
  assert.equal(
    backoffDelay(3, 100, () => 0.999),
    600,
  );
});
