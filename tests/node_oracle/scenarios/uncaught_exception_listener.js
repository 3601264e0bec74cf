// An 'uncaughtException' listener receives an error thrown by a timer callback, and the process
// keeps running: later timers and immediates still run, and the exit code stays 0.
'use strict';
const log = (s) => console.log(s);

process.on('uncaughtException', (err) => log(`uncaughtException: ${err.message}`));
process.on('exit', (code) => log(`exit ${code}`));

setTimeout(() => {
  log('timer 1 throws');
  throw new Error('boom from timer');
}, 1);
setTimeout(() => {
  log('timer 2 runs');
  setImmediate(() => {
    log('immediate throws');
    throw new Error('boom from immediate');
  });
  setTimeout(() => log('timer 3 runs'), 5);
}, 10);
