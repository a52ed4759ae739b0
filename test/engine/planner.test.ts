import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definePhase } from '../../src/catalogue/define-phase.js';
import { phaseChecksum } from '../../src/catalogue/phase-checksum.js';
import { canonicalPredicate } from '../../src/catalogue/index-definition.js';
import type { ExistingIndex, SchemaSnapshot, TableInfo } from '../../src/dialects/dialect.js';
import type { MigrationRow } from '../../src/engine/bookkeeping-store.js';
import type { PlannedIndex } from '../../src/engine/engine.js';
import { countActions, planPhases } from '../../src/engine/planner.js';
import { existingIndex } from '../helpers/index-definitions.js';

const phase = definePhase('p', 'test phase', [
  { name: 'idx_t_a', table: 't', columns: ['a'], reason: 'a' },
  { name: 'idx_t_b_c', table: 't', columns: ['b', 'c DESC'], include: ['d'], reason: 'b, c' },
  {
    name: 'idx_t_live',
    table: 't',
    columns: ['a', 'b'],
    where: [{ column: 'deleted', op: '=', value: false }],
    reason: 'live rows',
  },
  { name: 'idx_missing_table', table: 'nope', columns: ['a'], reason: 'missing table' },
  { name: 'idx_t_missing_col', table: 't', columns: ['zz', 'yy'], include: ['a'], reason: 'missing column' },
]);

function table(name: string, columns: string[]): [string, TableInfo] {
  return [name, { name, columns, estimatedRows: 10 }];
}

function snapshot(indexes: ExistingIndex[] = []): SchemaSnapshot {
  return { tables: new Map([table('t', ['a', 'b', 'c', 'd', 'deleted'])]), indexes, foreignKeys: [] };
}

const caps = { supportsInclude: true, supportsPartialIndex: true };

function plan(
  indexes: ExistingIndex[],
  opts: { caps?: typeof caps; migrations?: MigrationRow[]; owned?: string[] } = {},
) {
  const [p] = planPhases({
    phases: [phase],
    snapshot: snapshot(indexes),
    capabilities: opts.caps ?? caps,
    migrations: opts.migrations ?? [],
    owned: new Set(opts.owned ?? []),
  });
  assert.ok(p);
  return p;
}

function actions(p: ReturnType<typeof plan>): Record<string, string> {
  return Object.fromEntries(p.indexes.map((i) => [i.index.name, i.action]));
}

void test('an empty database plans create, and skips what is missing with the reason', () => {
  const p = plan([]);
  assert.deepEqual(actions(p), {
    idx_t_a: 'create',
    idx_t_b_c: 'create',
    idx_t_live: 'create',
    idx_missing_table: 'skip',
    idx_t_missing_col: 'skip',
  });
  const reasons = Object.fromEntries(p.indexes.map((i) => [i.index.name, i.reason]));
  assert.equal(reasons['idx_missing_table'], "table 'nope' does not exist");
  assert.equal(reasons['idx_t_missing_col'], "table 't' has no columns 'zz', 'yy'");
  assert.equal(p.status, 'pending');
  assert.equal(p.applied, false);
  assert.equal(p.drift, false);
  assert.equal(p.checksum, phaseChecksum(phase));
});

void test('exists: same name and definition, or an equivalent index under another name', () => {
  const p = plan([
    existingIndex({ name: 'idx_t_a' }),
    existingIndex({
      name: 'legacy_b_c',
      columns: [
        { name: 'b', order: 'ASC' },
        { name: 'c', order: 'DESC' },
      ],
    }),
  ]);
  const byName = new Map(p.indexes.map((i) => [i.index.name, i]));
  assert.equal(byName.get('idx_t_a')?.action, 'exists');
  assert.equal(byName.get('idx_t_a')?.existingName, 'idx_t_a');
  assert.equal(byName.get('idx_t_b_c')?.action, 'exists', 'INCLUDE need not match for an equivalent index');
  assert.equal(byName.get('idx_t_b_c')?.existingName, 'legacy_b_c');
  assert.match(byName.get('idx_t_b_c')?.reason ?? '', /equivalent index 'legacy_b_c'/);
});

void test('not equivalent: other direction, order, predicate, table or an invalid index', () => {
  const variants: ExistingIndex[] = [
    existingIndex({ name: 'x1', columns: [{ name: 'a', order: 'DESC' }] }),
    existingIndex({ name: 'x3', predicate: 'a IS NOT NULL' }),
    existingIndex({ name: 'x4', valid: false }),
    existingIndex({ name: 'x5', table: 'u' }),
  ];
  for (const v of variants) assert.equal(actions(plan([v]))['idx_t_a'], 'create', v.name);
  const swapped = existingIndex({
    name: 'x6',
    columns: [
      { name: 'c', order: 'DESC' },
      { name: 'b', order: 'ASC' },
    ],
  });
  assert.equal(actions(plan([swapped]))['idx_t_b_c'], 'create');
});

