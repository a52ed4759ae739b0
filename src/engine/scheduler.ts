/**
 * Runs tasks with at most `limit` at once and never two on the same table. Tasks start in list order
 * as far as the table rule allows. `canStart` is asked before every start (false: stop starting; the
 * running tasks finish). Returns the tasks that never started. `run` must not throw.
 */
export async function runScheduled<T extends { readonly table: string }>(
  tasks: readonly T[],
  limit: number,
  run: (task: T) => Promise<void>,
  canStart: () => boolean,
): Promise<T[]> {
  const pending = [...tasks];
  const busyTables = new Set<string>();
  const running = new Set<Promise<void>>();
  for (;;) {
    while (running.size < Math.max(1, limit) && canStart()) {
      const next = pending.findIndex((t) => !busyTables.has(t.table));
      if (next < 0) break;
      const [task] = pending.splice(next, 1) as [T];
      busyTables.add(task.table);
      const done: Promise<void> = run(task).finally(() => {
        busyTables.delete(task.table);
        running.delete(done);
      });
      running.add(done);
    }
    if (running.size === 0) return pending;
    await Promise.race(running);
  }
}
