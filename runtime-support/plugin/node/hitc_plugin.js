'use strict';
/*
 * hitc's plugin kit for Node: write a plugin's service as three functions.
 *
 *   const { serve, Failure } = require('./hitc_plugin');
 *
 *   exports.handler = serve({
 *     async create(inputs) {             // inputs: { zone: 'Z1', ttl: 300, ... }
 *       return { fqdn: 'www.example.com', id: 'abc' };   // every declared output
 *     },
 *     async update(inputs, oldInputs) {  // an input that is not `replace` changed
 *       return { fqdn: '...', id: '...' };                // every declared output again
 *     },
 *     async delete(inputs) {},           // may be asked for a thing that is gone
 *   });
 *
 * (`delete` is a reserved word: write it as a method, as above, or as
 * `delete: remove`.)  Functions may be async.  Throw to fail: the reason
 * CloudFormation shows is "TypeName: message" (or just the message of a
 * Failure).  The kit restores the declared input types, answers before the
 * Lambda's timeout, keeps the physical ID unless a `replace` input changed,
 * skips the Delete of a resource whose Create failed, checks and stringifies
 * the declared outputs, bounds the answer to 4096 bytes and retries the
 * ResponseURL.  docs/plugins.md describes the protocol.  The same rules as
 * runtime-support/plugin/python/hitc_plugin.py; Node's https, http and url only.
 */
const crypto = require('crypto');
const http = require('http');
const https = require('https');
const { URL } = require('url');

const MAX_BODY = 4096;               // CloudFormation's limit on the whole response body
const MAX_REASON_MESSAGE = 1500;     // an exception's message is cut to this first
const FAILED_PREFIX = 'hitc-failed-';
const PROTOCOL_KEYS = ['ServiceToken', 'ServiceTimeout', 'HitcPlugin'];
// Each part can match a digit one way only, so a long near-number fails in
// linear time (an earlier "[0-9]+\.?[0-9]*" backtracked quadratically).
const NUMBER_RE = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const MAX_NUMBER_TEXT = 400;         // characters: a longer input is no number
const retry = { base: 0.5, cap: 8.0 };   // seconds; tests shorten them

class Failure extends Error {}
Failure.prototype.name = 'Failure';
class TooBig extends Error {}

function log(message, fields) {
  console.log(JSON.stringify(Object.assign({ message }, fields || {})));
}

function quote(value, limit = 80) {
  let text = JSON.stringify(value);
  if (text === undefined) text = String(value);
  return text.length <= limit ? text : text.slice(0, limit) + '...';
}

const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

/* --- the bare custom-resource protocol ---------------------------------- */

function secondsLeft(context) {
  try {
    const ms = context.getRemainingTimeInMillis();
    if (typeof ms === 'number' && Number.isFinite(ms)) return ms / 1000;
  } catch (_) { /* no context */ }
  return 300;
}

function defaultMargin(seconds) {
  return Math.min(10, Math.max(0.5, seconds / 5));
}

/* The JSON answer as a Buffer of at most MAX_BODY bytes.  The Reason is cut
 * first; TooBig (naming the outputs to blame, biggest first) when Data cannot fit. */
function responseBody(event, status, reason, physicalId, data) {
  const dump = (text) => Buffer.from(JSON.stringify({
    Status: status, Reason: text, PhysicalResourceId: physicalId,
    StackId: event.StackId, RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId, NoEcho: false, Data: data,
  }), 'utf8');
  const body = dump(reason);
  if (body.length <= MAX_BODY) return body;
  const bare = dump('').length;
  if (bare > MAX_BODY) {
    const over = bare - MAX_BODY;
    const sizes = Object.keys(data)
      .map((k) => [Buffer.byteLength(JSON.stringify(data[k]), 'utf8'), k])
      .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1));
    const blame = [];
    let freed = 0;
    for (const [size, key] of sizes) {
      blame.push(`'${key}' (${size} bytes)`);
      freed += size;
      if (freed >= over) break;
    }
    throw new TooBig(`the outputs are ${over} bytes over CloudFormation's ${MAX_BODY}-byte ` +
                     `response limit; too big: ${blame.join(', ')}`);
  }
  if (dump(' [cut]').length > MAX_BODY) return dump('');
  let fits = 0;
  let tooLong = reason.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (dump(reason.slice(0, middle) + ' [cut]').length <= MAX_BODY) fits = middle;
    else tooLong = middle;
  }
  return dump(reason.slice(0, fits) + ' [cut]');
}

