// An unref'd immediate does not keep the process alive: alone, it never runs.
'use strict';
const log = (s) => console.log(s);

const a = setImmediate(() => log('unref immediate (must not run: nothing keeps the loop alive)'));
log(`hasRef before: ${a.hasRef()}`);
a.unref();
log(`hasRef after unref: ${a.hasRef()}`);
process.on('exit', (code) => log(`exit ${code}`));
