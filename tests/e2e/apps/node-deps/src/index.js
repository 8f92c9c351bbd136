// tests/e2e/apps/node-deps/src/index.js: is-number comes from node_modules/,
// which hitc build installs from package-lock.json (it is not in this
// directory); the label from the stamped .env.
const isNumber = require('is-number');
const { load } = require('./hitc_env');

exports.handler = async (event) => {
  const value = (event.pathParameters || {}).value;
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ value, isNumber: isNumber(value), label: load().label }),
  };
};