/* One PUT: resolves to the HTTP status, rejects on a connection error. */
function putOnce(url, body, seconds) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const request = lib.request(target, {
      method: 'PUT',
      headers: { 'Content-Type': '', 'Content-Length': body.length },
      timeout: Math.max(500, Math.min(seconds, 20) * 1000),
    }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

/* PUT body to the presigned URL with an empty Content-Type (the one it was
 * signed with), retrying connection errors, 429 and 5xx with backoff and jitter
 * until Date.now() reaches deadline (ms).  Resolves true when accepted. */
async function putResponse(url, body, deadline) {
  if (!url) {
    log('no ResponseURL in the event; nothing sent');
    return false;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const status = await putOnce(url, body, (deadline - Date.now()) / 1000);
      if (status < 300) return true;
      if (status < 500 && status !== 429) {    // 429: too many requests, try again
        log('CloudFormation refused the answer', { status, attempt });
        return false;
      }
      log('the ResponseURL failed', { status, attempt });
    } catch (err) {
      log('cannot send the answer', { attempt, error: String(err && err.message) });
    }
    const pause = Math.random() * Math.min(retry.cap, retry.base * 2 ** (attempt - 1));
    if (Date.now() + pause * 1000 >= deadline) {
      log('gave up sending the answer: out of time', { attempts: attempt });
      return false;
    }
    await sleep(pause);
  }
}

/* The one answer to one request: whoever claims it first sends it. */
class Reply {
  constructor(event, context) {
    this.event = event;
    this.context = context;
    this.claimed = false;
    this.body = null;
  }

  async send(status, reason, physicalId, data) {
    if (this.claimed) {
      log('already answered; this answer is dropped', { status, reason });
      return false;
    }
    this.claimed = true;
    let body;
    try {
      body = responseBody(this.event, status, reason, physicalId, data);
    } catch (err) {
      status = 'FAILED'; data = {};
      // TooBig, or Data that JSON cannot hold (from a bare runRequest)
      reason = err instanceof TooBig ? err.message
        : `the answer could not be encoded (${err && err.name}: ${err && err.message})`;
      body = responseBody(this.event, status, reason, String(physicalId), data);
    }
    this.body = body;
    log('answer', { status, reason, physical_id: physicalId });
    const deadline = Date.now() + Math.max(0.5, secondsLeft(this.context) - 0.2) * 1000;
    await putResponse(this.event.ResponseURL, body, deadline);
    return true;
  }
}

/* f(), or fallback when f throws: what is thrown may be anything at all (an
 * object without a prototype, a Proxy whose every read throws). */
function attempt(f, fallback) {
  try {
    return f();
  } catch (_) {
    return fallback;
  }
}

function failureReason(err, context) {
  const plain = attempt(() => err instanceof Failure, false);
  let message = attempt(() => {
    const m = err && err.message !== undefined ? err.message : err;
    return typeof m === 'string' ? m : String(m);
  }, null);
  if (plain && message !== null) return message;
  const type = attempt(() => {
    const name = err && err.constructor && err.constructor.name;
    return typeof name === 'string' && name ? name : typeof err;
  }, typeof err);
  const stream = context && context.logStreamName;
  const where = stream ? ` (stack trace in CloudWatch log stream ${stream})` : '';
  if (message === null) return `${type} (its message could not be read)${where}`;
  if (message.length > MAX_REASON_MESSAGE) message = message.slice(0, MAX_REASON_MESSAGE) + ' [cut]';
  return message ? `${type}: ${message}${where}` : `${type}${where}`;
}

/* Answer one custom-resource request exactly once, before the deadline.
 * perform(event) -> [physicalId, data] (may be async) does the work; its error
 * answers FAILED with physical ID failedId(event).  A watchdog timer answers
 * FAILED when the work is still running `margin` seconds before the Lambda's
 * end (or before timeLimit seconds, when that comes first).  Resolves to the
 * answer that was sent, as an object (null if none was), once the work ended. */
async function runRequest(event, context, perform, failedId, opts = {}) {
  const reply = new Reply(event, context);
  let left = secondsLeft(context);
  if (typeof opts.timeLimit === 'number' && Number.isFinite(opts.timeLimit)) {
    left = Math.min(left, opts.timeLimit);
  }
  const keep = opts.margin === undefined || opts.margin === null ? defaultMargin(left) : opts.margin;
  const budget = Math.max(0, left - keep);
  /* failedId(event), or one that needs nothing of the event's content when
   * that throws (a malformed property it reads, say). */
  const failedPhysical = () => {
    try {
      return String(failedId(event));
    } catch (err) {
      log('the physical ID of the failure could not be made', { error: attempt(() => String(err), '?') });
      return FAILED_PREFIX + String(event.RequestId || 'unknown');
    }
  };
  let watchdogSending = null;
  const timer = setTimeout(() => {
    const stream = (context && context.logStreamName) || '(unknown)';
    watchdogSending = reply.send('FAILED',
      "the service did not finish within its Lambda timeout or the plugin's timeout " +
      `(stopped waiting after ${budget.toFixed(1)} s of the ${left.toFixed(1)} s left): ` +
      "raise the function's timeout, make the work faster, or look for a hang in " +
      `CloudWatch log stream ${stream}`, failedPhysical(), {});
  }, budget * 1000);
  let outcome;
  try {
    const [physicalId, data] = await perform(event);
    outcome = ['SUCCESS', '', physicalId, data];
  } catch (err) {
    if (!attempt(() => err instanceof Failure, false)) {
      attempt(() => console.error(err && err.stack ? err.stack : err));
    }
    outcome = ['FAILED', failureReason(err, context), failedPhysical(), {}];
  }
  clearTimeout(timer);
  await reply.send(...outcome);
  if (watchdogSending) await watchdogSending;   // let the watchdog's PUT finish
  return reply.body ? JSON.parse(reply.body.toString('utf8')) : null;
}

