import type { Catalogue, Phase } from '../catalogue/catalogue.js';
import { UsageError } from '../errors.js';

/** The named phases in catalogue order (all when names is undefined); unknown names are a UsageError. */
export function selectPhases(catalogue: Catalogue, names?: readonly string[]): Phase[] {
  if (names === undefined) return [...catalogue.phases];
  const known = new Set(catalogue.phases.map((p) => p.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown phase${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `'${n}'`).join(', ')} ` +
        `in catalogue '${catalogue.name}'; its phases are: ${[...known].join(', ')}`,
      { reason: 'unknown_phase' },
    );
  }
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (repeated.length > 0) {
    throw new UsageError(
      `phase${repeated.length === 1 ? '' : 's'} ${repeated.map((n) => `'${n}'`).join(', ')} named more ` +
        'than once: name each phase once',
      { reason: 'unknown_phase' },
    );
  }
  const wanted = new Set(names);
  return catalogue.phases.filter((p) => wanted.has(p.name));
}
