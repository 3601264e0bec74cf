'use strict';
// zlib streams: a corrupt or truncated input destroys the stream with the zlib error ("error"
// with code, errno and message, then "close"); a good one delivers its data, then "end".
// Each case starts when the previous one closed, so the order is deterministic.
const zlib = require('zlib');

const hex = (s) => Buffer.from(s, 'hex');
const gz = hex('1f8b0800000000000003cb48cdc9c95728cf2fca4951c840b0013bcee2ea17000000');
const br = hex('1b1600f88d946ede44558696206c6f350b32b54006543b');

function run(label, stream, chunks, next) {
  let out = '';
  stream.on('data', (d) => { out += d.toString('latin1'); });
  stream.on('end', () => console.log(`${label}: end ${JSON.stringify(out)}`));
  stream.on('error', (e) => console.log(`${label}: error ${e.code} ${e.errno} ${e.message}`));
  stream.on('close', () => {
    console.log(`${label}: close`);
    next();
  });
  for (const c of chunks) stream.write(c);
  stream.end();
}

const cases = [
  ['gunzip ok', () => zlib.createGunzip(), [gz.subarray(0, 7), gz.subarray(7)]],
  ['gunzip two members', () => zlib.createGunzip(), [gz, gz.subarray(0, 20), gz.subarray(20)]],
  ['gunzip garbage', () => zlib.createGunzip(), [Buffer.from('garbage!')]],
  ['gunzip truncated', () => zlib.createGunzip(), [gz.subarray(0, 30)]],
  ['inflate garbage', () => zlib.createInflate(), [Buffer.from('garbage!')]],
  ['unzip garbage', () => zlib.createUnzip(), [Buffer.from('xx'), Buffer.from('yy')]],
  ['brotli ok', () => zlib.createBrotliDecompress(), [br]],
  ['brotli garbage', () => zlib.createBrotliDecompress(), [Buffer.from('garbage!')]],
  ['brotli truncated', () => zlib.createBrotliDecompress(), [br.subarray(0, 10)]],
  ['gunzip sync finish', () => zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }),
   [gz.subarray(0, 25)]],
];

function next(i) {
  if (i === cases.length) return;
  const [label, make, chunks] = cases[i];
  run(label, make(), chunks, () => next(i + 1));
}
next(0);
