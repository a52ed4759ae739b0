/**
 * Live progress for `up` and `down` in text mode, as a RunObserver. Every index gets one permanent
 * line (action, name, time). On a terminal a status line below them is redrawn in place
 * (`[done/total] current index… elapsed`); elsewhere (pipes, Kubernetes logs) plain lines only, plus a
 * line when a build starts so a long build is visible.
 */
import type { RunObserver } from '../engine/run-observer.js';
import { redactUrl } from '../redact.js';
import { formatDuration } from './output.js';

export interface ProgressTarget {
  readonly write: (text: string) => unknown;
  readonly isTTY?: boolean;
}

export interface Progress {
  readonly observer: RunObserver;
  /** Stops the redraw timer and clears the status line (idempotent). */
  stop(): void;
}

const REDRAW_MS = 250;
const CLEAR_LINE = '\r\x1b[2K';

export function createProgress(out: ProgressTarget, now: () => number = Date.now): Progress {
  const tty = out.isTTY === true;
  const started = now();
  const current = new Map<string, number>();
  let done = 0;
  let total = 0;
  let timer: NodeJS.Timeout | undefined;

  const statusLine = (): string => {
    const names = [...current.keys()];
    const shown =
      names.length > 0 ? `building ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}` : '';
    return `[${done}/${total}] ${shown}  elapsed ${formatDuration(now() - started)}`;
  };
  const redraw = (): void => {
    if (tty) out.write(`${CLEAR_LINE}${statusLine()}`);
  };
  const print = (line: string): void => {
    out.write(`${tty ? CLEAR_LINE : ''}${redactUrl(line)}\n`);
    redraw();
  };
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    if (tty) out.write(CLEAR_LINE);
  };

  const observer: RunObserver = {
    runStarted(e) {
      total = e.indexesTotal;
      print(
        e.phases.length === 0
          ? 'nothing to do for the phases asked for'
          : `${e.indexesTotal} index${e.indexesTotal === 1 ? '' : 'es'} in ${e.phases.join(', ')}`,
      );
      if (tty && timer === undefined) {
        timer = setInterval(redraw, REDRAW_MS);
        timer.unref();
      }
    },
    phaseStarted(e) {
      print(`phase ${e.phase}: ${e.indexesTotal} index${e.indexesTotal === 1 ? '' : 'es'}`);
    },
    indexStarted(e) {
      current.set(e.index.name, now());
      if (!tty)
        print(
          `  start    ${e.index.name} on ${e.index.table}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`,
        );
      else redraw();
    },
    indexFinished(e) {
      current.delete(e.index.name);
      done += 1;
      print(`  ${e.action.padEnd(8)} ${e.index.name}  ${formatDuration(e.durationMs)}`);
    },
    indexRetry(e) {
      current.delete(e.index.name);
      print(
        `  retry    ${e.index.name}  attempt ${e.attempt + 1} in ${formatDuration(e.delayMs)} (${e.reason})`,
      );
    },
    indexFailed(e) {
      current.delete(e.index.name);
      print(`  failed   ${e.index.name}  ${e.reason}: ${e.message}`);
    },
    phaseFinished(e) {
      const counts =
        e.result === 'rolled_back' ? '' : ` (${e.indexesCreated} created, ${e.indexesSkipped} skipped)`;
      print(`phase ${e.phase} ${e.result.replace('_', ' ')} in ${formatDuration(e.durationMs)}${counts}`);
    },
    rollback(e) {
      print(
        `phase ${e.phase} rolled back: ${e.indexesDropped} index${e.indexesDropped === 1 ? '' : 'es'} dropped`,
      );
    },
    runFinished() {
      stop();
    },
  };
  return { observer, stop };
}
