// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/qs: qs.parse and qs.stringify with the options nodexx exposes.
'use strict'
const qs = require('qs')

require('./util_oracle_common')((c) => {
  if (c.op === 'parse') return qs.parse(c.s, c.options)
  return qs.stringify(c.value, c.options)
})
