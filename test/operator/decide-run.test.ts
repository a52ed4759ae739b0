import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideRun, type AppliedPhase, type RunObservation } from '../../src/operator/decide-run.js';
import type { OwnedJob } from '../../src/operator/owned-job.js';
import type { PhaseName } from '../../src/operator/types.js';

const CATALOGUE = [
  { name: 'core', indexes: 3 },
  { name: 'rbac', indexes: 2 },
  { name: 'teams', indexes: 4 },
];

function obs(
  over: Partial<RunObservation> & { readonly phases?: readonly PhaseName[] } = {},
): RunObservation {
  return {
    generation: 2,
    spec: {
      phases: over.phases ?? ['teams', 'core'],
      onFailure: 'RollbackPhase',
      suspend: false,
      verify: false,
      ...over.spec,
    },
    cataloguePhases: CATALOGUE,
    jobs: [],
    applied: new Map(),
    previous: {},
    ...over,
  };
}

function job(over: Partial<OwnedJob> & Pick<OwnedJob, 'kind' | 'state'>): OwnedJob {
  const phase = over.phase ?? 'core';
  return {
    name: `m-${over.kind}-${phase}`,
    phase,
    phases: [phase],
    generation: 2,
    attempt: 0,
    startedAt: '2026-01-01T00:00:00Z',
    completedAt: over.state === 'active' ? undefined : '2026-01-01T00:00:05Z',
    message: undefined,
    reason: undefined,
    deleting: false,
    ...over,
  };
}

const applied = (...names: string[]): Map<string, AppliedPhase> =>
  new Map(
    names.map((n) => [
      n,
      {
        applied: true,
        indexesCreated: 1,
        indexesSkipped: 0,
        indexesDone: 1,
        startedAt: '2026-01-01T00:00:00Z',
        finishedAt: '2026-01-01T00:00:02Z',
        durationMs: 2000,
      },
    ]),
  );

/** The bookkeeping after `down` of the phase, finished at `finishedAt`. */
const rolledBack = (name: string, finishedAt: string): Map<string, AppliedPhase> =>
  new Map([
    [
      name,
      {
        applied: false,
        status: 'rolled_back',
        indexesCreated: 1,
        indexesSkipped: 0,
        indexesDone: 1,
        startedAt: '2026-01-01T00:00:00Z',
        finishedAt,
        durationMs: 2000,
      },
    ],
  ]);

interface Row {
  readonly name: string;
  readonly o: RunObservation;
  readonly action: string;
  readonly phase: string;
  readonly reason?: string;
}

