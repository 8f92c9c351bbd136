// bench/cdk_synth.js: the CDK synthesis without start-up, for bench/bench.py.
// Loads the app written by bench/gen.py (app.js), synthesizes it once to warm
// up (aws-cdk-lib loads its modules lazily, on first use), then N more times
// in this one node process, and prints the median seconds of one synthesis.
// Each synthesis is a fresh App into a fresh directory, as `cdk synth` does.
//
// usage: node bench/cdk_synth.js APP.js N OUTDIR
'use strict';
const path = require('path');
const fs = require('fs');

const [appFile, n, outdir] = process.argv.slice(2);
const { synth } = require(path.resolve(appFile));
const times = [];
for (let i = 0; i <= Number(n); i++) {
  const dir = path.join(outdir, `run${i}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  synth(dir);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (i > 0) times.push(seconds);
}
times.sort((a, b) => a - b);
const mid = times.length >> 1;
console.log(times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2);
