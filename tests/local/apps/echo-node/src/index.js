// The Node handlers of tests/local/apps/echo-node.
// echo:     200 with {event, env (the .env), context, pid} as JSON
// callback: answers through the callback, not a promise
// fail:     rejects with a TypeError
'use strict';
const env = require('./hitc_env').load();

exports.echo = async (event, context) => {
    console.log('echo', event.pathParameters);
    return {
        statusCode: 200,
        headers: {'Content-Type': 'application/json'},
        multiValueHeaders: {'X-Two': ['one', 'two']},
        body: JSON.stringify({
            event, env, pid: process.pid,
            context: {
                functionName: context.functionName, memoryLimitInMB: context.memoryLimitInMB,
                awsRequestId: context.awsRequestId,
                remaining: context.getRemainingTimeInMillis(), cwd: process.cwd(),
                dirname: __dirname,
            },
        }),
    };
};

exports.callback = (event, context, callback) => {
    setTimeout(() => callback(null, {statusCode: 200, body: 'called back'}), 5);
};

exports.fail = async () => {
    throw new TypeError('the node handler fails on purpose');
};
