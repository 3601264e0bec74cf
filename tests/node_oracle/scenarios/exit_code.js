// process.exitCode sets the exit code without ending the process: pending work still runs;
// 'exit' listeners receive it, and one that changes exitCode changes the final code.
'use strict';
const log = (s) => console.log(s);

process.exitCode = 3;
process.on('exit', (code) => {
  log(`exit listener 1: code ${code}, exitCode ${process.exitCode}`);
});
process.on('exit', (code) => {
  log(`exit listener 2: code ${code}`);
  setTimeout(() => log('timer from exit listener (must not run)'), 0);
  process.exitCode = 4;
});
setTimeout(() => log(`timer runs, exitCode ${process.exitCode}`), 5);
