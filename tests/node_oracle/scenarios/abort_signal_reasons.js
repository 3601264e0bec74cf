// The reasons an AbortSignal carries: abort() without a reason gives a DOMException named
// AbortError with message 'This operation was aborted' (AbortSignal.abort() the same), a given
// reason is kept as is, AbortSignal.timeout(ms) gives a TimeoutError.
'use strict';
const log = (s) => console.log(s);
const show = (label, signal) => {
  const r = signal.reason;
  log(`${label}: aborted ${signal.aborted}, reason ${r.name}: ${r.message}`);
};

const ac = new AbortController();
let calls = 0;
ac.signal.addEventListener('abort', () => ++calls);
ac.abort();
ac.abort(new Error('ignored second reason'));
show('controller', ac.signal);
log(`abort listener calls: ${calls}`);

show('AbortSignal.abort()', AbortSignal.abort());

const mine = new AbortController();
mine.abort(new Error('my reason'));
show('custom', mine.signal);

try {
  ac.signal.throwIfAborted();
} catch (e) {
  log(`throwIfAborted: ${e.name}: ${e.message}`);
}

const ts = AbortSignal.timeout(10);
ts.addEventListener('abort', () => show('timeout', ts));
setTimeout(() => log('keeper timer'), 30);
