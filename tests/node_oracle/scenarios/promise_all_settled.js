// Promise.allSettled: one outcome per input, in input order, after every input settled; it
// never rejects.
'use strict';
const log = (s) => console.log(s);
const delay = (ms, v) => new Promise((resolve) => setTimeout(() => resolve(v), ms));
const failAfter = (ms, msg) => new Promise((_, reject) => setTimeout(() => reject(new Error(msg)), ms));

async function main() {
  const rs = await Promise.allSettled([
    delay(20, 'slow'), failAfter(5, 'E-fast'), Promise.resolve('now'), Promise.reject(new Error('E-now')),
  ]);
  log(`count ${rs.length}`);
  for (const r of rs) {
    log(r.status === 'fulfilled' ? `fulfilled ${r.value}` : `rejected ${r.reason.message}`);
  }
  const none = await Promise.allSettled([]);
  log(`empty: ${none.length}`);
}

main().then(() => log('main done'));
