// A node:test reporter for scripts/run-tests.mjs: one JSON line per top-level test, {file, ms}, so the
// runner can start the slowest files first next time.
export default async function* testTimesReporter(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const ms = event.data.details?.duration_ms;
      if (event.data.file && typeof ms === 'number')
        yield `${JSON.stringify({ file: event.data.file, ms })}\n`;
    }
  }
}
