// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/accepts: accepts, negotiator (with `preferred`) and type-is.
'use strict'
const accepts = require('accepts')
const Negotiator = require('negotiator')
const typeis = require('type-is')

require('./util_oracle_common')((c) => {
  const req = { headers: c.headers || {} }
  switch (c.op) {
    case 'types': return accepts(req).types(c.list)
    case 'encodings': return accepts(req).encodings(c.list)
    case 'charsets': return accepts(req).charsets(c.list)
    case 'languages': return accepts(req).languages(c.list)
    case 'preferredEncodings': return new Negotiator(req).encodings(c.list, { preferred: c.preferred })
    case 'is': return typeis.is(c.value, c.types)
    case 'hasBody': return typeis.hasBody(req)
    case 'normalize': return typeis.normalize(c.type)
    case 'match': return typeis.match(c.expected, c.actual)
  }
  throw new Error('unknown op ' + c.op)
})
