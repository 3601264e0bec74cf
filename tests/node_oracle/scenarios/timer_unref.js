// An unref'd timer does not keep the process alive: the loop ends after the last ref'd timer
// and the 100 s callback never runs; an unref'd timer still fires while something else keeps
// the loop alive. ref() again makes a timer keep the loop alive.
'use strict';
const log = (s) => console.log(s);

const early = setTimeout(() => log('unref 5ms fired (loop still alive)'), 5);
early.unref();

const lonely = setTimeout(() => log('unref 100s fired (must not print)'), 100000);
log(`lonely hasRef before: ${lonely.hasRef()}`);
lonely.unref();
log(`lonely hasRef after unref: ${lonely.hasRef()}`);

const back = setTimeout(() => log('re-ref 30ms fired'), 30);
back.unref();
back.ref();
log(`back hasRef: ${back.hasRef()}`);

process.on('exit', (code) => log(`exit ${code}`));
