// Default mode (throw): a rejection still unhandled once the nextTick and microtask queues
// drain ends the process with exit code 1; 'exit' listeners see 1; timers never run.
'use strict';
const log = (s) => console.log(s);

process.on('exit', (code) => log(`exit ${code}`));
setTimeout(() => log('timer (must not run)'), 0);
setImmediate(() => log('immediate (must not run)'));
process.nextTick(() => log('tick'));
Promise.reject(new Error('boom'));
Promise.resolve().then(() => log('microtask'));
log('sync end');
