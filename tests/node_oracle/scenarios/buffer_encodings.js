// SPDX-License-Identifier: MIT
// Buffer encoding edge cases as Node computes them, one "label: value" per line.
// TEST(BufferOracle, MatchesNode) in nodexx/core/buffer_test.cpp builds the same list in C++
// and compares it line by line: keep both lists in the same order.
'use strict';

const util = require('util');

const out = [];
const p = (label, value) => out.push(`${label}: ${value}`);
// Strings are printed as JSON after a UTF-8 round trip, so a lone surrogate prints as U+FFFD
// exactly as the UTF-8 text of the C++ side does.
const q = (s) => JSON.stringify(Buffer.from(s, 'utf8').toString('utf8'));
const hex = (b) => b.toString('hex');
const err = (label, fn) => {
  try {
    fn();
    p(label, 'no error');
  } catch (e) {
    p(label, `${e.code} ${e.message}`);
  }
};

// hex decoding stops at the first invalid pair; an odd trailing nibble is ignored
for (const s of ['abc', '0g12', '120g', 'zz', 'AbCdEf', '', 'ab cd', 'éab']) {
  p(`from hex ${q(s)}`, hex(Buffer.from(s, 'hex')));
}

// base64 decoding is lenient: both alphabets, junk skipped, '=' ends the input
const base64Inputs = [
  'QQ==QQ==', 'Q Q =', '-_-_', '+/+/', 'aGVsbG8gd29ybGQ', 'aGVs\nbG8=', 'QUJD!!REVG', 'QQ',
  'Q', '====', 'ŁA', 'aGk=aGk=', 'YQ=', 'Y Q', '\tYWJj\r\n', 'YW Jj ZA==',
];
for (const s of base64Inputs) p(`from base64 ${q(s)}`, hex(Buffer.from(s, 'base64')));
for (const s of ['-_-_', 'aGVsbG8/+w==', 'YWJjZA']) {
  p(`from base64url ${q(s)}`, hex(Buffer.from(s, 'base64url')));
}

// base64 output: padded; base64url output: unpadded
for (const h of ['', 'ff', 'fffe', 'fbffbf', '68656c6c6f']) {
  const b = Buffer.from(h, 'hex');
  p(`base64 of ${h}`, b.toString('base64'));
  p(`base64url of ${h}`, b.toString('base64url'));
}

// latin1 / ascii: one byte per UTF-16 code unit in; ascii clears the high bit out
p('from latin1 "aé😀"', hex(Buffer.from('aé😀', 'latin1')));
p('from ascii "aé"', hex(Buffer.from('aé', 'ascii')));
p('latin1 of 61e9ff', q(Buffer.from('61e9ff', 'hex').toString('latin1')));
p('ascii of e941ff', q(Buffer.from('e941ff', 'hex').toString('ascii')));

// utf8 toString replaces each maximal invalid subpart with U+FFFD
const utf8Inputs = [
  'f09f98', 'eda080', 'c080', 'e282', 'f4908080', 'ff', '8041', 'f09f9880', 'e08080', 'c2',
  '61f09f41', 'e2828', 'efbbbf61', 'f8888080', 'edbfbf', 'eebfbf', 'f48fbfbf', 'c3a9c3',
];
for (const h of utf8Inputs) p(`utf8 of ${h}`, q(Buffer.from(h, 'hex').toString('utf8')));
p('utf8 from "é😀" is bytes', hex(Buffer.from('é😀')));

// utf16le
p('from utf16le "aé😀"', hex(Buffer.from('aé😀', 'utf16le')));
p('utf16le of 6100e9003dd800de', q(Buffer.from('6100e9003dd800de', 'hex').toString('utf16le')));
p('utf16le of 610000d84100', q(Buffer.from('610000d84100', 'hex').toString('utf16le')));
p('utf16le of 610062', q(Buffer.from('610062', 'hex').toString('utf16le')));

// byteLength
for (const enc of ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'ascii', 'utf16le']) {
  p(`byteLength "aé😀" ${enc}`, Buffer.byteLength('aé😀', enc));
}
p('byteLength "QQ==" base64', Buffer.byteLength('QQ==', 'base64'));
p('byteLength "QQ= =" base64', Buffer.byteLength('QQ= =', 'base64'));

// toString ranges
p('toString hex 1..10 of "abc"', Buffer.from('abc').toString('hex', 1, 10));
p('toString latin1 from 5 of "abc"', q(Buffer.from('abc').toString('latin1', 5)));

// compare
const B = (s) => Buffer.from(s);
p('compare abc abd', Buffer.compare(B('abc'), B('abd')));
p('compare abc ab', Buffer.compare(B('abc'), B('ab')));
p('compare ab abc', Buffer.compare(B('ab'), B('abc')));
p('compare empty empty', Buffer.compare(B(''), B('')));
p('compare b a', Buffer.compare(B('b'), B('a')));
p('abc.compare(abd, 0, 2, 0, 2)', B('abc').compare(B('abd'), 0, 2, 0, 2));
p('abc.compare(abd, 2)', B('abc').compare(B('abd'), 2));
p('abc.compare(xbc, 1, 3, 1, 3)', B('abc').compare(B('xbc'), 1, 3, 1, 3));

