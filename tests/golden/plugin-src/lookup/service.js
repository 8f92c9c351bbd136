// A plugin's service in Node: hitc adds hitc_plugin.js beside this file.
const { serve } = require('./hitc_plugin');

exports.handler = serve({
  create(inputs) { return { arn: `arn:example:${inputs.name}`, found: true }; },
  update(inputs) { return { arn: `arn:example:${inputs.name}`, found: true }; },
  delete() {},
});
