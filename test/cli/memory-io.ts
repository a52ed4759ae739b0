import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/cli-io.js';

export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

/** A CliIo collecting stdout and stderr in memory. */
export function memoryIo(env: Record<string, string | undefined> = {}, isTTY = false): MemoryIo {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const stdout = Object.assign(sink(chunks.out), { isTTY });
  return {
    stdout,
    stderr: sink(chunks.err),
    env,
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}
