// An 'exit' listener that throws: the later 'exit' listeners do not run and the process exits
// with code 1.
'use strict';
const log = (s) => console.log(s);

process.on('exit', (code) => {
  log(`exit listener 1: ${code}`);
  throw new Error('thrown in an exit listener');
});
process.on('exit', () => log('exit listener 2 (must not run)'));
setTimeout(() => log('timer'), 1);
