// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/proxy_addr: Express's compileTrust, proxy-addr (ip, all) and ipaddr.js.
'use strict'
const proxyaddr = require('proxy-addr')
const ipaddr = require('ipaddr.js')
const { compileTrust } = require('express/lib/utils')

require('./util_oracle_common')((c) => {
  if (c.op === 'parseIp') {
    if (!ipaddr.isValid(c.s)) return false
    const ip = ipaddr.parse(c.s)
    return { v6: ip.kind() === 'ipv6', bytes: ip.toByteArray() }
  }
  const trust = compileTrust(c.trust)
  if (c.op === 'compile') return 'ok'
  const headers = {}
  if (c.xff !== null) headers['x-forwarded-for'] = c.xff
  const req = { headers, socket: { remoteAddress: c.socket } }
  const all = proxyaddr.all(req, trust)
  const ips = all.slice().reverse()
  ips.pop()
  return { ip: proxyaddr(req, trust), all, ips }
})
