// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/encode_url: encodeurl, escape-html and the URI component globals.
'use strict'
const encodeUrl = require('encodeurl')
const escapeHtml = require('escape-html')

require('./util_oracle_common')((c) => {
  switch (c.op) {
    case 'encodeUrl': return encodeUrl(c.s)
    case 'escapeHtml': return escapeHtml(c.s)
    case 'encodeURIComponent': return encodeURIComponent(c.s)
    case 'decodeURIComponent':
      try { return decodeURIComponent(c.s) } catch (e) { return null }
  }
  throw new Error('unknown op ' + c.op)
})
