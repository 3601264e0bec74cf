'use strict';
// Tearing fs streams down, one case after the other: destroy() before the open completes
// ('open' and 'ready' still come, then 'close'), destroy() from a 'data' listener, close(cb)
// before the end (ERR_STREAM_PREMATURE_CLOSE), autoClose: false (no 'close' until close()),
// an AbortSignal, a write held for the open failing with ERR_STREAM_DESTROYED, a write in
// flight at destroy() (its ERR_STREAM_DESTROYED becomes the stream's 'error'), and a write
// stream's close(cb).
const fs = require('fs');

const input = Buffer.alloc(200000);
for (let i = 0; i < input.length; i++) input[i] = (i * 7 + Math.floor(i / 251)) & 0xff;
fs.writeFileSync('input.bin', input);

function watch(name, s) {
  s.on('open', () => console.log(name, 'open'));
  s.on('ready', () => console.log(name, 'ready'));
  s.on('end', () => console.log(name, 'end'));
  s.on('finish', () => console.log(name, 'finish'));
  s.on('error', (e) => console.log(name, 'error', e.name, e.code, e.message));
}

const steps = [
  (next) => {
    const rs = fs.createReadStream('input.bin');
    watch('early', rs);
    rs.on('close', () => { console.log('early close', rs.pending, rs.bytesRead); next(); });
    rs.destroy();
    console.log('early destroyed', rs.destroyed, rs.pending);
  },
  (next) => {
    const rs = fs.createReadStream('input.bin', { highWaterMark: 1000 });
    watch('inData', rs);
    rs.on('data', (c) => { console.log('inData data', c.length); rs.destroy(); });
    rs.on('close', () => { console.log('inData close', rs.bytesRead); next(); });
  },
  (next) => {
    const rs = fs.createReadStream('input.bin');
    watch('closeCb', rs);
    rs.once('data', () => rs.close((e) => { console.log('closeCb callback', e && e.code); next(); }));
    rs.on('close', () => console.log('closeCb close'));
  },
  (next) => {
    const rs = fs.createReadStream('input.bin', { start: 0, end: 9, autoClose: false });
    watch('noAutoClose', rs);
    rs.on('data', (c) => console.log('noAutoClose data', c.length));
    // The next case starts on "close": its open and this stream's fd close both go to the
    // thread pool, so starting it earlier would race them.
    rs.on('close', () => { console.log('noAutoClose close', rs.pending); next(); });
    rs.on('end', () => setTimeout(() => {
      console.log('noAutoClose after end', rs.destroyed, rs.pending);
      rs.close((e) => console.log('noAutoClose callback', e && e.code));
    }, 1));
  },
  (next) => {
    const ac = new AbortController();
    const rs = fs.createReadStream('input.bin', { signal: ac.signal });
    watch('abort', rs);
    rs.once('open', () => ac.abort());
    rs.on('close', () => { console.log('abort close', rs.destroyed); next(); });
  },
  (next) => {
    const ws = fs.createWriteStream('early.bin');
    watch('heldWrite', ws);
    ws.write('x', (e) => console.log('heldWrite write cb', e && e.code));
    ws.on('close', () => { console.log('heldWrite close', ws.bytesWritten); next(); });
    ws.destroy();
  },
  (next) => {
    const ws = fs.createWriteStream('big.bin');
    watch('inFlight', ws);
    ws.once('open', () => {
      ws.write(Buffer.alloc(8 << 20), (e) => console.log('inFlight write cb', e && e.code));
      setImmediate(() => { console.log('inFlight destroy'); ws.destroy(); });
    });
    ws.on('close', () => { console.log('inFlight close', ws.bytesWritten); next(); });
  },
  (next) => {
    const ws = fs.createWriteStream('closed.bin', { autoClose: false });
    watch('wsClose', ws);
    ws.write('abc');
    ws.on('close', () => console.log('wsClose close', ws.bytesWritten));
    ws.close(() => {
      console.log('wsClose callback', fs.readFileSync('closed.bin').toString());
      next();
    });
  },
];

function next() {
  const step = steps.shift();
  if (step) step(next);
}
next();
