// SPDX-License-Identifier: MIT
// Node oracle for nx::EventEmitter. EventEmitterOracle.MatchesNode in
// nodexx/core/event_emitter_test.cpp performs the same steps in C++ and compares stdout line by
// line, so keep both in step. Run: node tests/node_oracle/scenarios/event_emitter_rules.js
'use strict';
const { EventEmitter } = require('node:events');

const log = (line) => console.log(line);

// 1. Registration order, prepend, prependOnce, emit's return value.
{
  const e = new EventEmitter();
  e.on('a', (x) => log(`order on1 ${x}`));
  e.on('a', (x) => log(`order on2 ${x}`));
  e.prependListener('a', (x) => log(`order prepend ${x}`));
  e.prependOnceListener('a', (x) => log(`order prependOnce ${x}`));
  log(`order emit ${e.emit('a', 'p')}`);
  log(`order emit ${e.emit('a', 'q')}`);
  log(`order emit none ${e.emit('none')}`);
}

// 2. once is removed before it is called and runs once.
{
  const e = new EventEmitter();
  e.once('x', (n) => log(`once ${n} count ${e.listenerCount('x')}`));
  log(`once emit ${e.emit('x', 1)}`);
  log(`once emit ${e.emit('x', 2)}`);
}

// 3. once that emits its own event.
{
  const e = new EventEmitter();
  e.once('r', (n) => {
    log(`once-reentrant ${n}`);
    log(`once-reentrant inner ${e.emit('r', n + 1)}`);
  });
  e.emit('r', 1);
}

// 4. Re-entrant emit.
{
  const e = new EventEmitter();
  e.on('depth', (n) => {
    log(`depth ${n}`);
    if (n < 3) e.emit('depth', n + 1);
    log(`depth ${n} done`);
  });
  e.emit('depth', 1);
}

// 5. A listener added during emit is not called for that emit.
{
  const e = new EventEmitter();
  e.on('add', () => {
    log('add first');
    e.on('add', () => log('add late'));
  });
  e.emit('add');
  log(`add count ${e.listenerCount('add')}`);
  e.emit('add');
  log(`add count ${e.listenerCount('add')}`);
}

// 6. A listener removed during emit still runs for that emit, a once listener too.
{
  const e = new EventEmitter();
  const second = () => log('remove second');
  e.on('rm', () => {
    log('remove first');
    e.removeListener('rm', second);
  });
  e.on('rm', second);
  e.emit('rm');
  e.emit('rm');
  const once = () => log('remove once still runs');
  e.on('q', () => e.removeListener('q', once));
  e.once('q', once);
  e.emit('q');
  e.emit('q');
  log(`remove count ${e.listenerCount('q')}`);
}

// 7. newListener before a listener is added, removeListener after one is removed.
{
  const e = new EventEmitter();
  e.on('newListener', (name) => log(`newListener ${name} count ${e.listenerCount(name)}`));
  e.on('removeListener', (name) => log(`removeListener ${name} count ${e.listenerCount(name)}`));
  const foo = () => log('foo');
  e.on('foo', foo);
  e.once('bar', () => log('bar once'));
  e.emit('bar');
  e.removeListener('foo', foo);
  e.on('x', () => {});
  e.on('x', () => {});
  e.on('y', () => {});
  e.removeAllListeners('x');
  e.on('x', () => {});
  log(`meta names ${e.eventNames().join(',')}`);
  e.removeAllListeners();
  log(`meta names [${e.eventNames().join(',')}]`);
}

// 8. "error" without a listener throws.
{
  const e = new EventEmitter();
  try {
    e.emit('error', new Error('boom'));
  } catch (err) {
    log(`caught ${err.message}`);
  }
  try {
    e.emit('error', 'text');
  } catch (err) {
    log(`caught ${err.code}`);
  }
  try {
    e.emit('error');
  } catch (err) {
    log(`caught ${err.code}`);
  }
  e.on('error', (err) => log(`error listener ${err.message}`));
  log(`error emit ${e.emit('error', new Error('handled'))}`);
}

// 9. A listener's exception propagates and the remaining listeners are not called.
{
  const e = new EventEmitter();
  e.on('t', () => {
    throw new Error('listener threw');
  });
  e.on('t', () => log('not reached'));
  try {
    e.emit('t');
  } catch (err) {
    log(`caught ${err.message}`);
  }
  log(`throw count ${e.listenerCount('t')}`);
}

// 10. listenerCount and eventNames.
{
  const e = new EventEmitter();
  e.on('b', () => {});
  e.on('a', () => {});
  e.on('c', () => {});
  e.on('a', () => {});
  log(`count a ${e.listenerCount('a')} b ${e.listenerCount('b')} z ${e.listenerCount('z')}`);
  e.removeAllListeners('b');
  e.on('b', () => {});
  log(`names ${e.eventNames().join(',')}`);
}

// 11. maxListeners. Node prints the warning to stderr; the 'warning' listener repeats it on
// stdout (after the synchronous part, on the next tick) so that the text is compared too.
process.on('warning', (w) => log(`warning ${w.name}: ${w.message}`));
{
  log(`default max ${EventEmitter.defaultMaxListeners}`);
  const e = new EventEmitter();
  log(`max ${e.getMaxListeners()}`);
  for (let i = 0; i < 12; i++) e.on('foo', () => {});
  const unlimited = new EventEmitter();
  unlimited.setMaxListeners(0);
  for (let i = 0; i < 20; i++) unlimited.on('foo', () => {});
  class MyEmitter extends EventEmitter {}
  const m = new MyEmitter();
  m.setMaxListeners(1);
  log(`max ${m.getMaxListeners()}`);
  m.on('bar', () => {});
  m.on('bar', () => {});
  m.on('bar', () => {});
  log('sync end');
}