const rows: Row[] = [
  {
    name: 'nothing applied: first enabled phase in catalogue order',
    o: obs(),
    action: 'apply core',
    phase: 'Running',
  },
  {
    name: 'core applied: next is teams (rbac not enabled)',
    o: obs({ applied: applied('core') }),
    action: 'apply teams',
    phase: 'Running',
  },
  {
    name: 'all applied, no verify: Succeeded',
    o: obs({ applied: applied('core', 'teams') }),
    action: 'none',
    phase: 'Succeeded',
    reason: 'Succeeded',
  },
  {
    name: 'all applied, verify asked: verify Job',
    o: obs({
      applied: applied('core', 'teams'),
      spec: { phases: ['core'], onFailure: 'RollbackPhase', suspend: false, verify: true },
    }),
    action: 'verify',
    phase: 'Running',
  },
  {
    name: 'verify succeeded: Succeeded',
    o: obs({
      applied: applied('core'),
      phases: ['core'],
      spec: { phases: ['core'], onFailure: 'Halt', suspend: false, verify: true },
      jobs: [job({ kind: 'verify', state: 'succeeded', phases: [] })],
    }),
    action: 'none',
    phase: 'Succeeded',
  },
  {
    name: 'a Job running: wait',
    o: obs({ jobs: [job({ kind: 'apply', state: 'active' })] }),
    action: 'none',
    phase: 'Running',
    reason: 'PhaseRunning',
  },
  {
    name: 'a Job of an older generation running (spec changed): wait for it',
    o: obs({ jobs: [job({ kind: 'apply', state: 'active', generation: 1 })] }),
    action: 'none',
    phase: 'Running',
  },
  {
    name: 'suspended with work left: no Job',
    o: obs({ spec: { phases: ['core'], onFailure: 'RollbackPhase', suspend: true, verify: false } }),
    action: 'none',
    phase: 'Suspended',
  },
  {
    name: 'suspended while a Job runs: it finishes',
    o: obs({
      spec: { phases: ['core'], onFailure: 'RollbackPhase', suspend: true, verify: false },
      jobs: [job({ kind: 'apply', state: 'active' })],
    }),
    action: 'none',
    phase: 'Running',
  },
  {
    name: 'phase failed, RollbackPhase: rollback Job of that phase',
    o: obs({ jobs: [job({ kind: 'apply', state: 'failed' })] }),
    action: 'rollback core',
    phase: 'RollingBack',
    reason: 'PhaseFailed',
  },
  {
    name: 'phase failed, RollbackAll: rollback of it and applied phases, newest first',
    o: obs({
      phases: ['core', 'rbac', 'teams'],
      spec: { phases: ['core', 'rbac', 'teams'], onFailure: 'RollbackAll', suspend: false, verify: false },
      applied: applied('core', 'rbac'),
      jobs: [job({ kind: 'apply', state: 'failed', phase: 'teams', phases: ['teams'] })],
    }),
    action: 'rollback teams,rbac,core',
    phase: 'RollingBack',
  },
  {
    name: 'phase failed, Halt: Failed, nothing rolled back',
    o: obs({
      spec: { phases: ['core'], onFailure: 'Halt', suspend: false, verify: false },
      jobs: [job({ kind: 'apply', state: 'failed' })],
    }),
    action: 'none',
    phase: 'Failed',
    reason: 'PhaseFailed',
  },
  {
    name: 'rollback succeeded: RolledBack + Degraded',
    o: obs({
      jobs: [job({ kind: 'apply', state: 'failed' }), job({ kind: 'rollback', state: 'succeeded' })],
    }),
    action: 'none',
    phase: 'RolledBack',
    reason: 'PhaseFailed',
  },
  {
    name: 'rollback failed: Failed RollbackFailed',
    o: obs({ jobs: [job({ kind: 'apply', state: 'failed' }), job({ kind: 'rollback', state: 'failed' })] }),
    action: 'none',
    phase: 'Failed',
    reason: 'RollbackFailed',
  },
  {
    name: 'failure of an older generation: re-plan (new attempt)',
    o: obs({
      jobs: [
        job({ kind: 'apply', state: 'failed', generation: 1 }),
        job({ kind: 'rollback', state: 'succeeded', generation: 1 }),
      ],
    }),
    action: 'apply core',
    phase: 'Running',
  },
  {
    name: 'RolledBack at this generation, Jobs gone (TTL): stays RolledBack',
    o: obs({
      previous: {
        phase: 'RolledBack',
        observedGeneration: 2,
        degradedReason: 'PhaseFailed',
        degradedMessage: 'boom',
      },
    }),
    action: 'none',
    phase: 'RolledBack',
    reason: 'PhaseFailed',
  },
  {
    name: 'Failed for an invalid spec that is now valid (same generation): runs',
    o: obs({
      previous: {
        phase: 'Failed',
        observedGeneration: 2,
        degradedReason: 'InvalidSpec',
        degradedMessage: 'x',
      },
    }),
    action: 'apply core',
    phase: 'Running',
  },
  {
    name: 'no database view: a succeeded apply Job counts as applied',
    o: obs({
      applied: undefined,
      phases: ['core'],
      spec: { phases: ['core'], onFailure: 'RollbackPhase', suspend: false, verify: false },
      jobs: [job({ kind: 'apply', state: 'succeeded' })],
    }),
    action: 'none',
    phase: 'Succeeded',
  },
  {
    name: 'no database view, Jobs gone: the last status is the record',
    o: obs({
      applied: undefined,
      phases: ['core'],
      spec: { phases: ['core'], onFailure: 'RollbackPhase', suspend: false, verify: false },
      previous: { phases: [{ name: 'core', state: 'Succeeded' }] },
    }),
    action: 'none',
    phase: 'Succeeded',
  },
  {
    name: 'a Job being deleted is not waited on',
    o: obs({ jobs: [job({ kind: 'apply', state: 'active', deleting: true, generation: 1 })] }),
    action: 'apply core',
    phase: 'Running',
  },
];

