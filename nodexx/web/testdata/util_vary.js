// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/vary: vary.append(header, field).
'use strict'
const vary = require('vary')

require('./util_oracle_common')((c) => vary.append(c.header, c.field))