const uniqueDef = definePhase('u', 'unique definitions', [
  { name: 'idx_t_a_unique', table: 't', columns: ['a'], unique: true, reason: 'unique a' },
  {
    name: 'idx_t_live_unique',
    table: 't',
    columns: ['a', 'b'],
    unique: true,
    where: [{ column: 'deleted', op: '=', value: false }],
    reason: 'unique live rows',
  },
]);

function planned(phaseDef: typeof phase, indexes: ExistingIndex[]): Map<string, PlannedIndex> {
  const [p] = planPhases({
    phases: [phaseDef],
    snapshot: snapshot(indexes),
    capabilities: caps,
    migrations: [],
    owned: new Set(),
  });
  return new Map((p?.indexes ?? []).map((i) => [i.index.name, i]));
}

const ab = (bOrder: 'ASC' | 'DESC' = 'ASC'): ExistingIndex['columns'] => [
  { name: 'a', order: 'ASC' },
  { name: 'b', order: bOrder },
];

void test('a valid unique index with the same key and predicate satisfies a plain definition', () => {
  const byName = planned(phase, [
    existingIndex({ name: 'uq_t_a', unique: true }),
    existingIndex({ name: 'uq_t_live', unique: true, columns: ab(), predicate: 'deleted = false' }),
  ]);
  for (const [name, uq] of [
    ['idx_t_a', 'uq_t_a'],
    ['idx_t_live', 'uq_t_live'],
  ] as const) {
    const i = byName.get(name);
    assert.equal(i?.action, 'exists', name);
    assert.equal(i.existingName, uq);
    assert.equal(i.owned, false);
    assert.match(i.reason ?? '', new RegExp(`unique index '${uq}' .*serves its lookups`));
  }
  // A primary key is a unique index too.
  const pk = planned(phase, [existingIndex({ name: 't_pkey', unique: true, primary: true })]);
  assert.equal(pk.get('idx_t_a')?.existingName, 't_pkey');
});

void test('a unique index does not satisfy a plain definition with another key, direction or predicate, nor when invalid', () => {
  const variants: ExistingIndex[] = [
    existingIndex({ name: 'u1', unique: true, columns: [{ name: 'a', order: 'DESC' }] }),
    existingIndex({ name: 'u2', unique: true, columns: ab() }),
    existingIndex({ name: 'u3', unique: true, predicate: 'deleted = false' }),
    existingIndex({ name: 'u4', unique: true, valid: false }),
    existingIndex({ name: 'u5', unique: true, ready: false }),
    existingIndex({ name: 'u6', unique: true, table: 'u' }),
  ];
  for (const v of variants) assert.equal(planned(phase, [v]).get('idx_t_a')?.action, 'create', v.name);
  const wrongOrder = existingIndex({
    name: 'u7',
    unique: true,
    columns: ab('DESC'),
    predicate: 'deleted = false',
  });
  assert.equal(planned(phase, [wrongOrder]).get('idx_t_live')?.action, 'create');
});

void test('a plain index never satisfies a unique definition', () => {
  const byName = planned(uniqueDef, [
    existingIndex({ name: 'plain_a' }),
    existingIndex({ name: 'plain_live', columns: ab(), predicate: 'deleted = false' }),
  ]);
  assert.equal(byName.get('idx_t_a_unique')?.action, 'create');
  assert.equal(byName.get('idx_t_live_unique')?.action, 'create');
  // The same unique shape under another name is equivalent, as before.
  const same = planned(uniqueDef, [existingIndex({ name: 'uq_a', unique: true })]);
  assert.equal(same.get('idx_t_a_unique')?.action, 'exists');
  assert.match(same.get('idx_t_a_unique')?.reason ?? '', /equivalent index 'uq_a'/);
});

void test('a partial index matches on its canonical predicate', () => {
  const live = existingIndex({
    name: 'other_live',
    columns: [
      { name: 'a', order: 'ASC' },
      { name: 'b', order: 'ASC' },
    ],
    predicate: 'deleted = false',
  });
  assert.equal(actions(plan([live]))['idx_t_live'], 'exists');
  assert.equal(actions(plan([{ ...live, predicate: 'deleted = true' }]))['idx_t_live'], 'create');
});

void test('an INVALID index with the name is rebuilt', () => {
  const p = plan([existingIndex({ name: 'idx_t_a', valid: false })]);
  const i = p.indexes.find((x) => x.index.name === 'idx_t_a');
  assert.equal(i?.action, 'rebuild');
  assert.match(i?.reason ?? '', /INVALID/);
});

