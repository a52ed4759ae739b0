/**
 * The operator's own read of the bookkeeping tables (engine readStatus): what is applied, with per-phase
 * timings and live progress of a running phase. Opens the database, reads, closes.
 */
import { existsSync } from 'node:fs';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import type { Logger } from '../log.js';
import { openDialect } from '../dialects/open-dialect.js';
import { readStatus, type PhaseStatusReport } from '../engine/engine.js';
import { REASON_LABEL, lastRunFailure, tallyBuilds, type ReasonOf } from './build-tally.js';
import type { AppliedPhase } from './decide-run.js';

export type BookkeepingReader = (
  url: string,
  catalogue: Catalogue,
  log: Logger,
) => Promise<ReadonlyMap<string, AppliedPhase> | undefined>;

/**
 * Reads the bookkeeping through the dialect. A SQLite file the operator cannot see (the claim is mounted
 * only in the Jobs' pods) gives `undefined`: the Jobs' results are then the record.
 */
export const readBookkeeping: BookkeepingReader = async (url, catalogue, log) => {
  const sqlitePath = /^sqlite:(?:\/\/)?(.+)$/i.exec(url)?.[1];
  if (sqlitePath !== undefined && !existsSync(sqlitePath)) return undefined;
  const dialect = await openDialect(url, { connectTimeoutMs: 5_000, poolSize: 1, log });
  try {
    const report = await readStatus({ dialect, log }, catalogue);
    const reasonOf = reasonClassifier(dialect);
    return new Map(report.phases.map((p) => [p.name, appliedPhase(p, reasonOf)]));
  } finally {
    await dialect.close();
  }
};

/** A build row's error code to the dialect's bounded reason (the engine's own labels pass through). */
export function reasonClassifier(dialect: Pick<Dialect, 'classifyError'>): ReasonOf {
  return (code) => {
    if (code === null) return 'other';
    if (REASON_LABEL.test(code)) return code;
    return dialect.classifyError(Object.assign(new Error(code), { code })).reason;
  };
}

export function appliedPhase(p: PhaseStatusReport, reasonOf: ReasonOf): AppliedPhase {
  const failure = lastRunFailure(p, reasonOf);
  const lastRun = p.builds.at(-1)?.runId;
  const ofLastRun = p.builds.filter((b) => b.runId === lastRun && b.action !== 'drop');
  const done = new Set(ofLastRun.filter((b) => b.status === 'succeeded').map((b) => b.indexName));
  const current = ofLastRun.filter((b) => b.status === 'running').at(-1)?.indexName;
  return {
    applied: p.status === 'succeeded',
    status: p.status,
    ...(p.startedAt === undefined ? {} : { startedAt: p.startedAt }),
    ...(p.finishedAt === undefined ? {} : { finishedAt: p.finishedAt }),
    ...(p.durationMs === undefined ? {} : { durationMs: p.durationMs }),
    indexesCreated: p.indexesCreated,
    indexesSkipped: p.indexesSkipped,
    ...(p.message === undefined ? {} : { message: p.message }),
    indexesDone: done.size,
    ...(current === undefined ? {} : { current }),
    ...(failure === undefined ? {} : { failure }),
    builds: tallyBuilds(p, reasonOf),
    ...(p.estimatedRemainingSeconds === undefined
      ? {}
      : { estimatedRemainingSeconds: p.estimatedRemainingSeconds }),
  };
}
