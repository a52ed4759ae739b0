/**
 * The version of the running index-operator, read from its package.json at run time. The file is found
 * by walking up from this module: `src/operator/` under tsx, `dist/src/operator/` in the image (where
 * npm_package_version is not set, since nothing runs through npm).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'index-operator';

/** The `version` of the nearest package.json named index-operator above `fromDir`, or undefined. */
export function packageVersion(
  fromDir: string = dirname(fileURLToPath(import.meta.url)),
): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const version = versionIn(join(dir, 'package.json'));
    if (version !== undefined) return version;
    if (dirname(dir) === dir) return undefined;
  }
}

function versionIn(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { name, version } = parsed as { name?: unknown; version?: unknown };
    return name === PACKAGE_NAME && typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
