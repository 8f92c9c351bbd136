// Read the .env file that hitc's stamper writes beside a function's code.
//
//   const env = require('./hitc_env').load();   // { table: 'hits-dev-CountersTable-1ABC...' }
//
// Format (docs/env-format.md): one KEY=VALUE line per key.  A value is either
// raw (taken as it is) or double-quoted with backslash escapes.  Blank lines and
// lines starting with '#' are skipped.  No dependencies.  The result has no
// prototype, so a key such as __proto__ is an ordinary key.
'use strict';
const fs = require('fs');
const path = require('path');

const ESCAPES = { '\\': '\\', '"': '"', "'": "'", n: '\n', r: '\r',
                  t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' };

function unquote(value) {
  if (!value.startsWith('"')) return value;
  if (value.length < 2 || !value.endsWith('"')) throw new Error(`unterminated quoted value: ${value}`);
  return value.slice(1, -1).replace(/\\([\s\S])/g, (m, c) => (c in ESCAPES ? ESCAPES[c] : m));
}

function load(file) {
  file = file || path.join(process.env.LAMBDA_TASK_ROOT || process.cwd(), '.env');
  const env = Object.create(null);
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`${file}:${i + 1}: expected KEY=VALUE`);
    env[line.slice(0, eq)] = unquote(line.slice(eq + 1));
  });
  return env;
}

module.exports = { load };
