#!/usr/bin/env node
// Runs the compiled CLI (npm run build); from a source checkout, `npm run conformance` works too.
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'harness', 'cli.js');
if (!fs.existsSync(compiled)) {
  console.error('sosimple-conformance: not built yet; run `npm run build` first (or use `npm run conformance -- ...`)');
  process.exit(2);
}
// Exit as soon as the command is done: a hands-on ring's containers keep Docker connections
// open that must not hold the command.
require(compiled).main(process.argv.slice(2)).then((code) => process.exit(code));