void test('same name, different definition is a conflict naming both definitions', () => {
  const p = plan([
    existingIndex({
      name: 'idx_t_a',
      columns: [{ name: 'b', order: 'ASC' }],
      definition: 'CREATE INDEX idx_t_a ON t (b)',
    }),
  ]);
  const i = p.indexes.find((x) => x.index.name === 'idx_t_a');
  assert.equal(i?.action, 'conflict');
  assert.match(i?.reason ?? '', /idx_t_a' already exists with a different definition/);
  assert.match(i?.reason ?? '', /CREATE INDEX idx_t_a ON t \(b\)/);
  assert.match(i?.reason ?? '', /t\(a ASC\)/);
  // INCLUDE differs under the same name: also a conflict where INCLUDE is supported.
  const inc = existingIndex({
    name: 'idx_t_b_c',
    columns: [
      { name: 'b', order: 'ASC' },
      { name: 'c', order: 'DESC' },
    ],
  });
  assert.equal(actions(plan([inc]))['idx_t_b_c'], 'conflict');
  assert.equal(actions(plan([inc], { caps: { ...caps, supportsInclude: false } }))['idx_t_b_c'], 'exists');
});

void test('INCLUDE and WHERE are dropped by capability and recorded', () => {
  const p = plan([], { caps: { supportsInclude: false, supportsPartialIndex: false } });
  const byName = new Map(p.indexes.map((i) => [i.index.name, i]));
  assert.deepEqual(byName.get('idx_t_b_c')?.dropped, ['include']);
  assert.deepEqual(byName.get('idx_t_b_c')?.index.include, []);
  assert.deepEqual(byName.get('idx_t_live')?.dropped, ['where']);
  assert.deepEqual(byName.get('idx_t_live')?.index.where, []);
  assert.deepEqual(byName.get('idx_t_a')?.dropped, []);
  // Missing INCLUDE columns do not skip an index whose INCLUDE is dropped anyway.
  assert.match(byName.get('idx_t_missing_col')?.reason ?? '', /'zz', 'yy'$/);
});

void test('applied, drift and ownership come from the bookkeeping', () => {
  const row = (checksum: string): MigrationRow => ({
    phase: 'p',
    catalogue: 'c',
    checksum,
    status: 'succeeded',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    indexesCreated: 3,
    indexesSkipped: 2,
    message: null,
  });
  const all = [
    existingIndex({ name: 'idx_t_a' }),
    existingIndex({
      name: 'idx_t_b_c',
      columns: [
        { name: 'b', order: 'ASC' },
        { name: 'c', order: 'DESC' },
      ],
      include: ['d'],
    }),
    existingIndex({
      name: 'idx_t_live',
      columns: [
        { name: 'a', order: 'ASC' },
        { name: 'b', order: 'ASC' },
      ],
      predicate: canonicalPredicate([{ column: 'deleted', op: '=', value: false }]),
    }),
  ];
  const same = plan(all, { migrations: [row(phaseChecksum(phase))], owned: ['idx_t_a'] });
  assert.equal(same.status, 'succeeded');
  assert.equal(same.applied, true);
  assert.equal(same.drift, false);
  assert.equal(same.indexes.find((i) => i.index.name === 'idx_t_a')?.owned, true);
  assert.equal(same.indexes.find((i) => i.index.name === 'idx_t_b_c')?.owned, false);
  const drifted = plan([], { migrations: [row('0'.repeat(64))] });
  assert.equal(drifted.drift, true);
  assert.equal(drifted.appliedChecksum, '0'.repeat(64));
  const failed = plan([], { migrations: [{ ...row('0'.repeat(64)), status: 'failed' }] });
  assert.equal(failed.applied, false);
  assert.equal(failed.drift, false);
  assert.equal(failed.status, 'failed');
});

void test('a phase recorded succeeded whose indexes are not all there is incomplete, not applied', () => {
  const row: MigrationRow = {
    phase: 'p',
    catalogue: 'c',
    checksum: phaseChecksum(phase),
    status: 'succeeded',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    indexesCreated: 3,
    indexesSkipped: 2,
    message: null,
  };
  const p = plan([existingIndex({ name: 'idx_t_a' })], { migrations: [row], owned: ['idx_t_a'] });
  assert.equal(p.status, 'incomplete');
  assert.equal(p.applied, false);
  assert.match(p.message ?? '', /2 of its 5 indexes are not in the database \(idx_t_b_c, idx_t_live\)/);
  const invalid = plan([existingIndex({ name: 'idx_t_a', valid: false })], { migrations: [row] });
  assert.equal(invalid.status, 'incomplete', 'an INVALID index is not there');
  for (const status of ['rolling_back', 'skipped', 'running'] as const) {
    const other = plan([], { migrations: [{ ...row, status }] });
    assert.equal(other.status, status);
    assert.equal(other.applied, false);
  }
});

void test('countActions totals every phase', () => {
  assert.deepEqual(countActions([plan([existingIndex({ name: 'idx_t_a', valid: false })])]), {
    create: 2,
    exists: 0,
    rebuild: 1,
    conflict: 0,
    skip: 2,
  });
});
