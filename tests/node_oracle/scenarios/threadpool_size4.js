// env: UV_THREADPOOL_SIZE=4
// Four pool threads, six equal pbkdf2 jobs. Completion order is up to the OS scheduler, so only
// robust facts are printed: the first completion is one of the first four jobs (jobs 4 and 5
// start only when a thread frees up, after its completion is queued), all six complete, all
// keys are equal.
'use strict';
const crypto = require('node:crypto');
const log = (s) => console.log(s);

const done = [];
const keys = new Set();
for (let i = 0; i < 6; ++i) {
  crypto.pbkdf2('password', 'salt', 20000, 32, 'sha256', (err, key) => {
    if (err) throw err;
    if (done.length === 0) log(`first completion is one of jobs 0-3: ${i < 4}`);
    done.push(i);
    keys.add(key.toString('hex'));
    if (done.length === 6) {
      log(`completed: ${done.slice().sort((a, b) => a - b).join(',')}`);
      log(`distinct keys: ${keys.size}`);
    }
  });
}
log('submitted 6 jobs');
