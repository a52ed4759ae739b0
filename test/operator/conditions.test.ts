import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatus, conditionsFor, sameStatus, setCondition } from '../../src/operator/conditions.js';
import { phaseEvents } from '../../src/operator/phase-events.js';

void describe('conditions', () => {
  void it('keeps lastTransitionTime while the status stays, moves it when the status changes', () => {
    const t1 = '2026-01-01T00:00:00.000Z';
    const t2 = '2026-01-01T00:05:00.000Z';
    let c = setCondition(
      [],
      { type: 'Degraded', status: 'True', reason: 'SecretNotFound', message: 'a' },
      1,
      t1,
    );
    c = setCondition(
      c,
      { type: 'Degraded', status: 'True', reason: 'SecretKeyMissing', message: 'b' },
      2,
      t2,
    );
    assert.equal(c[0]?.lastTransitionTime, t1);
    assert.equal(c[0]?.reason, 'SecretKeyMissing');
    assert.equal(c[0]?.observedGeneration, 2);
    c = setCondition(c, { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' }, 2, t2);
    assert.equal(c[0]?.lastTransitionTime, t2);
  });

  void it('derives Ready, Progressing and Degraded from the phase', () => {
    const table = [
      ['Succeeded', false, ['True', 'False', 'False']],
      ['Running', false, ['False', 'True', 'False']],
      ['RollingBack', true, ['False', 'True', 'True']],
      ['RolledBack', true, ['False', 'False', 'True']],
      ['Suspended', false, ['False', 'False', 'False']],
    ] as const;
    for (const [phase, degraded, expected] of table) {
      const got = conditionsFor({ phase, reason: 'R', message: 'm', degraded }).map((c) => c.status);
      assert.deepEqual(got, expected, phase);
    }
  });

  void it('builds the status with observedGeneration and a progress summary; equal statuses compare equal', () => {
    const input = {
      phase: 'Running',
      reason: 'PhaseRunning',
      message: 'm',
      degraded: false,
      progress: { indexesDone: 4, indexesTotal: 12, current: 'idx_a' },
    } as const;
    const s = buildStatus(undefined, input, 3, '2026-01-01T00:00:00.000Z');
    assert.equal(s.observedGeneration, 3);
    assert.equal(s.progress?.summary, '4/12');
    assert.deepEqual(
      s.conditions?.map((c) => c.type),
      ['Ready', 'Progressing', 'Degraded'],
    );
    assert.ok(
      sameStatus(s, buildStatus(s, input, 3, '2026-01-01T01:00:00.000Z')),
      'a later identical write changes nothing',
    );
    assert.ok(!sameStatus(s, buildStatus(s, { ...input, message: 'other' }, 3, '2026-01-01T01:00:00.000Z')));
  });

  void it('never writes a URL password into status', () => {
    const leak = 'cannot connect to postgres://app:s3cret@db:5432/mcp';
    const s = buildStatus(
      undefined,
      {
        phase: 'Failed',
        reason: 'PhaseFailed',
        message: leak,
        degraded: true,
        phases: [{ name: 'core', state: 'Failed', message: leak }],
      },
      1,
      '2026-01-01T00:00:00.000Z',
    );
    assert.ok(!JSON.stringify(s).includes('s3cret'), JSON.stringify(s));
  });

  void it('emits events for phase transitions only', () => {
    const before = { phases: [{ name: 'core', state: 'Running' }] } as const;
    const after = {
      phase: 'Succeeded',
      phases: [
        { name: 'core', state: 'Succeeded', durationSeconds: 1.5, indexesCreated: 3, indexesSkipped: 1 },
      ],
      progress: { indexesDone: 4, indexesTotal: 4, summary: '4/4' },
    } as const;
    assert.deepEqual(phaseEvents(before, after), [
      ['Normal', 'PhaseSucceeded', 'phase core succeeded in 1.5s (3 created, 1 skipped)'],
      ['Normal', 'Succeeded', 'all phases applied (4/4 indexes)'],
    ]);
    assert.deepEqual(phaseEvents(after, after), []);
  });
});
