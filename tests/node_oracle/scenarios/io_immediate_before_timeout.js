// Inside an I/O completion (a thread-pool job finishing in the poll phase), setImmediate always
// runs before setTimeout(0): the check phase comes before the next timers phase. Three rounds.
'use strict';
const crypto = require('node:crypto');
const util = require('node:util');
const log = (s) => console.log(s);
const pbkdf2 = util.promisify(crypto.pbkdf2);

function round(n) {
  pbkdf2('secret', 'salt', 1, 32, 'sha256').then(() => {
    log(`round ${n}: completion`);
    setTimeout(() => {
      log(`round ${n}: timeout 0`);
      if (n < 3) round(n + 1);
    }, 0);
    setImmediate(() => log(`round ${n}: immediate`));
    process.nextTick(() => log(`round ${n}: tick`));
    Promise.resolve().then(() => log(`round ${n}: promise`));
  });
}

round(1);
log('main done');
