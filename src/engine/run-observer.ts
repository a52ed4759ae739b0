import type { IndexDefinition } from '../catalogue/index-definition.js';

/** What an index attempt did. */
export type IndexAction = 'create' | 'exists' | 'rebuild' | 'skip' | 'drop';

export type PhaseResult = 'succeeded' | 'failed' | 'rolled_back';

/**
 * Events the engine reports while it runs. The CLI's progress display, the metrics module and the
 * operator's status all listen here; the engine never imports any of them. Every method is optional
 * and must not throw (a listener's failure is logged by the engine and ignored).
 */
export interface RunObserver {
  runStarted?(e: { readonly phases: readonly string[]; readonly indexesTotal: number }): void;
  phaseStarted?(e: { readonly phase: string; readonly indexesTotal: number }): void;
  indexStarted?(e: {
    readonly phase: string;
    readonly index: IndexDefinition;
    readonly attempt: number;
  }): void;
  indexFinished?(e: {
    readonly phase: string;
    readonly index: IndexDefinition;
    readonly action: IndexAction;
    readonly attempt: number;
    readonly durationMs: number;
  }): void;
  indexRetry?(e: {
    readonly phase: string;
    readonly index: IndexDefinition;
    readonly attempt: number;
    readonly reason: string;
    readonly delayMs: number;
  }): void;
  indexFailed?(e: {
    readonly phase: string;
    readonly index: IndexDefinition;
    readonly attempt: number;
    readonly reason: string;
    readonly message: string;
  }): void;
  phaseFinished?(e: {
    readonly phase: string;
    readonly result: PhaseResult;
    readonly durationMs: number;
    readonly indexesCreated: number;
    readonly indexesSkipped: number;
  }): void;
  rollback?(e: { readonly phase: string; readonly indexesDropped: number }): void;
  runFinished?(e: { readonly ok: boolean; readonly durationMs: number }): void;
}

/** Every event of RunObserver, for code that forwards or records them all. */
export const RUN_OBSERVER_EVENTS = [
  'runStarted',
  'phaseStarted',
  'indexStarted',
  'indexFinished',
  'indexRetry',
  'indexFailed',
  'phaseFinished',
  'rollback',
  'runFinished',
] as const satisfies readonly (keyof RunObserver)[];
