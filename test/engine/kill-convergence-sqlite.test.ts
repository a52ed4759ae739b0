/**
 * Issue 11: the kill test on sqlite. `up` and `down` (and an `up` whose phase fails and is rolled
 * back) are killed with SIGKILL at one occurrence of every step boundary the engine has (before/after each
 * bookkeeping write, during a build, a drop, a rollback; each kind once, at a random occurrence) and at a
 * random time, every other run under load; each time the same command runs again and must converge to
 * what a run that was never interrupted leaves (kill-harness.ts).
 */
import { killConvergenceTest } from './kill-harness.js';

killConvergenceTest('sqlite');
