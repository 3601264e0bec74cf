// An 'uncaughtException' listener that throws ends the process with exit code 7, and 'exit'
// listeners do not run.
'use strict';
const log = (s) => console.log(s);

process.on('uncaughtException', (err) => {
  log(`handler: ${err.message}`);
  throw new Error('the handler throws');
});
process.on('exit', (code) => log(`exit ${code} (Node does not print this)`));
setTimeout(() => {
  log('timer throws');
  throw new Error('first');
}, 1);
setTimeout(() => log('timer 2 (must not run)'), 1);
