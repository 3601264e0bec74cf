// SPDX-License-Identifier: MIT
// Node's https client against an https::Server's 'upgrade' listener (https_upgrade_test.cpp):
// a WebSocket-style handshake, then `size` bytes written in one go while the echo is read
// back. Prints one line: the answer's status and fields, how much came back and whether it
// is the payload, and what the socket was. Usage: node https_upgrade_client.js port ca size
'use strict';
const https = require('https');
const fs = require('fs');

const [port, caFile, size] = process.argv.slice(2);
const payload = Buffer.alloc(Number(size));
for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 12)) & 0xff;

const req = https.request({
  host: 'localhost',
  port,
  path: '/chat',
  ca: fs.readFileSync(caFile),
  headers: {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
  },
});
req.on('upgrade', (res, socket, head) => {
  const chunks = [head];
  let got = head.length;
  socket.on('data', (d) => {
    chunks.push(d);
    got += d.length;
    if (got >= payload.length) socket.end();  // the server ends its side in turn
  });
  socket.on('close', () => {
    const back = Buffer.concat(chunks);
    console.log(`${res.statusCode} upgrade=${res.headers.upgrade} ` +
                `accept=${res.headers['sec-websocket-accept']} echoed=${back.length} ` +
                `same=${back.equals(payload)} encrypted=${socket.encrypted}`);
  });
  socket.write(payload);
});
req.on('response', (res) => console.log(`no upgrade: ${res.statusCode}`));
req.on('error', (e) => {
  console.log('error', e.code, e.message);
  process.exitCode = 1;
});
req.end();
