// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/cookie: cookie's parse/serialize and cookie-signature's sign/unsign.
'use strict'
const cookie = require('cookie')
const signature = require('cookie-signature')

require('./util_oracle_common')((c) => {
  switch (c.op) {
    case 'parse': return cookie.parse(c.header)
    case 'serialize': {
      const o = Object.assign({}, c.options)
      if (o.expires !== undefined) o.expires = new Date(o.expires)
      if (o.sameSite === 'true') o.sameSite = true
      if (o.encode === false) o.encode = (v) => v
      return cookie.serialize(c.name, c.value, o)
    }
    case 'sign': return signature.sign(c.value, c.secret)
    case 'unsign': return signature.unsign(c.value, c.secret)
  }
  throw new Error('unknown op ' + c.op)
})
