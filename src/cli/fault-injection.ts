/**
 * Fault injection for the kill test (test/engine/kill-convergence.test.ts, scripts/kill-test.ts): the
 * entry point (main.ts) reads `INDEX_OPERATOR_FAULT` and passes the hook down to the engine as
 * EngineDeps.steps. Nothing else in src/ knows about it.
 * - `trace`: each step boundary is written to stderr as `index-operator fault: step <n> <point>`;
 * - `kill:<n>` or `kill:<n>:<delayMs>`: the same, and at the n-th boundary (counting from 1) the process
 *   is killed after delayMs (default 0), as `kill -9` would. During a statement the kill lands while it is
 *   in flight.
 */
import type { StepHook } from '../engine/engine.js';

export const FAULT_ENV = 'INDEX_OPERATOR_FAULT';

export function faultHook(
  spec: string | undefined,
  kill: () => void,
  write: (line: string) => void,
): StepHook | undefined {
  if (spec === undefined || spec === '') return undefined;
  const m = /^(?:trace|kill:(\d+)(?::(\d+))?)$/.exec(spec.trim());
  if (!m) throw new Error(`${FAULT_ENV}='${spec}': use trace, kill:<n> or kill:<n>:<delayMs>`);
  const at = m[1] === undefined ? undefined : Number(m[1]);
  const delayMs = Number(m[2] ?? 0);
  let n = 0;
  return async (point) => {
    n += 1;
    write(`index-operator fault: step ${n} ${point}\n`);
    if (n !== at) return;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    write(`index-operator fault: killing at step ${n} ${point}\n`);
    kill();
    await new Promise(() => undefined); // never resumes: the process is gone
  };
}
