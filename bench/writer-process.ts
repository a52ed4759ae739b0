/**
 * A steady writer, run as its own process so that neither the engine's work nor a synchronous SQLite
 * build in the bench process delays it: every `intervalMs` it inserts a metrics row and updates a tool,
 * and records each statement's latency. It stops on the parent's 'stop' message and sends its samples.
 *
 * Run by writer-load.ts; argv: <database-url> <interval-ms>.
 */
import { openDialect } from '../src/dialects/open-dialect.js';
import { formatTimestamp } from '../src/catalogue/contextforge/sample-param.js';
import { nowMs } from './timer.js';

export interface WriterSample {
  /** ms since the writer started */
  readonly at: number;
  readonly latencyMs: number;
  readonly op: 'insert' | 'update';
  readonly ok: boolean;
}

const [url, intervalArg] = process.argv.slice(2);
if (!url) throw new Error('usage: writer-process <database-url> <interval-ms>');
const intervalMs = Number(intervalArg ?? 5);

const db = await openDialect(url);
const toolIds = (await db.query<{ id: string }>('SELECT id FROM tools ORDER BY id LIMIT 500')).map(
  (r) => r.id,
);
const maxRow = await db.query<{ m: number | string | null }>('SELECT MAX(id) AS m FROM tool_metrics');
let nextId = Number(maxRow[0]?.m ?? 0) + 1_000_000;
if (toolIds.length === 0) throw new Error('writer: no tools to write against (seed first)');

const samples: WriterSample[] = [];
let stopping = false;
process.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

const start = nowMs();
process.send?.('ready');
let i = 0;
while (!stopping) {
  const tick = nowMs();
  const tool = toolIds[i % toolIds.length] ?? toolIds[0];
  const op: WriterSample['op'] = i % 2 === 0 ? 'insert' : 'update';
  let ok = true;
  try {
    if (op === 'insert') {
      await db.execute(
        'INSERT INTO tool_metrics (id, tool_id, timestamp, response_time, is_success, error_message) VALUES ($1, $2, $3, $4, TRUE, NULL)',
        [nextId++, tool, formatTimestamp(new Date()), Math.random()],
      );
    } else {
      await db.execute('UPDATE tools SET updated_at = $1 WHERE id = $2', [formatTimestamp(new Date()), tool]);
    }
  } catch {
    ok = false;
  }
  const done = nowMs();
  samples.push({ at: tick - start, latencyMs: done - tick, op, ok });
  i++;
  const wait = intervalMs - (done - tick);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await db.close();
// send is asynchronous: disconnect only once the samples are handed over, or a large message is lost
process.send?.({ samples }, () => process.disconnect?.());
