// env: UV_THREADPOOL_SIZE=1
// With one pool thread, six equal pbkdf2 jobs run one after the other and complete in
// submission order; the main script finishes before any completion.
'use strict';
const crypto = require('node:crypto');
const log = (s) => console.log(s);

for (let i = 0; i < 6; ++i) {
  crypto.pbkdf2('password', 'salt', 20000, 32, 'sha256', (err, key) => {
    if (err) throw err;
    log(`job ${i} done${i === 0 ? ` key ${key.toString('hex')}` : ''}`);
  });
}
log('submitted 6 jobs');
