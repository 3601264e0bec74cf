// An uncaught exception (no 'uncaughtException' listener) ends the process with exit code 1,
// whatever process.exitCode was; 'exit' listeners see 1 and process.exitCode is 1 there.
'use strict';
const log = (s) => console.log(s);

process.exitCode = 3;
process.on('exit', (code) => log(`exit ${code}, exitCode ${process.exitCode}`));
setTimeout(() => {
  log('timer throws');
  throw new Error('nobody catches this');
}, 1);
setTimeout(() => log('timer 2 (must not run)'), 1);