/* --- the plugin protocol ------------------------------------------------ */

function integral(n) {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 53;
}

function restore(name, kind, value) {
  const refuse = (what) => { throw new Failure(`input '${name}' must be ${what}, got ${quote(value)}`); };
  if (kind === 'string') {
    if (typeof value === 'boolean' || typeof value === 'number') return String(value);
    return typeof value === 'string' ? value : refuse('a string');
  }
  if (kind === 'number') {
    if (typeof value === 'number') return Number.isFinite(value) ? value : refuse('a finite number');
    if (typeof value !== 'string' || value.length > MAX_NUMBER_TEXT || !NUMBER_RE.test(value.trim())) {
      refuse('a number');
    }
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : refuse('a finite number');
  }
  if (kind === 'bool') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) {
      return value.toLowerCase() === 'true';
    }
    return refuse('true or false');
  }
  if (kind === 'list') {
    if (!Array.isArray(value)) refuse('a list of strings');
    return value.map((v, i) => restore(`${name}[${i}]`, 'string', v));
  }
  throw new Failure(`input '${name}' has the unknown type ${quote(kind)} in HitcPlugin.Types`);
}

function declaration(props) {
  let decl = props.HitcPlugin;
  if (decl === undefined || decl === null) return { plugin: '', types: {}, replace: [], outputs: null };
  if (typeof decl === 'string') {
    try { decl = JSON.parse(decl); } catch (_) { throw new Failure('the property HitcPlugin is not JSON'); }
  }
  if (typeof decl !== 'object' || Array.isArray(decl)) throw new Failure('the property HitcPlugin must be a map');
  const types = decl.Types || {};
  const replace = decl.Replace || [];
  const outputs = decl.Outputs || [];
  if (typeof types !== 'object' || Array.isArray(types) || !Array.isArray(replace) || !Array.isArray(outputs)) {
    throw new Failure('the property HitcPlugin must hold Types (a map), Replace and Outputs (lists)');
  }
  return { plugin: String(decl.Plugin || ''), types, replace, outputs };
}

/* The author's view of the properties: protocol keys gone, types restored.
 * For the old inputs of an Update, a missing or unrestorable value is passed
 * as it is: a rollback brings back the values of an update that failed. */
function inputsOf(props, old = false) {
  const { types } = declaration(props);
  const inputs = {};
  for (const k of Object.keys(props)) if (!PROTOCOL_KEYS.includes(k)) inputs[k] = props[k];
  for (const name of Object.keys(types)) {
    if (!(name in inputs)) {
      if (old) continue;
      throw new Failure(`input '${name}' is missing from the resource's properties`);
    }
    try {
      inputs[name] = restore(name, types[name], inputs[name]);
    } catch (err) {
      if (!old || !(err instanceof Failure)) throw err;
    }
  }
  return inputs;
}

function outputText(name, value) {
  const refuse = (what) => { throw new Failure(`output '${name}' ${what}, got ${quote(value)}`); };
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : refuse('must be a finite number');
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const items = value.map((v, i) => outputText(`${name}[${i}]`, v));
    if (items.some((s) => s.includes(','))) refuse("is a list with a comma inside an item (lists are joined with ',')");
    return items.join(',');
  }
  return refuse('must be a string, number, bool or list of strings');
}

function outputsData(result, declared, plugin) {
  if (result === undefined || result === null) result = {};
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new Failure(`the service must return an object of outputs, not ${Array.isArray(result) ? 'array' : typeof result}`);
  }
  if (declared === null) {
    const all = {};
    for (const k of Object.keys(result)) all[k] = outputText(k, result[k]);
    return all;
  }
  const missing = declared.filter((o) => result[o] === undefined || result[o] === null);
  if (missing.length) {
    const owner = plugin ? ` of plugin '${plugin}'` : '';
    throw new Failure(`the service did not return the declared output${missing.length > 1 ? 's' : ''}` +
                      `${owner} ${missing.map((o) => `'${o}'`).join(', ')}: ` +
                      'create and update must return every output');
  }
  const dropped = Object.keys(result).filter((k) => !declared.includes(k)).sort();
  if (dropped.length) log('undeclared outputs dropped', { outputs: dropped });
  const data = {};
  for (const o of declared) data[o] = outputText(o, result[o]);
  return data;
}