function describeAction(d: ReturnType<typeof decideRun>): string {
  if (d.action.type === 'none') return 'none';
  const j = d.action.job;
  return j.kind === 'verify' ? 'verify' : `${j.kind} ${j.phases.join(',')}`;
}

void describe('decideRun', () => {
  for (const row of rows) {
    void it(row.name, () => {
      const d = decideRun(row.o);
      assert.equal(describeAction(d), row.action);
      assert.equal(d.status.phase, row.phase);
      if (row.reason !== undefined) assert.equal(d.status.reason, row.reason);
    });
  }

  void it('reports per-phase entries in catalogue order with database timings and progress', () => {
    const d = decideRun(
      obs({
        applied: applied('core'),
        jobs: [job({ kind: 'apply', state: 'active', phase: 'teams', phases: ['teams'] })],
      }),
    );
    assert.deepEqual(
      d.status.phases.map((p) => [p.name, p.state]),
      [
        ['core', 'Succeeded'],
        ['teams', 'Running'],
      ],
    );
    assert.equal(d.status.phases[0]?.durationSeconds, 2);
    assert.equal(d.status.phases[0]?.indexesCreated, 1);
    assert.deepEqual(d.status.progress, { indexesDone: 3, indexesTotal: 7, current: '' });
    assert.equal(d.poll, true);
  });

  void describe('progress.estimatedRemainingSeconds: the phases not applied yet, by the bookkeeping', () => {
    const withLeft = (left: Record<string, number | undefined>): Map<string, AppliedPhase> =>
      new Map(
        Object.entries(left).map(([name, seconds]) => [
          name,
          {
            applied: name === 'core',
            status: name === 'core' ? 'succeeded' : 'running',
            indexesCreated: 0,
            indexesSkipped: 0,
            indexesDone: 0,
            ...(seconds === undefined ? {} : { estimatedRemainingSeconds: seconds }),
          },
        ]),
      );
    const running = [job({ kind: 'apply', state: 'active', phase: 'teams', phases: ['teams'] })];
    const cases: {
      name: string;
      applied: Map<string, AppliedPhase> | undefined;
      left: number | undefined;
    }[] = [
      {
        name: 'the running and pending phases add up, rounded',
        applied: withLeft({ core: 0, teams: 12.4, rbac: 3.3 }),
        left: 16,
      },
      {
        name: 'a succeeded phase counts 0 whatever its row says',
        applied: withLeft({ core: 99, rbac: 1, teams: 5 }),
        left: 6,
      },
      {
        name: 'a phase without an estimate: none at all',
        applied: withLeft({ core: 0, rbac: 1, teams: undefined }),
        left: undefined,
      },
      { name: 'the database not read (SQLite not mounted): none', applied: undefined, left: undefined },
    ];
    for (const c of cases) {
      void it(c.name, () => {
        const d = decideRun(obs({ phases: ['core', 'rbac', 'teams'], applied: c.applied, jobs: running }));
        assert.equal(d.status.progress.estimatedRemainingSeconds, c.left);
      });
    }
  });

  void it('a phase rolled back outside the operator after its Job succeeded is applied again under a new name', () => {
    const first = decideRun(
      obs({
        applied: applied('core'),
        jobs: [job({ kind: 'apply', state: 'succeeded', name: 'm-core-g2' })],
      }),
    );
    assert.equal(describeAction(first), 'apply teams', 'core still applied: nothing to redo');
    // The Job completed at 00:00:05; `down` by hand finished at 00:00:09.
    const again = decideRun(
      obs({
        applied: rolledBack('core', '2026-01-01T00:00:09Z'),
        jobs: [job({ kind: 'apply', state: 'succeeded', name: 'm-core-g2' })],
      }),
    );
    assert.equal(again.action.type === 'createJob' ? again.action.job.attempt : -1, 1);
    assert.equal(again.status.reason, 'PhaseStarting');
    assert.match(again.status.message, /core again: .*after job m-core-g2 succeeded/);
    // The first Job was removed by its TTL, the re-run's Job is still there: the next name is new again.
    const third = decideRun(
      obs({
        applied: rolledBack('core', '2026-01-01T00:00:09Z'),
        jobs: [job({ kind: 'apply', state: 'succeeded', attempt: 1 })],
      }),
    );
    assert.equal(third.action.type === 'createJob' ? third.action.job.attempt : -1, 2);
    // A succeeded Job of an older generation does not count: the generation is in the name already.
    const newer = decideRun(obs({ jobs: [job({ kind: 'apply', state: 'succeeded', generation: 1 })] }));
    assert.equal(newer.action.type === 'createJob' ? newer.action.job.attempt : -1, undefined);
  });

  void it('a read that raced the Job (running, no row, or a rollback older than the Job) starts nothing', () => {
    const done = job({ kind: 'apply', state: 'succeeded', name: 'm-core-g2' });
    const racing: [string, Map<string, AppliedPhase>][] = [
      // Read while the Job ran; the Job completed before the Jobs were looked at.
      [
        'running',
        new Map([
          [
            'core',
            {
              applied: false,
              status: 'running',
              indexesCreated: 0,
              indexesSkipped: 0,
              indexesDone: 1,
              current: 'a',
            },
          ],
        ]),
      ],
      // Read before the Job wrote its first row.
      [
        'pending',
        new Map([
          [
            'core',
            { applied: false, status: 'pending', indexesCreated: 0, indexesSkipped: 0, indexesDone: 0 },
          ],
        ]),
      ],
      // A re-run read before its Job's own write: the previous `down` is still the last word.
      ['rolled_back', rolledBack('core', '2026-01-01T00:00:04Z')],
      // A reader that does not say the row's status.
      ['unknown', new Map<string, AppliedPhase>()],
    ];
    for (const [status, db] of racing) {
      const d = decideRun(obs({ applied: db, jobs: [done] }));
      assert.equal(describeAction(d), 'none', status);
      assert.equal(d.status.phase, 'Running', status);
      assert.equal(d.status.reason, 'WaitingForDatabase', status);
      assert.equal(d.status.degraded, false, status);
      assert.equal(d.poll, true, status);
      assert.match(
        d.status.message,
        new RegExp(`job m-core-g2 succeeded but the database says the phase is ${status}`),
      );
    }
    // The Job's completionTime and the rollback's finish in the same instant: the rollback counts.
    const same = decideRun(obs({ applied: rolledBack('core', '2026-01-01T00:00:05Z'), jobs: [done] }));
    assert.equal(describeAction(same), 'apply core');
  });

  void it('terminal failures say how to run again; a Job of an older generation says the new spec waits', () => {
    const rolledBack = decideRun(
      obs({
        jobs: [job({ kind: 'apply', state: 'failed' }), job({ kind: 'rollback', state: 'succeeded' })],
      }),
    );
    assert.match(
      rolledBack.status.message,
      /rolled back: .*; to run again, fix the cause and change the spec/,
    );
    const verify = decideRun(
      obs({
        applied: applied('core', 'teams'),
        spec: { phases: ['core', 'teams'], onFailure: 'Halt', suspend: false, verify: true },
        jobs: [job({ kind: 'verify', state: 'failed', name: 'm-verify-g2', phases: [] })],
      }),
    );
    assert.equal(verify.status.reason, 'VerifyFailed');
    assert.match(verify.status.message, /^hot-query suite failed \(job m-verify-g2\): .*to run again/);
    const older = decideRun(obs({ jobs: [job({ kind: 'apply', state: 'active', generation: 1 })] }));
    assert.match(older.status.message, /spec changed \(generation 2\) and is planned once this job ends/);
    const current = decideRun(obs({ jobs: [job({ kind: 'apply', state: 'active' })] }));
    assert.doesNotMatch(current.status.message, /spec changed/);
  });

  void it('a failed phase carries the message from the bookkeeping', () => {
    const db = new Map<string, AppliedPhase>([
      [
        'core',
        {
          applied: false,
          indexesCreated: 0,
          indexesSkipped: 0,
          indexesDone: 0,
          message: 'unique violation on idx_x',
        },
      ],
    ]);
    const d = decideRun(
      obs({ applied: db, jobs: [job({ kind: 'apply', state: 'failed', message: 'BackoffLimitExceeded' })] }),
    );
    assert.match(d.status.message, /unique violation on idx_x/);
    assert.equal(d.status.phases.find((p) => p.name === 'core')?.state, 'Failed');
  });
});

