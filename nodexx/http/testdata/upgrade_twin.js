// SPDX-License-Identifier: MIT
// Node's side of server_upgrade_test.cpp's differential test: http.createServer with 'upgrade'
// and 'connect' listeners and trailer routes; the test runs the same handler and listeners on
// nx::http::Server and compares the raw bytes each server sends back. Listens on 127.0.0.1
// port 0, prints the port, and exits when stdin ends.
'use strict';
const http = require('http');
const crypto = require('crypto');

const server = http.createServer((req, res) => {
  if (req.url === '/trailers') {
    res.setHeader('Trailer', 'X-Sum');
    res.write('ab');
    res.addTrailers({'X-Sum': '3', 'x-more': 'a b'});
    res.end('c');
  } else if (req.url === '/trailers-end') {
    res.setHeader('Trailer', 'X-Sum');
    res.addTrailers({'X-Sum': '3'});
    res.end('abc');
  } else if (req.url === '/cl-trailers') {
    res.addTrailers({'X-Sum': '3'});
    res.end('abc');
  } else if (req.url === '/req-trailers') {
    req.resume();
    req.on('end', () => {
      let out = '';
      for (let i = 0; i < req.rawTrailers.length; i += 2) {
        out += `${req.rawTrailers[i]}=${req.rawTrailers[i + 1]};`;
      }
      res.end(out);
    });
  } else {
    res.end(`plain ${req.method} ${req.url}`);
  }
});

// Both listeners answer, send `head` back, then echo every byte until the client ends.
function echo(socket, head) {
  if (head.length) socket.write(head);
  socket.on('data', (d) => socket.write(d));
  socket.on('end', () => socket.end());
}

server.on('upgrade', (req, socket, head) => {
  const key = req.headers['sec-websocket-key'] || '';
  const accept = crypto.createHash('sha1')
                     .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
                     .digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\n` +
               `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  echo(socket, head);
});

server.on('connect', (req, socket, head) => {
  socket.write(`HTTP/1.1 200 Connection Established\r\nX-Target: ${req.url}\r\n\r\n`);
  echo(socket, head);
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
