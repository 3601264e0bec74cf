// Errors in async functions: a throw before the first await still returns a rejected promise
// (the caller continues synchronously); try/catch around await catches a rejection; an error
// rethrown from a catch block rejects the outer promise; finally blocks run in order.
'use strict';
const log = (s) => console.log(s);

async function throwsAtOnce() {
  log('throwsAtOnce runs');
  throw new Error('thrown before any await');
}

async function awaitsRejection() {
  try {
    await Promise.reject(new Error('awaited rejection'));
    log('not reached');
  } catch (e) {
    log(`caught in async fn: ${e.message}`);
  }
  return 'recovered';
}

async function rethrows() {
  try {
    await null;
    throw new Error('inner');
  } catch (e) {
    throw new Error(`rethrown from catch (${e.message})`);
  } finally {
    log('finally in rethrows');
  }
}

const p = throwsAtOnce();
log('after calling throwsAtOnce');
p.catch((e) => log(`caught: ${e.message}`));
awaitsRejection().then((v) => log(`awaitsRejection: ${v}`));
rethrows().catch((e) => log(`caught: ${e.message}`));
log('sync end');