// indexOf / lastIndexOf / includes
const hay = B('abcabc');
p('indexOf c -2', hay.indexOf('c', -2));
p('indexOf c 10', hay.indexOf('c', 10));
p('indexOf c -10', hay.indexOf('c', -10));
p('indexOf "" 10', hay.indexOf('', 10));
p('indexOf 6263 hex', hay.indexOf('6263', 0, 'hex'));
p('indexOf zz hex', hay.indexOf('zz', 0, 'hex'));
p('indexOf buffer bc 2', hay.indexOf(B('bc'), 2));
p('indexOf byte 0x63 3', hay.indexOf(0x63, 3));
p('lastIndexOf c', hay.lastIndexOf('c'));
p('lastIndexOf c -2', hay.lastIndexOf('c', -2));
p('lastIndexOf bc 5', hay.lastIndexOf('bc', 5));
p('lastIndexOf "" -10', hay.lastIndexOf('', -10));
p('includes ca', hay.includes('ca'));
p('includes cc', hay.includes('cc'));

// fixed-width reads and writes
const num = Buffer.from('fffffffe0102030405060708', 'hex');
p('readUInt32BE 0', num.readUInt32BE(0));
p('readUInt32LE 0', num.readUInt32LE(0));
p('readInt32BE 0', num.readInt32BE(0));
p('readUInt16LE 4', num.readUInt16LE(4));
p('readInt8 0', num.readInt8(0));
p('readBigUInt64LE 4', num.readBigUInt64LE(4));
p('readBigInt64BE 0', num.readBigInt64BE(0));
{
  const b = Buffer.alloc(8);
  b.writeDoubleBE(1.5);
  p('writeDoubleBE 1.5', hex(b));
  p('readDoubleBE', b.readDoubleBE());
  b.writeFloatLE(-2.25, 4);
  p('writeFloatLE -2.25 at 4', hex(b));
  p('writeInt16BE -2 at 1 returns', b.writeInt16BE(-2, 1));
  p('after writeInt16BE', hex(b));
}

// write / fill / concat / subarray
{
  const b = Buffer.alloc(5);
  p('write "éé😀" utf8 returns', b.write('éé😀'));
  p('after write', hex(b));
  p('write "abcdef01" hex at 1 into 3', Buffer.alloc(3).write('abcdef01', 1, 'hex'));
  p('write "QUJDREVG" base64 at 1 into 3', Buffer.alloc(3).write('QUJDREVG', 1, 'base64'));
}
p('fill "ab" from 1', hex(Buffer.alloc(5).fill('ab', 1)));
p('fill "a1z" hex', hex(Buffer.alloc(4).fill('a1z', 'hex')));
p('fill "é"', hex(Buffer.alloc(3).fill('é')));
p('fill "" hex', hex(Buffer.alloc(2, 1).fill('', 'hex')));
p('concat total 6', hex(Buffer.concat([B('ab'), B('cd')], 6)));
p('concat total 3', hex(Buffer.concat([B('ab'), B('cd')], 3)));
p('subarray -2 -1', q(B('abc').subarray(-2, -1).toString()));
p('slice -10 10', q(B('abc').slice(-10, 10).toString()));
p('copy into 2 from 1', B('abc').copy(Buffer.alloc(2), 1, 0));

// errors
err('readUInt32LE on 2 bytes', () => Buffer.alloc(2).readUInt32LE(0));
err('readUInt32LE 3 on 6 bytes', () => Buffer.alloc(6).readUInt32LE(3));
err('writeUInt8 256', () => Buffer.alloc(2).writeUInt8(256));
err('writeUInt32LE 2**40', () => Buffer.alloc(8).writeUInt32LE(2 ** 40));
err('writeInt32BE -(2**31)-1', () => Buffer.alloc(8).writeInt32BE(-(2 ** 31) - 1));
err('write at 10 of 4', () => Buffer.alloc(4).write('a', 10));
err('fill zz hex', () => Buffer.alloc(4).fill('zz', 'hex'));
err('fill end 5 of 4', () => Buffer.alloc(4).fill(1, 0, 5));
err('copy sourceStart 4 of 3', () => B('abc').copy(Buffer.alloc(2), 0, 4));
err('compare targetEnd 5', () => B('abc').compare(B('abd'), 0, 5));
err('alloc 2**32+1', () => Buffer.alloc(2 ** 32 + 1));

// inspect and isEncoding
p('inspect abc', util.inspect(B('abc')));
p('inspect empty', util.inspect(Buffer.alloc(0)));
p('inspect 52 bytes', util.inspect(Buffer.alloc(52, 7)));
for (const name of ['UTF-8', 'ucs2', 'Base64URL', 'binary', 'nope', '']) {
  p(`isEncoding ${q(name)}`, Buffer.isEncoding(name));
}

console.log(out.join('\n'));
