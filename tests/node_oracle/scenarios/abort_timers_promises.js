// timers/promises setTimeout with { signal }: aborting rejects it with an AbortError (code
// ABORT_ERR) whatever the abort reason; an already aborted signal rejects at once;
// AbortSignal.timeout(ms) aborts with a TimeoutError and its timer does not keep the loop alive.
// (The timers that decide the order are created in firing order, with growing delays.)
'use strict';
const { setTimeout: sleep } = require('node:timers/promises');
const log = (s) => console.log(s);
const report = (label) => (e) => log(`${label} rejected: ${e.name} ${e.code} ${e.message}`);

sleep(5, undefined, { signal: AbortSignal.abort() }).then(() => log('must not resolve'), report('pre-aborted'));

const ac = new AbortController();
log(`aborted before: ${ac.signal.aborted}`);
sleep(1000, undefined, { signal: ac.signal }).then(() => log('must not resolve'), report('sleep 1'));
setTimeout(() => {
  log('aborting');
  ac.abort();
  log(`aborted after: ${ac.signal.aborted}`);
}, 10);

sleep(60).then(() => log('plain sleep 60 resolved'));

const custom = new AbortController();
sleep(1000, undefined, { signal: custom.signal }).then(() => log('must not resolve'), report('custom reason'));
setTimeout(() => custom.abort(new Error('my reason')), 110);

const ts = AbortSignal.timeout(160);
ts.addEventListener('abort', () => log(`timeout signal: ${ts.reason.name}: ${ts.reason.message}`));
sleep(1000, undefined, { signal: ts }).then(() => log('must not resolve'), report('timeout'));

const never = AbortSignal.timeout(5000);
never.addEventListener('abort', () => log('5 s timeout signal (must not fire)'));
process.on('exit', (code) => log(`exit ${code}`));
