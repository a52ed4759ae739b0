import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from '../../src/cli/progress.js';
import { defineIndex } from '../../src/catalogue/define-phase.js';
import { formatDuration } from '../../src/cli/output.js';

const idx = defineIndex('core', {
  name: 'idx_tools_team_id',
  table: 'tools',
  columns: ['team_id'],
  reason: 'fk',
});

function drive(isTTY: boolean): { text: string; clock: { t: number } } {
  const chunks: string[] = [];
  const clock = { t: 1_000 };
  const p = createProgress({ write: (s: string) => chunks.push(s), isTTY }, () => clock.t);
  const o = p.observer;
  o.runStarted?.({ phases: ['core'], indexesTotal: 2 });
  o.phaseStarted?.({ phase: 'core', indexesTotal: 2 });
  o.indexStarted?.({ phase: 'core', index: idx, attempt: 1 });
  clock.t += 65_000;
  o.indexRetry?.({ phase: 'core', index: idx, attempt: 1, reason: 'lock_timeout', delayMs: 1000 });
  o.indexStarted?.({ phase: 'core', index: idx, attempt: 2 });
  o.indexFinished?.({ phase: 'core', index: idx, action: 'create', attempt: 2, durationMs: 4200 });
  o.phaseFinished?.({
    phase: 'core',
    result: 'succeeded',
    durationMs: 70_000,
    indexesCreated: 1,
    indexesSkipped: 1,
  });
  o.runFinished?.({ ok: true, durationMs: 70_000 });
  p.stop();
  return { text: chunks.join(''), clock };
}

void test('not a terminal: plain lines only, with a start line per build and action + time per index', () => {
  const { text } = drive(false);
  assert.ok(!text.includes('\r') && !text.includes('\x1b'), 'no terminal control characters');
  assert.deepEqual(text.trimEnd().split('\n'), [
    '2 indexes in core',
    'phase core: 2 indexes',
    '  start    idx_tools_team_id on tools',
    '  retry    idx_tools_team_id  attempt 2 in 1.0s (lock_timeout)',
    '  start    idx_tools_team_id on tools (attempt 2)',
    '  create   idx_tools_team_id  4.2s',
    'phase core succeeded in 1m 10s (1 created, 1 skipped)',
  ]);
});

void test('a terminal: one status line redrawn in place with done/total, current index and elapsed time', () => {
  const { text } = drive(true);
  assert.ok(text.includes('\r\x1b[2K[0/2] building idx_tools_team_id  elapsed 0ms'), JSON.stringify(text));
  assert.ok(text.includes('\r\x1b[2K[0/2] building idx_tools_team_id  elapsed 1m 05s'));
  assert.ok(text.includes('\r\x1b[2K  create   idx_tools_team_id  4.2s\n'));
  assert.ok(text.includes('[1/2]'), 'done count moves');
  assert.ok(text.endsWith('\r\x1b[2K'), 'the status line is cleared at the end');
  assert.doesNotMatch(text, /start\s+idx_tools_team_id/, 'no start lines on a terminal');
});

void test('durations read naturally', () => {
  assert.deepEqual([850, 4200, 65_000, 3_725_000].map(formatDuration), ['850ms', '4.2s', '1m 05s', '1h 02m']);
});

void test('a run with no phase to apply says there is nothing to do', () => {
  const chunks: string[] = [];
  const p = createProgress({ write: (s: string) => chunks.push(s), isTTY: false }, () => 0);
  p.observer.runStarted?.({ phases: [], indexesTotal: 0 });
  p.stop();
  assert.equal(chunks.join(''), 'nothing to do for the phases asked for\n');
});
