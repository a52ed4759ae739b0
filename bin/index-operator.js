#!/usr/bin/env node
// Entry point of the published package: runs the compiled CLI (npm run build writes dist/).
import '../dist/src/cli/main.js';
