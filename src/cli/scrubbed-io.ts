/**
 * The CLI's last line of defence for secrets: stdout and stderr (logs included) are wrapped so that the
 * passwords the process was given (see secretsIn) never reach them, whatever text carries them: a
 * malformed URL quoted in a message, a target parsed from the wrong part of a URL, a driver's error.
 * Every write of ours is one whole line or document, so a secret is never split across two writes.
 */
import { Writable } from 'node:stream';
import type { CliIo } from './cli-io.js';
import { scrubSecrets, secretsIn } from '../redact.js';

export function scrubbedIo(io: CliIo, args: readonly string[]): CliIo {
  const secrets = secretsIn(args, io.env);
  if (secrets.length === 0) return io;
  const stdout = Object.assign(scrubbing(io.stdout, secrets), {
    ...(io.stdout.isTTY === undefined ? {} : { isTTY: io.stdout.isTTY }),
  });
  return { ...io, stdout, stderr: scrubbing(io.stderr, secrets) };
}

function scrubbing(target: NodeJS.WritableStream, secrets: readonly string[]): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      target.write(scrubSecrets(typeof chunk === 'string' ? chunk : chunk.toString('utf8'), secrets));
      done();
    },
  });
}
