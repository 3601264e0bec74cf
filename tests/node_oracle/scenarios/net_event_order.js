'use strict';
// The events of a client socket in a simple exchange with an echo server, and where the
// server's close callback falls: connect, the connect callback, ready, finish (our FIN is
// out), the echoed data, server close (its last connection ended), end, close.
const net = require('net');

const server = net.createServer((s) => s.pipe(s));
server.listen(0, '127.0.0.1', () => {
  const c = new net.Socket();
  for (const e of ['connect', 'ready', 'end', 'finish', 'close']) c.on(e, () => console.log(e));
  c.on('data', (b) => console.log('data:' + b));
  c.connect(server.address().port, '127.0.0.1', () => {
    console.log('connected');
    c.write('ping');
    c.end();
    server.close(() => console.log('server closed'));
  });
});
