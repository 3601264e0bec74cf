'use strict';
// zlib errors for corrupt, truncated, oversized and mis-configured input: name, code, errno
// and message of each, from the Sync forms and from the async (callback) forms. The inputs are
// fixed bytes (made once by node) so that both sides decompress exactly the same data.
const zlib = require('zlib');

const hex = (s) => Buffer.from(s, 'hex');
const gz = hex('1f8b0800000000000003cb48cdc9c95728cf2fca4951c840b0013bcee2ea17000000');
const df = hex('789ccb48cdc9c95728cf2fca4951c840b00169e708d9');
const raw = hex('cb48cdc9c95728cf2fca4951c840b001');
const br = hex('1b1600f88d946ede44558696206c6f350b32b54006543b');
const dictDf = hex('78bb3529066bcb40e32b8005006292089f');
const brBomb = hex('5bffff8f7f02201e0b0472ef1f00');  // 1 MiB of zeros
const garbage = Buffer.from('garbage!');

function describe(e) {
  return `${e.name} ${e.code} ${e.errno} ${e.message}`;
}
function show(label, f) {
  try {
    const out = f();
    console.log(`${label}: ok ${out.length} ${out.toString('latin1').slice(0, 40)}`);
  } catch (e) {
    console.log(`${label}: ${describe(e)}`);
  }
}
const flip = (b, i) => { const c = Buffer.from(b); c[c.length + i] ^= 1; return c; };

show('gunzip ok', () => zlib.gunzipSync(gz));
show('inflate ok', () => zlib.inflateSync(df));
show('inflateRaw ok', () => zlib.inflateRawSync(raw));
show('unzip gzip', () => zlib.unzipSync(gz));
show('unzip deflate', () => zlib.unzipSync(df));
show('brotli ok', () => zlib.brotliDecompressSync(br));
show('gunzip garbage', () => zlib.gunzipSync(garbage));
show('inflate garbage', () => zlib.inflateSync(garbage));
show('inflateRaw garbage', () => zlib.inflateRawSync(garbage));
show('unzip garbage', () => zlib.unzipSync(garbage));
show('brotli garbage', () => zlib.brotliDecompressSync(garbage));
show('brotli bad bytes', () => zlib.brotliDecompressSync(hex('1b1600f88d946e')));
show('gunzip truncated', () => zlib.gunzipSync(gz.subarray(0, gz.length - 4)));
show('gunzip header only', () => zlib.gunzipSync(gz.subarray(0, 10)));
show('inflate truncated', () => zlib.inflateSync(df.subarray(0, df.length - 2)));
show('inflateRaw truncated', () => zlib.inflateRawSync(raw.subarray(0, raw.length - 2)));
show('brotli truncated', () => zlib.brotliDecompressSync(br.subarray(0, br.length - 2)));
show('gunzip empty', () => zlib.gunzipSync(Buffer.alloc(0)));
show('unzip empty', () => zlib.unzipSync(Buffer.alloc(0)));
show('brotli empty', () => zlib.brotliDecompressSync(Buffer.alloc(0)));
show('gunzip of deflate', () => zlib.gunzipSync(df));
show('inflate of gzip', () => zlib.inflateSync(gz));
show('gunzip bad crc', () => zlib.gunzipSync(flip(gz, -8)));
show('gunzip bad length', () => zlib.gunzipSync(flip(gz, -2)));
show('inflate bad adler', () => zlib.inflateSync(flip(df, -1)));
show('gunzip two members', () => zlib.gunzipSync(Buffer.concat([gz, gz])));
show('gunzip zero padding', () => zlib.gunzipSync(Buffer.concat([gz, Buffer.alloc(7)])));
show('gunzip trailing junk', () => zlib.gunzipSync(Buffer.concat([gz, Buffer.from('junk')])));
show('inflate trailing junk', () => zlib.inflateSync(Buffer.concat([df, Buffer.from('junk')])));
show('inflate no dictionary', () => zlib.inflateSync(dictDf));
show('inflate bad dictionary', () => zlib.inflateSync(dictDf, { dictionary: Buffer.from('nope') }));
show('inflate dictionary', () => zlib.inflateSync(dictDf, { dictionary: Buffer.from('hello dictionary') }));
show('gunzip sync flush truncated', () =>
  zlib.gunzipSync(gz.subarray(0, gz.length - 8), { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
show('gunzip max 5', () => zlib.gunzipSync(gz, { maxOutputLength: 5 }));
show('gunzip max 23', () => zlib.gunzipSync(gz, { maxOutputLength: 23 }));
show('brotli bomb max 64k', () => zlib.brotliDecompressSync(brBomb, { maxOutputLength: 65536 }));
show('level 10', () => zlib.gzipSync('x', { level: 10 }));
show('windowBits 8 gzip', () => zlib.gzipSync('x', { windowBits: 8 }));
show('windowBits 16 inflate', () => zlib.inflateSync(df, { windowBits: 16 }));
show('memLevel 0', () => zlib.deflateSync('x', { memLevel: 0 }));
show('strategy 5', () => zlib.deflateSync('x', { strategy: 5 }));
show('chunkSize 63', () => zlib.deflateSync('x', { chunkSize: 63 }));
show('maxOutputLength 0', () => zlib.gunzipSync(gz, { maxOutputLength: 0 }));
show('maxOutputLength 2^32+1', () => zlib.gunzipSync(gz, { maxOutputLength: 2 ** 32 + 1 }));
show('finishFlush 6', () => zlib.gunzipSync(gz, { finishFlush: 6 }));
console.log(`crc32 ${zlib.crc32('hello')} ${zlib.crc32('world', 123)} ${zlib.crc32(zlib.gunzipSync(gz))}`);

// The async forms report the same errors.
zlib.gunzip(garbage, (e) => {
  console.log(`async gunzip garbage: ${describe(e)}`);
  zlib.brotliDecompress(br.subarray(0, 5), (e2) => {
    console.log(`async brotli truncated: ${describe(e2)}`);
    zlib.inflate(df, { maxOutputLength: 10 }, (e3) => {
      console.log(`async inflate max 10: ${describe(e3)}`);
      zlib.unzip(gz, (e4, out) => console.log(`async unzip: ${e4} ${out.toString()}`));
    });
  });
});
