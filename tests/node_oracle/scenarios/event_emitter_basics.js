// EventEmitter basics: listeners run synchronously in registration order, once runs once,
// emit returns whether there were listeners, 'error' without a listener throws.
'use strict';
const { EventEmitter } = require('node:events');
const log = (s) => console.log(s);

const e = new EventEmitter();
e.on('data', (n) => log(`listener 1 got ${n}`));
const second = (n) => log(`listener 2 got ${n}`);
e.on('data', second);
e.once('data', (n) => log(`once got ${n}`));
log('before emit');
log(`emit returned ${e.emit('data', 1)}`);
log('after emit');
log(`count ${e.listenerCount('data')}`);
e.removeListener('data', second);
log(`emit returned ${e.emit('data', 2)}`);
log(`emit without listeners returned ${e.emit('nothing')}`);

try {
  e.emit('error', new Error('bad thing'));
} catch (err) {
  log(`caught: ${err.message}`);
}
try {
  e.emit('error', 'just text');
} catch (err) {
  log(`caught: ${err.code}: ${err.message}`);
}
e.on('error', (err) => log(`error listener: ${err.message}`));
log(`emit error returned ${e.emit('error', new Error('handled'))}`);
