'use strict';
// fs.createReadStream / createWriteStream event order and chunking: a read stream with
// start/end (inclusive) and a small highWaterMark gives 'open', 'ready', one 'data' per
// highWaterMark bytes (the last one short), 'end', 'close'; pending flips at open and back at
// close; an end past EOF stops at EOF; start === end reads one byte; a missing file gives
// 'error' (ENOENT with the path) then 'close' and no 'open'; a write stream gives 'open',
// 'ready', 'finish', 'close' with writes made before the open kept in order.
const fs = require('fs');

const input = Buffer.alloc(1000);
for (let i = 0; i < input.length; i++) input[i] = (i * 7 + Math.floor(i / 251)) & 0xff;
fs.writeFileSync('input.bin', input);

function watchRead(name, rs, next) {
  console.log(name, 'pending', rs.pending);
  rs.on('open', (fd) => console.log(name, 'open', typeof fd, rs.pending));
  rs.on('ready', () => console.log(name, 'ready'));
  rs.on('data', (c) => console.log(name, 'data', c.length, c[0], c[c.length - 1], rs.bytesRead));
  rs.on('end', () => console.log(name, 'end', rs.bytesRead));
  rs.on('error', (e) => console.log(name, 'error', e.code, e.syscall, e.message));
  rs.on('close', () => {
    console.log(name, 'close', rs.pending, rs.destroyed);
    next();
  });
}

function range(next) {
  watchRead('range', fs.createReadStream('input.bin', { start: 100, end: 799, highWaterMark: 256 }), next);
}

function pastEof(next) {
  watchRead('pastEof', fs.createReadStream('input.bin', { start: 990, end: 5000, highWaterMark: 4 }), next);
}

function oneByte(next) {
  watchRead('oneByte', fs.createReadStream('input.bin', { start: 999, end: 999 }), next);
}

function whole(next) {
  watchRead('whole', fs.createReadStream('input.bin', { highWaterMark: 300 }), next);
}

function missing(next) {
  watchRead('missing', fs.createReadStream('missing.bin'), next);
}

function write(next) {
  const ws = fs.createWriteStream('output.bin', { highWaterMark: 4 });
  console.log('write', 'pending', ws.pending);
  ws.on('open', (fd) => console.log('write', 'open', typeof fd, ws.pending));
  ws.on('ready', () => console.log('write', 'ready'));
  ws.on('drain', () => console.log('write', 'drain'));
  ws.on('finish', () => console.log('write', 'finish', ws.bytesWritten));
  ws.on('close', () => {
    console.log('write', 'close', ws.pending, fs.readFileSync('output.bin').toString());
    next();
  });
  console.log('write', 'write', ws.write('abc'));
  console.log('write', 'write', ws.write('defg'));
  ws.end('hij');
}

const steps = [range, pastEof, oneByte, whole, missing, write];
function next() {
  const step = steps.shift();
  if (step) step(next);
}
next();
