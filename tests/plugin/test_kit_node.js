'use strict';
/*
 * The Node plugin kit (runtime-support/plugin/node/hitc_plugin.js), one test
 * per rule of docs/plugins.md, against a local HTTP server standing in for
 * CloudFormation's ResponseURL.  The value tables are in cases.json, shared
 * with test_kit_python.py so the two kits keep the same rules.
 * Run: node --test tests/plugin/test_kit_node.js (tests/plugin/run_node.sh
 * turns its TAP into the suite's PASS/FAIL lines).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const http = require('http');
const path = require('path');

const kit = require(path.join(__dirname, '..', '..', 'runtime-support', 'plugin', 'node', 'hitc_plugin.js'));
const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, 'cases.json'), 'utf8'));
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/hits-dev/11111111-2222-3333-4444-555555555555';
const TYPES = { zone: 'string', ttl: 'number', private: 'bool', tags: 'list' };

kit.retry.base = 0.01;
kit.retry.cap = 0.05;

/* A ResponseURL on 127.0.0.1, port 0.  script: the statuses to answer the first
 * attempts with, in order (null: close without an answer); then 200. */
class ResponseServer {
  constructor() {
    this.requests = [];
    this.script = [];
    this.waiters = [];
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const status = this.script.length ? this.script.shift() : 200;
        this.requests.push({ status, body: Buffer.concat(chunks), time: Date.now(),
                             contentType: req.headers['content-type'] });
        if (status === null) {
          req.socket.destroy();           // no answer at all: the client sees the connection drop
        } else {
          res.writeHead(status, { 'Content-Length': 0 });
          res.end();
        }
        this.waiters.forEach((w) => w());
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}/response?X-Amz-Signature=abc`;
  }

  accepted() {
    return this.requests.filter((r) => r.status !== null && r.status < 500 && r.status !== 429);
  }

  /* The accepted answers, once there are `count` of them (or 20 s passed). */
  waitFor(count, seconds = 20) {
    return new Promise((resolve) => {
      const end = Date.now() + seconds * 1000;
      const check = () => {
        if (this.accepted().length >= count || Date.now() >= end) {
          this.waiters = this.waiters.filter((w) => w !== check);
          clearTimeout(timer);
          resolve(this.accepted());
        }
      };
      const timer = setTimeout(check, seconds * 1000);
      this.waiters.push(check);
      check();
    });
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

function fakeContext(millis = 60000) {
  const deadline = Date.now() + millis;
  return {
    deadline,
    logStreamName: '2026/11/30/[$LATEST]abc',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/* Silence the kit's log lines while fn runs; resolve to [result, the log]. */
async function quietly(fn) {
  const saved = [console.log, console.error];
  const lines = [];
  console.log = console.error = (...args) => lines.push(args.join(' '));
  try {
    return [await fn(), lines.join('\n')];
  } finally {
    [console.log, console.error] = saved;
  }
}

/* One test's world: a server, a record of calls, and builders. */
function world() {
  const w = { server: new ResponseServer(), calls: [] };
  w.props = (over = {}, opts = {}) => Object.assign({
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:svc',
    ServiceTimeout: '300',
    HitcPlugin: { Plugin: 'dns-record', Types: opts.types || TYPES,
                  Replace: opts.replace || ['zone'], Outputs: opts.outputs || ['fqdn'] },
    zone: 'Z1', ttl: '300', private: 'false', tags: ['a', 'b'],
  }, over);
  w.event = (kind, props, extra = {}) => Object.assign({
    RequestType: kind, ResponseURL: w.server.url, StackId: STACK_ID, RequestId: 'req-1',
    LogicalResourceId: 'WwwRecord', ResourceType: 'Custom::DnsRecord',
    ResourceProperties: props || w.props(),
  }, extra);
  w.service = (opts = {}) => {
    const make = (name) => async (...args) => {
      w.calls.push([name, args]);
      if (opts.error) throw opts.error;
      return opts.result || { fqdn: 'www.example.com' };
    };
    return kit.serve({
      create: opts.create || make('create'),
      update: make('update'),
      delete: make('delete'),
    }, { margin: opts.margin });
  };
  /* Run the handler; the one answer the server accepted, as an object. */
  w.answer = async (handler, event, context) => {
    const [, log] = await quietly(() => handler(event, context || fakeContext()));
    w.log = log;
    const accepted = await w.server.waitFor(1);
    assert.equal(accepted.length, 1, `want exactly one answer, got ${accepted.length}`);
    return JSON.parse(accepted[0].body.toString('utf8'));
  };
  w.reset = () => { w.server.requests.length = 0; w.calls.length = 0; };
  return w;
}

/* test(name, async (w) => ...) with a started server, closed afterwards. */
function kitTest(name, fn) {
  test(name, async () => {
    const w = world();
    await w.server.start();
    try {
      await fn(w);
    } finally {
      await w.server.close();
    }
  });
}

/* --- input types ------------------------------------------------------- */

kitTest('declared types are restored from CloudFormation\'s strings', async (w) => {
  for (const c of CASES.restore) {
    assert.deepEqual(kit.restore('x', c.type, c.sent), c.want, JSON.stringify(c));
  }
  const response = await w.answer(w.service(), w.event('Create'));
  assert.equal(response.Status, 'SUCCESS');
  assert.deepEqual(w.calls[0][1][0], { zone: 'Z1', ttl: 300, private: false, tags: ['a', 'b'] });
});

kitTest('a value that cannot be restored fails naming the input', async (w) => {
  for (const c of CASES.refuse) {
    assert.throws(() => kit.restore('x', c.type, c.sent),
                  (err) => err instanceof kit.Failure && err.message.includes(c.reason), JSON.stringify(c));
  }
  const response = await w.answer(w.service(), w.event('Create', w.props({ ttl: 'five' })));
  assert.equal(response.Status, 'FAILED');
  assert.equal(response.Reason, "input 'ttl' must be a number, got \"five\"");
  assert.deepEqual(w.calls, [], 'create must not run on bad inputs');
});

kitTest('protocol properties are not inputs', async (w) => {
  await w.answer(w.service(), w.event('Create', w.props({ extra: 'kept' })));
  const inputs = w.calls[0][1][0];
  for (const key of ['ServiceToken', 'ServiceTimeout', 'HitcPlugin']) assert.ok(!(key in inputs), key);
  assert.equal(inputs.extra, 'kept');
});

/* --- answers ------------------------------------------------------------ */

kitTest('success carries the outputs', async (w) => {
  const event = w.event('Create');
  const response = await w.answer(w.service(), event);
  assert.equal(response.Status, 'SUCCESS');
  assert.deepEqual(response.Data, { fqdn: 'www.example.com' });
  for (const key of ['StackId', 'RequestId', 'LogicalResourceId']) assert.equal(response[key], event[key]);
});

kitTest('an exception fails with its type and cut message', async (w) => {
  let response = await w.answer(w.service({ error: new RangeError('zone Z1 is not hosted here') }), w.event('Create'));
  assert.equal(response.Status, 'FAILED');
  assert.ok(response.Reason.startsWith('RangeError: zone Z1 is not hosted here'), response.Reason);
  assert.ok(response.Reason.includes('CloudWatch log stream 2026/11/30/[$LATEST]abc'), response.Reason);
  w.reset();
  response = await w.answer(w.service({ error: new Error('x'.repeat(10000)) }), w.event('Create'));
  assert.ok(response.Reason.includes('[cut]'));
  assert.ok(response.Reason.length < 2000);
  w.reset();
  response = await w.answer(w.service({ error: new kit.Failure('zone Z1 is not yours') }), w.event('Create'));
  assert.equal(response.Reason, 'zone Z1 is not yours');
});

kitTest('a hanging service is answered FAILED before its timeout and only once', async (w) => {
  // The work returns only after the watchdog's answer arrived: its own (late)
  // answer must be dropped, so the server sees one answer.
  const hang = async () => { await w.server.waitFor(1, 30); return { fqdn: 'late' }; };
  const context = fakeContext(6000);
  const response = await w.answer(w.service({ create: hang, margin: 3 }), w.event('Create'), context);
  assert.equal(response.Status, 'FAILED');
  assert.ok(response.Reason.includes('the service did not finish within its Lambda timeout'), response.Reason);
  assert.ok(response.PhysicalResourceId.startsWith('hitc-failed-'));
  assert.ok(w.server.requests[0].time < context.deadline);
  assert.equal(w.server.requests.length, 1, 'answered twice');
  assert.ok(w.log.includes('already answered'));
});

kitTest("the plugin's timeout bounds the watchdog when shorter", async (w) => {
  // ServiceTimeout 4 s in a Lambda with 60 s left: the answer comes at about
  // 4 - 2 s, long before the Lambda's own end (the hang gives up after 30 s
  // and would answer SUCCESS).
  const hang = async () => { await w.server.waitFor(1, 30); return { fqdn: 'late' }; };
  const response = await w.answer(w.service({ create: hang, margin: 2 }),
                                  w.event('Create', w.props({ ServiceTimeout: '4' })), fakeContext(60000));
  assert.equal(response.Status, 'FAILED');
  assert.ok(response.Reason.includes('did not finish'), response.Reason);
});

/* --- physical IDs ------------------------------------------------------- */

kitTest('an in-place update keeps the physical ID', async (w) => {
  const created = await w.answer(w.service(), w.event('Create'));
  const pid = created.PhysicalResourceId;
  assert.match(pid, /^WwwRecord-[0-9a-f]{12}-[0-9a-f]{8}$/);
  w.reset();
  const updated = await w.answer(w.service(), w.event('Update', w.props({ ttl: '60' }), {
    OldResourceProperties: w.props(), PhysicalResourceId: pid, RequestId: 'req-2' }));
  assert.equal(updated.Status, 'SUCCESS');
  assert.equal(updated.PhysicalResourceId, pid);
  const [name, [inputs, oldInputs]] = w.calls[0];
  assert.equal(name, 'update');
  assert.deepEqual([inputs.ttl, oldInputs.ttl], [60, 300]);
});

kitTest('a changed replace input creates a new resource with a new ID', async (w) => {
  const created = (await w.answer(w.service(), w.event('Create'))).PhysicalResourceId;
  for (const original of [created, 'WwwRecord-000000000000']) {   // the kit's own ID, and one without IDENT8
    w.reset();
    const updated = await w.answer(w.service(), w.event('Update', w.props({ zone: 'Z2' }), {
      OldResourceProperties: w.props(), PhysicalResourceId: original, RequestId: 'req-2' }));
    assert.equal(updated.Status, 'SUCCESS');
    assert.notEqual(updated.PhysicalResourceId, original);
    assert.match(updated.PhysicalResourceId, /^WwwRecord-[0-9a-f]{12}-[0-9a-f]{8}$/);
    assert.deepEqual(w.calls.map((c) => c[0]), ['create']);
    assert.equal(w.calls[0][1][0].zone, 'Z2');
  }
});

kitTest('the rollback of a failed replacement updates the original in place', async (w) => {
  // zone Z1 -> Z2 failed in create(), so the resource kept its ID (made for
  // Z1); the rollback Update (Z2 -> Z1) must not create a second Z1 that
  // CloudFormation's Delete of the original ID would then remove.
  const original = (await w.answer(w.service(), w.event('Create'))).PhysicalResourceId;
  w.reset();
  const response = await w.answer(w.service(), w.event('Update', w.props(), {
    OldResourceProperties: w.props({ zone: 'Z2', ttl: 'bad' }), PhysicalResourceId: original, RequestId: 'req-3' }));
  assert.equal(response.Status, 'SUCCESS');
  assert.equal(response.PhysicalResourceId, original);
  const [name, [inputs, oldInputs]] = w.calls[0];
  assert.equal(name, 'update');
  assert.deepEqual([inputs.zone, oldInputs.zone], ['Z1', 'Z2']);
  assert.equal(oldInputs.ttl, 'bad', 'an old value that cannot be restored is passed as sent');
});

kitTest('a failed update keeps the old ID', async (w) => {
  const response = await w.answer(w.service({ error: new Error('no') }), w.event('Update', w.props({ ttl: '60' }), {
    OldResourceProperties: w.props(), PhysicalResourceId: 'WwwRecord-000000000000' }));
  assert.equal(response.Status, 'FAILED');
  assert.equal(response.PhysicalResourceId, 'WwwRecord-000000000000');
});

kitTest('delete after a failed create succeeds without calling delete', async (w) => {
  const failed = await w.answer(w.service({ error: new Error('no') }), w.event('Create'));
  assert.ok(failed.PhysicalResourceId.startsWith('hitc-failed-WwwRecord-'), failed.PhysicalResourceId);
  w.reset();
  const deleted = await w.answer(w.service(), w.event('Delete', null, {
    PhysicalResourceId: failed.PhysicalResourceId, RequestId: 'req-2' }));
  assert.equal(deleted.Status, 'SUCCESS');
  assert.equal(deleted.PhysicalResourceId, failed.PhysicalResourceId);
  assert.deepEqual(w.calls, [], 'delete() must not run for a resource never created');
});

kitTest('delete of a real resource calls delete with typed inputs', async (w) => {
  const deleted = await w.answer(w.service(), w.event('Delete', null, { PhysicalResourceId: 'WwwRecord-0123456789ab' }));
  assert.equal(deleted.Status, 'SUCCESS');
  assert.equal(deleted.PhysicalResourceId, 'WwwRecord-0123456789ab');
  assert.equal(w.calls[0][0], 'delete');
  assert.equal(w.calls[0][1][0].ttl, 300);
});

kitTest('the physical ID is the documented hash, as in the Python kit', async () => {
  const c = CASES.physical_id;
  const event = { StackId: c.stack, LogicalResourceId: c.logical, RequestId: c.request, ResourceProperties: c.props };
  assert.equal(kit.newPhysicalId(event), CASES.physical_id.want);
});

/* --- outputs ------------------------------------------------------------ */

kitTest('a missing declared output fails naming it', async (w) => {
  const response = await w.answer(w.service({ result: { fqdn: 'x' } }),
                                  w.event('Create', w.props({}, { outputs: ['fqdn', 'id', 'zone_id'] })));
  assert.equal(response.Status, 'FAILED');
  assert.ok(response.Reason.includes("did not return the declared outputs of plugin 'dns-record' 'id', 'zone_id'"),
            response.Reason);
});

kitTest('undeclared keys are dropped', async (w) => {
  const response = await w.answer(w.service({ result: { fqdn: 'x', secret: 's', debug: 1 } }), w.event('Create'));
  assert.deepEqual(response.Data, { fqdn: 'x' });
});

kitTest('output values become strings', async (w) => {
  for (const c of CASES.outputs) assert.equal(kit.outputText('out', c.value), c.want, JSON.stringify(c));
  for (const c of CASES.bad_outputs) {
    assert.throws(() => kit.outputText('out', c.value),
                  (err) => err instanceof kit.Failure && err.message.includes(c.reason), JSON.stringify(c));
  }
  const response = await w.answer(w.service({ result: { fqdn: ['a', 'b'], n: 1 } }), w.event('Create'));
  assert.deepEqual(response.Data, { fqdn: 'a,b' });
});

/* --- bounds ------------------------------------------------------------- */

kitTest('a long reason is cut so the body fits 4096 bytes', async (w) => {
  await quietly(() => w.service({ error: new kit.Failure('é'.repeat(9000)) })(w.event('Create'), fakeContext()));
  const body = (await w.server.waitFor(1))[0].body;
  assert.ok(body.length <= 4096, `${body.length} bytes`);
  const response = JSON.parse(body.toString('utf8'));
  assert.ok(response.Reason.endsWith(' [cut]'));
  assert.ok(response.Reason.length > 100);
});

kitTest('data too big fails naming the outputs', async (w) => {
  const result = { fqdn: 'x', blob: 'b'.repeat(3000), more: 'm'.repeat(2000) };
  await quietly(() => w.service({ result })(w.event('Create', w.props({}, { outputs: ['fqdn', 'blob', 'more'] })),
                                            fakeContext()));
  const body = (await w.server.waitFor(1))[0].body;
  assert.ok(body.length <= 4096);
  const response = JSON.parse(body.toString('utf8'));
  assert.equal(response.Status, 'FAILED');
  assert.deepEqual(response.Data, {});
  assert.ok(response.Reason.includes("too big: 'blob' (3002 bytes)"), response.Reason);
  assert.ok(!response.Reason.includes("'fqdn'"));
});

kitTest('data that JSON cannot hold still gets an answer (bare runRequest)', async (w) => {
  await quietly(() => kit.runRequest(w.event('Create'), fakeContext(), async () => ['id-1', { x: 1n }],
                                     () => 'failed-id'));
  const response = JSON.parse((await w.server.waitFor(1))[0].body.toString('utf8'));
  assert.equal(response.Status, 'FAILED');
  assert.ok(response.Reason.includes('the answer could not be encoded (TypeError'), response.Reason);
});

/* --- delivery ----------------------------------------------------------- */

kitTest('the answer is put with an empty content type', async (w) => {
  await w.answer(w.service(), w.event('Create'));
  assert.equal(w.server.requests[0].contentType, '');
});

// 429 (too many requests) is retried like a 5xx; before, it was final.
kitTest('server errors and 429 are retried', async (w) => {
  w.server.script = [500, 503, 429, 500];
  const response = await w.answer(w.service(), w.event('Create'));
  assert.equal(response.Status, 'SUCCESS');
  assert.deepEqual(w.server.requests.map((r) => r.status), [500, 503, 429, 500, 200]);
});

kitTest('dropped connections are retried', async (w) => {
  w.server.script = [null, null];
  const response = await w.answer(w.service(), w.event('Create'));
  assert.equal(response.Status, 'SUCCESS');
  assert.deepEqual(w.server.requests.map((r) => r.status), [null, null, 200]);
});

kitTest('retries stop when the time is up', async (w) => {
  w.server.script = new Array(100000).fill(500);
  const [sent, log] = await quietly(() => kit.putResponse(w.server.url, Buffer.from('{}'), Date.now() + 2000));
  assert.equal(sent, false);
  assert.ok(w.server.requests.length > 1);
  assert.ok(log.includes('gave up sending the answer'));
});

kitTest('a 4xx is not retried', async (w) => {
  // A 403 from S3 (an expired or mis-signed URL) will not get better.
  w.server.script = [403];
  const [sent, log] = await quietly(() => kit.putResponse(w.server.url, Buffer.from('{}'), Date.now() + 5000));
  assert.equal(sent, false);
  assert.deepEqual(w.server.requests.map((r) => r.status), [403]);
  assert.ok(log.includes('CloudFormation refused the answer'));
});

/* --- every path answers ---------------------------------------------------
 * Reproductions: each of these left CloudFormation waiting out its whole
 * timeout, because the kit threw on its way to the FAILED answer. */

kitTest('a malformed HitcPlugin property is answered FAILED', async (w) => {
  // The failure path re-parsed HitcPlugin for the physical ID and threw again.
  const cases = [['{not json', 'the property HitcPlugin is not JSON'],
                 [[1, 2], 'the property HitcPlugin must be a map'],
                 [{ Types: 'zone' }, 'the property HitcPlugin must hold Types']];
  for (const [bad, reason] of cases) {
    for (const kind of ['Create', 'Update', 'Delete']) {
      w.reset();
      const props = w.props({ HitcPlugin: bad });
      const extra = kind === 'Create' ? {}
        : { PhysicalResourceId: 'WwwRecord-0123456789ab-00000000', OldResourceProperties: props };
      const response = await w.answer(w.service(), w.event(kind, props, extra));
      assert.equal(response.Status, 'FAILED', `${kind} ${JSON.stringify(bad)}`);
      assert.ok(response.Reason.includes(reason), response.Reason);
      if (kind === 'Create') {
        assert.ok(response.PhysicalResourceId.startsWith('hitc-failed-WwwRecord-'), response.PhysicalResourceId);
      }
    }
  }
  assert.deepEqual(w.calls, []);
});

kitTest('an error whose text cannot be made is answered', async (w) => {
  const noProto = Object.create(null);                 // String() of it throws
  const badMessage = new Error('x');
  Object.defineProperty(badMessage, 'message', { get() { throw new Error('no text'); } });
  const hostile = new Proxy({}, { get() { throw new Error('no'); }, getPrototypeOf() { throw new Error('no'); } });
  for (const [error, type] of [[noProto, 'object'], [badMessage, 'Error'], [hostile, 'object'],
                               [undefined, 'undefined']]) {
    w.reset();
    const response = await w.answer(w.service({ create: async () => { throw error; } }), w.event('Create'));
    assert.equal(response.Status, 'FAILED');
    assert.ok(response.Reason.startsWith(`${type}`), response.Reason);
    assert.ok(response.PhysicalResourceId.startsWith('hitc-failed-'));
  }
});

kitTest('the watchdog answers even when the physical ID cannot be made', async (w) => {
  const hang = async () => { await w.server.waitFor(1, 30); return ['late', {}]; };
  const brokenId = () => { throw new Error('no id'); };
  await quietly(() => kit.runRequest(w.event('Create'), fakeContext(4000), hang, brokenId, { margin: 2 }));
  const response = JSON.parse((await w.server.waitFor(1))[0].body.toString('utf8'));
  assert.equal(response.Status, 'FAILED');
  assert.equal(response.PhysicalResourceId, 'hitc-failed-req-1');
});

test('the number pattern does not backtrack', () => {
  // '1' x N + 'x' took quadratic time in the number pattern; the check runs in
  // a process of its own, which a hang would keep past the generous bound.
  const { spawnSync } = require('child_process');
  const kitPath = path.join(__dirname, '..', '..', 'runtime-support', 'plugin', 'node', 'hitc_plugin.js');
  const code = `const k = require(${JSON.stringify(kitPath)});
    for (const text of ['1'.repeat(200000) + 'x', '1'.repeat(200000) + '.' + '1'.repeat(200000) + 'x', '1'.repeat(5000)]) {
      try { k.restore('n', 'number', text); console.log('accepted'); }
      catch (err) { console.log(err.message.slice(0, 38)); }
    }`;
  const out = spawnSync(process.execPath, ['-e', code], { timeout: 60000, encoding: 'utf8' });
  assert.equal(out.error, undefined, String(out.error));
  assert.deepEqual(out.stdout.trim().split('\n'), new Array(3).fill('input \'n\' must be a number, got "11111'));
});