void describe('decideRun: the failed run, its first cause and its rollback side by side', () => {
  const cause = {
    reason: 'lock_timeout',
    code: '55P03',
    index: 'idx_tools_team_id',
    message:
      'create index idx_tools_team_id on tools (phase core, attempt 2) failed: canceling statement due to lock timeout',
  };
  const applyFailed = job({ kind: 'apply', state: 'failed', message: 'exit code 1' });
  const rollback = job({
    kind: 'rollback',
    state: 'succeeded',
    startedAt: '2026-01-01T00:00:06Z',
    completedAt: '2026-01-01T00:00:07Z',
  });
  /** The bookkeeping once `down` ran over the failed phase: its row now holds the rollback's timing. */
  const afterDown = (name: string, failure?: typeof cause): AppliedPhase => ({
    applied: false,
    status: 'rolled_back',
    startedAt: '2026-01-01T00:00:06.200Z',
    finishedAt: '2026-01-01T00:00:06.367Z',
    durationMs: 167,
    indexesCreated: 0,
    indexesSkipped: 0,
    indexesDone: 0,
    message: `rolled back: dropped 2 indexes the engine owned (${name})`,
    ...(failure ? { failure } : {}),
  });
  const failedEntry = {
    name: 'core',
    state: 'Failed',
    startedAt: '2026-01-01T00:00:00.500Z',
    completedAt: '2026-01-01T00:00:04.800Z',
    durationSeconds: 4.3,
    indexesCreated: 2,
    indexesSkipped: 0,
    jobName: applyFailed.name,
    failure: cause,
  } as const;

  void it('RolledBack keeps the failed run (timing, Job, cause) and adds the rollback beside it', () => {
    const d = decideRun(
      obs({
        phases: ['core'],
        jobs: [applyFailed, rollback],
        applied: new Map([['core', afterDown('core', cause)]]),
        previous: { phase: 'RollingBack', observedGeneration: 2, phases: [failedEntry] },
      }),
    );
    assert.equal(d.status.phase, 'RolledBack');
    const core = d.status.phases.find((p) => p.name === 'core');
    assert.equal(core?.state, 'RolledBack');
    assert.equal(core?.durationSeconds, 4.3, 'the failed run took 4.3 s, the rollback 0.167 s');
    assert.equal(core?.startedAt, failedEntry.startedAt);
    assert.equal(core?.jobName, applyFailed.name, 'the failed run, not the rollback Job');
    assert.deepEqual(core?.failure, cause);
    assert.deepEqual(core?.rollback, {
      state: 'Succeeded',
      jobName: rollback.name,
      startedAt: '2026-01-01T00:00:06.200Z',
      completedAt: '2026-01-01T00:00:06.367Z',
      durationSeconds: 0.167,
      message: 'rolled back: dropped 2 indexes the engine owned (core)',
    });
    for (const text of [d.status.message, core?.message ?? '']) {
      assert.match(
        text,
        /idx_tools_team_id .*canceling statement due to lock timeout \(lock_timeout, SQLSTATE 55P03\)/,
      );
      assert.match(text, /rollback job m-rollback-core .*dropped 2 indexes/);
    }
    assert.match(d.status.message, /^phase core failed and was rolled back: create index/);
  });

  void it('without the status having seen the failure, the cause comes from the build rows, the timing from the Job', () => {
    const d = decideRun(
      obs({
        phases: ['core'],
        jobs: [applyFailed, rollback],
        applied: new Map([['core', afterDown('core', cause)]]),
      }),
    );
    const core = d.status.phases.find((p) => p.name === 'core');
    assert.equal(core?.durationSeconds, 5, "the apply Job's 5 s, not the rollback's row");
    assert.equal(core?.jobName, applyFailed.name);
    assert.deepEqual(core?.failure, cause);
    assert.match(d.status.message, /lock_timeout, SQLSTATE 55P03/);
  });

  void it('RollbackAll: a phase that had succeeded keeps its own build timing after the rollback', () => {
    const teamsFailed = job({
      kind: 'apply',
      phase: 'teams',
      state: 'failed',
      startedAt: '2026-01-01T00:01:00Z',
    });
    const all = job({
      kind: 'rollback',
      phase: 'teams',
      phases: ['teams', 'core'],
      state: 'succeeded',
      startedAt: '2026-01-01T00:02:00Z',
      completedAt: '2026-01-01T00:02:02Z',
    });
    const coreDone = {
      ...failedEntry,
      state: 'Succeeded',
      durationSeconds: 50.3,
      failure: undefined,
    } as const;
    const d = decideRun(
      obs({
        spec: { phases: ['core', 'teams'], onFailure: 'RollbackAll', suspend: false, verify: false },
        jobs: [job({ kind: 'apply', state: 'succeeded' }), teamsFailed, all],
        applied: new Map([
          ['core', afterDown('core')],
          [
            'teams',
            afterDown('teams', {
              ...cause,
              index: 'idx_teams_slug',
              message: 'create index idx_teams_slug on teams (phase teams, attempt 2) failed: lock timeout',
            }),
          ],
        ]),
        previous: { phase: 'RollingBack', observedGeneration: 2, phases: [coreDone] },
      }),
    );
    assert.equal(d.status.phase, 'RolledBack');
    const core = d.status.phases.find((p) => p.name === 'core');
    assert.equal(core?.state, 'RolledBack');
    assert.equal(core?.durationSeconds, 50.3, 'its 50.3 s build, not the 0.167 s of its rollback');
    assert.equal(core?.jobName, 'm-apply-core');
    assert.equal(core?.failure, undefined, 'core did not fail');
    assert.equal(core?.rollback?.jobName, all.name);
    const teams = d.status.phases.find((p) => p.name === 'teams');
    assert.equal(teams?.failure?.index, 'idx_teams_slug');
    assert.equal(teams?.jobName, teamsFailed.name);
    assert.match(
      d.status.message,
      /phase teams failed and was rolled back: .*idx_teams_slug.*rolled back teams, core/,
    );
  });

  void it('activeDeadlineSeconds: the cause is DeadlineExceeded with the index it was building, then a rollback', () => {
    const stopped = job({
      kind: 'apply',
      state: 'failed',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    const running: AppliedPhase = {
      applied: false,
      status: 'failed',
      startedAt: '2026-01-01T00:00:01Z',
      finishedAt: '2026-01-01T00:00:05Z',
      durationMs: 4000,
      indexesCreated: 1,
      indexesSkipped: 0,
      indexesDone: 1,
      current: 'idx_tools_team_id',
      message: 'phase core stopped: the run was aborted',
    };
    const d = decideRun(obs({ phases: ['core'], jobs: [stopped], applied: new Map([['core', running]]) }));
    assert.deepEqual(d.action, {
      type: 'createJob',
      job: { kind: 'rollback', phase: 'core', phases: ['core'] },
    });
    const core = d.status.phases.find((p) => p.name === 'core');
    assert.equal(core?.failure?.reason, 'DeadlineExceeded');
    assert.equal(core?.failure?.index, 'idx_tools_team_id');
    assert.equal(core?.durationSeconds, 4);
    assert.match(d.status.message, /activeDeadlineSeconds while building idx_tools_team_id/);
  });

  void it('while the rollback runs, Degraded still says what failed', () => {
    const d = decideRun(
      obs({
        phases: ['core'],
        jobs: [applyFailed, { ...rollback, state: 'active', completedAt: undefined }],
        applied: new Map([['core', { ...afterDown('core', cause), status: 'failed' as const }]]),
        previous: { phase: 'RollingBack', observedGeneration: 2, phases: [failedEntry] },
      }),
    );
    assert.equal(d.status.phase, 'RollingBack');
    assert.match(
      d.status.message,
      /rolling back core \(job m-rollback-core\) after phase core failed: .*lock timeout/,
    );
    assert.equal(d.status.phases[0]?.rollback?.state, 'Running');
  });

  void it('Halt: Failed with the cause, no rollback', () => {
    const d = decideRun(
      obs({
        phases: ['core'],
        spec: { phases: ['core'], onFailure: 'Halt', suspend: false, verify: false },
        jobs: [applyFailed],
        applied: new Map([['core', { ...afterDown('core', cause), status: 'failed' as const }]]),
      }),
    );
    assert.equal(d.action.type, 'none');
    assert.equal(d.status.phase, 'Failed');
    assert.match(d.status.message, /onFailure Halt, nothing rolled back\): create index idx_tools_team_id/);
    assert.equal(d.status.phases[0]?.rollback, undefined);
  });
});
