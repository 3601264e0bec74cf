'use strict';
// The codes and messages of net's common failures: a refused connection, a port in use, an
// unknown host, a missing Unix socket, and closing a server that is not running. Ports vary
// from run to run, so they are printed as PORT.
const net = require('net');

function show(what, e, port) {
  const msg = port === undefined ? e.message : e.message.split(String(port)).join('PORT');
  console.log(`${what}: ${e.code} ${e.syscall} | ${msg}`);
}

const probe = net.createServer();
probe.listen(0, '127.0.0.1', () => {
  const port = probe.address().port;
  const taken = net.createServer();
  taken.on('error', (e) => {
    show('listen', e, port);
    probe.close(() => {
      const c = net.connect(port, '127.0.0.1');
      c.on('error', (e2) => {
        show('connect', e2, port);
        const d = net.connect(80, 'nonexistent.invalid');
        d.on('error', (e3) => {
          show('lookup', e3);
          const u = net.connect('/tmp/nodexx-oracle-no-such.sock');
          u.on('error', (e4) => {
            show('unix', e4);
            net.createServer().close((e5) => console.log(`close: ${e5.code} | ${e5.message}`));
          });
        });
      });
    });
  });
  taken.listen(port, '127.0.0.1');
});