const sha256Hex = (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/* 8 hex of the `replace` inputs' values as CloudFormation sent them. */
function identity(props) {
  // a malformed HitcPlugin: its Create fails, with an ID all the same
  const replace = attempt(() => declaration(props).replace.map(String), []);
  const pairs = [...replace].sort().map((name) => [name, props[name] === undefined ? null : props[name]]);
  return sha256Hex(JSON.stringify(pairs)).slice(0, 8);
}

/* LOGICALID-HASH12-IDENT8: HASH12 of StackId, LogicalResourceId and RequestId
 * (a new one means a new resource), IDENT8 of the replace inputs it has. */
function newPhysicalId(event) {
  const seed = ['StackId', 'LogicalResourceId', 'RequestId'].map((k) => String(event[k] || '')).join('\0');
  const logical = String(event.LogicalResourceId || 'resource').slice(0, 255);
  return `${logical}-${sha256Hex(seed).slice(0, 12)}-${identity(event.ResourceProperties || {})}`;
}

function failedPhysicalId(event) {
  if (event.RequestType !== 'Create' && event.PhysicalResourceId) return event.PhysicalResourceId;
  if (event.LogicalResourceId) return FAILED_PREFIX + newPhysicalId(event);
  return FAILED_PREFIX + String(event.RequestId || 'unknown');
}

const ID_RE = /.-[0-9a-f]{12}-([0-9a-f]{8})$/s;

/* The `replace` inputs whose value differs between old and new properties, or
 * [] when the resource (by the IDENT8 of its physical ID) already has the new
 * values: the rollback of a replacement whose create() failed. */
function replaceChanged(event) {
  const props = event.ResourceProperties || {};
  const old = event.OldResourceProperties || {};
  const { replace } = declaration(props);
  const changed = replace.filter((name) => JSON.stringify(props[name]) !== JSON.stringify(old[name]));
  const m = ID_RE.exec(event.PhysicalResourceId || '');
  if (changed.length && m && m[1] === identity(props)) {
    log('the resource already has these replace inputs: updating it in place',
        { inputs: changed, physical_id: event.PhysicalResourceId });
    return [];
  }
  return changed;
}

function serve(functions, opts = {}) {
  const { create, update } = functions;
  const remove = functions.delete;
  for (const [what, fn] of [['create', create], ['update', update], ['delete', remove]]) {
    if (typeof fn !== 'function') throw new TypeError(`serve() needs a '${what}' function`);
  }

  async function perform(event) {
    const kind = event.RequestType;
    const props = event.ResourceProperties || {};
    const { plugin, outputs } = declaration(props);
    const pid = event.PhysicalResourceId;
    if (kind === 'Create') {
      return [newPhysicalId(event), outputsData(await create(inputsOf(props)), outputs, plugin)];
    }
    if (kind === 'Update') {
      const changed = replaceChanged(event);
      if (changed.length) {
        log('replace input changed: creating a new resource', { inputs: changed });
        return [newPhysicalId(event), outputsData(await create(inputsOf(props)), outputs, plugin)];
      }
      const old = inputsOf(event.OldResourceProperties || {}, true);
      return [pid || newPhysicalId(event), outputsData(await update(inputsOf(props), old), outputs, plugin)];
    }
    if (kind === 'Delete') {
      if (!pid || pid.startsWith(FAILED_PREFIX)) {
        log('delete of a resource that was never created: nothing to do', { physical_id: pid });
        return [pid || failedPhysicalId(event), {}];
      }
      await remove(inputsOf(props));
      return [pid, {}];
    }
    throw new Failure(`unknown RequestType ${quote(kind)}`);
  }

  return async function handler(event, context) {
    log('request', { type: event.RequestType, logical_id: event.LogicalResourceId,
                     physical_id: event.PhysicalResourceId, stack: event.StackId });
    const limit = parseFloat((event.ResourceProperties || {}).ServiceTimeout);
    return runRequest(event, context, perform, failedPhysicalId,
                      { margin: opts.margin, timeLimit: Number.isFinite(limit) ? limit : undefined });
  };
}

module.exports = {
  serve, runRequest, Failure, responseBody, putResponse, restore, inputsOf, outputText,
  outputsData, newPhysicalId, failedPhysicalId, identity, retry, MAX_BODY, FAILED_PREFIX,
};
