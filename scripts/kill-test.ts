/**
 * The kill test by hand, as long as you like (issue 11): kills `up`, `down` and a rolled-back `up` with
 * SIGKILL at EVERY step boundary (or a random sample), plus random times, on PostgreSQL and/or SQLite,
 * every other run under load, and checks that each rerun converges (test/engine/kill-harness.ts).
 *
 *   npx tsx scripts/kill-test.ts [--dialect postgresql|sqlite|both] [--seed N] [--every-step]
 *                                [--extra-steps N] [--random-times N] [--scenario up,down,up-rollback]
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) for the PostgreSQL runs. Prints the seed, each
 * kill point and a summary; exits 1 on the first run that does not converge.
 */
import { parseArgs } from 'node:util';
import { killSuite, type KillDialect, type ScenarioName } from '../test/engine/kill-harness.js';

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'both' },
    seed: { type: 'string' },
    'every-step': { type: 'boolean', default: false },
    'extra-steps': { type: 'string', default: '5' },
    'random-times': { type: 'string', default: '5' },
    scenario: { type: 'string', default: 'up,down,up-rollback' },
  },
});
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const dialects: KillDialect[] =
  values.dialect === 'both' ? ['postgresql', 'sqlite'] : [values.dialect as KillDialect];
const scenarios = values.scenario.split(',') as ScenarioName[];
console.log(`kill test: seed ${seed} (--seed ${seed} repeats it)`);
let total = 0;
let killed = 0;
for (const dialect of dialects) {
  const result = await killSuite(dialect, {
    seed,
    everyStep: values['every-step'],
    extraSteps: Number(values['extra-steps']),
    randomTimes: Number(values['random-times']),
    scenarios,
    log: (line) => console.log(line),
  });
  total += result.outcomes.length;
  killed += result.outcomes.filter((o) => o.killed).length;
  for (const [scenario, kinds] of result.kinds) console.log(`${scenario} boundaries: ${kinds.join(' ')}`);
}
console.log(
  `kill test: ${total} kill runs (${killed} killed before the end), every rerun converged; seed ${seed}`,
);
