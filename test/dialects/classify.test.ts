import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError, UsageError } from '../../src/errors.js';
import { classifyPostgresError } from '../../src/dialects/postgres-errors.js';
import { classifySqliteError } from '../../src/dialects/sqlite-errors.js';
import { DeadlineExceeded, postgresConnectError } from '../../src/dialects/postgres-connect.js';
import { summarizePostgresPlan } from '../../src/dialects/postgres-explain.js';
import { summarizeSqlitePlan, tableAliases } from '../../src/dialects/sqlite-explain.js';
import { summarizeMariadbPlan } from '../../src/dialects/mariadb-explain.js';
import { buildSettings } from '../../src/dialects/postgres-session.js';

function withCode(code: string): Error {
  return Object.assign(new Error('driver message that is never read'), { code });
}

void describe('classifyPostgresError (by SQLSTATE only)', () => {
  const table: readonly [string, string, string][] = [
    ['55P03', 'transient', 'lock_timeout'],
    ['57014', 'transient', 'statement_timeout'],
    ['40P01', 'transient', 'deadlock'],
    ['40001', 'transient', 'serialization'],
    ['08006', 'transient', 'connection'],
    ['08001', 'transient', 'connection'],
    ['57P01', 'transient', 'connection'],
    ['ECONNRESET', 'transient', 'connection'],
    ['ECONNREFUSED', 'transient', 'connection'],
    ['23505', 'permanent', 'unique_violation'],
    ['42501', 'permanent', 'permission_denied'],
    ['42P07', 'permanent', 'duplicate_object'],
    ['42P01', 'permanent', 'undefined_object'],
    ['42703', 'permanent', 'undefined_object'],
    ['22012', 'permanent', 'other'],
  ];
  for (const [code, errorClass, reason] of table) {
    void it(`${code} → ${errorClass}/${reason}`, () => {
      assert.deepEqual(classifyPostgresError(withCode(code)), { errorClass, code, reason });
    });
  }
  void it('keeps the classification of an error the dialect already wrapped', () => {
    const e = new TransientError('x', { code: '55P03', reason: 'lock_timeout' });
    assert.deepEqual(classifyPostgresError(e), {
      errorClass: 'transient',
      code: '55P03',
      reason: 'lock_timeout',
    });
    assert.equal(classifyPostgresError(new Error('no code')).reason, 'other');
    assert.equal(
      classifyPostgresError(Object.assign(new AggregateError([withCode('ECONNREFUSED')]), {})).reason,
      'connection',
    );
  });
});

