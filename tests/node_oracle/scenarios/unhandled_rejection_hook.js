// With a process 'unhandledRejection' listener, unhandled rejections go to it (in rejection
// order, after the queues drain) and the process keeps running with exit code 0.
'use strict';
const log = (s) => console.log(s);

process.on('unhandledRejection', (reason) => log(`hook: ${reason.message}`));
process.on('exit', (code) => log(`exit ${code}`));

async function failing() {
  await null;
  throw new Error('from async function');
}

Promise.reject(new Error('first'));
failing();
process.nextTick(() => log('tick'));
Promise.resolve().then(() => log('microtask'));
setTimeout(() => {
  log('timer still runs');
  Promise.reject(new Error('from timer'));
  setTimeout(() => log('later timer runs'), 1);
}, 1);
log('sync end');
