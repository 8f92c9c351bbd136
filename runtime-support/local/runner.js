// hitc's local runner for Node handlers (`hitc invoke`, `hitc serve`).
//
// In:  process.argv[1], the handler as Lambda reads it ("index.handler",
//      "lib/app.handler"); the working directory is the function's code laid out
//      like its bundle (LAMBDA_TASK_ROOT), with the environment Lambda would give
//      it; fd 3 carries invocations from hitc, fd 4 the answers back; stdout and
//      stderr are the function's log.
// Out: frames "TAG LEN\n" then LEN bytes, on fd 4: "O" once the handler is
//      loaded ({"node": "20.11.1"}), else "E" with the init error
//      (Runtime.ImportModuleError, Runtime.HandlerNotFound, ...) and exit; then
//      for each "I" frame ({"id": REQUEST_ID, "deadline": EPOCH_MS, "event":
//      EVENT}): "R" with the result as JSON, or "E" with Lambda's error shape for
//      Node, {"errorType", "errorMessage", "trace"}.
// Holds: the handler is loaded once (require, or import() for ES modules) and
//      answers one invocation at a time, async or with a callback, with a
//      context like Lambda's; hitc enforces the timeout (it kills this process).
//      No dependencies.  hitc embeds this file and runs it with `node -e`.
'use strict';
const fs = require('fs');
const path = require('path');
const url = require('url');

function send(tag, text) {
    const body = Buffer.from(text, 'utf8');
    let frame = Buffer.concat([Buffer.from(`${tag} ${body.length}\n`), body]);
    while (frame.length > 0) frame = frame.subarray(fs.writeSync(4, frame));
}

function errorShape(err, kind, message) {
    if (!(err instanceof Error)) {
        return {errorType: kind || typeof err, errorMessage: message || String(err), trace: []};
    }
    return {
        errorType: kind || err.name || 'Error',
        errorMessage: message !== undefined ? message : err.message,
        trace: String(err.stack || '').split('\n'),
    };
}

class InitError extends Error {
    constructor(kind, message, cause) {
        super(message);
        this.kind = kind;
        this.cause = cause;
    }
}

function moduleFile(root, name) {
    for (const ext of ['.js', '.mjs', '.cjs']) {
        const file = path.resolve(root, name + ext);
        if (fs.existsSync(file)) return file;
    }
    return null;
}

async function load(handler, root) {
    const slash = handler.lastIndexOf('/');
    const dot = handler.indexOf('.', slash + 1);
    if (dot < 0) {
        throw new InitError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
    }
    const name = handler.slice(0, dot);
    const members = handler.slice(dot + 1).split('.');
    const file = moduleFile(root, name);
    if (!file) {
        throw new InitError('Runtime.ImportModuleError',
            `Error: Cannot find module '${name}'`);
    }
    let mod;
    try {
        if (file.endsWith('.mjs')) {
            mod = await import(url.pathToFileURL(file).href);
        } else {
            try {
                mod = require(file);
            } catch (err) {
                if (err.code !== 'ERR_REQUIRE_ESM') throw err;
                mod = await import(url.pathToFileURL(file).href);
            }
        }
    } catch (err) {
        if (err instanceof SyntaxError) {
            throw new InitError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`, err);
        }
        if (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND') {
            throw new InitError('Runtime.ImportModuleError', `Error: ${err.message}`, err);
        }
        throw err;
    }
    let fn = mod;
    for (const m of members) fn = fn === undefined || fn === null ? undefined : fn[m];
    if (typeof fn !== 'function') {
        throw new InitError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
    }
    return fn;
}

function context(request) {
    const env = process.env;
    return {
        callbackWaitsForEmptyEventLoop: true,
        functionName: env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST',
        invokedFunctionArn: env.HITC_LOCAL_FUNCTION_ARN,
        memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        awsRequestId: request.id,
        logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
    };
}

// console.* as Lambda prints it: TIME REQUEST_ID LEVEL message.
let requestId = '';
function lambdaConsole() {
    const util = require('util');
    for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'],
        ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
        console[method] = (...args) => {
            process.stdout.write(`${new Date().toISOString()}\t${requestId}\t${level}\t` +
                `${util.format(...args).replace(/\n/g, '\r')}\n`);
        };
    }
}

function invoke(fn, event, ctx) {
    return new Promise((resolve, reject) => {
        const callback = (err, result) => (err ? reject(err) : resolve(result));
        let answer;
        try {
            answer = fn(event, ctx, callback);
        } catch (err) {
            reject(err);
            return;
        }
        if (answer && typeof answer.then === 'function') answer.then(resolve, reject);
        else if (fn.length < 3) resolve(answer);
    });
}

function frames(onFrame) {
    let pending = Buffer.alloc(0);
    const input = fs.createReadStream(null, {fd: 3});
    input.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
            const nl = pending.indexOf(10);
            if (nl < 0) return;
            const [tag, len] = pending.subarray(0, nl).toString().split(' ');
            const size = Number(len);
            if (pending.length < nl + 1 + size) return;
            const body = pending.subarray(nl + 1, nl + 1 + size).toString('utf8');
            pending = pending.subarray(nl + 1 + size);
            onFrame(tag, body);
        }
    });
    input.on('end', () => process.exit(0));
}

async function main() {
    const root = process.cwd();
    lambdaConsole();
    let fn;
    try {
        fn = await load(process.argv[1], root);
    } catch (err) {
        const shape = err instanceof InitError ? errorShape(err.cause || err, err.kind, err.message)
            : errorShape(err);
        console.error(`${shape.errorType}: ${shape.errorMessage}`);
        send('E', JSON.stringify(shape));
        process.exit(0);
    }
    send('O', JSON.stringify({node: process.versions.node}));
    let current = null;
    const fail = (err, kind) => {
        if (!current) return;
        send('E', JSON.stringify(errorShape(err, kind)));
        process.exit(1);
    };
    process.on('uncaughtException', (err) => fail(err));
    process.on('unhandledRejection', (err) => fail(err, 'Runtime.UnhandledPromiseRejection'));
    const queue = [];
    const next = async () => {
        if (current || queue.length === 0) return;
        current = JSON.parse(queue.shift());
        requestId = current.id;
        try {
            const result = await invoke(fn, current.event, context(current));
            let text;
            try {
                text = JSON.stringify(result === undefined ? null : result);
            } catch (err) {
                send('E', JSON.stringify(errorShape(err, 'Runtime.MarshalError',
                    `Unable to stringify response body: ${err.message}`)));
                current = null;
                return next();
            }
            send('R', text);
        } catch (err) {
            const shape = errorShape(err);
            console.error(`Invoke Error \t${JSON.stringify(shape)}`);
            send('E', JSON.stringify(shape));
        }
        current = null;
        return next();
    };
    frames((tag, body) => {
        if (tag !== 'I') return;
        queue.push(body);
        next();
    });
}

main();
