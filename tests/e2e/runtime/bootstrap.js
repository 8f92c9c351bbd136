// The Node side of the local Lambda executor: one invocation per process.
//
// usage: node bootstrap.js TASK_ROOT HANDLER RESULT_FILE TIMEOUT_MS FUNCTION_ARN REQUEST_ID READY_FD
//        (the event is JSON on stdin)
// Loads HANDLER ("file.function", file relative to TASK_ROOT, .js, .cjs or .mjs) as the
// Lambda Node.js runtime does, writes a byte to READY_FD (the executor's Timeout starts
// there, and the context's deadline is TIMEOUT_MS later), calls it (async, or with a
// callback), and writes
// {"payload": JSON} or {"error": {errorMessage, errorType, stackTrace}} to RESULT_FILE.
"use strict";
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const [root, handlerSpec, resultPath, timeoutMs, arn, requestId, readyFd] = process.argv.slice(2);

function errorOf(err, type) {
  return {
    errorMessage: err && err.message !== undefined ? String(err.message) : String(err),
    errorType: type || (err && err.name) || "Error",
    stackTrace: err && err.stack ? String(err.stack).split("\n").slice(1).map((l) => l.trim()) : [],
  };
}

function finish(result) {
  fs.writeFileSync(resultPath + ".tmp", JSON.stringify(result));
  fs.renameSync(resultPath + ".tmp", resultPath);
  process.exit(0);          // the sandbox freezes when the handler is done
}

async function load(moduleName) {
  for (const ext of [".mjs", ".js", ".cjs"]) {
    const file = path.join(root, moduleName + ext);
    if (fs.existsSync(file)) {
      return ext === ".mjs" ? import(pathToFileURL(file).href) : require(file);
    }
  }
  throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: "Runtime.ImportModuleError" });
}

async function main() {
  const input = fs.readFileSync(0, "utf8");
  const event = JSON.parse(input || "{}");
  process.chdir(root);
  const dot = handlerSpec.lastIndexOf(".");
  if (dot <= 0) return finish({ error: errorOf(new Error(`Bad handler ${handlerSpec}`), "Runtime.MalformedHandlerName") });
  const moduleName = handlerSpec.slice(0, dot);
  const functionName = handlerSpec.slice(dot + 1);
  let mod;
  try {
    mod = await load(moduleName);
  } catch (err) {
    return finish({ error: errorOf(err, "Runtime.ImportModuleError") });
  }
  const handler = mod[functionName] || (mod.default && mod.default[functionName]);
  if (typeof handler !== "function") {
    return finish({ error: errorOf(new Error(`${handlerSpec} is undefined or not exported`), "Runtime.HandlerNotFound") });
  }
  const deadlineMs = Date.now() + Number(timeoutMs);   // the init phase is over: the Timeout starts now
  fs.writeSync(Number(readyFd), "r");
  fs.closeSync(Number(readyFd));
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: "$LATEST",
    invokedFunctionArn: arn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, Number(deadlineMs) - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    const result = await new Promise((resolve, reject) => {
      const callback = (err, value) => (err ? reject(err) : resolve(value));
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    });
    finish({ payload: JSON.stringify(result === undefined ? null : result) });
  } catch (err) {
    console.error(err);
    finish({ error: errorOf(err) });
  }
}

main().catch((err) => finish({ error: errorOf(err, "Runtime.UnhandledError") }));
