#!/usr/bin/env node
/**
 * The process entry point: the only place that reads process.env, builds dependencies and exits.
 */
import { runCli } from './run-cli.js';
import { FAULT_ENV, faultHook } from './fault-injection.js';

const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => controller.abort(new Error(`received ${sig}`)));
}

const steps = faultHook(
  process.env[FAULT_ENV],
  () => process.kill(process.pid, 'SIGKILL'),
  (line) => process.stderr.write(line),
);
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  ...(steps === undefined ? {} : { steps }),
});
process.exitCode = code;