void describe('classifySqliteError', () => {
  const table: readonly [string, string, string][] = [
    ['SQLITE_BUSY', 'transient', 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', 'transient', 'busy'],
    ['SQLITE_LOCKED', 'transient', 'busy'],
    ['SQLITE_CONSTRAINT_UNIQUE', 'permanent', 'unique_violation'],
    ['SQLITE_READONLY', 'permanent', 'permission_denied'],
    ['SQLITE_ERROR', 'permanent', 'other'],
  ];
  for (const [code, errorClass, reason] of table) {
    void it(`${code} → ${errorClass}/${reason}`, () => {
      assert.deepEqual(classifySqliteError(withCode(code)), { errorClass, code, reason });
    });
  }
});

void describe('postgresConnectError', () => {
  const url = {
    dialect: 'postgresql',
    host: 'db.internal',
    port: 6432,
    database: 'mcp',
    user: 'app',
    password: 'hunter2',
    connectionString: 'postgres://app:hunter2@db.internal:6432/mcp',
  } as const;
  const cases: readonly [unknown, RegExp, new (...a: never[]) => Error][] = [
    [withCode('28P01'), /authentication failed/, UsageError],
    [withCode('28000'), /authentication rejected/, UsageError],
    [withCode('3D000'), /database does not exist/, UsageError],
    [withCode('ENOTFOUND'), /host not found/, UsageError],
    [new DeadlineExceeded('x'), /no answer within 2.5s/, UsageError],
    [withCode('57P03'), /57P03/, TransientError],
    [withCode('42501'), /42501/, PermanentError],
  ];
  void it('a failure with no advice of ours carries the driver message, never the password', () => {
    const e = new Error('The server does not support SSL connections (as hunter2 said)');
    const err = postgresConnectError(url, e, 2500);
    assert.match(
      err.message,
      /db\.internal:6432 \(database mcp, user app\): The server does not support SSL/,
    );
    assert.ok(!err.message.includes('hunter2'), err.message);
  });
  for (const [e, why, kind] of cases) {
    void it(`${String((e as { code?: string }).code ?? 'deadline')} names host, port, database and user, never the password`, () => {
      const err = postgresConnectError(url, e, 2500);
      assert.ok(err instanceof kind, err.name);
      assert.match(err.message, why);
      assert.match(err.message, /db\.internal:6432 \(database mcp, user app\)/);
      assert.ok(!err.message.includes('hunter2'));
    });
  }
});

void describe('plan summaries', () => {
  void it('walks a PostgreSQL JSON plan tree', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Nested Loop',
          Plans: [
            { 'Node Type': 'Seq Scan', 'Relation Name': 'teams' },
            {
              'Node Type': 'Bitmap Heap Scan',
              'Relation Name': 'tools',
              Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'idx_tools_team' }],
            },
            {
              'Node Type': 'Index Only Scan',
              'Index Name': 'idx_a',
              'Relation Name': 'a',
              'Index Cond': '(x = 1)',
            },
          ],
        },
      },
    ];
    assert.deepEqual(summarizePostgresPlan(plan), {
      indexesUsed: ['idx_tools_team', 'idx_a'],
      seqScans: ['teams'],
      summary: 'Seq Scan on teams; Bitmap Index Scan using idx_tools_team; Index Only Scan using idx_a on a',
      searches: [
        { index: 'idx_tools_team', cond: '' },
        { index: 'idx_a', cond: '(x = 1)' },
      ],
    });
    assert.equal(summarizePostgresPlan([{ Plan: { 'Node Type': 'Result' } }]).summary, 'Result');
  });
  void it('maps SQLite table aliases back to their tables', () => {
    const sql =
      'SELECT * FROM tools AS t, "servers" s JOIN teams m ON m.id = t.team_id LEFT JOIN gateways ' +
      'WHERE t.enabled = $1 ORDER BY t.id';
    assert.deepEqual(
      [...tableAliases(sql)],
      [
        ['t', 'tools'],
        ['s', 'servers'],
        ['m', 'teams'],
      ],
    );
    assert.deepEqual(
      summarizeSqlitePlan([{ detail: 'SCAN m' }, { detail: 'SCAN gateways' }], tableAliases(sql)).seqScans,
      ['teams', 'gateways'],
    );
  });
  void it('reads SQLite EXPLAIN QUERY PLAN details', () => {
    const r = summarizeSqlitePlan([
      { detail: 'SEARCH tools USING INDEX idx_tools_team (team_id=?)' },
      { detail: 'SEARCH t2 USING COVERING INDEX idx_cov (a=?)' },
      { detail: 'SCAN teams' },
      { detail: 'SCAN t3 USING INDEX idx_order' },
      { detail: 'SEARCH u USING INTEGER PRIMARY KEY (rowid=?)' },
      { detail: 'SEARCH v USING AUTOMATIC COVERING INDEX (x=?)' },
      { detail: 'USE TEMP B-TREE FOR ORDER BY' },
      { detail: 'SCAN CONSTANT ROW' },
    ]);
    assert.deepEqual(r.indexesUsed, ['idx_tools_team', 'idx_cov', 'idx_order']);
    assert.deepEqual(r.seqScans, ['teams', 'v']);
    assert.deepEqual(r.searches, [
      { index: 'idx_tools_team', cond: 'team_id=?' },
      { index: 'idx_cov', cond: 'a=?' },
      { index: 'idx_order', cond: '' },
    ]);
  });
  void it('reads MariaDB EXPLAIN FORMAT=JSON: key parts searched, whole-index reads, answers while planning', () => {
    const plan = {
      query_block: {
        nested_loop: [
          { table: { table_name: 't', access_type: 'ref', key: 'i_ab', used_key_parts: ['a'] } },
          { table: { table_name: 'u', access_type: 'index', key: 'i_c', used_key_parts: ['c'] } },
          { table: { table_name: 'v', access_type: 'index', key: 'PRIMARY', used_key_parts: ['id'] } },
          {
            table: {
              table_name: 'w',
              access_type: 'index_merge',
              index_merge: {
                union: [
                  { range: { key: 'i_x', used_key_parts: ['x'] } },
                  { range: { key: 'i_y', used_key_parts: ['y', 'z'] } },
                ],
              },
            },
          },
        ],
      },
    };
    const r = summarizeMariadbPlan(JSON.stringify(plan));
    assert.deepEqual(r.indexesUsed, ['i_ab', 'i_c', 'i_x', 'i_y']);
    assert.deepEqual(r.seqScans, ['v']);
    assert.deepEqual(r.searches, [
      { index: 'i_ab', cond: 'used key parts: a' },
      { index: 'i_c', cond: '' },
      { index: 'i_x', cond: 'used key parts: x' },
      { index: 'i_y', cond: 'used key parts: y, z' },
    ]);
    const away = summarizeMariadbPlan({
      query_block: { table: { message: 'Select tables optimized away' } },
    });
    assert.deepEqual(away.searches, []);
    assert.equal(away.summary, 'answered while planning: Select tables optimized away');
  });
});

void describe('PostgreSQL build session settings', () => {
  void it('sets lock_timeout and statement_timeout in ms, and maintenance_work_mem when given', () => {
    assert.deepEqual(buildSettings({ lockTimeoutMs: 5000, statementTimeoutMs: 0, busyTimeoutMs: 1 }), [
      'SET lock_timeout = 5000',
      'SET statement_timeout = 0',
    ]);
    assert.deepEqual(
      buildSettings({
        lockTimeoutMs: 200.4,
        statementTimeoutMs: 60_000,
        busyTimeoutMs: 1,
        maintenanceWorkMem: '256MB',
      }),
      ['SET lock_timeout = 200', 'SET statement_timeout = 60000', "SET maintenance_work_mem = '256MB'"],
    );
  });
  void it('rejects negative or non-finite timeouts and a malformed memory size', () => {
    assert.throws(
      () => buildSettings({ lockTimeoutMs: -1, statementTimeoutMs: 0, busyTimeoutMs: 1 }),
      UsageError,
    );
    assert.throws(
      () => buildSettings({ lockTimeoutMs: 1, statementTimeoutMs: Number.NaN, busyTimeoutMs: 1 }),
      UsageError,
    );
    assert.throws(
      () =>
        buildSettings({
          lockTimeoutMs: 1,
          statementTimeoutMs: 0,
          busyTimeoutMs: 1,
          maintenanceWorkMem: "1GB'; --",
        }),
      /invalid maintenance_work_mem/,
    );
  });
});
