// A .then() callback that returns a promise settles its result two ticks later than returning
// a value (NewPromiseResolveThenableJob plus the reaction); resolving a promise with a promise
// costs the same two ticks.
'use strict';
const log = (s) => console.log(s);

Promise.resolve()
  .then(() => {
    log('A1 returns a promise');
    return Promise.resolve('x');
  })
  .then((v) => log(`A2 got ${v}`));

new Promise((resolve) => resolve(Promise.resolve('y'))).then((v) => log(`C got ${v}`));

Promise.resolve()
  .then(() => log('B1'))
  .then(() => log('B2'))
  .then(() => log('B3'))
  .then(() => log('B4'))
  .then(() => log('B5'));
